package dev.keyhole.sources.ipfix;

import dev.keyhole.records.FlowRecord;
import dev.keyhole.records.Ip;
import dev.keyhole.records.RecordSink;
import dev.keyhole.sources.Rejects;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static dev.keyhole.sources.ipfix.IpfixBytes.*;

/**
 * Single-thread throughput of IpfixReader and IpfixWriter; not a unit test. Run on one core with
 * <pre>
 * mvn -q test-compile
 * taskset -c 0 java -cp target/classes:target/test-classes dev.keyhole.sources.ipfix.IpfixReadBenchmark [flows]
 * </pre>
 */
public final class IpfixReadBenchmark {
    private IpfixReadBenchmark() {}

    /** Keeps the JIT from discarding the decoded flows. */
    static final class Consume implements RecordSink {
        long checksum;
        FlowRecord last;

        @Override
        public void flow(FlowRecord f) {
            checksum += f.bytes() + f.packets() + f.srcPort() + f.startMillis() + f.src().lo() + f.dst().hi();
            last = f;
        }
    }

    public static void main(String[] args) throws IOException {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 5_000_000;
        List<FlowRecord> flows = flows(n);
        byte[] writerFile = writerFile(flows);
        byte[] softflowdLike = softflowdLike(n);
        System.out.printf("writer file: %,d flows, %,d bytes; softflowd-like file: %,d flows, %,d bytes%n", n,
                writerFile.length, n, softflowdLike.length);
        for (int round = 0; round < 5; round++) {
            System.out.printf("round %d: read writer file %.1f M flows/s, read softflowd-like %.1f M flows/s,"
                            + " write %.1f M flows/s%n", round, read(writerFile, n), read(softflowdLike, n),
                    write(flows));
        }
    }

    private static double read(byte[] file, int expected) throws IOException {
        Consume sink = new Consume();
        Rejects rejects = new Rejects("bench", null);
        long t0 = System.nanoTime();
        long got = new IpfixReader().read(new ByteArrayInputStream(file), sink, rejects);
        long t1 = System.nanoTime();
        if (got != expected || rejects.count() != 0) throw new IllegalStateException(got + " flows, " + rejects.messages());
        if (sink.last == null) throw new IllegalStateException();
        return got / ((t1 - t0) / 1e9) / 1e6;
    }

    private static double write(List<FlowRecord> flows) throws IOException {
        OutputStream discard = OutputStream.nullOutputStream();
        long t0 = System.nanoTime();
        try (IpfixWriter w = new IpfixWriter(discard, 1)) {
            for (FlowRecord f : flows) w.write(f);
        }
        return flows.size() / ((System.nanoTime() - t0) / 1e9) / 1e6;
    }

    /** 80% IPv4, 20% IPv6, as the simulator writes them. */
    private static List<FlowRecord> flows(int n) {
        Random r = new Random(1);
        List<FlowRecord> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            boolean v6 = r.nextInt(5) == 0;
            Ip s = v6 ? Ip.ofV6(0x2001_0db8_0000_0000L, r.nextLong()) : Ip.ofV4(0x0a00_0000 | r.nextInt(1 << 16));
            Ip d = v6 ? Ip.ofV6(0x2a00_0000_0000_0000L, r.nextLong()) : Ip.ofV4(r.nextInt());
            long t = 1_700_000_000_000L + i;
            list.add(FlowRecord.uni(t, t + r.nextInt(60_000), s, d, r.nextInt(65_536), 443, 6, 0x1b,
                    1 + r.nextInt(100), 40 + r.nextInt(100_000), 0, 0));
        }
        return list;
    }

    private static byte[] writerFile(List<FlowRecord> flows) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(flows.size() * 55);
        try (IpfixWriter w = new IpfixWriter(out, 1)) {
            for (FlowRecord f : flows) w.write(f);
        }
        return out.toByteArray();
    }

    /**
     * softflowd's IPv4 layout (sysUpTime times, 4-byte counters, interfaces, version, ToS) in ~1400-byte
     * UDP-sized messages of 24 records, templates and options every 16 messages.
     */
    private static byte[] softflowdLike(int n) {
        Field[] fields = {f(8, 4), f(12, 4), f(22, 4), f(21, 4), f(1, 4), f(2, 4), f(10, 4), f(14, 4), f(61, 1),
            f(136, 1), f(7, 2), f(11, 2), f(4, 1), f(6, 1), f(60, 1), f(5, 1)};
        byte[] templates = set(2, template(1024, fields));
        byte[] options = concat(set(3, optionsTemplate(256, 1, f(143, 4), f(160, 8))),
                set(256, rec().u32(1).u64(1_700_000_000_000L).toBytes()));
        Random r = new Random(2);
        ByteArrayOutputStream out = new ByteArrayOutputStream(n * 45);
        byte[][] recs = new byte[24][];
        for (int done = 0, msg = 0; done < n; msg++) {
            int k = Math.min(24, n - done);
            for (int i = 0; i < k; i++) {
                int up = r.nextInt(1 << 30);
                recs[i] = rec().u32(0x0a00_0000 | r.nextInt(1 << 16)).u32(r.nextInt()).u32(up).u32(up + r.nextInt(60_000))
                        .u32(40 + r.nextInt(100_000)).u32(1 + r.nextInt(100)).u32(0).u32(0).u8(0).u8(1)
                        .u16(r.nextInt(65_536)).u16(443).u8(6).u8(0x1b).u8(4).u8(0).toBytes();
            }
            byte[] data = set(1024, Arrays.copyOf(recs, k));
            out.writeBytes(msg % 16 == 0 ? message(1_700_000_100L, done, 0, templates, options, data)
                    : message(1_700_000_100L, done, 0, data));
            done += k;
        }
        return out.toByteArray();
    }
}
