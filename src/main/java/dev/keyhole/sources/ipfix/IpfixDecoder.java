package dev.keyhole.sources.ipfix;

import dev.keyhole.records.FlowRecord;
import dev.keyhole.records.Ip;
import dev.keyhole.records.NameSource;
import dev.keyhole.records.RecordSink;
import dev.keyhole.sources.Rejects;

import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

import static dev.keyhole.sources.ipfix.Template.*;

/**
 * One read of one IPFIX stream. Framing trusts the structure more than the length fields: a message is
 * accepted when its sets chain exactly to its declared length; when they do not, the sets decide where
 * it ends, and only what cannot be explained is skipped (resynchronising on the next message header
 * whose sets chain correctly).
 */
final class IpfixDecoder {
    private static final int HEADER = 16;
    private static final int SET_HEADER = 4;
    private static final int MAX_MESSAGE = 65_535;
    /** Bytes kept in view from a message start: the message, sets read past a lying length, and the next message. */
    private static final int WINDOW = 2 * MAX_MESSAGE + HEADER + SET_HEADER;
    private static final long NTP_TO_UNIX_SECONDS = 2_208_988_800L;

    private static final VarHandle I16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle I32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle I64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private final InputStream in;
    private final RecordSink sink;
    private final Rejects rejects;

    private final byte[] buf = new byte[1 << 20];
    private int lim;       // valid bytes in buf
    private long base;     // file offset of buf[0]
    private boolean eof;

    /** Templates by (observation domain << 16 | template id); rejected ones are kept to recognise re-sends. */
    private final LongMap<Template> templates = new LongMap<>();
    /** systemInitTimeMilliseconds by observation domain, from options or data records. */
    private final LongMap<long[]> sysInit = new LongMap<>();
    private long lastKey = -1;
    private Template lastTemplate;

    // The message being read.
    private long exportSeconds;
    private long domain;
    // systemInitTimeMilliseconds for the data set being read, when known.
    private boolean setInitKnown;
    private long setInit;

    // Per-record scratch for variable-length templates.
    private int[] fieldOff = new int[32];
    private int[] planOff = new int[16];

    private long emitted;
    /** File offset from which the end-of-file scan found no whole message. */
    private long noWholeMessageFrom = Long.MAX_VALUE;

    IpfixDecoder(InputStream in, RecordSink sink, Rejects rejects) {
        this.in = in;
        this.sink = sink;
        this.rejects = rejects;
    }

    long run() throws IOException {
        int p = 0;
        while (true) {
            p = window(p);
            if (p >= lim) return emitted;
            if (lim - p < HEADER) { // only at end of file: the window is larger otherwise
                boolean header = lim - p >= 2 && u16(p) == 10;
                rejects.atOffset(base + p, 0, "the last " + (lim - p) + " bytes of the file are "
                        + (header ? "too short for an IPFIX message header" : "not an IPFIX message"));
                return emitted;
            }
            if (u16(p) != 10) {
                long off = base + p;
                p = resync(p);
                long skipped = base + p - off;
                rejects.atOffset(off, 0, p >= lim
                        ? "the last " + skipped + " bytes of the file are not an IPFIX message"
                        : "skipped " + skipped + " bytes that are not an IPFIX message (no version 10 header),"
                                + " resumed at offset " + (base + p));
                continue;
            }
            p = message(p);
        }
    }

    /** Makes at least {@link #WINDOW} bytes from {@code p} available (unless the stream ends); returns p's new index. */
    private int window(int p) throws IOException {
        if (eof || lim - p >= WINDOW) return p;
        if (p > 0) {
            System.arraycopy(buf, p, buf, 0, lim - p);
            base += p;
            lim -= p;
            p = 0;
        }
        while (lim < buf.length) {
            int r = in.read(buf, lim, buf.length - lim);
            if (r < 0) {
                eof = true;
                break;
            }
            lim += r;
        }
        return p;
    }

    /** Reads the message whose version-10 header is at {@code p}; returns where the next one starts. */
    private int message(int p) throws IOException {
        long off = base + p;
        int declared = u16(p + 2);
        exportSeconds = u32(p + 4);
        domain = u32(p + 12);
        int declEnd = declared >= HEADER ? p + declared : -1;
        boolean cut = declEnd > lim; // the window holds any whole message, so only at end of file
        int q = chain(p + HEADER, declEnd < 0 ? p + HEADER : Math.min(declEnd, lim));
        if (q == declEnd) {
            sets(p + HEADER, q);
            return q;
        }
        // Length field and sets disagree, or the file ends inside the message. Do the sets go on
        // past the declared length (or stop before it) and end exactly where the next message starts?
        int t = chain(q, Math.min(lim, p + MAX_MESSAGE));
        if (t > p + HEADER && (startsMessage(t) || (t == lim && eof && !cut))) {
            sets(p + HEADER, t);
            rejects.atOffset(off, 0, "message length field says " + declared + " bytes but its sets end after "
                    + (t - p) + " bytes" + (t == lim ? ", at end of file" : ", where the next message starts")
                    + "; read by its sets, nothing lost");
            return t;
        }
        // Past the end of file: truncated, unless a whole message follows (then this header is damaged).
        if (cut && cutAt(q, declEnd) && nextWholeMessage(q) < 0) {
            sets(p + HEADER, q);
            long lost = 0;
            if (lim - q >= SET_HEADER && u16(q) >= 256) lost = cutDataSet(q, u16(q), u16(q + 2));
            rejects.atOffset(off, lost, "message truncated: its length field says " + declared
                    + " bytes but the file ends after " + (lim - p) + " (at offset " + (base + lim) + ");"
                    + " records lost in the cut set: " + lost + ", records before the cut were read");
            return lim;
        }
        // Damage inside the message: keep the sets before it, skip to the next message.
        sets(p + HEADER, q);
        String why = damage(q, declared, declEnd);
        long damageOff = declEnd < 0 ? off : base + q;
        int next;
        if (declEnd > q && declEnd <= lim && ((declEnd == lim && eof) || startsMessage(declEnd))) {
            next = declEnd;
        } else {
            next = resync(q);
        }
        long skipped = base + next - damageOff;
        boolean couldHoldRecords = skipped > SET_HEADER;
        rejects.atOffset(damageOff, couldHoldRecords ? 1 : 0, why + "; skipped " + skipped + " bytes"
                + (next >= lim ? " to end of file" : ", resumed at offset " + (base + next))
                + (couldHoldRecords ? "; records lost: unknown, counted as 1" : ""));
        return next;
    }

    /** The sets chained up to {@code q} stop there because the file ends, not because of a bad set header. */
    private boolean cutAt(int q, int declEnd) {
        if (lim - q < SET_HEADER) return true;
        int sid = u16(q);
        int sl = u16(q + 2);
        return validSetId(sid) && sl >= SET_HEADER && q + sl > lim && q + sl <= declEnd;
    }

    private String damage(int q, int declared, int declEnd) {
        if (declEnd < 0) return "message length field " + declared + " is shorter than a message header";
        if (declEnd - q > 0 && declEnd - q < SET_HEADER) return (declEnd - q) + " stray bytes after the last set";
        int sid = u16(q);
        int sl = u16(q + 2);
        if (!validSetId(sid)) return "invalid set id " + sid;
        if (sl < SET_HEADER) return "set " + sid + " has length " + sl + ", shorter than a set header";
        return "set " + sid + " of length " + sl + " overflows its message (message length field says " + declared + ")";
    }

    /** Skips to the next offset at or after {@code s} where {@link #startsMessage} holds, or to the end. */
    private int resync(int s) throws IOException {
        int x = s;
        while (true) {
            if (!eof && lim - x < WINDOW) x = window(x);
            if (eof) break;
            if (buf[x] == 0 && buf[x + 1] == 10 && wholeMessage(x)) return x;
            x++;
        }
        // All that is left is in the buffer.
        int w = nextWholeMessage(x);
        if (w >= 0) return w;
        for (; lim - x >= HEADER + SET_HEADER; x++) {
            if (buf[x] == 0 && buf[x + 1] == 10 && cutMessage(x)) return x;
        }
        return lim;
    }

    /**
     * A message starts at {@code x}: a version-10 header whose sets chain exactly to its length, or the
     * last message of the file cut by its end (only if no whole message follows, since a cut message
     * cannot have one after it).
     */
    private boolean startsMessage(int x) {
        if (wholeMessage(x)) return true;
        return eof && cutMessage(x) && nextWholeMessage(x + 1) < 0;
    }

    private boolean wholeMessage(int x) {
        if (lim - x < HEADER + SET_HEADER || u16(x) != 10) return false;
        int len = u16(x + 2);
        return len >= HEADER + SET_HEADER && len <= lim - x && chain(x + HEADER, x + len) == x + len;
    }

    /** A version-10 header running past the end of file, every set header before the end being valid. */
    private boolean cutMessage(int x) {
        if (!eof || lim - x < HEADER + SET_HEADER || u16(x) != 10) return false;
        int len = u16(x + 2);
        if (len < HEADER + SET_HEADER || len <= lim - x) return false;
        int q = chain(x + HEADER, lim);
        return cutAt(q, x + len);
    }

    /** The first offset from {@code from} holding a whole message, or -1; only used at end of file. */
    private int nextWholeMessage(int from) {
        if (base + from >= noWholeMessageFrom) return -1;
        for (int x = from; lim - x >= HEADER + SET_HEADER; x++) {
            if (buf[x] == 0 && buf[x + 1] == 10 && wholeMessage(x)) return x;
        }
        noWholeMessageFrom = base + from; // damaged tails would otherwise be rescanned for every header in them
        return -1;
    }

    /** Follows set headers from {@code q} while they are valid and fit before {@code limit}; returns where it stopped. */
    private int chain(int q, int limit) {
        while (limit - q >= SET_HEADER) {
            int sid = u16(q);
            int sl = u16(q + 2);
            if (!validSetId(sid) || sl < SET_HEADER || sl > limit - q) break;
            q += sl;
        }
        return q;
    }

    private static boolean validSetId(int sid) {
        return sid == 2 || sid == 3 || sid >= 256;
    }

    /** Handles the (already chained) sets in [from, to). */
    private void sets(int from, int to) {
        int q = from;
        while (q < to) {
            int sid = u16(q);
            int sl = u16(q + 2);
            if (sid == 2 || sid == 3) templateSet(q, sl, sid == 3);
            else dataSet(q, sid, sl);
            q += sl;
        }
    }

    // ---------------------------------------------------------------- templates

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
            rejects.atOffset(base + badAt, 0, what + " at offset " + (base + s) + " (observation domain " + domain
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

    private void define(int r, int e, int id, int fc, int scopes, boolean options, int fieldsAt) {
        long key = (domain << 16) | id;
        Template old = templates.get(key);
        if (old != null && old.options == options && Arrays.equals(old.raw, 0, old.raw.length, buf, r, e)) return;
        Template t = Template.parse(buf, r, e, id, fc, scopes, options, fieldsAt);
        templates.put(key, t);
        lastKey = -1;
        String what = (options ? "options template " : "template ") + id + " (observation domain " + domain + ")";
        if (t.error != null) {
            rejects.atOffset(base + r, 0, what + " rejected: " + t.error + "; its data sets will be rejected");
        } else if (t.note != null) {
            rejects.atOffset(base + r, 0, what + ": " + t.note);
        }
    }

    private void withdraw(int id, boolean options) {
        lastKey = -1;
        if (id >= 256) {
            templates.remove((domain << 16) | id);
            return;
        }
        long d = domain;
        templates.removeIf(k -> (k >>> 16) == d, t -> t.options == options);
    }

    private Template template(int id) {
        long key = (domain << 16) | id;
        if (key != lastKey) {
            lastTemplate = templates.get(key);
            lastKey = key;
        }
        return lastTemplate;
    }

    // ---------------------------------------------------------------- data

    private void dataSet(int s, int sid, int sl) {
        Template t = template(sid);
        int from = s + SET_HEADER;
        int to = s + sl;
        if (t == null) {
            rejects.atOffset(base + s, 1, "data set for unknown template " + sid + " (observation domain " + domain
                    + "), " + (sl - SET_HEADER) + " bytes; records lost: unknown, counted as 1");
            return;
        }
        if (t.error != null) {
            long lost = t.fixedLength > 0 ? (sl - SET_HEADER) / t.fixedLength : 1;
            rejects.atOffset(base + s, lost, "data set for rejected template " + sid + " (observation domain "
                    + domain + "): " + t.error);
            return;
        }
        prepareTimes(t);
        if (!t.isVariable()) {
            int len = t.fixedLength;
            int n = (to - from) / len;
            int pad = from + n * len;
            if (!padding(pad, to, sl)) {
                rejects.atOffset(base + s, n, "data set for template " + sid + " (observation domain " + domain
                        + ") is not a whole number of " + len + "-byte records and its last " + (to - pad)
                        + " bytes are not padding: set or template damaged");
                return;
            }
            if (!t.flow && !t.hasInit) return;
            int[] offs = t.offsets;
            int[] lens = t.planLengths;
            for (int rec = from; rec < pad; rec += len) decode(t, rec, offs, lens);
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
            rejects.atOffset(base + s, n + 1L, "data set for template " + sid + " (observation domain " + domain
                    + "): record " + (n + 1) + " overruns the set or is followed by non-zero padding");
            return;
        }
        decodeVariable(t, from, to, n);
    }

    /** Reads what fits before the end of file of a data set cut by it; returns the records lost. */
    private long cutDataSet(int s, int sid, int sl) {
        Template t = template(sid);
        if (t == null || t.error != null) return 1;
        prepareTimes(t);
        int from = s + SET_HEADER;
        if (!t.isVariable()) {
            int len = t.fixedLength;
            // A genuine set holds whole records plus alignment padding; anything else is a damaged length
            // that would make us decode the sets after it as records.
            if ((sl - SET_HEADER) % len >= 8) return Math.max(1, (sl - SET_HEADER) / len);
            int n = (lim - from) / len;
            if (t.flow || t.hasInit) {
                for (int i = 0, rec = from; i < n; i++, rec += len) decode(t, rec, t.offsets, t.planLengths);
            }
            return (sl - SET_HEADER) / len - n;
        }
        int n = 0;
        for (int r = from; lim - r >= t.minLength; n++) {
            int e = walk(t, r, lim);
            if (e < 0) break;
            r = e;
        }
        decodeVariable(t, from, lim, n);
        return 1;
    }

    private void decodeVariable(Template t, int from, int to, int n) {
        if (!t.flow && !t.hasInit) return;
        int[] idx = t.fieldIndex;
        if (planOff.length < idx.length) planOff = new int[idx.length];
        int[] po = planOff;
        int r = from;
        for (int i = 0; i < n; i++) {
            int e = walk(t, r, to);
            for (int k = 0; k < idx.length; k++) po[k] = fieldOff[idx[k]];
            decode(t, 0, po, t.planLengths);
            r = e;
        }
    }

    /** Locates every field of the record at {@code r} into {@link #fieldOff}; returns its end, or -1 if it overruns. */
    private int walk(Template t, int r, int to) {
        int[] lens = t.lengths;
        if (fieldOff.length < lens.length) fieldOff = new int[lens.length];
        int[] fo = fieldOff;
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
            r += len;
        }
        return r;
    }

    private void prepareTimes(Template t) {
        if (t.startEncoding != T_UPTIME && t.endEncoding != T_UPTIME) return;
        long[] init = sysInit.get(domain);
        setInitKnown = init != null;
        setInit = init != null ? init[0] : 0;
    }

    private void decode(Template t, int rec, int[] offs, int[] lens) {
        byte[] b = buf;
        int[] kinds = t.kinds;
        int src4 = 0, dst4 = 0, srcPort = 0, dstPort = 0, proto = 0, flags = 0;
        long s6hi = 0, s6lo = 0, d6hi = 0, d6lo = 0;
        long octets = 0, packets = 0, rOctets = 0, rPackets = 0, start = 0, end = 0, init = 0;
        boolean hasInit = false;
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
                case PROTO -> proto = b[o] & 0xff;
                case FLAGS -> flags |= (int) uint(b, o, lens[i]);
                case R_FLAGS -> flags |= (int) uint(b, o, lens[i]); // a biflow's flags cover both directions
                case OCTETS -> octets = uint(b, o, lens[i]);
                case PACKETS -> packets = uint(b, o, lens[i]);
                case R_OCTETS -> rOctets = uint(b, o, lens[i]);
                case R_PACKETS -> rPackets = uint(b, o, lens[i]);
                case START -> start = uint(b, o, lens[i]);
                case END -> end = uint(b, o, lens[i]);
                case INIT -> {
                    init = (long) I64.get(b, o);
                    hasInit = true;
                }
                default -> { }
            }
        }
        if (hasInit) {
            long[] known = sysInit.get(domain);
            if (known == null) sysInit.put(domain, new long[] {init});
            else known[0] = init;
            setInitKnown = true;
            setInit = init;
        }
        if (!t.flow) return; // options data (sampling, system init time, ...) is never a flow

        int se = t.startEncoding;
        int ee = t.endEncoding;
        long startMs, endMs;
        if (se == T_UPTIME || ee == T_UPTIME) {
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

        Ip src, dst;
        if (t.hasV4 && (!t.hasV6 || (src4 | dst4) != 0)) {
            src = Ip.ofV4(src4);
            dst = Ip.ofV4(dst4);
        } else {
            src = Ip.ofV6(s6hi, s6lo);
            dst = Ip.ofV6(d6hi, d6lo);
        }
        FlowRecord f = t.biflow
                ? new FlowRecord(startMs, endMs, src, dst, srcPort, dstPort, proto, flags, packets, octets,
                        rPackets, rOctets, true, null, null, NameSource.NONE)
                : FlowRecord.uni(startMs, endMs, src, dst, srcPort, dstPort, proto, flags, packets, octets);
        sink.flow(f);
        emitted++;
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

    private long u32(int p) {
        return (int) I32.get(buf, p) & 0xffff_ffffL;
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
        for (int i = from; i < to; i++) {
            if (buf[i] != 0) return false;
        }
        return true;
    }
}
