package dev.keyhole.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keyhole.collect.Collector;
import dev.keyhole.records.FlowRecord;
import dev.keyhole.records.RecordSink;
import dev.keyhole.sources.Rejects;
import dev.keyhole.sources.ipfix.IpfixReader;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The collector benchmark: an in-process collector on 127.0.0.1 and the {@link LoadGenerator} in the
 * same JVM. Each phase starts a fresh collector, sends, waits until the collector has decoded
 * everything that reached it, stops it (as SIGTERM would), and counts the records in the files it
 * wrote. "Collector flows/s" is flows written over the time from the first datagram received to the
 * last one decoded; loss is flows sent minus flows written; "seq. gaps" is what the exporters' sequence
 * numbers told the collector it missed (the same loss, seen from inside, in the protocol's unit).
 */
public final class CollectorBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final ExportEncoder.Protocol protocol;
    private final int datagramSize;
    private final int receiveBuffer;
    private final Consumer<String> out;
    private boolean headerPrinted;

    /**
     * @param exporterLoss what the sequence numbers say was lost (datagrams dropped by the kernel show here)
     */
    public record Outcome(long sent, long datagrams, double sendSeconds, long received, long written,
                          double collectorFlowsPerSecond, long rejected, int receiveBufferGranted,
                          long exporterLoss, long restarts) {
        public long lost() {
            return sent - written;
        }
    }

    public CollectorBenchmark(ExportEncoder.Protocol protocol, int datagramSize, int receiveBuffer, Consumer<String> out) {
        this.protocol = protocol;
        this.datagramSize = datagramSize;
        this.receiveBuffer = receiveBuffer;
        this.out = out;
    }

    /** A short run at full speed so that the JIT does not bill the first phase. */
    public void warmUp(Path dir) throws Exception {
        run(dir, 300_000, Duration.ofSeconds(10), 0);
    }

    public Outcome phase(String name, Path dir, long flows, Duration maxTime, long rate) throws Exception {
        Outcome o = run(dir, flows, maxTime, rate);
        if (!headerPrinted) {
            out.accept(String.format("keyhole bench-collect: %s in %d-byte datagrams, %d cores, socket receive buffer"
                    + " granted %.1f MiB", protocol, datagramSize, Runtime.getRuntime().availableProcessors(),
                    o.receiveBufferGranted() / 1048576.0));
            out.accept(String.format("%-6s %11s %11s %10s %8s %11s %11s %11s %20s %10s %9s %15s", "phase", "target/s",
                    "sent", "datagrams", "send s", "sent/s", "received", "written", "lost (sent-written)",
                    "seq. gaps", "rejected", "collector fl/s"));
            headerPrinted = true;
        }
        out.accept(String.format("%-6s %11s %11d %10d %8.2f %11.0f %11d %11d %20s %10d %9d %15.0f", name,
                rate == 0 ? "max" : String.valueOf(rate), o.sent(), o.datagrams(), o.sendSeconds(),
                o.sent() / o.sendSeconds(), o.received(), o.written(),
                o.lost() + String.format(" (%.2f%%)", o.sent() == 0 ? 0 : 100.0 * o.lost() / o.sent()),
                o.exporterLoss(), o.rejected(), o.collectorFlowsPerSecond()));
        return o;
    }

    private Outcome run(Path dir, long flows, Duration maxTime, long rate) throws Exception {
        Files.createDirectories(dir);
        InetSocketAddress listen = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        Collector c = Collector.start(new Collector.Config(listen, dir, Duration.ofHours(1), receiveBuffer, m -> {}, null));
        LoadGenerator.Result sent;
        try {
            sent = new LoadGenerator(protocol, datagramSize, 7).run(c.localAddress(), flows, maxTime, rate);
            // Wait until everything that reached the socket is decoded: quiet for 300 ms.
            long last = -1;
            long quietSince = System.nanoTime();
            while (System.nanoTime() - quietSince < 300_000_000L) {
                long d = c.datagramsDecoded();
                if (d != last || d < c.datagramsReceived()) {
                    last = d;
                    quietSince = System.nanoTime();
                }
                Thread.sleep(20);
            }
        } finally {
            c.close();
        }
        long written = 0;
        long exporterLoss = 0, restarts = 0;
        for (Path f : c.completedFiles()) {
            written += countRecords(f);
            JsonNode stats = JSON.readTree(dev.keyhole.collect.Collector.statsFile(f).toFile());
            for (JsonNode e : stats.get("exporters")) {
                exporterLoss += e.get("lost").asLong();
                restarts += e.get("restarts").asLong();
            }
        }
        double secs = c.busyNanos() / 1e9;
        return new Outcome(sent.flows(), sent.datagrams(), sent.nanos() / 1e9, c.flows(), written,
                secs > 0 ? c.flows() / secs : 0, c.rejectedRecords(), c.receiveBufferGranted(), exporterLoss, restarts);
    }

    static long countRecords(Path f) throws IOException {
        long[] n = {0};
        try (InputStream in = new BufferedInputStream(Files.newInputStream(f), 1 << 20)) {
            new IpfixReader().read(in, new RecordSink() {
                @Override
                public void flow(FlowRecord r) {
                    n[0]++;
                }
            }, new Rejects(f.toString(), null));
        }
        return n[0];
    }

    public static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(x);
        }
    }
}
