package dev.keyhole.testing;

import dev.keyhole.records.Ip;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Writes packet captures for tests: libpcap (µs or ns magic, either byte order) or pcapng (SHB, IDB,
 * EPB, SPB, either byte order), and builds frames of UDP datagrams over the link layers Keyhole reads.
 */
public final class CaptureWriter {
    public enum Format { PCAP_US_LE, PCAP_US_BE, PCAP_NS_LE, PCAP_NS_BE, PCAPNG_LE, PCAPNG_BE }

    public static final int ETHERNET = 1, RAW = 101, NULL = 0, SLL = 113, SLL2 = 276;

    private final Format format;
    private final ByteOrder order;
    /** pcapng: the if_tsresol of the interfaces this writer describes (9: nanoseconds; top bit set: 2^-n). */
    private final int tsresol;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    public CaptureWriter(Format format, int linkType) {
        this(format, linkType, 9);
    }

    /** pcapng with time stamps in units of {@code tsresol} (if_tsresol: 10^-n, or 2^-n when the top bit is set). */
    public CaptureWriter(Format format, int linkType, int tsresol) {
        this.format = format;
        this.tsresol = tsresol;
        this.order = format.name().endsWith("LE") ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
        if (pcapng()) {
            section();
            interfaceBlock(linkType, 65_535);
        } else {
            ByteBuffer h = buf(24);
            int magic = format == Format.PCAP_NS_LE || format == Format.PCAP_NS_BE ? 0xa1b23c4d : 0xa1b2c3d4;
            h.putInt(magic).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(262_144).putInt(linkType);
            out.writeBytes(h.array());
        }
    }

    private boolean pcapng() {
        return format == Format.PCAPNG_LE || format == Format.PCAPNG_BE;
    }

    private ByteBuffer buf(int n) {
        return ByteBuffer.allocate(n).order(order);
    }

    /** pcapng: a new section header block (its interfaces start again from 0). */
    public CaptureWriter section() {
        ByteBuffer b = buf(28);
        b.putInt(0x0a0d0d0a).putInt(28).putInt(0x1a2b3c4d).putShort((short) 1).putShort((short) 0).putLong(-1).putInt(28);
        out.writeBytes(b.array());
        return this;
    }

    /** pcapng: another interface (with an if_tsresol option, 9 = nanoseconds by default, to exercise options). */
    public CaptureWriter interfaceBlock(int linkType, int snap) {
        ByteBuffer b = buf(32);
        b.putInt(1).putInt(32).putShort((short) linkType).putShort((short) 0).putInt(snap)
                .putShort((short) 9).putShort((short) 1).put((byte) tsresol).put(new byte[3]) // if_tsresol
                .putShort((short) 0).putShort((short) 0) // opt_endofopt
                .putInt(32);
        out.writeBytes(b.array());
        return this;
    }

    /** One packet (EPB for pcapng, interface 0), captured whole. */
    public CaptureWriter packet(long nanos, byte[] frame) {
        return packet(nanos, frame, frame.length, 0);
    }

    /** One packet of which only the first {@code captured} bytes were kept (snaplen). */
    public CaptureWriter packet(long nanos, byte[] frame, int captured, int iface) {
        if (pcapng()) {
            int padded = (captured + 3) & ~3;
            int total = 32 + padded;
            ByteBuffer b = buf(total);
            long ts = (tsresol & 0x80) != 0
                    ? java.math.BigInteger.valueOf(nanos).shiftLeft(tsresol & 0x7f)
                            .divide(java.math.BigInteger.valueOf(1_000_000_000L)).longValue()
                    : nanos / java.math.BigInteger.TEN.pow(9 - tsresol).longValue();
            b.putInt(6).putInt(total).putInt(iface).putInt((int) (ts >>> 32)).putInt((int) ts).putInt(captured)
                    .putInt(frame.length).put(frame, 0, captured).position(28 + padded);
            b.putInt(total);
            out.writeBytes(b.array());
        } else {
            boolean ns = format == Format.PCAP_NS_LE || format == Format.PCAP_NS_BE;
            ByteBuffer h = buf(16);
            h.putInt((int) (nanos / 1_000_000_000L)).putInt((int) (ns ? nanos % 1_000_000_000L : nanos % 1_000_000_000L / 1000))
                    .putInt(captured).putInt(frame.length);
            out.writeBytes(h.array());
            out.write(frame, 0, captured);
        }
        return this;
    }

    /** pcapng: a simple packet block (no interface id, no timestamp). */
    public CaptureWriter simplePacket(byte[] frame) {
        int padded = (frame.length + 3) & ~3;
        int total = 16 + padded;
        ByteBuffer b = buf(total);
        b.putInt(3).putInt(total).putInt(frame.length).put(frame).position(12 + padded);
        b.putInt(total);
        out.writeBytes(b.array());
        return this;
    }

    /** pcapng: a block Keyhole must skip (name resolution). */
    public CaptureWriter otherBlock() {
        ByteBuffer b = buf(16);
        b.putInt(4).putInt(16).putInt(0).putInt(16);
        out.writeBytes(b.array());
        return this;
    }

    public byte[] toBytes() {
        return out.toByteArray();
    }

    // ---------------------------------------------------------------- frames

    /** An IPv4 or IPv6 UDP datagram inside the link layer, with {@code vlans} 802.1Q tags on Ethernet. */
    public static byte[] udp(int linkType, Ip src, int srcPort, Ip dst, int dstPort, byte[] payload, int vlans) {
        byte[] ip = ip(src, dst, 17, udpSegment(srcPort, dstPort, payload), 0);
        return link(linkType, src.isV4(), ip, vlans);
    }

    /** A TCP segment (not flow export: must be skipped). */
    public static byte[] tcp(int linkType, Ip src, Ip dst) {
        byte[] seg = new byte[20];
        seg[12] = 0x50;
        return link(linkType, src.isV4(), ip(src, dst, 6, seg, 0), 0);
    }

    /** The first fragment of an IPv4 UDP datagram (more-fragments set). */
    public static byte[] fragment(int linkType, Ip src, Ip dst, byte[] payload) {
        return link(linkType, true, ip(src, dst, 17, udpSegment(1, 2, payload), 0x2000), 0);
    }

    private static byte[] udpSegment(int srcPort, int dstPort, byte[] payload) {
        ByteBuffer u = ByteBuffer.allocate(8 + payload.length);
        u.putShort((short) srcPort).putShort((short) dstPort).putShort((short) (8 + payload.length)).putShort((short) 0)
                .put(payload);
        return u.array();
    }

    private static byte[] ip(Ip src, Ip dst, int proto, byte[] l4, int fragField) {
        if (src.isV4()) {
            ByteBuffer p = ByteBuffer.allocate(20 + l4.length);
            p.put((byte) 0x45).put((byte) 0).putShort((short) (20 + l4.length)).putShort((short) 1)
                    .putShort((short) fragField).put((byte) 64).put((byte) proto).putShort((short) 0)
                    .put(src.toBytes()).put(dst.toBytes()).put(l4);
            return p.array();
        }
        ByteBuffer p = ByteBuffer.allocate(40 + l4.length);
        p.putInt(0x6000_0000).putShort((short) l4.length).put((byte) proto).put((byte) 64)
                .put(src.toBytes()).put(dst.toBytes()).put(l4);
        return p.array();
    }

    private static byte[] link(int linkType, boolean v4, byte[] ip, int vlans) {
        int etherType = v4 ? 0x0800 : 0x86dd;
        switch (linkType) {
            case ETHERNET: {
                ByteBuffer b = ByteBuffer.allocate(14 + 4 * vlans + ip.length);
                b.put(new byte[] {0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1});
                for (int i = 0; i < vlans; i++) b.putShort((short) (i == 0 && vlans > 1 ? 0x88a8 : 0x8100)).putShort((short) (100 + i));
                b.putShort((short) etherType).put(ip);
                return b.array();
            }
            case SLL: {
                ByteBuffer b = ByteBuffer.allocate(16 + ip.length);
                b.putShort((short) 0).putShort((short) 1).putShort((short) 6).put(new byte[8]).putShort((short) etherType).put(ip);
                return b.array();
            }
            case SLL2: {
                ByteBuffer b = ByteBuffer.allocate(20 + ip.length);
                b.putShort((short) etherType).putShort((short) 0).putInt(2).putShort((short) 1).put((byte) 0)
                        .put((byte) 6).put(new byte[8]).put(ip);
                return b.array();
            }
            case NULL: {
                ByteBuffer b = ByteBuffer.allocate(4 + ip.length).order(ByteOrder.LITTLE_ENDIAN);
                b.putInt(v4 ? 2 : 24).put(ip);
                return b.array();
            }
            case RAW:
                return ip;
            default:
                throw new IllegalArgumentException("link type " + linkType);
        }
    }
}
