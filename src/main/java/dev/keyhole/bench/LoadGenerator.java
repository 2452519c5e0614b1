package dev.keyhole.bench;

import dev.keyhole.records.FlowRecord;
import dev.keyhole.records.Ip;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.locks.LockSupport;

/**
 * Sends synthetic IPFIX or NetFlow v9 export to a collector on the loopback interface, at a paced rate
 * or as fast as the socket takes it, until a flow count or a time limit is reached. A pool of datagrams
 * is encoded once and sent round-robin with fresh sequence numbers, so sending costs one system call
 * per datagram and the collector sees a correct, gap-free sequence. Templates go first and again every
 * 1,000 datagrams, as exporters refresh them over UDP.
 */
public final class LoadGenerator {
    private static final int POOL = 2048;
    private static final int TEMPLATE_EVERY = 1000;

    public record Result(long datagrams, long flows, long nanos) {
        public double flowsPerSecond() {
            return nanos == 0 ? 0 : flows * 1e9 / nanos;
        }
    }

    private final ExportEncoder.Protocol protocol;
    private final int datagramSize;
    private final long seed;

    public LoadGenerator(ExportEncoder.Protocol protocol, int datagramSize, long seed) {
        this.protocol = protocol;
        this.datagramSize = datagramSize;
        this.seed = seed;
    }

    /**
     * @param rate flows per second, 0 for as fast as possible
     */
    public Result run(InetSocketAddress target, long maxFlows, Duration maxTime, long rate) throws IOException {
        if (!target.getAddress().isLoopbackAddress()) {
            throw new IllegalArgumentException("the load generator only sends to a loopback address, not " + target);
        }
        long exportMillis = System.currentTimeMillis() / 1000 * 1000;
        ExportEncoder enc = new ExportEncoder(protocol, 1, datagramSize, exportMillis - 86_400_000L);
        byte[] templates = enc.templates(exportMillis);
        List<byte[]> pool = enc.encode(flows(exportMillis), exportMillis);
        int[] counts = new int[pool.size()];
        for (int i = 0; i < counts.length; i++) counts[i] = ExportEncoder.recordCount(pool.get(i));

        try (DatagramChannel ch = DatagramChannel.open()) {
            ch.setOption(java.net.StandardSocketOptions.SO_SNDBUF, 4 << 20);
            ch.connect(target);
            long start = System.nanoTime();
            long deadline = start + maxTime.toNanos();
            long flows = 0, datagrams = 0, packets = 0;
            int next = 0;
            ExportEncoder.setSequence(templates, 0);
            ch.write(ByteBuffer.wrap(templates));
            if (protocol == ExportEncoder.Protocol.V9) packets++; // v9 counts every packet, templates too
            while (flows < maxFlows) {
                long now = System.nanoTime();
                if (now >= deadline) break;
                if (rate > 0) {
                    // Send what is due by now, then sleep a little: bursts of ~0.2 ms keep pacing cheap.
                    long due = (long) ((now - start) / 1e9 * rate);
                    if (flows >= due) {
                        LockSupport.parkNanos(200_000);
                        continue;
                    }
                }
                byte[] d = pool.get(next);
                int n = counts[next];
                if (flows + n > maxFlows) break;
                // IPFIX counts data records before the message, v9 counts packets.
                ExportEncoder.setSequence(d, protocol == ExportEncoder.Protocol.IPFIX ? flows : packets);
                ch.write(ByteBuffer.wrap(d));
                flows += n;
                datagrams++;
                packets++;
                next = next + 1 == pool.size() ? 0 : next + 1;
                if (datagrams % TEMPLATE_EVERY == 0) {
                    ExportEncoder.setSequence(templates, protocol == ExportEncoder.Protocol.IPFIX ? flows : packets);
                    ch.write(ByteBuffer.wrap(templates));
                    packets++;
                }
            }
            return new Result(datagrams, flows, System.nanoTime() - start);
        }
    }

    /** Router-like flows: 80% IPv4, TCP/UDP/ICMP, a spread of sizes; enough for {@value #POOL} datagrams. */
    private List<FlowRecord> flows(long exportMillis) {
        Random rnd = new Random(seed);
        List<FlowRecord> out = new ArrayList<>();
        int perDatagram = datagramSize / 40;
        for (int i = 0; i < POOL * perDatagram; i++) {
            boolean v4 = rnd.nextInt(10) < 8;
            Ip src = v4 ? Ip.ofV4(0x0a00_0000 | rnd.nextInt(1 << 20)) : Ip.ofV6(0x2001_0db8_0000_0000L | rnd.nextInt(256), rnd.nextLong());
            Ip dst = v4 ? Ip.ofV4(rnd.nextInt()) : Ip.ofV6(0x2a00_0000_0000_0000L | rnd.nextInt(1 << 20), rnd.nextLong());
            int p = rnd.nextInt(10);
            int proto = p < 6 ? 6 : p < 9 ? 17 : (v4 ? 1 : 58);
            long packets = 1 + (long) Math.abs(rnd.nextGaussian() * 40);
            long bytes = packets * (40 + rnd.nextInt(1400));
            long end = exportMillis - rnd.nextInt(60_000);
            long start = end - rnd.nextInt(120_000);
            out.add(FlowRecord.uni(start, end, src, dst, 1024 + rnd.nextInt(64_000), rnd.nextInt(1024), proto,
                    proto == 6 ? 0x1b : 0, packets, bytes, 0, 0));
        }
        return out;
    }
}
