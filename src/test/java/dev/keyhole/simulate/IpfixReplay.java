package dev.keyhole.simulate;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Sends IPFIX files to a collector over UDP the way an exporter would: the file's 64 KiB messages
 * are cut into datagrams of at most 1400 bytes, each carrying the template set (so a collector can
 * decode any of them) and renumbered with RFC 7011 sequence numbers.
 */
final class IpfixReplay {
    static final int MTU = 1400;

    record Totals(long flows, long packets, long bytes, long datagrams) {}

    private IpfixReplay() {}

    static Totals send(List<Path> files, int port) throws IOException, InterruptedException {
        long flows = 0, packets = 0, bytes = 0, datagrams = 0, sequence = 0;
        try (DatagramSocket s = new DatagramSocket()) {
            InetAddress to = InetAddress.getLoopbackAddress();
            for (Path f : files) {
                ByteBuffer in = ByteBuffer.wrap(Files.readAllBytes(f));
                byte[] templates = null;
                Map<Integer, Integer> recordLength = new HashMap<>();
                Map<Integer, int[]> counterOffsets = new HashMap<>();
                while (in.remaining() >= 16) {
                    int start = in.position();
                    int version = in.getShort() & 0xffff, length = in.getShort() & 0xffff;
                    if (version != 10) throw new IOException(f + ": not IPFIX at offset " + start);
                    long export = in.getInt() & 0xffffffffL;
                    in.getInt();
                    long domain = in.getInt() & 0xffffffffL;
                    while (in.position() < start + length) {
                        int setStart = in.position();
                        int id = in.getShort() & 0xffff, setLength = in.getShort() & 0xffff;
                        if (id == 2) {
                            templates = new byte[setLength];
                            in.get(setStart, templates);
                            parseTemplates(in, setStart + setLength, recordLength, counterOffsets);
                        } else if (id >= 256) {
                            int len = recordLength.get(id);
                            int[] off = counterOffsets.get(id);
                            int n = (setLength - 4) / len;
                            int perDatagram = (MTU - 16 - templates.length - 4) / len;
                            for (int i = 0; i < n; i += perDatagram) {
                                int k = Math.min(perDatagram, n - i);
                                ByteBuffer d = ByteBuffer.allocate(16 + templates.length + 4 + k * len);
                                d.putShort((short) 10).putShort((short) d.capacity()).putInt((int) export)
                                        .putInt((int) sequence).putInt((int) domain);
                                d.put(templates).putShort((short) id).putShort((short) (4 + k * len));
                                for (int r = 0; r < k; r++) {
                                    int at = setStart + 4 + (i + r) * len;
                                    bytes += in.getLong(at + off[0]);
                                    packets += in.getLong(at + off[1]);
                                    d.put(d.position(), in, at, len);
                                    d.position(d.position() + len);
                                }
                                s.send(new DatagramPacket(d.array(), d.capacity(), to, port));
                                flows += k;
                                sequence += k;
                                // Loopback UDP drops when a burst outruns the collector: pace a little.
                                if (++datagrams % 32 == 0) Thread.sleep(1);
                            }
                        }
                        in.position(setStart + setLength);
                    }
                    in.position(start + length);
                }
            }
        }
        return new Totals(flows, packets, bytes, datagrams);
    }

    /** Record length and the offsets of octetDeltaCount (IE 1) and packetDeltaCount (IE 2) per template. */
    private static void parseTemplates(ByteBuffer in, int end, Map<Integer, Integer> lengths, Map<Integer, int[]> offsets) {
        while (in.position() + 4 <= end) {
            int id = in.getShort() & 0xffff, count = in.getShort() & 0xffff;
            int len = 0;
            int[] off = {-1, -1};
            for (int i = 0; i < count; i++) {
                int ie = in.getShort() & 0xffff, fl = in.getShort() & 0xffff;
                if (ie == 1) off[0] = len;
                if (ie == 2) off[1] = len;
                len += fl;
            }
            lengths.put(id, len);
            offsets.put(id, off);
        }
    }
}
