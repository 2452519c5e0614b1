package dev.keyhole.collect;

import dev.keyhole.bench.ExportEncoder;
import dev.keyhole.records.FlowRecord;
import dev.keyhole.records.Ip;
import dev.keyhole.records.RecordSink;
import dev.keyhole.sources.Rejects;
import dev.keyhole.sources.ipfix.IpfixReader;
import dev.keyhole.testing.Bytes;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.BooleanSupplier;

/** Exporters for collector tests: flows, their datagrams, sockets on 127.0.0.x, and reading the output back. */
final class Senders {
    static final long MS = 1_700_000_000_000L;

    private Senders() {}

    /** Distinct flows (the index is in the addresses, so each one is identifiable in the output). */
    static List<FlowRecord> flows(int exporter, int n, long seed) {
        Random rnd = new Random(seed);
        List<FlowRecord> l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            boolean v6 = rnd.nextInt(5) == 0;
            Ip src = v6 ? Ip.ofV6(0x2001_0db8_0000_0000L | exporter, i) : Ip.ofV4(0x0a00_0000 | exporter << 16 | i);
            Ip dst = v6 ? Ip.ofV6(0x2001_0db8_ffff_0000L, rnd.nextInt(1000)) : Ip.ofV4(0xc633_6400 | rnd.nextInt(200));
            long end = MS - rnd.nextInt(60_000);
            l.add(FlowRecord.uni(end - rnd.nextInt(100_000), end, src, dst, 1024 + rnd.nextInt(60_000), 443,
                    rnd.nextBoolean() ? 6 : 17, 0, 1 + rnd.nextInt(100), 40 + rnd.nextInt(100_000), 0, 0));
        }
        return l;
    }

    /** Templates first, then data, as an exporter sends them. */
    static List<byte[]> encode(ExportEncoder.Protocol p, long domain, List<FlowRecord> flows) {
        ExportEncoder e = new ExportEncoder(p, domain, 1400, MS - 86_400_000L);
        List<byte[]> out = new ArrayList<>();
        out.add(e.templates(MS));
        out.addAll(e.encode(flows, MS));
        return out;
    }

    /** NetFlow v5 datagrams of up to 30 IPv4 flows (sysUpTime 1 day at MS). */
    static List<byte[]> v5(List<FlowRecord> flows) {
        long uptime = 86_400_000L;
        List<byte[]> out = new ArrayList<>();
        long seq = 0;
        for (int i = 0; i < flows.size(); i += 30) {
            List<FlowRecord> part = flows.subList(i, Math.min(flows.size(), i + 30));
            Bytes b = Bytes.of().u16(5).u16(part.size()).u32(uptime).u32(MS / 1000).u32(MS % 1000 * 1_000_000)
                    .u32(seq).u16(0).u16(0);
            for (FlowRecord f : part) {
                b.bytes(f.src().toBytes()).bytes(f.dst().toBytes()).u32(0).u16(0).u16(0).u32(f.packets()).u32(f.bytes())
                        .u32(uptime - (MS - f.startMillis())).u32(uptime - (MS - f.endMillis())).u16(f.srcPort())
                        .u16(f.dstPort()).u8(0).u8(f.tcpFlags()).u8(f.protocol()).u8(0).u32(0).u32(0);
            }
            out.add(b.toBytes());
            seq += part.size();
        }
        return out;
    }

    /** A UDP socket on 127.0.0.{host}, so that each exporter has its own address. */
    static DatagramChannel exporter(int host) throws IOException {
        DatagramChannel ch = DatagramChannel.open();
        ch.bind(new InetSocketAddress("127.0.0." + host, 0));
        return ch;
    }

    /**
     * Sends, pausing every 128 datagrams until the collector has received what was sent, so that even a
     * small socket buffer (Linux default: 208 KiB) never drops.
     */
    static void send(DatagramChannel ch, InetSocketAddress to, List<byte[]> datagrams, Collector c) throws Exception {
        long base = c.datagramsReceived();
        int n = 0;
        for (byte[] d : datagrams) {
            ch.send(ByteBuffer.wrap(d), to);
            if (++n % 128 == 0) {
                long target = base + n;
                waitFor(() -> c.datagramsReceived() >= target, 10_000);
            }
        }
    }

    static void waitFor(BooleanSupplier condition, long millis) {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("condition not met within " + millis + " ms");
            java.util.concurrent.locks.LockSupport.parkNanos(100_000);
        }
    }

    static List<FlowRecord> read(List<Path> files) {
        List<FlowRecord> out = new ArrayList<>();
        for (Path f : files) {
            Rejects r = new Rejects(f.toString(), null);
            try (InputStream in = Files.newInputStream(f)) {
                new IpfixReader().read(in, new RecordSink() {
                    @Override
                    public void flow(FlowRecord x) {
                        out.add(x);
                    }
                }, r);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (r.count() > 0) throw new AssertionError("rejects reading " + f + ": " + r.messages());
        }
        return out;
    }

    /** What the writer keeps of a flow (uni-directional, as sent). */
    static String key(FlowRecord f) {
        return f.src() + ":" + f.srcPort() + ">" + f.dst() + ":" + f.dstPort() + "/" + f.protocol() + " " + f.packets()
                + "p " + f.bytes() + "b " + f.startMillis() + "-" + f.endMillis();
    }
}
