package dev.keyhole.engine;

import dev.keyhole.analyses.AnalysisContext;
import dev.keyhole.enrichment.Direction;
import dev.keyhole.enrichment.EnrichedFlow;
import dev.keyhole.profile.TargetProfile;
import dev.keyhole.records.FlowRecord;
import dev.keyhole.records.Ip;
import dev.keyhole.sources.InputFile;
import dev.keyhole.sources.Inputs;
import dev.keyhole.sources.ipfix.IpfixWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/** The engine hands flows on in batches: none may be lost when a file ends early or is not a multiple of the batch. */
class FlowBatchTest {
    @Test
    void aFailingFlowLosesNoOtherFlowOfItsBatch(@TempDir Path dir) throws Exception {
        // EVE readers reject a line whose handling throws and carry on: only the failing flow may be lost.
        StringBuilder eve = new StringBuilder();
        int n = 1000;
        for (int i = 1; i <= n; i++) {
            eve.append("{\"timestamp\":\"2018-05-05T01:00:00.000000+0000\",\"flow_id\":").append(i)
                    .append(",\"event_type\":\"flow\",\"src_ip\":\"10.0.0.1\",\"src_port\":").append(10000 + i)
                    .append(",\"dest_ip\":\"192.0.2.1\",\"dest_port\":443,\"proto\":\"TCP\",\"flow\":{\"pkts_toserver\":1,")
                    .append("\"start\":\"2018-05-05T01:00:01.000000+0000\",\"end\":\"2018-05-05T01:00:02.000000+0000\"}}\n");
        }
        Path file = Files.writeString(dir.resolve("eve.json"), eve);
        TargetProfile p = new TargetProfile("t", List.of("10.0.0.0/8"), List.of(), ZoneId.of("UTC"),
                Set.of(DayOfWeek.SATURDAY, DayOfWeek.SUNDAY), List.of(), List.of());
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        List<FlowRecord> seen = Collections.synchronizedList(new ArrayList<>());
        EmbeddedEngine.Result r = new EmbeddedEngine(new EmbeddedEngine.Options(1, false, Duration.ofHours(1), 1000, 20),
                log::add).run(Inputs.resolve(List.of(file), null, log::add), new AnalysisContext(p), () -> f -> {
                    if (f.srcPort() == 10010) throw new IllegalStateException("analysis bug on flow 10");
                    seen.add(f);
                    return new EnrichedFlow(f, Direction.OUT_OF_SCOPE, false, null, null, 0, null, null, null, 0,
                            null, null, null, null, null, null, null, null);
                });
        assertThat(seen).hasSize(n - 1);
        assertThat(r.inputs().get(0).rejected()).isEqualTo(1);
        assertThat(String.join("\n", r.inputs().get(0).errors())).contains("analysis bug on flow 10");
    }

    @Test
    void everyFlowReachesEnrichmentInOrderEvenWhenTheFileIsCutShort(@TempDir Path dir) throws Exception {
        int n = 40 * EmbeddedEngine.FlowBatch.SIZE + 17; // several IPFIX messages, not a multiple of the batch
        ByteArrayOutputStream ipfix = new ByteArrayOutputStream();
        try (IpfixWriter w = new IpfixWriter(ipfix, 1)) {
            for (int i = 0; i < n; i++) {
                w.write(FlowRecord.uni(1_525_000_000_000L + i, 1_525_000_000_500L + i, Ip.parse("10.0.0.1"),
                        Ip.parse("192.0.2.9"), 40000 + i % 20000, 443, 6, 0x1b, 1 + i, 100 + i, 0, 0));
            }
        }
        byte[] whole = ipfix.toByteArray();
        // A whole file and a gzip cut off mid-stream: the reader stops with an error after what it could read.
        Path full = dir.resolve("full.ipfix");
        Files.write(full, whole);
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(gz)) {
            out.write(whole);
        }
        Path cut = dir.resolve("cut.ipfix.gz");
        Files.write(cut, Arrays.copyOf(gz.toByteArray(), gz.size() * 2 / 3));

        TargetProfile p = new TargetProfile("t", List.of("10.0.0.0/8"), List.of(), ZoneId.of("UTC"),
                Set.of(DayOfWeek.SATURDAY, DayOfWeek.SUNDAY), List.of(), List.of());
        for (Path file : List.of(full, cut)) {
            List<String> log = Collections.synchronizedList(new ArrayList<>());
            List<InputFile> files = Inputs.resolve(List.of(file), null, log::add);
            List<FlowRecord> seen = Collections.synchronizedList(new ArrayList<>());
            EmbeddedEngine.Result r = new EmbeddedEngine(new EmbeddedEngine.Options(2, false, Duration.ofHours(1),
                    1000, 20), log::add).run(files, new AnalysisContext(p), () -> f -> {
                        seen.add(f);
                        return new EnrichedFlow(f, Direction.OUT_OF_SCOPE, false, null, null, 0, null, null, null, 0,
                                null, null, null, null, null, null, null, null);
                    });
            assertThat(seen).as(file.toString()).hasSize((int) r.flowRecords());
            assertThat(r.inputs().get(0).records()).isEqualTo(r.flowRecords());
            for (int i = 0; i < seen.size(); i++) assertThat(seen.get(i).packets()).isEqualTo(1 + i);
            if (file == full) {
                assertThat(seen).hasSize(n);
            } else {
                assertThat(seen.size()).isBetween(1, n - 1);
                assertThat(r.inputs().get(0).rejected()).isPositive();
            }
        }
    }
}
