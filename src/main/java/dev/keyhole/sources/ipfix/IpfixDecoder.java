package dev.keyhole.sources.ipfix;

import dev.keyhole.records.RecordSink;
import dev.keyhole.sources.Rejects;

import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

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

    private static final VarHandle I32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

    private final InputStream in;
    private final Rejects rejects;

    private final byte[] buf = new byte[1 << 20];
    private int lim;       // valid bytes in buf
    private long base;     // file offset of buf[0]
    private boolean eof;
    /** A failure of the stream itself (a cut gzip): rethrown after what was read before it is decoded. */
    private IOException readFailure;

    /** Templates, options and decoding, per observation domain. */
    private final TemplateDecoder sets;

    // The message being read.
    private long exportSeconds;
    private long domain;
    /** File offset from which the end-of-file scan found no whole message. */
    private long noWholeMessageFrom = Long.MAX_VALUE;

    IpfixDecoder(InputStream in, RecordSink sink, Rejects rejects) {
        this(in, sink, rejects, dev.keyhole.sources.packet.Tunnels.NONE);
    }

    IpfixDecoder(InputStream in, RecordSink sink, Rejects rejects, dev.keyhole.sources.packet.Tunnels tunnels) {
        this.in = in;
        this.rejects = rejects;
        this.sets = new TemplateDecoder(sink, tunnels);
    }

    long run() throws IOException {
        int p = 0;
        while (true) {
            p = window(p);
            if (p >= lim) return end();
            if (lim - p < HEADER) { // only at end of file: the window is larger otherwise
                boolean header = lim - p >= 2 && u16(p) == 10;
                rejects.atOffset(base + p, 0, "the last " + (lim - p) + " bytes of the file are "
                        + (header ? "too short for an IPFIX message header" : "not an IPFIX message"));
                return end();
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

    private long end() throws IOException {
        if (readFailure != null) throw readFailure;
        return sets.emitted();
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
            int r;
            try {
                r = in.read(buf, lim, buf.length - lim);
            } catch (IOException e) {
                // Decode the whole messages already buffered first; the failure is reported after them.
                readFailure = e;
                r = -1;
            }
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
        return TemplateDecoder.chainIpfix(buf, q, limit);
    }

    private static boolean validSetId(int sid) {
        return TemplateDecoder.validIpfixSetId(sid);
    }

    /** Handles the (already chained) sets in [from, to) of the message whose header was read last. */
    private void sets(int from, int to) {
        sets.beginIpfix(buf, base, domain, domain, exportSeconds, rejects, "");
        sets.sets(from, to);
    }

    private long cutDataSet(int s, int sid, int sl) {
        return sets.cutDataSet(s, sid, sl, lim);
    }

    // ---------------------------------------------------------------- bytes

    private int u16(int p) {
        return ((buf[p] & 0xff) << 8) | (buf[p + 1] & 0xff);
    }

    private long u32(int p) {
        return (int) I32.get(buf, p) & 0xffff_ffffL;
    }
}
