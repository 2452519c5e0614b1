package dev.keyhole.testing;

import dev.keyhole.records.Ip;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Writes a libpcap file (microsecond timestamps, Ethernet) of IPv4/IPv6 TCP/UDP packets, tunnelled or not. */
public final class TestPcap {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private int packets;

    public TestPcap() {
        ByteBuffer h = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(0xa1b2c3d4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(65_535).putInt(1);
        out.writeBytes(h.array());
    }

    /** Appends one packet; returns its IP length (what flow exporters count as octets). */
    public int packet(long micros, Ip src, Ip dst, int proto, int srcPort, int dstPort, int tcpFlags, int payload) {
        byte[] ip = ip(src, dst, proto, srcPort, dstPort, tcpFlags, payload, packets);
        frame(micros, ethernet(src.isV4() ? 0x0800 : 0x86dd, ip));
        return ip.length;
    }

    /** Appends one Ethernet frame as it is. */
    public void frame(long micros, byte[] frame) {
        ByteBuffer rec = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        rec.putInt((int) (micros / 1_000_000)).putInt((int) (micros % 1_000_000)).putInt(frame.length)
                .putInt(frame.length);
        out.writeBytes(rec.array());
        out.writeBytes(frame);
        packets++;
    }

    /** An Ethernet II frame around {@code payload}. */
    public static byte[] ethernet(int etherType, byte[] payload) {
        ByteBuffer p = ByteBuffer.allocate(14 + payload.length);
        p.put(new byte[] {0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1}).putShort((short) etherType).put(payload);
        return p.array();
    }

    /** An IPv4/IPv6 TCP (20-byte header) or UDP packet with {@code payload} bytes of text. */
    public static byte[] ip(Ip src, Ip dst, int proto, int srcPort, int dstPort, int tcpFlags, int payload, int id) {
        int l4 = proto == 6 ? 20 : 8;
        ByteBuffer t = ByteBuffer.allocate(l4 + payload);
        t.putShort((short) srcPort).putShort((short) dstPort);
        if (proto == 6) {
            t.putInt(1000 + id).putInt((tcpFlags & 0x10) != 0 ? 5000 : 0).put((byte) 0x50).put((byte) tcpFlags)
                    .putShort((short) 8192).putShort((short) 0).putShort((short) 0);
        } else {
            t.putShort((short) (8 + payload)).putShort((short) 0);
        }
        for (int i = 0; i < payload; i++) t.put((byte) ('a' + i % 26));
        return ip(src, dst, proto, t.array(), id);
    }

    /** An IPv4 (with checksum) or IPv6 header around {@code payload} of protocol {@code proto}. */
    public static byte[] ip(Ip src, Ip dst, int proto, byte[] payload, int id) {
        boolean v4 = src.isV4();
        int ipLen = (v4 ? 20 : 40) + payload.length;
        ByteBuffer p = ByteBuffer.allocate(ipLen);
        if (v4) {
            p.put((byte) 0x45).put((byte) 0).putShort((short) ipLen).putShort((short) id).putShort((short) 0x4000)
                    .put((byte) 64).put((byte) proto).putShort((short) 0).put(src.toBytes()).put(dst.toBytes());
            p.putShort(10, checksum(p.array(), 0, 20));
        } else {
            p.putInt(0x6000_0000).putShort((short) payload.length).put((byte) proto).put((byte) 64)
                    .put(src.toBytes()).put(dst.toBytes());
        }
        return p.put(payload).array();
    }

    /** A UDP header (checksum 0) around {@code payload}. */
    public static byte[] udp(int srcPort, int dstPort, byte[] payload) {
        ByteBuffer p = ByteBuffer.allocate(8 + payload.length);
        return p.putShort((short) srcPort).putShort((short) dstPort).putShort((short) (8 + payload.length))
                .putShort((short) 0).put(payload).array();
    }

    /** A VXLAN header (RFC 7348, I flag, VNI {@code vni}) around an inner Ethernet frame; goes in UDP to 4789. */
    public static byte[] vxlan(int vni, byte[] innerFrame) {
        return ByteBuffer.allocate(8 + innerFrame.length).putInt(0x0800_0000).putInt(vni << 8).put(innerFrame).array();
    }

    /**
     * A Geneve header (RFC 8926, version 0, VNI {@code vni}) with {@code optionWords} 4-byte words of
     * options (options of class 0x0103, type 0x01, their data zeros) around {@code inner} of
     * {@code protocolType}; goes in UDP to 6081.
     */
    public static byte[] geneve(int vni, int protocolType, int optionWords, byte[] inner) {
        ByteBuffer p = ByteBuffer.allocate(8 + optionWords * 4 + inner.length);
        p.put((byte) optionWords).put((byte) 0).putShort((short) protocolType).putInt(vni << 8);
        // Options of at most 32 words each: a 4-byte header whose 5-bit length counts the data words after it.
        for (int left = optionWords; left > 0; ) {
            int words = Math.min(left, 32);
            p.putShort((short) 0x0103).put((byte) 0x01).put((byte) (words - 1));
            p.position(p.position() + (words - 1) * 4);
            left -= words;
        }
        return p.put(inner).array();
    }

    /** An ERSPAN type II header (version 1, VLAN 10, session {@code session}) before a mirrored Ethernet frame; goes in GRE 0x88be with a sequence number. */
    public static byte[] erspan2(int session, byte[] mirroredFrame) {
        return ByteBuffer.allocate(8 + mirroredFrame.length).putShort((short) (0x1000 | 10))
                .putShort((short) (session & 0x3ff)).putInt(7).put(mirroredFrame).array();
    }

    /**
     * An ERSPAN type III header (version 2, session {@code session}, frame type 0 = Ethernet or
     * 2 = IP), with the 8-byte platform-specific subheader when {@code subheader}; goes in GRE 0x22eb.
     */
    public static byte[] erspan3(int session, int frameType, boolean subheader, byte[] mirrored) {
        ByteBuffer p = ByteBuffer.allocate(12 + (subheader ? 8 : 0) + mirrored.length);
        p.putShort((short) (0x2000 | 10)).putShort((short) (session & 0x3ff)).putInt(123_456_789)
                .putShort((short) 0).put((byte) (frameType << 2)).put((byte) (subheader ? 1 : 0));
        if (subheader) p.putInt(0x0800_0000).putInt(42);
        return p.put(mirrored).array();
    }

    /** A GRE header (RFC 2784/2890), with a key and a sequence number when given, around {@code inner}. */
    public static byte[] gre(int protocolType, Integer key, Integer sequence, byte[] inner) {
        int flags = (key != null ? 0x2000 : 0) | (sequence != null ? 0x1000 : 0);
        ByteBuffer p = ByteBuffer.allocate(4 + (key != null ? 4 : 0) + (sequence != null ? 4 : 0) + inner.length);
        p.putShort((short) flags).putShort((short) protocolType);
        if (key != null) p.putInt(key);
        if (sequence != null) p.putInt(sequence);
        return p.put(inner).array();
    }

    private static short checksum(byte[] b, int from, int len) {
        int sum = 0;
        for (int i = from; i < from + len; i += 2) sum += ((b[i] & 0xff) << 8) | (b[i + 1] & 0xff);
        while ((sum >>> 16) != 0) sum = (sum & 0xffff) + (sum >>> 16);
        return (short) ~sum;
    }

    public byte[] toBytes() {
        return out.toByteArray();
    }
}
