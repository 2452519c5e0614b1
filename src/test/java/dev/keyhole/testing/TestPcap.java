package dev.keyhole.testing;

import dev.keyhole.records.Ip;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Writes a libpcap file (microsecond timestamps, Ethernet) of IPv4/IPv6 TCP/UDP packets. */
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
        boolean v4 = src.isV4();
        int l4 = proto == 6 ? 20 : 8;
        int ipLen = (v4 ? 20 : 40) + l4 + payload;
        ByteBuffer p = ByteBuffer.allocate(14 + ipLen);
        p.put(new byte[] {0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1}).putShort((short) (v4 ? 0x0800 : 0x86dd));
        int ipStart = p.position();
        if (v4) {
            p.put((byte) 0x45).put((byte) 0).putShort((short) ipLen).putShort((short) packets).putShort((short) 0x4000)
                    .put((byte) 64).put((byte) proto).putShort((short) 0).put(src.toBytes()).put(dst.toBytes());
            p.putShort(ipStart + 10, checksum(p.array(), ipStart, 20));
        } else {
            p.putInt(0x6000_0000).putShort((short) (l4 + payload)).put((byte) proto).put((byte) 64)
                    .put(src.toBytes()).put(dst.toBytes());
        }
        p.putShort((short) srcPort).putShort((short) dstPort);
        if (proto == 6) {
            p.putInt(1000 + packets).putInt((tcpFlags & 0x10) != 0 ? 5000 : 0).put((byte) 0x50).put((byte) tcpFlags)
                    .putShort((short) 8192).putShort((short) 0).putShort((short) 0);
        } else {
            p.putShort((short) (8 + payload)).putShort((short) 0);
        }
        for (int i = 0; i < payload; i++) p.put((byte) ('a' + i % 26));
        ByteBuffer rec = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        rec.putInt((int) (micros / 1_000_000)).putInt((int) (micros % 1_000_000)).putInt(p.capacity())
                .putInt(p.capacity());
        out.writeBytes(rec.array());
        out.writeBytes(p.array());
        packets++;
        return ipLen;
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
