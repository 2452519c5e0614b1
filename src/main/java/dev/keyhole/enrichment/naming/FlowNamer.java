package dev.keyhole.enrichment.naming;

import dev.keyhole.records.DnsRecord;
import dev.keyhole.records.FlowRecord;
import dev.keyhole.records.HttpRecord;
import dev.keyhole.records.Ip;
import dev.keyhole.records.NameSource;
import dev.keyhole.records.RecordSink;
import dev.keyhole.records.TlsRecord;
import dev.keyhole.records.IpText;

import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Attaches a server name to flows, from the most to the least trustworthy source:
 * <ol>
 *   <li>the TLS SNI of the same connection (ssl.log uid = flow uid): {@link NameSource#SNI};</li>
 *   <li>the HTTP Host header of the same connection: {@link NameSource#HTTP_HOST};</li>
 *   <li>a DNS answer: the flow's src asked for a name and got the flow's dst as an address (or
 *       the reverse, for a server-to-client flow), at most {@code dnsWindow} before the flow
 *       started or {@code skew} after (sensor clocks differ): {@link NameSource#DNS}. When
 *       several names qualify, the most recently answered one wins.</li>
 * </ol>
 *
 * <p>Use: feed the name-carrying records (http, tls, dns) through the {@link RecordSink} methods,
 * one thread per instance; {@link #merge} instances filled in parallel; then call {@link #name}
 * from any number of threads. The first {@code name} call freezes the namer (sorts and compacts
 * the DNS answers); collecting or merging into it afterwards throws IllegalStateException.
 *
 * <p>Memory is bounded by {@code maxEntries}: one entry per connection uid with a SNI/Host, one
 * per (client, address, name) run of DNS answers (repeated answers less than a window apart
 * share one entry). An entry costs about 100-200 bytes, names are stored once. When the cap is
 * reached new entries are dropped and counted in {@link #dropped()}; known entries are still
 * refreshed or upgraded (a Host replaced by the SNI of the same connection).
 */
public final class FlowNamer implements RecordSink {
    public static final Duration DEFAULT_WINDOW = Duration.ofHours(1);
    public static final Duration DEFAULT_SKEW = Duration.ofSeconds(5);

    private static final NameSource[] SOURCES = NameSource.values();
    /** Longest DNS name; longer Host/SNI values are garbage, not names. */
    private static final int MAX_NAME = 253;
    /** How many of a pair's latest runs an incoming answer is compared with before it opens a new run. */
    private static final int MERGE_LOOKBACK = 8;

    private final long windowMs;
    private final long skewMs;
    private final int maxEntries;

    private final Map<String, Integer> nameIds = new HashMap<>();
    private String[] names = new String[64];
    private int nameCount;

    // uid -> (name id << 2 | NameSource ordinal); uids packed into two longs (see packUid).
    private final LongKeyIndex uids = new LongKeyIndex(2, 1024);
    private int[] uidValue = new int[1024];
    private final Map<String, Integer> oddUids = new HashMap<>();

    // (client, answer address) -> runs of {first ms, last ms, name id}, flattened in threes.
    private final LongKeyIndex pairs = new LongKeyIndex(4, 1024);
    private long[][] runs = new long[1024][];
    private int[] runCount = new int[1024];
    private long[] maxSpan;

    private long entries;
    private long dropped;
    private volatile boolean frozen;

    public FlowNamer(Duration dnsWindow, int maxEntries) {
        this(dnsWindow, DEFAULT_SKEW, maxEntries);
    }

    /**
     * @param dnsWindow  how long before a flow's start a DNS answer still names it
     * @param skew       how long after the start (clock differences between sensors)
     * @param maxEntries cap on stored names, see the class comment
     */
    public FlowNamer(Duration dnsWindow, Duration skew, int maxEntries) {
        if (dnsWindow.isNegative() || skew.isNegative()) throw new IllegalArgumentException("negative window");
        if (maxEntries <= 0) throw new IllegalArgumentException("maxEntries must be positive: " + maxEntries);
        this.windowMs = dnsWindow.toMillis();
        this.skewMs = skew.toMillis();
        this.maxEntries = maxEntries;
    }

    // ---- collection ----

    @Override
    public void tls(TlsRecord t) {
        if (t.uid() == null) return;
        String name = normalize(t.serverName(), false);
        if (name != null) putUid(t.uid(), name, NameSource.SNI);
    }

    @Override
    public void http(HttpRecord h) {
        if (h.uid() == null) return;
        String name = normalize(h.host(), true);
        if (name != null) putUid(h.uid(), name, NameSource.HTTP_HOST);
    }

    @Override
    public void dns(DnsRecord d) {
        if (d.client() == null || d.answers() == null || d.answers().isEmpty()) return;
        String name = normalize(d.query(), false);
        if (name == null) return;
        checkOpen();
        Ip c = d.client();
        for (Ip a : d.answers()) addRun(c.hi(), c.lo(), a.hi(), a.lo(), d.tsMillis(), d.tsMillis(), name);
    }

    /** Adds everything {@code other} collected; entries beyond the cap are dropped and counted. */
    public void merge(FlowNamer other) {
        if (other == this) throw new IllegalArgumentException("cannot merge a namer into itself");
        checkOpen();
        long[] key = new long[4];
        for (int id = 0; id < other.uids.size(); id++) {
            other.uids.key(id, key);
            int v = other.uidValue[id];
            putPacked(key[0], key[1], other.names[v >>> 2], SOURCES[v & 3]);
        }
        for (Map.Entry<String, Integer> e : other.oddUids.entrySet()) {
            int v = e.getValue();
            putOdd(e.getKey(), other.names[v >>> 2], SOURCES[v & 3]);
        }
        for (int id = 0; id < other.pairs.size(); id++) {
            other.pairs.key(id, key);
            long[] r = other.runs[id];
            for (int k = 0; k < other.runCount[id]; k++) {
                addRun(key[0], key[1], key[2], key[3], r[3 * k], r[3 * k + 1], other.names[(int) r[3 * k + 2]]);
            }
        }
        dropped += other.dropped;
    }

    private void checkOpen() {
        if (frozen) throw new IllegalStateException("FlowNamer already used for naming; collect before the first name()");
    }

    private void putUid(String uid, String name, NameSource src) {
        checkOpen();
        long a = packPart(uid, 0), b = packPart(uid, 10);
        if (uid.length() <= 20 && a >= 0 && b >= 0) putPacked(a, b, name, src);
        else putOdd(uid, name, src);
    }

    private void putPacked(long a, long b, String name, NameSource src) {
        int id = uids.find(a, b, 0, 0);
        if (id >= 0) {
            // A better source (lower ordinal: SNI before Host) replaces; otherwise the first name stays.
            if (src.ordinal() < (uidValue[id] & 3)) uidValue[id] = intern(name) << 2 | src.ordinal();
            return;
        }
        if (entries >= maxEntries) {
            dropped++;
            return;
        }
        id = uids.add(a, b, 0, 0);
        if (id >= uidValue.length) uidValue = Arrays.copyOf(uidValue, uidValue.length * 2);
        uidValue[id] = intern(name) << 2 | src.ordinal();
        entries++;
    }

    private void putOdd(String uid, String name, NameSource src) {
        Integer cur = oddUids.get(uid);
        if (cur != null) {
            if (src.ordinal() < (cur & 3)) oddUids.put(uid, intern(name) << 2 | src.ordinal());
            return;
        }
        if (entries >= maxEntries) {
            dropped++;
            return;
        }
        oddUids.put(uid, intern(name) << 2 | src.ordinal());
        entries++;
    }

    private void addRun(long chi, long clo, long ahi, long alo, long first, long last, String name) {
        int pid = pairs.find(chi, clo, ahi, alo);
        Integer known = nameIds.get(name);
        if (pid >= 0 && known != null) {
            long nid = known;
            long[] r = runs[pid];
            int n = runCount[pid];
            for (int k = n - 1; k >= Math.max(0, n - MERGE_LOOKBACK); k--) {
                int o = 3 * k;
                // Answers less than a window apart form one run: any instant in the run is then
                // within a window of a real answer, so merging loses nothing.
                if (r[o + 2] == nid && first <= r[o + 1] + windowMs && last >= r[o] - windowMs) {
                    r[o] = Math.min(r[o], first);
                    r[o + 1] = Math.max(r[o + 1], last);
                    return;
                }
            }
        }
        if (entries >= maxEntries) {
            dropped++;
            return;
        }
        int nid = intern(name);
        if (pid < 0) {
            pid = pairs.add(chi, clo, ahi, alo);
            if (pid >= runs.length) {
                runs = Arrays.copyOf(runs, runs.length * 2);
                runCount = Arrays.copyOf(runCount, runCount.length * 2);
            }
            runs[pid] = new long[3];
        }
        int n = runCount[pid];
        long[] r = runs[pid];
        if (3 * (n + 1) > r.length) runs[pid] = r = Arrays.copyOf(r, r.length * 2);
        r[3 * n] = first;
        r[3 * n + 1] = last;
        r[3 * n + 2] = nid;
        runCount[pid] = n + 1;
        entries++;
    }

    private int intern(String name) {
        Integer id = nameIds.get(name);
        if (id != null) return id;
        if (nameCount == names.length) names = Arrays.copyOf(names, names.length * 2);
        names[nameCount] = name;
        nameIds.put(name, nameCount);
        return nameCount++;
    }

    /**
     * Packs a uid of up to 20 characters [0-9A-Za-z] (Zeek uids are 18 at most) into two longs,
     * 10 characters each as 6-bit codes 1..62 (bijective numeration, so lengths cannot collide).
     *
     * @return the part starting at {@code from}, or -1 if a character does not fit
     */
    static long packPart(String uid, int from) {
        long v = 0;
        int end = Math.min(uid.length(), from + 10);
        for (int i = from; i < end; i++) {
            char c = uid.charAt(i);
            int code;
            if (c >= '0' && c <= '9') code = c - '0' + 1;
            else if (c >= 'A' && c <= 'Z') code = c - 'A' + 11;
            else if (c >= 'a' && c <= 'z') code = c - 'a' + 37;
            else return -1;
            v = (v << 6) | code;
        }
        return v;
    }

    /**
     * The name as stored: trimmed, lower case, no trailing dot, no port (Host only). IP literals,
     * empty and over-long values are not names and give null.
     */
    static String normalize(String raw, boolean hostHeader) {
        if (raw == null) return null;
        String s = raw.trim();
        if (hostHeader) {
            if (s.startsWith("[")) return null;
            int colon = s.indexOf(':');
            if (colon >= 0 && colon == s.lastIndexOf(':') && colon + 1 < s.length()
                    && s.substring(colon + 1).chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
                s = s.substring(0, colon);
            }
        }
        int end = s.length();
        while (end > 0 && s.charAt(end - 1) == '.') end--;
        s = s.substring(0, end);
        if (s.isEmpty() || s.length() > MAX_NAME || IpText.parse(s) != null) return null;
        return s.toLowerCase(Locale.ROOT);
    }

    // ---- lookup ----

    /** Returns {@code f} with its name attached, or {@code f} itself if it has one already or none is known. */
    public FlowRecord name(FlowRecord f) {
        if (f.serverName() != null) return f;
        if (!frozen) freeze();
        String uid = f.uid();
        if (uid != null) {
            int v = uidLookup(uid);
            if (v >= 0) return f.withName(names[v >>> 2], SOURCES[v & 3]);
        }
        Ip src = f.src(), dst = f.dst();
        if (src != null && dst != null && pairs.size() > 0) {
            long t = f.startMillis();
            int n = dnsLookup(src, dst, t);
            if (n < 0) n = dnsLookup(dst, src, t);
            if (n >= 0) return f.withName(names[n], NameSource.DNS);
        }
        return f;
    }

    private int uidLookup(String uid) {
        long a = packPart(uid, 0), b = packPart(uid, 10);
        if (uid.length() <= 20 && a >= 0 && b >= 0) {
            int id = uids.find(a, b, 0, 0);
            return id < 0 ? -1 : uidValue[id];
        }
        Integer v = oddUids.get(uid);
        return v == null ? -1 : v;
    }

    /** The name id of the most recent answer to {@code client} for {@code address} that names a flow at {@code t}. */
    private int dnsLookup(Ip client, Ip address, long t) {
        int pid = pairs.find(client.hi(), client.lo(), address.hi(), address.lo());
        if (pid < 0) return -1;
        long[] r = runs[pid];
        long latest = t + skewMs, earliest = t - windowMs;
        // Runs are sorted by first answer: start at the last one that began in time.
        int lo = 0, hi = runCount[pid];
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (r[3 * mid] <= latest) lo = mid + 1;
            else hi = mid;
        }
        long stop = earliest - maxSpan[pid];
        long bestTime = Long.MIN_VALUE;
        int best = -1;
        for (int k = lo - 1; k >= 0; k--) {
            int o = 3 * k;
            if (r[o] < stop) break; // this and all earlier runs ended before the window
            if (r[o + 1] >= earliest) {
                long answered = Math.min(r[o + 1], latest);
                if (answered > bestTime) {
                    bestTime = answered;
                    best = (int) r[o + 2];
                }
            }
        }
        return best;
    }

    /** Sorts and merges every pair's runs once; after this the namer is read-only. */
    private synchronized void freeze() {
        if (frozen) return;
        long[] span = new long[pairs.size()];
        long kept = uids.size() + oddUids.size();
        for (int pid = 0; pid < pairs.size(); pid++) {
            int n = compact(pid);
            long max = 0;
            long[] r = runs[pid];
            for (int k = 0; k < n; k++) max = Math.max(max, r[3 * k + 1] - r[3 * k]);
            span[pid] = max;
            kept += n;
        }
        maxSpan = span;
        entries = kept;
        frozen = true; // volatile write: publishes everything above to name() callers
    }

    /** Merges a pair's same-name runs less than a window apart and sorts the rest by first answer. */
    private int compact(int pid) {
        int n = runCount[pid];
        if (n <= 1) return n;
        long[] r = runs[pid];
        Integer[] order = new Integer[n];
        for (int k = 0; k < n; k++) order[k] = k;
        Arrays.sort(order, (x, y) -> {
            int c = Long.compare(r[3 * x + 2], r[3 * y + 2]);
            return c != 0 ? c : Long.compare(r[3 * x], r[3 * y]);
        });
        long[] merged = new long[3 * n];
        int m = 0;
        for (int idx : order) {
            int o = 3 * idx;
            if (m > 0) {
                int p = 3 * (m - 1);
                if (merged[p + 2] == r[o + 2] && r[o] <= merged[p + 1] + windowMs) {
                    merged[p + 1] = Math.max(merged[p + 1], r[o + 1]);
                    continue;
                }
            }
            merged[3 * m] = r[o];
            merged[3 * m + 1] = r[o + 1];
            merged[3 * m + 2] = r[o + 2];
            m++;
        }
        Integer[] byFirst = new Integer[m];
        for (int k = 0; k < m; k++) byFirst[k] = k;
        Arrays.sort(byFirst, (x, y) -> Long.compare(merged[3 * x], merged[3 * y]));
        long[] out = new long[3 * m];
        for (int k = 0; k < m; k++) System.arraycopy(merged, 3 * byFirst[k], out, 3 * k, 3);
        runs[pid] = out;
        runCount[pid] = m;
        return m;
    }

    // ---- statistics ----

    /** Stored entries (connection names plus DNS answer runs). */
    public long size() {
        return entries;
    }

    /** Entries not stored because {@code maxEntries} was reached. */
    public long dropped() {
        return dropped;
    }
}
