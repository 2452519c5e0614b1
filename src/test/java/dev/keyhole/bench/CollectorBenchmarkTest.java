package dev.keyhole.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A small run of the collector benchmark: it stops by itself, reports, and loses nothing at a modest rate. */
class CollectorBenchmarkTest {
    @TempDir
    Path dir;

    @Test
    void pacedRunsLoseNothingAndReport() throws Exception {
        List<String> out = new ArrayList<>();
        for (ExportEncoder.Protocol p : ExportEncoder.Protocol.values()) {
            CollectorBenchmark b = new CollectorBenchmark(p, 1400, 8 << 20, out::add);
            CollectorBenchmark.Outcome o = b.phase("paced", dir.resolve(p.name()), 100_000, Duration.ofSeconds(20), 100_000);
            assertThat(o.sent()).isBetween(99_000L, 100_000L);
            assertThat(o.written()).as("%s written", p).isEqualTo(o.sent());
            assertThat(o.received()).isEqualTo(o.sent());
            assertThat(o.lost()).isZero();
            assertThat(o.rejected()).isZero();
            assertThat(o.exporterLoss()).isZero();
            assertThat(o.restarts()).isZero();
            assertThat(o.sendSeconds()).isBetween(0.8, 5.0); // paced: about 1 s for 100k at 100k/s
        }
        assertThat(out.get(0)).contains("keyhole bench-collect: IPFIX in 1400-byte datagrams");
        assertThat(out).anySatisfy(l -> assertThat(l).startsWith("paced").contains("0 (0.00%)"));
    }

    @Test
    void theTimeLimitStopsAPhaseAndOnlyLoopbackIsAccepted() throws Exception {
        LoadGenerator g = new LoadGenerator(ExportEncoder.Protocol.V9, 1400, 1);
        try (var sink = java.nio.channels.DatagramChannel.open()) {
            sink.bind(new InetSocketAddress("127.0.0.1", 0));
            LoadGenerator.Result r = g.run((InetSocketAddress) sink.getLocalAddress(), Long.MAX_VALUE,
                    Duration.ofMillis(300), 50_000);
            assertThat(r.nanos()).isBetween(250_000_000L, 2_000_000_000L);
            assertThat(r.flows()).isBetween(5_000L, 30_000L);
        }
        assertThatThrownBy(() -> g.run(new InetSocketAddress("192.0.2.1", 9), 10, Duration.ofSeconds(1), 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("loopback");
    }
}
