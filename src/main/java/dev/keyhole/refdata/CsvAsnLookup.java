package dev.keyhole.refdata;

import dev.keyhole.records.IpText;

import dev.keyhole.records.Ip;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;
import java.util.zip.GZIPInputStream;

/**
 * ASN ranges from ip-location-db style CSV ({@code first,last,asn,org}; addresses textual or, as in
 * the *-num files, decimal), kept in sorted primitive arrays and searched by bisection. The ~500k
 * rows of the IPv4 and IPv6 files load in well under a second and take about 15 MB.
 * Rows are expected not to overlap (ip-location-db's never do); .gz files are read transparently.
 */
public final class CsvAsnLookup implements AsnLookup {
    private static final BigInteger V4_LIMIT = BigInteger.ONE.shiftLeft(32);

    // IPv4 bounds as ints with the sign bit flipped, so that signed comparison is unsigned order
    private final int[] v4First;
    private final int[] v4Last;
    /** Per range, the id of its answer in {@link #infos}. */
    private final int[] v4Info;
    private final long[] v6FirstHi;
    private final long[] v6FirstLo;
    private final long[] v6LastHi;
    private final long[] v6LastLo;
    private final int[] v6Info;
    private final Infos infos;
    private final List<Path> files;
    private final long loadNanos;
    private final boolean fromSnapshot;

    private CsvAsnLookup(Loader l, List<Path> files, long loadNanos) {
        int[] o4 = l.order4();
        v4First = pick(l.v4First, o4);
        v4Last = pick(l.v4Last, o4);
        int[] o6 = l.order6();
        v6FirstHi = pick(l.v6FirstHi, o6);
        v6FirstLo = pick(l.v6FirstLo, o6);
        v6LastHi = pick(l.v6LastHi, o6);
        v6LastLo = pick(l.v6LastLo, o6);
        // The loader shares one AsnInfo per (ASN, organisation): number them.
        java.util.Map<AsnInfo, Integer> ids = new java.util.IdentityHashMap<>();
        List<AsnInfo> all = new ArrayList<>();
        v4Info = ids(pick(l.v4Info, o4), ids, all);
        v6Info = ids(pick(l.v6Info, o6), ids, all);
        infos = new Infos(all.toArray(new AsnInfo[0]));
        this.files = List.copyOf(files);
        this.loadNanos = loadNanos;
        this.fromSnapshot = false;
    }

    private static int[] ids(AsnInfo[] a, java.util.Map<AsnInfo, Integer> ids, List<AsnInfo> all) {
        int[] r = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            Integer id = ids.get(a[i]);
            if (id == null) {
                id = all.size();
                ids.put(a[i], id);
                all.add(a[i]);
            }
            r[i] = id;
        }
        return r;
    }

    private CsvAsnLookup(AsnSnapshot.Tables t, List<Path> files, long loadNanos) {
        v4First = t.v4First();
        v4Last = t.v4Last();
        v4Info = t.v4Info();
        v6FirstHi = t.v6FirstHi();
        v6FirstLo = t.v6FirstLo();
        v6LastHi = t.v6LastHi();
        v6LastLo = t.v6LastLo();
        v6Info = t.v6Info();
        infos = t.infos();
        this.files = List.copyOf(files);
        this.loadNanos = loadNanos;
        this.fromSnapshot = true;
    }

    /**
     * The distinct (AS number, organisation) answers, numbered. From a snapshot the organisations
     * stay UTF-8 bytes until an answer is first asked for: a run meets a few thousand of the ~90,000,
     * so decoding all of them (and keeping them on the heap, copied by every young collection until
     * promoted) cost start-up time for nothing. Safe for concurrent use: an answer decoded twice by
     * racing threads is equal either way.
     */
    static final class Infos {
        private final long[] asn;
        private final AsnInfo[] decoded;
        private final byte[] orgs;
        private final int[] orgAt, orgLen;

        /** All answers at hand (after parsing the CSV). */
        Infos(AsnInfo[] all) {
            decoded = all.clone();
            asn = new long[all.length];
            for (int i = 0; i < all.length; i++) asn[i] = all[i].asn();
            orgs = null;
            orgAt = orgLen = null;
        }

        /** From a snapshot: organisation i is {@code orgs[orgAt[i] .. + orgLen[i])}, none when orgLen[i] < 0. */
        Infos(long[] asn, byte[] orgs, int[] orgAt, int[] orgLen) {
            this.asn = asn;
            this.orgs = orgs;
            this.orgAt = orgAt;
            this.orgLen = orgLen;
            this.decoded = new AsnInfo[asn.length];
        }

        int size() {
            return asn.length;
        }

        long asn(int id) {
            return asn[id];
        }

        AsnInfo get(int id) {
            AsnInfo a = decoded[id];
            if (a == null) {
                int len = orgLen[id];
                a = new AsnInfo(asn[id], len < 0 ? null : new String(orgs, orgAt[id], len, StandardCharsets.UTF_8));
                decoded[id] = a;
            }
            return a;
        }
    }

    /**
     * As {@link #load(List)}, but through a snapshot of the parsed tables in {@code snapshotDir}
     * (the reference data cache): read when the files are unchanged, written after a parse.
     */
    public static CsvAsnLookup load(List<Path> files, Path snapshotDir) throws IOException {
        if (snapshotDir == null) return load(files);
        long t0 = System.nanoTime();
        Path snap = AsnSnapshot.file(snapshotDir, files);
        AsnSnapshot.Tables t = AsnSnapshot.read(snap);
        if (t != null) return new CsvAsnLookup(t, files, System.nanoTime() - t0);
        CsvAsnLookup l = load(files);
        AsnSnapshot.write(snap, l.tables());
        return l;
    }

    /** This lookup's arrays with the distinct AS infos numbered, as a snapshot stores them. */
    AsnSnapshot.Tables tables() {
        return new AsnSnapshot.Tables(v4First, v4Last, v4Info, v6FirstHi, v6FirstLo, v6LastHi, v6LastLo, v6Info, infos);
    }

    /** Whether the tables came from a snapshot rather than from parsing the files. */
    public boolean fromSnapshot() {
        return fromSnapshot;
    }

    public static CsvAsnLookup load(List<Path> files) throws IOException {
        long t0 = System.nanoTime();
        List<Chunk> chunks = new ArrayList<>();
        int parts = Math.max(1, Runtime.getRuntime().availableProcessors());
        for (Path p : files) {
            byte[] b;
            if (p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".gz")) {
                try (InputStream in = new GZIPInputStream(Files.newInputStream(p), 1 << 16)) {
                    b = in.readAllBytes();
                }
            } else {
                b = Files.readAllBytes(p);
            }
            chunks.addAll(Chunk.split(b, p, parts));
        }
        // Every command that enriches waits for this; chunks parse on all cores, then join in order.
        List<Object> parsed = chunks.parallelStream().map(Chunk::parseOrError).toList();
        // The earliest bad line wins, as in a sequential read, with its own message (not a pool's wrapper).
        for (Object o : parsed) if (o instanceof IllegalArgumentException e) throw e;
        List<Loader> loaded = parsed.stream().map(Loader.class::cast).toList();
        Loader l = loaded.get(0);
        for (int i = 1; i < loaded.size(); i++) l.append(loaded.get(i));
        return new CsvAsnLookup(l, files, System.nanoTime() - t0);
    }

    /** A run of whole lines of one file, parsed on its own; counting the lines before it keeps error line numbers true. */
    private record Chunk(byte[] b, int from, int to, Path file, boolean v6File) {
        static List<Chunk> split(byte[] b, Path file, int parts) {
            boolean v6 = file.getFileName().toString().toLowerCase(Locale.ROOT).contains("ipv6");
            List<Chunk> out = new ArrayList<>();
            int step = Math.max(1 << 20, b.length / parts + 1), from = 0;
            while (from < b.length || out.isEmpty()) {
                int to = Math.min(b.length, from + step);
                while (to < b.length && b[to - 1] != '\n') to++;
                out.add(new Chunk(b, from, to, file, v6));
                from = to;
            }
            return out;
        }

        /** The chunk's rows, or the IllegalArgumentException naming its first bad line. */
        Object parseOrError() {
            try {
                return parse();
            } catch (IllegalArgumentException e) {
                return e;
            }
        }

        Loader parse() {
            int firstLine = 1;
            for (int i = 0; i < from; i++) if (b[i] == '\n') firstLine++;
            Loader l = new Loader();
            l.parse(b, from, to, file, firstLine, v6File);
            return l;
        }
    }

    @Override
    public AsnInfo lookup(Ip ip) {
        if (ip.isV4()) {
            int x = ip.v4() ^ Integer.MIN_VALUE;
            int lo = 0, hi = v4First.length - 1;
            while (lo <= hi) {
                int mid = (lo + hi) >>> 1;
                if (v4First[mid] <= x) lo = mid + 1;
                else hi = mid - 1;
            }
            return hi >= 0 && x <= v4Last[hi] ? infos.get(v4Info[hi]) : null;
        }
        long h = ip.hi() ^ Long.MIN_VALUE, l = ip.lo() ^ Long.MIN_VALUE;
        int lo = 0, hi = v6FirstHi.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long fh = v6FirstHi[mid];
            if (fh < h || fh == h && v6FirstLo[mid] <= l) lo = mid + 1;
            else hi = mid - 1;
        }
        if (hi < 0) return null;
        long eh = v6LastHi[hi];
        return h < eh || h == eh && l <= v6LastLo[hi] ? infos.get(v6Info[hi]) : null;
    }

    @Override
    public boolean uniformV4Block(int v4, int prefixLen) {
        int mask = prefixLen == 0 ? 0 : -1 << (32 - prefixLen);
        int first = (v4 & mask) ^ Integer.MIN_VALUE, last = (v4 | ~mask) ^ Integer.MIN_VALUE;
        int i = floorV4(first), j = floorV4(last);
        if (i != j) return false;
        return i < 0 || (first <= v4Last[i]) == (last <= v4Last[i]);
    }

    /** Index of the last range starting at or before x (sign-flipped), or -1. */
    private int floorV4(int x) {
        int lo = 0, hi = v4First.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (v4First[mid] <= x) lo = mid + 1;
            else hi = mid - 1;
        }
        return hi;
    }

    @Override
    public List<long[]> rangesOf(long asn) {
        List<long[]> out = new ArrayList<>();
        for (int i = 0; i < v4Info.length; i++) {
            if (infos.asn(v4Info[i]) != asn) continue;
            long first = (v4First[i] ^ Integer.MIN_VALUE) & 0xffff_ffffL;
            long last = (v4Last[i] ^ Integer.MIN_VALUE) & 0xffff_ffffL;
            long[] prev = out.isEmpty() ? null : out.get(out.size() - 1);
            if (prev != null && prev[1] + 1 == first) prev[1] = last;
            else out.add(new long[] {first, last});
        }
        return out;
    }

    @Override
    public List<long[]> rangesOfV6(long asn) {
        List<long[]> out = new ArrayList<>();
        for (int i = 0; i < v6Info.length; i++) {
            if (infos.asn(v6Info[i]) == asn) {
                out.add(new long[] {v6FirstHi[i] ^ Long.MIN_VALUE, v6FirstLo[i] ^ Long.MIN_VALUE,
                        v6LastHi[i] ^ Long.MIN_VALUE, v6LastLo[i] ^ Long.MIN_VALUE});
            }
        }
        return out;
    }

    @Override
    public List<Path> files() {
        return files;
    }

    public int ipv4Ranges() {
        return v4First.length;
    }

    public int ipv6Ranges() {
        return v6FirstHi.length;
    }

    /** Wall time spent reading and parsing the files. */
    public long loadNanos() {
        return loadNanos;
    }

    private static int[] pick(int[] a, int[] order) {
        if (order == null) return a;
        int[] r = new int[order.length];
        for (int i = 0; i < order.length; i++) r[i] = a[order[i]];
        return r;
    }

    private static long[] pick(long[] a, int[] order) {
        if (order == null) return a;
        long[] r = new long[order.length];
        for (int i = 0; i < order.length; i++) r[i] = a[order[i]];
        return r;
    }

    private static AsnInfo[] pick(AsnInfo[] a, int[] order) {
        if (order == null) return a;
        AsnInfo[] r = new AsnInfo[order.length];
        for (int i = 0; i < order.length; i++) r[i] = a[order[i]];
        return r;
    }

    /** Growable column arrays plus an ASN -> AsnInfo table so equal organisations share one object. */
    private static final class Loader {
        int n4, n6;
        int[] v4First = new int[1 << 16], v4Last = new int[1 << 16];
        AsnInfo[] v4Info = new AsnInfo[1 << 16];
        long[] v6FirstHi = new long[1 << 14], v6FirstLo = new long[1 << 14];
        long[] v6LastHi = new long[1 << 14], v6LastLo = new long[1 << 14];
        AsnInfo[] v6Info = new AsnInfo[1 << 14];
        long[] infoKeys = new long[1 << 17];
        AsnInfo[] infoVals = new AsnInfo[1 << 17];
        int infoCount;
        final long[] a6 = new long[2], b6 = new long[2];

        void parse(byte[] b, int start, int limit, Path file, int firstLine, boolean v6File) {
            int pos = start, line = firstLine - 1;
            while (pos < limit) {
                line++;
                int eol = pos;
                while (eol < limit && b[eol] != '\n') eol++;
                int end = eol > pos && b[eol - 1] == '\r' ? eol - 1 : eol;
                if (end > pos) row(b, pos, end, file, line, v6File);
                pos = eol + 1;
            }
        }

        private void row(byte[] b, int from, int to, Path file, int line, boolean v6File) {
            int c1 = indexOf(b, ',', from, to);
            int c2 = c1 < 0 ? -1 : indexOf(b, ',', c1 + 1, to);
            if (c2 < 0) throw bad(file, line, "expected first,last,asn,org");
            int c3 = indexOf(b, ',', c2 + 1, to);
            int asnEnd = c3 < 0 ? to : c3;
            long asn = parseAsn(b, c2 + 1, asnEnd);
            if (asn < 0) {
                if (line == 1) return; // a header row
                throw bad(file, line, "bad AS number '" + text(b, c2 + 1, asnEnd) + "'");
            }
            AsnInfo info = info(asn, b, c3 < 0 ? to : c3 + 1, to);
            if (isV6(b, from, c1, v6File)) {
                if (!addr6(b, from, c1, a6) || !addr6(b, c1 + 1, c2, b6)) {
                    throw bad(file, line, "bad IPv6 range '" + text(b, from, c2) + "'");
                }
                if (n6 == v6Info.length) growV6();
                v6FirstHi[n6] = a6[0] ^ Long.MIN_VALUE;
                v6FirstLo[n6] = a6[1] ^ Long.MIN_VALUE;
                v6LastHi[n6] = b6[0] ^ Long.MIN_VALUE;
                v6LastLo[n6] = b6[1] ^ Long.MIN_VALUE;
                v6Info[n6++] = info;
            } else {
                long first = addr4(b, from, c1), last = addr4(b, c1 + 1, c2);
                if (first < 0 || last < 0 || last < first) {
                    throw bad(file, line, "bad IPv4 range '" + text(b, from, c2) + "'");
                }
                if (n4 == v4Info.length) growV4();
                v4First[n4] = (int) first ^ Integer.MIN_VALUE;
                v4Last[n4] = (int) last ^ Integer.MIN_VALUE;
                v4Info[n4++] = info;
            }
        }

        private static boolean isV6(byte[] b, int from, int to, boolean v6File) {
            boolean digitsOnly = true;
            for (int i = from; i < to; i++) {
                if (b[i] == ':') return true;
                if (b[i] == '.') return false;
                if (b[i] < '0' || b[i] > '9') digitsOnly = false;
            }
            if (!digitsOnly) return false;
            return v6File || to - from > 10 || new BigInteger(text(b, from, to)).compareTo(V4_LIMIT) >= 0;
        }

        private static long addr4(byte[] b, int from, int to) {
            if (indexOf(b, '.', from, to) >= 0) {
                Ip ip = IpText.parse(b, from, to);
                return ip != null && ip.isV4() ? ip.v4() & 0xffff_ffffL : -1;
            }
            long v = 0;
            if (to == from || to - from > 10) return -1;
            for (int i = from; i < to; i++) {
                if (b[i] < '0' || b[i] > '9') return -1;
                v = v * 10 + (b[i] - '0');
            }
            return v < (1L << 32) ? v : -1;
        }

        private static boolean addr6(byte[] b, int from, int to, long[] out) {
            if (indexOf(b, ':', from, to) >= 0) {
                Ip ip = IpText.parse(b, from, to);
                if (ip == null) return false;
                out[0] = ip.hi();
                out[1] = ip.lo();
                return true;
            }
            try {
                BigInteger v = new BigInteger(text(b, from, to));
                if (v.signum() < 0 || v.bitLength() > 128) return false;
                out[0] = v.shiftRight(64).longValue();
                out[1] = v.longValue();
                return true;
            } catch (NumberFormatException e) {
                return false;
            }
        }

        private static long parseAsn(byte[] b, int from, int to) {
            int i = from;
            if (to - i > 2 && (b[i] == 'A' || b[i] == 'a') && (b[i + 1] == 'S' || b[i + 1] == 's')) i += 2;
            if (i == to || to - i > 10) return -1;
            long v = 0;
            for (; i < to; i++) {
                if (b[i] < '0' || b[i] > '9') return -1;
                v = v * 10 + (b[i] - '0');
            }
            return v <= 0xffff_ffffL ? v : -1;
        }

        /** The shared AsnInfo for (asn, org), creating the org String only when it is new for this ASN. */
        private AsnInfo info(long asn, byte[] b, int from, int to) {
            boolean quoted = to - from >= 2 && b[from] == '"' && b[to - 1] == '"';
            int f = quoted ? from + 1 : from, t = quoted ? to - 1 : to;
            int mask = infoKeys.length - 1;
            int slot = (int) mix(asn) & mask;
            while (infoVals[slot] != null) {
                if (infoKeys[slot] == asn && sameText(infoVals[slot].org(), b, f, t, quoted)) return infoVals[slot];
                slot = (slot + 1) & mask;
            }
            String org = orgText(b, f, t, quoted);
            AsnInfo info = new AsnInfo(asn, org);
            infoKeys[slot] = asn;
            infoVals[slot] = info;
            if (++infoCount * 2 > infoKeys.length) rehash();
            return info;
        }

        private static boolean sameText(String s, byte[] b, int from, int to, boolean quoted) {
            if (s == null) return from == to;
            if (s.length() != to - from) {
                return quoted && s.equals(orgText(b, from, to, true));
            }
            for (int i = 0; i < s.length(); i++) {
                byte c = b[from + i];
                if (c < 0) return s.equals(orgText(b, from, to, quoted)); // non-ASCII: compare decoded
                if (s.charAt(i) != c) return false;
            }
            return true;
        }

        private static String orgText(byte[] b, int from, int to, boolean quoted) {
            if (from == to) return null;
            String s = new String(b, from, to - from, StandardCharsets.UTF_8);
            return quoted ? s.replace("\"\"", "\"") : s;
        }

        private void rehash() {
            long[] ok = infoKeys;
            AsnInfo[] ov = infoVals;
            infoKeys = new long[ok.length * 2];
            infoVals = new AsnInfo[ov.length * 2];
            int mask = infoKeys.length - 1;
            for (int i = 0; i < ok.length; i++) {
                if (ov[i] == null) continue;
                int slot = (int) mix(ok[i]) & mask;
                while (infoVals[slot] != null) slot = (slot + 1) & mask;
                infoKeys[slot] = ok[i];
                infoVals[slot] = ov[i];
            }
        }

        private static long mix(long x) {
            x *= 0x9E3779B97F4A7C15L;
            return x ^ (x >>> 29);
        }

        /** Adds {@code o}'s rows after this loader's (chunks of one file, or the next file). */
        void append(Loader o) {
            while (n4 + o.n4 > v4Info.length) growV4();
            System.arraycopy(o.v4First, 0, v4First, n4, o.n4);
            System.arraycopy(o.v4Last, 0, v4Last, n4, o.n4);
            System.arraycopy(o.v4Info, 0, v4Info, n4, o.n4);
            n4 += o.n4;
            while (n6 + o.n6 > v6Info.length) growV6();
            System.arraycopy(o.v6FirstHi, 0, v6FirstHi, n6, o.n6);
            System.arraycopy(o.v6FirstLo, 0, v6FirstLo, n6, o.n6);
            System.arraycopy(o.v6LastHi, 0, v6LastHi, n6, o.n6);
            System.arraycopy(o.v6LastLo, 0, v6LastLo, n6, o.n6);
            System.arraycopy(o.v6Info, 0, v6Info, n6, o.n6);
            n6 += o.n6;
        }

        private void growV4() {
            int cap = v4Info.length * 2;
            v4First = Arrays.copyOf(v4First, cap);
            v4Last = Arrays.copyOf(v4Last, cap);
            v4Info = Arrays.copyOf(v4Info, cap);
        }

        private void growV6() {
            int cap = v6Info.length * 2;
            v6FirstHi = Arrays.copyOf(v6FirstHi, cap);
            v6FirstLo = Arrays.copyOf(v6FirstLo, cap);
            v6LastHi = Arrays.copyOf(v6LastHi, cap);
            v6LastLo = Arrays.copyOf(v6LastLo, cap);
            v6Info = Arrays.copyOf(v6Info, cap);
        }

        /** Null when the rows were already in address order (ip-location-db's are); else a sort order. */
        int[] order4() {
            v4First = Arrays.copyOf(v4First, n4);
            v4Last = Arrays.copyOf(v4Last, n4);
            v4Info = Arrays.copyOf(v4Info, n4);
            boolean sorted = true;
            for (int i = 1; i < n4 && sorted; i++) sorted = v4First[i - 1] <= v4First[i];
            if (sorted) return null;
            return IntStream.range(0, n4).boxed().sorted(Comparator.comparingInt(i -> v4First[i]))
                    .mapToInt(Integer::intValue).toArray();
        }

        int[] order6() {
            v6FirstHi = Arrays.copyOf(v6FirstHi, n6);
            v6FirstLo = Arrays.copyOf(v6FirstLo, n6);
            v6LastHi = Arrays.copyOf(v6LastHi, n6);
            v6LastLo = Arrays.copyOf(v6LastLo, n6);
            v6Info = Arrays.copyOf(v6Info, n6);
            boolean sorted = true;
            for (int i = 1; i < n6 && sorted; i++) {
                sorted = v6FirstHi[i - 1] < v6FirstHi[i]
                        || v6FirstHi[i - 1] == v6FirstHi[i] && v6FirstLo[i - 1] <= v6FirstLo[i];
            }
            if (sorted) return null;
            Comparator<Integer> c = Comparator.<Integer>comparingLong(i -> v6FirstHi[i]).thenComparingLong(i -> v6FirstLo[i]);
            return IntStream.range(0, n6).boxed().sorted(c).mapToInt(Integer::intValue).toArray();
        }

        private static int indexOf(byte[] b, char c, int from, int to) {
            for (int i = from; i < to; i++) if (b[i] == c) return i;
            return -1;
        }

        private static String text(byte[] b, int from, int to) {
            return new String(b, from, Math.max(0, to - from), StandardCharsets.UTF_8);
        }

        private static IllegalArgumentException bad(Path file, int line, String what) {
            return new IllegalArgumentException(file + ":" + line + ": " + what);
        }
    }
}
