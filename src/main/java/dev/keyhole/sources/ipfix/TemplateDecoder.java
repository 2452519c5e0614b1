package dev.keyhole.sources.ipfix;

import dev.keyhole.records.FlowRecord;
import dev.keyhole.records.Ip;
import dev.keyhole.records.NameSource;
import dev.keyhole.records.RecordSink;
import dev.keyhole.sources.Rejects;
import dev.keyhole.sources.packet.PacketSection;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

import static dev.keyhole.sources.ipfix.Template.*;

/**
 * The template machinery shared by IPFIX (RFC 7011) and its ancestor NetFlow v9 (RFC 3954): template and
 * options template sets, data sets decoded through per-template plans, options data (system init time,
 * sampling rates), and damage reporting. It works on sets whose headers the caller has already chained
 * ({@link #chainIpfix}, {@link #chainV9}); framing (files, datagrams) stays with the caller.
 *
 * <p>State is kept per <em>scope</em>, a number the caller chooses: the observation domain for an IPFIX
 * file, or one number per (exporter address, version, domain / source id) for datagrams, so templates of
 * different exporters never mix. Not thread-safe; allocation-free per field.
 *
 * <p>Sampling: packet and byte counters of every flow are multiplied by the rate that applies to it: the
 * record's own rate fields if it has them, else the rate announced (options data) for its sampler id, else
 * the rate announced for its interface (options scoped to an interface: an egress record's output interface
 * first, then the input interface, then an egress-scoped output interface; see {@code rate}), else the
 * scope's rate announced without a sampler id or interface (or, when there is none, the last egress-scoped
 * rate), else 1.
 */
public final class TemplateDecoder {
    public static final int SET_HEADER = 4;
    /**
     * Bytes of template definitions kept at most (a template of 16,000 fields is 64 KiB): exporters on
     * the network must not be able to fill the heap with templates.
     */
    static final long MAX_TEMPLATE_BYTES = 32L << 20;
    private static final long NTP_TO_UNIX_SECONDS = 2_208_988_800L;

    private static final VarHandle I16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle I32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle I64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private final RecordSink sink;

    /** Templates by (scope << 16 | template id); rejected ones are kept to recognise re-sends. */
    private final LongMap<Template> templates = new LongMap<>();
    /** systemInitTimeMilliseconds by scope, from options or data records. */
    private final LongMap<long[]> sysInit = new LongMap<>();
    /** Announced sampling by scope. */
    private final LongMap<Sampling> sampling = new LongMap<>();
    private long lastKey = -1;
    private Template lastTemplate;
    private long templateBytes;

    // The message being read.
    private byte[] buf;
    private long base;
    private Rejects rejects;
    private String who = "";
    private long scope;
    private long domain;
    private boolean v9;
    private long exportSeconds;
    /** v9: the header's time and sysUpTime, which FIRST/LAST_SWITCHED are relative to. */
    private long exportMillis, headerUptime;
    private long messageRecords;
    private boolean messageRecordsKnown;
    /** Index of the data set being decoded, for reports about its records. */
    private int setAt;

    /** The scope's announced rates for the data set being read, or null. */
    private Sampling setSampling;

    // systemInitTimeMilliseconds for the data set being read, when known.
    private boolean setInitKnown;
    private long setInit;

    // Per-record scratch for variable-length templates.
    private int[] fieldOff = new int[32], fieldLen = new int[32];
    private int[] planOff = new int[16], planLen = new int[16];
    private final PacketSection section;
    /** Offset in {@link #buf} of the data record being decoded, for reports. */
    private int recordAt;

    private long emitted;
    private long unknownSamplerNotes;

    /** How long a template received over UDP stays usable without being re-sent; 0: forever. */
    private long lifetimeMillis;
    /** When the message being read arrived, or {@link #NO_TIME} (IPFIX files: one stream, no expiry). */
    private long now = NO_TIME;
    public static final long NO_TIME = Long.MIN_VALUE;
    private long expired;
    /** How packet samples (data link frame sections) that hold no IP header are counted. */
    static final String NOT_IP_SAMPLES = "packet samples without an IP header";

    public TemplateDecoder(RecordSink sink) {
        this(sink, dev.keyhole.sources.packet.Tunnels.NONE);
    }

    /** @param tunnels the tunnels whose inner packets packet samples (data link / IP header sections) stand for */
    public TemplateDecoder(RecordSink sink, dev.keyhole.sources.packet.Tunnels tunnels) {
        this.sink = sink;
        this.section = new PacketSection(tunnels);
    }

    /**
     * Templates not received again within {@code millis} of the last time expire (RFC 7011 §8.4 and
     * RFC 3954 §9: over UDP an exporter re-sends its templates, and a collector must not use one the
     * exporter may have replaced, e.g. after a restart); 0 keeps them until withdrawn or replaced.
     * It applies to messages given a time with {@link #receivedAt}.
     */
    public void templateLifetime(long millis) {
        if (millis < 0) throw new IllegalArgumentException("negative template lifetime");
        lifetimeMillis = millis;
    }

    /** The next messages arrived at {@code millis} ({@link #NO_TIME}: unknown, templates never expire). */
    public void receivedAt(long millis) {
        now = millis;
    }

    /** Templates found expired when a data set needed them. */
    public long expired() {
        return expired;
    }

    /** Flows sent to the sink so far. */
    public long emitted() {
        return emitted;
    }

    /** Data records (flows, options, anything) in the sets read since the last begin, or -1 if some could not be counted. */
    public long messageRecords() {
        return messageRecordsKnown ? messageRecords : -1;
    }

    /**
     * Starts an IPFIX message: its sets are in {@code buf}, and {@code base + index} is the offset reported.
     *
     * @param who prefix of every reject reason (e.g. the exporter), "" for none
     */
    public void beginIpfix(byte[] buf, long base, long scope, long domain, long exportSeconds, Rejects rejects,
                           String who) {
        begin(buf, base, scope, domain, rejects, who);
        this.v9 = false;
        this.exportSeconds = exportSeconds;
    }

    /** Starts a NetFlow v9 packet (RFC 3954): times in its records are relative to the header's sysUpTime. */
    public void beginV9(byte[] buf, long base, long scope, long sourceId, long unixSeconds, long sysUptime,
                        Rejects rejects, String who) {
        begin(buf, base, scope, sourceId, rejects, who);
        this.v9 = true;
        this.exportSeconds = unixSeconds;
        this.exportMillis = unixSeconds * 1000;
        this.headerUptime = sysUptime;
    }

    private void begin(byte[] buf, long base, long scope, long domain, Rejects rejects, String who) {
        this.buf = buf;
        this.base = base;
        this.scope = scope;
        this.domain = domain;
        this.rejects = rejects;
        this.who = who;
        this.messageRecords = 0;
        this.messageRecordsKnown = true;
    }

    /** Forgets everything learnt about a scope (an exporter that restarted). */
    public void forget(long scope) {
        templates.removeIf(k -> (k >>> 16) == scope, t -> true);
        templateBytes = templates.sum(t -> t.raw.length);
        sysInit.remove(scope);
        Sampling gone = sampling.get(scope);
        if (gone != null) rateEntries -= gone.entries();
        sampling.remove(scope);
        setSampling = null;
        lastKey = -1;
    }

    private void reject(int at, long records, String reason) {
        rejects.atOffset(base + at, records, who + reason);
    }

    private String domainText() {
        return (v9 ? "source id " : "observation domain ") + domain;
    }

    // ---------------------------------------------------------------- chaining

    /** Follows IPFIX set headers from {@code q} while they are valid and fit before {@code limit}; returns where it stopped. */
    public static int chainIpfix(byte[] b, int q, int limit) {
        while (limit - q >= SET_HEADER) {
            int sid = Template.u16(b, q);
            int sl = Template.u16(b, q + 2);
            if (!validIpfixSetId(sid) || sl < SET_HEADER || sl > limit - q) break;
            q += sl;
        }
        return q;
    }

    /** The same for NetFlow v9 flowsets (ids 0, 1 and 256+; 2-255 are reserved and skipped when read). */
    public static int chainV9(byte[] b, int q, int limit) {
        while (limit - q >= SET_HEADER) {
            int sl = Template.u16(b, q + 2);
            if (sl < SET_HEADER || sl > limit - q) break;
            q += sl;
        }
        return q;
    }

    public static boolean validIpfixSetId(int sid) {
        return sid == 2 || sid == 3 || sid >= 256;
    }

    /** True if every byte in [from, to) is zero. */
    public static boolean zero(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != 0) return false;
        }
        return true;
    }

    // ---------------------------------------------------------------- sets

    /** Handles the (already chained) sets in [from, to) of the message begun last. */
    public void sets(int from, int to) {
        int q = from;
        while (q < to) {
            int sid = u16(q);
            int sl = u16(q + 2);
            if (v9) {
                if (sid == 0 || sid == 1) v9TemplateSet(q, sl, sid == 1);
                else if (sid >= 256) dataSet(q, sid, sl);
                // 2-255: reserved by RFC 3954, nothing to read
            } else {
                if (sid == 2 || sid == 3) templateSet(q, sl, sid == 3);
                else dataSet(q, sid, sl);
            }
            q += sl;
        }
    }

    private void templateSet(int s, int sl, boolean options) {
        int end = s + sl;
        String what = options ? "options template set" : "template set";
        // Check the whole set first: if it does not parse to its end, no template in it can be trusted.
        int r = s + SET_HEADER;
        String bad = null;
        int badAt = -1;
        outer:
        while (end - r >= 4) {
            int id = u16(r);
            int fc = u16(r + 2);
            if (id == 0 && fc == 0 && zero(r, end)) {
                r = end;
                break;
            }
            if (fc == 0) {
                if (id < 256 && id != (options ? 3 : 2)) {
                    bad = "withdrawal of invalid template id " + id;
                    badAt = r;
                    break;
                }
                r += 4;
                continue;
            }
            if (id < 256) {
                bad = "invalid template id " + id;
                badAt = r;
                break;
            }
            int h = options ? 6 : 4;
            if (end - r < h) {
                bad = "template " + id + " header cut by the end of the set";
                badAt = r;
                break;
            }
            int rec = r;
            r += h;
            for (int i = 0; i < fc; i++) {
                if (end - r < 4) {
                    bad = "template " + id + " declares " + fc + " fields but the set ends after " + i;
                    badAt = rec;
                    break outer;
                }
                int ie = u16(r);
                r += 4;
                if ((ie & 0x8000) != 0) {
                    if (end - r < 4) {
                        bad = "template " + id + " enterprise number cut by the end of the set";
                        badAt = rec;
                        break outer;
                    }
                    r += 4;
                }
            }
        }
        if (bad == null && r < end && !zero(r, end)) {
            bad = (end - r) + " stray bytes at its end";
            badAt = r;
        }
        if (bad != null) {
            reject(badAt, 0, what + " at offset " + (base + s) + " (" + domainText()
                    + ") is malformed: " + bad + "; none of its templates is used");
            return;
        }
        r = s + SET_HEADER;
        while (end - r >= 4) {
            int id = u16(r);
            int fc = u16(r + 2);
            if (id == 0 && fc == 0 && zero(r, end)) break;
            if (fc == 0) {
                withdraw(id, options);
                r += 4;
                continue;
            }
            int fieldsAt = r + (options ? 6 : 4);
            int e = fieldsAt;
            for (int i = 0; i < fc; i++) e += (u16(e) & 0x8000) != 0 ? 8 : 4;
            define(r, e, id, fc, options ? u16(r + 4) : 0, options, fieldsAt);
            r = e;
        }
    }

    /**
     * RFC 3954 §5.2 / §6.1: template records are (id, field count, fields); options template records are
     * (id, scope length in bytes, option length in bytes, fields). Field types have no enterprise bit.
     */
    private void v9TemplateSet(int s, int sl, boolean options) {
        int end = s + sl;
        String what = options ? "options template flowset" : "template flowset";
        int h = options ? 6 : 4;
        int r = s + SET_HEADER;
        String bad = null;
        int badAt = -1;
        while (end - r >= h) {
            int id = u16(r);
            if (id == 0 && zero(r, end)) {
                r = end;
                break;
            }
            if (id < 256) {
                bad = "invalid template id " + id;
                badAt = r;
                break;
            }
            int n;
            if (options) {
                int scopeLen = u16(r + 2);
                int optLen = u16(r + 4);
                if ((scopeLen & 3) != 0 || (optLen & 3) != 0 || scopeLen + optLen == 0) {
                    bad = "options template " + id + " has scope length " + scopeLen + " and option length "
                            + optLen + " (multiples of 4, not both 0)";
                    badAt = r;
                    break;
                }
                n = (scopeLen + optLen) / 4;
            } else {
                n = u16(r + 2);
                if (n == 0) {
                    bad = "template " + id + " has no fields";
                    badAt = r;
                    break;
                }
            }
            if (end - r - h < 4L * n) {
                bad = "template " + id + " declares " + n + " fields but the flowset ends after "
                        + (end - r - h) / 4;
                badAt = r;
                break;
            }
            r += h + 4 * n;
        }
        if (bad == null && r < end && !zero(r, end)) {
            bad = (end - r) + " stray bytes at its end";
            badAt = r;
        }
        if (bad != null) {
            reject(badAt, 0, what + " at offset " + (base + s) + " (" + domainText()
                    + ") is malformed: " + bad + "; none of its templates is used");
            return;
        }
        r = s + SET_HEADER;
        while (end - r >= h) {
            int id = u16(r);
            if (id == 0 && zero(r, end)) break;
            int n = options ? (u16(r + 2) + u16(r + 4)) / 4 : u16(r + 2);
            int scopes = options ? u16(r + 2) / 4 : 0;
            int e = r + h + 4 * n;
            define(r, e, id, n, scopes, options, r + h);
            r = e;
        }
    }

    private void define(int r, int e, int id, int fc, int scopes, boolean options, int fieldsAt) {
        long key = (scope << 16) | id;
        Template old = templates.get(key);
        if (old != null && old.options == options && Arrays.equals(old.raw, 0, old.raw.length, buf, r, e)) {
            old.receivedAt = now; // re-sent unchanged: its lifetime starts again
            old.expired = false;
            return;
        }
        String what = (options ? "options template " : "template ") + id + " (" + domainText() + ")";
        long oldBytes = old == null ? 0 : old.raw.length;
        if (templateBytes - oldBytes + (e - r) > MAX_TEMPLATE_BYTES && lifetimeMillis > 0 && now != NO_TIME) {
            // Full: first drop the templates past their lifetime (exporters gone quiet), as RFC 7011 §8.4 has it.
            long cutoff = now - lifetimeMillis;
            templates.removeIf(k -> k != key, x -> x.receivedAt != NO_TIME && x.receivedAt < cutoff);
            templateBytes = templates.sum(x -> x.raw.length);
            lastKey = -1;
        }
        if (templateBytes - oldBytes + (e - r) > MAX_TEMPLATE_BYTES) {
            reject(r, 0, what + " ignored: the templates kept already take " + (MAX_TEMPLATE_BYTES >> 20) + " MiB");
            return;
        }
        Template t = Template.parse(buf, r, e, id, fc, scopes, options, fieldsAt, v9);
        t.receivedAt = now;
        templates.put(key, t);
        templateBytes += (e - r) - oldBytes;
        lastKey = -1;
        if (t.error != null) {
            reject(r, 0, what + " rejected: " + t.error + "; its data sets will be rejected");
        } else if (t.note != null) {
            reject(r, 0, what + ": " + t.note);
        }
    }

    private void withdraw(int id, boolean options) {
        lastKey = -1;
        if (id >= 256) {
            templates.remove((scope << 16) | id);
        } else {
            long d = scope;
            templates.removeIf(k -> (k >>> 16) == d, t -> t.options == options);
        }
        templateBytes = templates.sum(t -> t.raw.length);
    }

    /**
     * True when {@code t} must not be used: a message with a time came more than the lifetime after
     * the template was last received. Such a template is kept, unused, so that the records of its
     * data sets can still be counted until it is re-sent; a template received without a time (files)
     * or one rejected anyway never expires.
     */
    private boolean expiredNow(Template t) {
        if (now == NO_TIME || t.error != null || t.receivedAt == NO_TIME) return false;
        if (!t.expired) {
            if (lifetimeMillis == 0 || now - t.receivedAt <= lifetimeMillis) return false;
            t.expired = true;
            expired++;
        }
        return true;
    }

    private String expiredText(Template t, int sid) {
        return "data set for " + (t.options ? "options template " : "template ") + sid + " (" + domainText()
                + "), which expired: not re-sent for " + (now - t.receivedAt + 999) / 1000
                + " s, more than the template lifetime of " + (lifetimeMillis + 999) / 1000 + " s";
    }

    private Template template(int id) {
        long key = (scope << 16) | id;
        if (key != lastKey) {
            lastTemplate = templates.get(key);
            lastKey = key;
        }
        return lastTemplate;
    }

    // ---------------------------------------------------------------- data

    private void dataSet(int s, int sid, int sl) {
        setAt = s;
        Template t = template(sid);
        int from = s + SET_HEADER;
        int to = s + sl;
        if (t != null && expiredNow(t)) {
            long lost = t.fixedLength > 0 ? (sl - SET_HEADER) / t.fixedLength : 1;
            if (t.fixedLength > 0) messageRecords += lost;
            else messageRecordsKnown = false;
            reject(s, lost, expiredText(t, sid) + "; records lost: " + (t.fixedLength > 0 ? lost : "unknown, counted as 1")
                    + " (and the template's data until the exporter sends it again)");
            return;
        }
        if (t == null) {
            messageRecordsKnown = false;
            reject(s, 1, "data set for unknown template " + sid + " (" + domainText()
                    + "), " + (sl - SET_HEADER) + " bytes; records lost: unknown, counted as 1");
            return;
        }
        if (t.error != null) {
            long lost = t.fixedLength > 0 ? (sl - SET_HEADER) / t.fixedLength : 1;
            if (t.fixedLength > 0) messageRecords += lost;
            else messageRecordsKnown = false;
            reject(s, lost, "data set for rejected template " + sid + " (" + domainText() + "): " + t.error);
            return;
        }
        prepareTimes(t);
        setSampling = sampling.get(scope); // one lookup per set, not per record
        if (!t.isVariable()) {
            int len = t.fixedLength;
            int n = (to - from) / len;
            int pad = from + n * len;
            messageRecords += n;
            if (!padding(pad, to, sl)) {
                reject(s, n, "data set for template " + sid + " (" + domainText()
                        + ") is not a whole number of " + len + "-byte records and its last " + (to - pad)
                        + " bytes are not padding: set or template damaged");
                return;
            }
            if (!t.flow && !t.hasInit && !t.hasRate) return;
            int[] offs = t.offsets;
            int[] lens = t.planLengths;
            for (int rec = from; rec < pad; rec += len) {
                recordAt = rec;
                decode(t, rec, offs, lens);
            }
            return;
        }
        // Variable-length records: check the whole set before emitting any of it.
        int n = 0;
        int r = from;
        while (to - r >= t.minLength) {
            int e = walk(t, r, to);
            if (e < 0) break;
            r = e;
            n++;
        }
        if (!(to - r < t.minLength && padding(r, to, sl))) {
            messageRecordsKnown = false;
            reject(s, n + 1L, "data set for template " + sid + " (" + domainText()
                    + "): record " + (n + 1) + " overruns the set or is followed by non-zero padding");
            return;
        }
        messageRecords += n;
        decodeVariable(t, from, to, n);
    }

    /**
     * Reads what lies before {@code limit} of a data set that the end of the input cuts (declared length
     * {@code sl}); returns the records lost.
     */
    public long cutDataSet(int s, int sid, int sl, int limit) {
        setAt = s;
        Template t = template(sid);
        messageRecordsKnown = false;
        if (t == null || t.error != null) return 1;
        if (expiredNow(t)) {
            reject(s, 0, expiredText(t, sid));
            return t.isVariable() ? 1 : Math.max(1, (sl - SET_HEADER) / t.fixedLength);
        }
        prepareTimes(t);
        setSampling = sampling.get(scope); // one lookup per set, not per record
        int from = s + SET_HEADER;
        if (!t.isVariable()) {
            int len = t.fixedLength;
            // A genuine set holds whole records plus alignment padding; anything else is a damaged length
            // that would make us decode the sets after it as records.
            if ((sl - SET_HEADER) % len >= 8) return Math.max(1, (sl - SET_HEADER) / len);
            int n = Math.max(0, (limit - from) / len);
            if (t.flow || t.hasInit || t.hasRate) {
                for (int i = 0, rec = from; i < n; i++, rec += len) {
                    recordAt = rec;
                    decode(t, rec, t.offsets, t.planLengths);
                }
            }
            return (sl - SET_HEADER) / len - n;
        }
        int n = 0;
        for (int r = from; limit - r >= t.minLength; n++) {
            int e = walk(t, r, limit);
            if (e < 0) break;
            r = e;
        }
        decodeVariable(t, from, limit, n);
        return 1;
    }

    private void decodeVariable(Template t, int from, int to, int n) {
        if (!t.flow && !t.hasInit && !t.hasRate) return;
        int[] idx = t.fieldIndex;
        if (planOff.length < idx.length) {
            planOff = new int[idx.length];
            planLen = new int[idx.length];
        }
        int[] po = planOff, pl = planLen;
        int r = from;
        for (int i = 0; i < n; i++) {
            int e = walk(t, r, to);
            for (int k = 0; k < idx.length; k++) {
                po[k] = fieldOff[idx[k]];
                pl[k] = fieldLen[idx[k]];
            }
            recordAt = r;
            decode(t, 0, po, pl);
            r = e;
        }
    }

    /** Locates every field of the record at {@code r} into {@link #fieldOff}; returns its end, or -1 if it overruns. */
    private int walk(Template t, int r, int to) {
        int[] lens = t.lengths;
        if (fieldOff.length < lens.length) {
            fieldOff = new int[lens.length];
            fieldLen = new int[lens.length];
        }
        int[] fo = fieldOff, fl = fieldLen;
        for (int i = 0; i < lens.length; i++) {
            int len = lens[i];
            if (len == VARIABLE) {
                if (r >= to) return -1;
                len = buf[r++] & 0xff;
                if (len == 255) {
                    if (to - r < 2) return -1;
                    len = u16(r);
                    r += 2;
                }
            }
            if (to - r < len) return -1;
            fo[i] = r;
            fl[i] = len;
            r += len;
        }
        return r;
    }

    private void prepareTimes(Template t) {
        if (v9 || (t.startEncoding != T_UPTIME && t.endEncoding != T_UPTIME)) return;
        long[] init = sysInit.get(scope);
        setInitKnown = init != null;
        setInit = init != null ? init[0] : 0;
    }

    private void decode(Template t, int rec, int[] offs, int[] lens) {
        byte[] b = buf;
        int[] kinds = t.kinds;
        int src4 = 0, dst4 = 0, srcPort = 0, dstPort = 0, proto = 0, flags = 0, icmp = -1, icmpType = -1, icmpCode = 0;
        long s6hi = 0, s6lo = 0, d6hi = 0, d6lo = 0;
        long octets = 0, packets = 0, rOctets = 0, rPackets = 0, start = 0, end = 0, init = 0;
        long sampler = -1, inIf = 0, outIf = 0, interval = 0, pktInterval = 0, pktSpace = 0, size = 0, population = 0;
        long outOctets = 0, outPackets = 0, srcAs = 0, dstAs = 0;
        int direction = 0;
        int sectionAt = -1, sectionLen = 0, sectionLayer = 0;
        boolean hasInit = false, hasOctets = false, hasPackets = false;
        for (int i = 0; i < kinds.length; i++) {
            int o = rec + offs[i];
            switch (kinds[i]) {
                case SRC4 -> src4 = (int) I32.get(b, o);
                case DST4 -> dst4 = (int) I32.get(b, o);
                case SRC6 -> {
                    s6hi = (long) I64.get(b, o);
                    s6lo = (long) I64.get(b, o + 8);
                }
                case DST6 -> {
                    d6hi = (long) I64.get(b, o);
                    d6lo = (long) I64.get(b, o + 8);
                }
                case SPORT -> srcPort = (int) uint(b, o, lens[i]);
                case DPORT -> dstPort = (int) uint(b, o, lens[i]);
                case ICMP_TC -> icmp = (int) uint(b, o, lens[i]);
                case ICMP_T -> icmpType = b[o] & 0xff;
                case ICMP_C -> icmpCode = b[o] & 0xff;
                case PROTO -> proto = b[o] & 0xff;
                case FLAGS -> flags |= (int) uint(b, o, lens[i]);
                case R_FLAGS -> flags |= (int) uint(b, o, lens[i]); // a biflow's flags cover both directions
                case OCTETS -> {
                    octets = uint(b, o, lens[i]);
                    hasOctets = true;
                }
                case PACKETS -> {
                    packets = uint(b, o, lens[i]);
                    hasPackets = true;
                }
                case SECTION_L2, SECTION_IP -> {
                    if (sectionAt < 0) {
                        sectionAt = o;
                        sectionLen = lens[i];
                        sectionLayer = kinds[i] == SECTION_L2 ? PacketSection.ETHERNET : PacketSection.IP;
                    }
                }
                case R_OCTETS -> rOctets = uint(b, o, lens[i]);
                case R_PACKETS -> rPackets = uint(b, o, lens[i]);
                case START -> start = uint(b, o, lens[i]);
                case END -> end = uint(b, o, lens[i]);
                case INIT -> {
                    init = (long) I64.get(b, o);
                    hasInit = true;
                }
                case SAMPLER -> sampler = uint(b, o, lens[i]);
                case S_INTERVAL -> interval = uint(b, o, lens[i]);
                case S_PKT_INTERVAL -> pktInterval = uint(b, o, lens[i]);
                case S_PKT_SPACE -> pktSpace = uint(b, o, lens[i]);
                case S_SIZE -> size = uint(b, o, lens[i]);
                case S_POPULATION -> population = uint(b, o, lens[i]);
                case OUT_OCTETS -> outOctets = uint(b, o, lens[i]);
                case OUT_PACKETS -> outPackets = uint(b, o, lens[i]);
                case DIRECTION -> direction = b[o] & 0xff;
                case SRC_AS -> srcAs = uint(b, o, lens[i]);
                case DST_AS -> dstAs = uint(b, o, lens[i]);
                case IN_IF -> inIf = uint(b, o, lens[i]);
                case OUT_IF -> outIf = uint(b, o, lens[i]);
                default -> { }
            }
        }
        if (hasInit) {
            long[] known = sysInit.get(scope);
            if (known == null) sysInit.put(scope, new long[] {init});
            else known[0] = init;
            setInitKnown = true;
            setInit = init;
        }
        // The record's own rate, as numerator / denominator: 1 in N, or N sampled of N + M.
        long num = 0, den = 1;
        if (t.hasRate) {
            if (interval > 0) {
                num = interval;
            } else if (pktInterval > 0 && pktInterval + pktSpace > 0) {
                num = pktInterval + pktSpace;
                den = pktInterval;
            } else if (size > 0 && population >= size) {
                num = population;
                den = size;
            }
        }
        if (!t.flow) {
            // Options data (sampling, system init time, ...) is never a flow.
            if (num > 0) {
                announce(t.hasSampler ? sampler : -1, t.options && t.hasInterface, inIf,
                        t.options && t.hasOutInterface, outIf, num, den);
            }
            return;
        }
        PacketSection ps = null;
        if (t.packetSample) {
            // One sampled packet: its headers are the flow's; it counts as one packet of its IP length.
            if (!section.read(b, sectionAt, sectionLen, sectionLayer)) {
                // ARP, LLDP, IS-IS... sampled too: real traffic, not damage, but no flow of any address.
                rejects.skipped(NOT_IP_SAMPLES, 1);
                return;
            }
            ps = section;
            if (!hasOctets) octets = ps.ipLength;
            if (!hasPackets) packets = 1;
        }
        if (direction == 1 && t.outByDirection) { // v9 egress record: its counters are OUT_BYTES / OUT_PKTS
            octets = outOctets;
            packets = outPackets;
        }
        if (ps != null && ps.opened > 0) {
            // An opened tunnel (--decap): the inner packet's length, not the record's count of the outer
            // one; the AS numbers were the tunnel's routing, not the inner addresses'.
            long n = Math.max(packets, 1);
            octets = Math.multiplyHigh(ps.ipLength, n) != 0 || ps.ipLength * n < 0 ? Long.MAX_VALUE : ps.ipLength * n;
            srcAs = dstAs = 0;
        }
        if (num == 0) {
            long[] r = rate(t.hasSampler ? sampler : -1, t.hasInterface, inIf, t.hasOutInterface, outIf,
                    direction == 1); // 0 when the record has no direction field
            num = r[0];
            den = r[1];
        }
        if (num != den) {
            octets = scale(octets, num, den);
            packets = scale(packets, num, den);
            rOctets = scale(rOctets, num, den);
            rPackets = scale(rPackets, num, den);
        }

        int se = t.startEncoding;
        int ee = t.endEncoding;
        long startMs, endMs;
        if (v9 && (se == T_UPTIME || ee == T_UPTIME)) {
            // Relative to the header's sysUpTime: mod 2^32 so a wrap between the two costs nothing; a time a
            // little after the header's (clock skew) comes out after the export time rather than 49 days early.
            startMs = se == T_UPTIME ? exportMillis - (int) (headerUptime - start) : millis(se, start);
            endMs = ee == T_UPTIME ? exportMillis - (int) (headerUptime - end) : millis(ee, end);
        } else if (se == T_UPTIME || ee == T_UPTIME) {
            long initMs;
            if (setInitKnown) {
                initMs = setInit;
            } else {
                // No systemInitTimeMilliseconds: assume the flow ended (or started) at export time.
                initMs = exportSeconds * 1000 - (ee == T_UPTIME ? end : start);
            }
            if (se == T_UPTIME && ee == T_UPTIME && end < start) end += 1L << 32; // sysUpTime wrapped
            startMs = se == T_UPTIME ? initMs + start : millis(se, start);
            endMs = ee == T_UPTIME ? initMs + end : millis(ee, end);
        } else {
            startMs = millis(se, start);
            endMs = millis(ee, end);
        }
        if (se == T_NONE) startMs = ee == T_NONE ? exportSeconds * 1000 : endMs;
        if (ee == T_NONE) endMs = startMs;

        if ((proto == 1 || proto == 58 && !v9) && (icmp >= 0 || icmpType >= 0)) {
            // ICMP type and code as nfdump 1.7 keeps them: in the destination port, the source port 0;
            // for NetFlow v9 only ICMP's (nfdump leaves ICMPv6 flows of v9 at port 0).
            dstPort = icmp >= 0 ? icmp : icmpType << 8 | icmpCode;
            srcPort = 0;
        }
        Ip src, dst;
        if (ps != null) {
            src = ps.src();
            dst = ps.dst();
            proto = ps.proto;
            srcPort = ps.srcPort;
            dstPort = ps.dstPort;
            flags = ps.flags;
        } else if (t.hasV4 && (!t.hasV6 || (src4 | dst4) != 0)) {
            src = Ip.ofV4(src4);
            dst = Ip.ofV4(dst4);
        } else {
            src = Ip.ofV6(s6hi, s6lo);
            dst = Ip.ofV6(d6hi, d6lo);
        }
        String implausible = FlowRecord.implausibleCounters(packets, octets, rPackets, rOctets);
        if (implausible != null) {
            reject(recordAt, 1, "data record of template " + t.id + ": " + implausible);
            return;
        }
        FlowRecord f = t.biflow
                ? new FlowRecord(startMs, endMs, src, dst, srcPort, dstPort, proto, flags, packets, octets,
                        rPackets, rOctets, true, srcAs, dstAs, null, null, NameSource.NONE)
                : FlowRecord.uni(startMs, endMs, src, dst, srcPort, dstPort, proto, flags, packets, octets, srcAs,
                        dstAs);
        sink.flow(f);
        emitted++;
    }

    // ---------------------------------------------------------------- sampling

    /**
     * Rates announced in one scope: one per sampler id, one per interface (routers sample interfaces at
     * different rates), and one announced without either (the default).
     */
    private static final class Sampling {
        final long[] fallback = {1, 1};
        final LongMap<long[]> bySampler = new LongMap<>();
        final LongMap<long[]> byInterface = new LongMap<>();
        /** IPFIX rates scoped to an egress interface. */
        final LongMap<long[]> byEgress = new LongMap<>();
        /** The last egress-scoped rate, and whether a default was announced (without scope). */
        final long[] lastEgress = {1, 1};
        boolean anyInterface, anyEgress, defaultAnnounced;
        final LongMap<Boolean> unknownNoted = new LongMap<>();

        int entries() {
            return bySampler.size() + byInterface.size() + byEgress.size() + unknownNoted.size();
        }
    }

    private static final long[] UNSAMPLED = {1, 1};
    /**
     * Sampler rates, interface rates and unannounced samplers this decoder keeps, over all its
     * sources (up to ExportDecoder.MAX_SOURCES): options data or flows naming ever new ids, from one
     * source or many, must not grow the heap without bound (about 20 MB at most; real exporters
     * have a few to a few thousand samplers and interfaces).
     */
    public static final int MAX_RATES = 1 << 18;
    private int rateEntries;

    /**
     * A rate from options data: for its sampler if it names one, else for its (ingress, or v9's
     * undirected) interface scope, else for its egress interface scope, else the default.
     */
    private void announce(long sampler, boolean hasInterface, long inIf, boolean hasEgress, long outIf, long num,
                          long den) {
        Sampling s = sampling.get(scope);
        if (s == null) {
            s = new Sampling();
            sampling.put(scope, s);
            setSampling = s;
        }
        // Sampler id 0 means "none": such a record is the interface's rate or the default.
        if (sampler > 0) {
            put(s.bySampler, sampler, num, den, "sampler");
        } else if (hasInterface) {
            put(s.byInterface, inIf, num, den, "interface");
            s.anyInterface = true;
        } else if (hasEgress) {
            if (put(s.byEgress, outIf, num, den, "egress interface")) {
                s.anyEgress = true;
                s.lastEgress[0] = num;
                s.lastEgress[1] = den;
            }
        } else {
            s.fallback[0] = num;
            s.fallback[1] = den;
            s.defaultAnnounced = true;
        }
    }

    /** Keeps a rate, unless it is for a new key and the budget is spent (reported, false). */
    private boolean put(LongMap<long[]> m, long key, long num, long den, String what) {
        long[] r = m.get(key);
        if (r == null) {
            if (rateEntries >= MAX_RATES) {
                reject(setAt, 0, "sampling rate for " + what + " " + key + " (" + domainText() + ") ignored: "
                        + MAX_RATES + " sampler and interface rates are kept already");
                return false;
            }
            m.put(key, new long[] {num, den});
            rateEntries++;
        } else {
            r[0] = num;
            r[1] = den;
        }
        return true;
    }

    /**
     * The rate of a flow: its sampler's; else, for an egress record (direction 1), its output
     * interface's egress-scoped rate (or, in v9, whose interface scope has no direction, that
     * interface's rate); else its input interface's rate; else its output interface's egress-scoped
     * rate; else the default, for which the last egress-scoped rate stands in when none was announced
     * (collectors such as nfdump and Akvorado take any rate not keyed by sampler as the default).
     */
    private long[] rate(long sampler, boolean hasInterface, long inIf, boolean hasOut, long outIf, boolean egress) {
        Sampling s = setSampling;
        if (s == null) {
            if (sampler > 0) noteUnknownSampler(null, sampler);
            return UNSAMPLED;
        }
        if (sampler > 0) {
            long[] r = s.bySampler.get(sampler);
            if (r != null) return r;
            noteUnknownSampler(s, sampler);
        }
        if (egress && hasOut) {
            long[] r = s.anyEgress ? s.byEgress.get(outIf) : null;
            if (r == null && v9 && s.anyInterface) r = s.byInterface.get(outIf);
            if (r != null) return r;
        }
        if (hasInterface && s.anyInterface) {
            long[] r = s.byInterface.get(inIf);
            if (r != null) return r;
        }
        if (hasOut && s.anyEgress) {
            long[] r = s.byEgress.get(outIf);
            if (r != null) return r;
        }
        if (s.anyEgress && !s.defaultAnnounced) return s.lastEgress;
        return s.fallback;
    }

    /** Sampler 0 conventionally means "none"; any other id without an announced rate is told once. */
    private void noteUnknownSampler(Sampling s, long sampler) {
        if (s == null) {
            s = new Sampling();
            sampling.put(scope, s);
            setSampling = s;
        }
        if (s.unknownNoted.get(sampler) != null || rateEntries >= MAX_RATES) return;
        s.unknownNoted.put(sampler, Boolean.TRUE);
        rateEntries++;
        unknownSamplerNotes++;
        reject(setAt, 0, "flows of sampler " + sampler + " (" + domainText() + ") arrive with no rate kept for it"
                + " (no options record announced one yet, or it was refused); until one is kept, its input interface's"
                + " rate, else the scope's default rate (1 if none), is applied");
    }

    /** v * num / den without overflow (saturating; counters that large are damage anyway). */
    static long scale(long v, long num, long den) {
        if (v == 0) return 0;
        long hi = Math.multiplyHigh(v, num);
        long lo = v * num;
        if (hi == 0 && lo >= 0) return lo / den;
        double d = (double) v * num / den;
        return d >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) d;
    }

    private long millis(int encoding, long v) {
        switch (encoding) {
            case T_SEC:
                return v * 1000;
            case T_MILLI:
                return v;
            case T_MICRO_NTP:
                return ntpMillis(v, false);
            case T_NANO_NTP:
                return ntpMillis(v, true);
            case T_DELTA_MICRO:
                return Math.floorDiv(exportSeconds * 1_000_000L - v, 1000L);
            default:
                return 0;
        }
    }

    /**
     * RFC 7011 §6.1.9-10: NTP seconds since 1900 and a 2^-32 fraction; seconds below 2^31 are era 1
     * (from 2036). The fraction is rounded to the encoding's unit (µs or ns) before truncating to ms,
     * because exporters truncate when they convert, and 5 ms must not come back as 4.999999.
     */
    static long ntpMillis(long v, boolean nanos) {
        long sec = v >>> 32;
        long frac = v & 0xffff_ffffL;
        if (sec < 0x8000_0000L) sec += 1L << 32;
        long unit = nanos ? 1_000_000_000L : 1_000_000L;
        long sub = (frac * unit + (1L << 31)) >>> 32;
        return (sec - NTP_TO_UNIX_SECONDS) * 1000 + sub / (unit / 1000);
    }

    // ---------------------------------------------------------------- bytes

    private static long uint(byte[] b, int o, int len) {
        switch (len) {
            case 1:
                return b[o] & 0xff;
            case 2:
                return (short) I16.get(b, o) & 0xffffL;
            case 4:
                return (int) I32.get(b, o) & 0xffff_ffffL;
            case 8:
                return (long) I64.get(b, o);
            default:
                long v = 0;
                for (int i = 0; i < len; i++) v = (v << 8) | (b[o + i] & 0xff);
                return v;
        }
    }

    private int u16(int p) {
        return ((buf[p] & 0xff) << 8) | (buf[p + 1] & 0xff);
    }

    /**
     * Bytes after the last whole record are padding if zero (RFC 7011 §3.3.1), or fewer than 4 that align
     * the set to 4 bytes: MikroTik RouterOS pads that way with junk. Anything else means the data and
     * the template disagree (damage, or a template change we did not see), so the set is not trusted.
     */
    private boolean padding(int from, int to, int setLength) {
        return zero(from, to) || (to - from < 4 && (setLength & 3) == 0);
    }

    private boolean zero(int from, int to) {
        return zero(buf, from, to);
    }
}
