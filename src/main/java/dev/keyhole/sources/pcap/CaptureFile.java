package dev.keyhole.sources.pcap;

import dev.keyhole.sources.Rejects;

import java.io.IOException;
import java.io.InputStream;

/**
 * Reads the packets of a libpcap file (microsecond or nanosecond magic, either byte order, and the
 * "modified" Kuznetsov variant) or a pcapng file (SHB, IDB, EPB, SPB and the obsolete PB, either byte
 * order, several sections) and hands each one to a {@link Handler}. Other pcapng blocks are skipped.
 * Structural damage (impossible lengths, a file cut inside a record) is reported to {@link Rejects}
 * with its file offset; reading stops there because neither format can be resynchronised reliably.
 */
final class CaptureFile {
    static final int PCAP_US = 0xa1b2c3d4, PCAP_NS = 0xa1b23c4d, PCAP_MODIFIED = 0xa1b2cd34;
    static final int PCAPNG_SHB = 0x0a0d0d0a, PCAPNG_BOM = 0x1a2b3c4d;
    /** Largest packet or block accepted; larger ones are damage, not packets. */
    static final int MAX_BLOCK = 16 << 20;
    /** A packet without a time stamp (the decoder's "unknown": its templates do not age). */
    static final long NO_TIME = dev.keyhole.sources.ipfix.TemplateDecoder.NO_TIME;

    interface Handler {
        /**
         * @param linkType LINKTYPE_* of the packet's interface
         * @param at       file offset of {@code b[off]}
         * @param origLen  the packet's length on the wire (more than {@code len} if the capture cut it)
         * @param millis   when it was captured (Unix milliseconds), or {@link #NO_TIME} (a pcapng simple packet block)
         */
        void packet(int linkType, byte[] b, int off, int len, int origLen, long at, long millis);
    }

    private final InputStream in;
    private final Rejects rejects;
    private byte[] buf = new byte[1 << 20];
    private int pos, lim;
    private long base; // file offset of buf[0]
    private boolean eof;
    private boolean little;
    long packets;

    CaptureFile(InputStream in, Rejects rejects) {
        this.in = in;
        this.rejects = rejects;
    }

    /** Reads the whole file; returns false if it is neither pcap nor pcapng. */
    boolean read(Handler h) throws IOException {
        if (!need(4)) {
            rejects.atOffset(0, 0, "file of " + (lim - pos) + " bytes is too short for a capture header");
            return false;
        }
        int be = i32be(pos);
        if (be == PCAPNG_SHB) {
            pcapng(h);
            return true;
        }
        int le = Integer.reverseBytes(be);
        if (be == PCAP_US || be == PCAP_NS || be == PCAP_MODIFIED) {
            little = false;
        } else if (le == PCAP_US || le == PCAP_NS || le == PCAP_MODIFIED) {
            little = true;
        } else {
            rejects.atOffset(0, 0, "not a pcap or pcapng file (first bytes " + String.format("%08x", be) + ")");
            return false;
        }
        pcap(h, little ? le : be);
        return true;
    }

    // ---------------------------------------------------------------- pcap

    private void pcap(Handler h, int magic) throws IOException {
        if (!need(24)) {
            cut(0, "its 24-byte pcap header");
            return;
        }
        int snap = i32(pos + 16);
        int linkType = i32(pos + 20) & 0xffff; // the upper bits carry FCS information
        pos += 24;
        int extra = magic == PCAP_MODIFIED ? 8 : 0;
        while (true) {
            long at = offset();
            if (!need(1)) return;
            if (!need(16 + extra)) {
                cut(at, "a " + (16 + extra) + "-byte packet record header");
                return;
            }
            int incl = i32(pos + 8);
            int orig = i32(pos + 12);
            if (incl < 0 || incl > MAX_BLOCK) {
                rejects.atOffset(at, 0, "packet record " + (packets + 1) + " claims " + Integer.toUnsignedString(incl)
                        + " captured bytes (snaplen " + Integer.toUnsignedString(snap) + "): damaged; the rest of"
                        + " the file is not read");
                return;
            }
            if (!need(16 + extra + incl)) {
                cut(at, "packet " + (packets + 1) + " (" + incl + " bytes)");
                return;
            }
            int data = pos + 16 + extra;
            long sec = i32(pos) & 0xffff_ffffL, frac = i32(pos + 4) & 0xffff_ffffL;
            long millis = sec * 1000 + (magic == PCAP_NS ? frac / 1_000_000 : frac / 1000);
            packets++;
            h.packet(linkType, buf, data, incl, Math.max(orig, incl), base + data, millis);
            pos = data + incl;
        }
    }

    // ---------------------------------------------------------------- pcapng

    private int[] ifLinkType = new int[4];
    private int[] ifSnap = new int[4];
    /** Each interface's time stamp unit (if_tsresol: 10^-n, or 2^-n when the top bit is set) and if_tsoffset (s). */
    private int[] ifTsResol = new int[4];
    private long[] ifTsOffset = new long[4];
    private int interfaces;

    private void pcapng(Handler h) throws IOException {
        boolean section = false;
        while (true) {
            long at = offset();
            if (!need(1)) return;
            if (!need(12)) {
                cut(at, "a block header");
                return;
            }
            int typeBe = i32be(pos);
            if (typeBe == PCAPNG_SHB) {
                int bom = i32be(pos + 8);
                if (bom == PCAPNG_BOM) little = false;
                else if (Integer.reverseBytes(bom) == PCAPNG_BOM) little = true;
                else {
                    rejects.atOffset(at + 8, 0, "section header block with an invalid byte-order magic "
                            + String.format("%08x", bom) + "; the rest of the file is not read");
                    return;
                }
                section = true;
                interfaces = 0;
            } else if (!section) {
                rejects.atOffset(at, 0, "pcapng file does not start with a section header block");
                return;
            }
            int type = i32(pos);
            int total = i32(pos + 4);
            if (total < 12 || (total & 3) != 0 || total > MAX_BLOCK) {
                rejects.atOffset(at + 4, 0, "block of type " + Integer.toUnsignedString(type) + " has length "
                        + Integer.toUnsignedString(total) + " (must be a multiple of 4, 12.." + MAX_BLOCK
                        + "); the rest of the file is not read");
                return;
            }
            if (!need(total)) {
                cut(at, "a block of " + total + " bytes (type " + Integer.toUnsignedString(type) + ")");
                return;
            }
            int b = pos;
            if (i32(b + total - 4) != total) {
                rejects.atOffset(at + total - 4, 0, "block of type " + Integer.toUnsignedString(type)
                        + " ends with length " + Integer.toUnsignedString(i32(b + total - 4)) + ", not " + total
                        + " as it starts; read by its first length");
            }
            int body = b + 8;
            int bodyLen = total - 12;
            switch (type) {
                case 1 -> idb(body, bodyLen, at);
                case 6 -> epb(h, body, bodyLen, at);
                case 3 -> spb(h, body, bodyLen, at);
                case 2 -> pb(h, body, bodyLen, at);
                default -> { } // statistics, name resolution, custom... carry no packets
            }
            pos = b + total;
        }
    }

    private void idb(int body, int len, long at) {
        if (len < 8) {
            rejects.atOffset(at, 0, "interface description block too short (" + len + " bytes of body)");
            addInterface(-1, 0);
            return;
        }
        addInterface(u16(body), i32(body + 4));
        // Options: code, length, value padded to 4 bytes; the time stamp unit and offset matter here.
        int p = body + 8, end = body + len;
        while (end - p >= 4) {
            int code = u16(p), olen = u16(p + 2);
            if (code == 0 || olen > end - p - 4) break;
            if (code == 9 && olen >= 1) ifTsResol[interfaces - 1] = buf[p + 4] & 0xff;
            if (code == 14 && olen >= 8) {
                long a = i32(p + 4) & 0xffff_ffffL, b = i32(p + 8) & 0xffff_ffffL;
                ifTsOffset[interfaces - 1] = little ? (b << 32) | a : (a << 32) | b;
            }
            p += 4 + ((olen + 3) & ~3);
        }
    }

    private void addInterface(int linkType, int snap) {
        if (interfaces == ifLinkType.length) {
            ifLinkType = java.util.Arrays.copyOf(ifLinkType, interfaces * 2);
            ifSnap = java.util.Arrays.copyOf(ifSnap, interfaces * 2);
            ifTsResol = java.util.Arrays.copyOf(ifTsResol, interfaces * 2);
            ifTsOffset = java.util.Arrays.copyOf(ifTsOffset, interfaces * 2);
        }
        ifLinkType[interfaces] = linkType;
        ifSnap[interfaces] = snap;
        ifTsResol[interfaces] = 6; // the default unit: microseconds
        ifTsOffset[interfaces] = 0;
        interfaces++;
    }

    /**
     * An (enhanced) packet block's 64-bit time stamp at {@code p} (high word first) in Unix milliseconds;
     * {@code iface} is one {@link #linkType} accepted.
     */
    private long millis(long iface, int p) {
        long ts = ((i32(p) & 0xffff_ffffL) << 32) | (i32(p + 4) & 0xffff_ffffL);
        int r = ifTsResol[(int) iface];
        long ms;
        if ((r & 0x80) != 0) {
            ms = (long) (unsigned(ts) / Math.scalb(1.0, r & 0x7f) * 1000);
        } else if (r >= 3) {
            ms = r - 3 > 18 ? 0 : Long.divideUnsigned(ts, POW10[r - 3]);
        } else {
            ms = ts * POW10[3 - r];
        }
        return ms + ifTsOffset[(int) iface] * 1000;
    }

    private static double unsigned(long v) {
        return v >= 0 ? v : (v >>> 1) * 2.0 + (v & 1);
    }

    private static final long[] POW10 = new long[19];

    static {
        POW10[0] = 1;
        for (int i = 1; i < POW10.length; i++) POW10[i] = POW10[i - 1] * 10;
    }

    private int linkType(long iface, long at) {
        if (iface < 0 || iface >= interfaces) {
            rejects.atOffset(at, 0, "packet block names interface " + iface + " but the section describes "
                    + interfaces + "; packet skipped");
            return -1;
        }
        return ifLinkType[(int) iface];
    }

    private void epb(Handler h, int body, int len, long at) {
        if (len < 20) {
            rejects.atOffset(at, 0, "enhanced packet block too short (" + len + " bytes of body); skipped");
            return;
        }
        long iface = i32(body) & 0xffff_ffffL;
        int cap = i32(body + 12);
        int orig = i32(body + 16);
        if (cap < 0 || cap > len - 20) {
            rejects.atOffset(at + 20, 0, "enhanced packet block claims " + Integer.toUnsignedString(cap)
                    + " captured bytes but holds " + (len - 20) + "; skipped");
            return;
        }
        int lt = linkType(iface, at);
        packets++;
        if (lt >= 0) h.packet(lt, buf, body + 20, cap, Math.max(orig, cap), base + body + 20, millis(iface, body + 4));
    }

    private void spb(Handler h, int body, int len, long at) {
        if (len < 4) {
            rejects.atOffset(at, 0, "simple packet block too short; skipped");
            return;
        }
        int orig = i32(body);
        int lt = linkType(0, at);
        // RFC-draft pcapng §4.4: the captured length is the smaller of the original length and the snaplen.
        int cap = len - 4;
        if (orig >= 0 && orig < cap) cap = orig;
        if (interfaces > 0 && ifSnap[0] > 0 && ifSnap[0] < cap) cap = ifSnap[0];
        packets++;
        if (lt >= 0) h.packet(lt, buf, body + 4, cap, Math.max(orig, cap), base + body + 4, NO_TIME);
    }

    private void pb(Handler h, int body, int len, long at) {
        if (len < 20) {
            rejects.atOffset(at, 0, "packet block too short; skipped");
            return;
        }
        int iface = u16(body);
        int cap = i32(body + 12);
        int orig = i32(body + 16);
        if (cap < 0 || cap > len - 20) {
            rejects.atOffset(at + 20, 0, "packet block claims " + cap + " captured bytes but holds " + (len - 20)
                    + "; skipped");
            return;
        }
        int lt = linkType(iface, at);
        packets++;
        if (lt >= 0) h.packet(lt, buf, body + 20, cap, Math.max(orig, cap), base + body + 20, millis(iface, body + 4));
    }

    // ---------------------------------------------------------------- buffer

    private void cut(long at, String what) {
        rejects.atOffset(at, 0, "the file ends after " + (offset() + (lim - pos) - at) + " bytes of " + what
                + " (truncated capture)");
    }

    private long offset() {
        return base + pos;
    }

    /** Makes {@code n} bytes from {@code pos} available; false if the stream ends first. */
    private boolean need(int n) throws IOException {
        if (lim - pos >= n) return true;
        if (eof) return false;
        if (pos > 0) {
            System.arraycopy(buf, pos, buf, 0, lim - pos);
            base += pos;
            lim -= pos;
            pos = 0;
        }
        if (n > buf.length) buf = java.util.Arrays.copyOf(buf, Math.max(n, buf.length * 2));
        while (lim < n) {
            int r = in.read(buf, lim, buf.length - lim);
            if (r < 0) {
                eof = true;
                return false;
            }
            lim += r;
        }
        return true;
    }

    private int i32(int p) {
        int v = i32be(p);
        return little ? Integer.reverseBytes(v) : v;
    }

    private int u16(int p) {
        int v = ((buf[p] & 0xff) << 8) | (buf[p + 1] & 0xff);
        return little ? Short.toUnsignedInt(Short.reverseBytes((short) v)) : v;
    }

    private int i32be(int p) {
        return ((buf[p] & 0xff) << 24) | ((buf[p + 1] & 0xff) << 16) | ((buf[p + 2] & 0xff) << 8) | (buf[p + 3] & 0xff);
    }
}
