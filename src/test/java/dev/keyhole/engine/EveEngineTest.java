package dev.keyhole.engine;

import dev.keyhole.analyses.AnalysisContext;
import dev.keyhole.enrichment.Direction;
import dev.keyhole.enrichment.EnrichedFlow;
import dev.keyhole.findings.Findings.InputInfo;
import dev.keyhole.profile.TargetProfile;
import dev.keyhole.records.FlowRecord;
import dev.keyhole.records.NameSource;
import dev.keyhole.sources.InputFile;
import dev.keyhole.sources.Inputs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** One EVE file carries flows and their names: the engine reads it in both passes and counts it once. */
class EveEngineTest {
    @Test
    void namesFromTheSameFileAttachToItsFlows(@TempDir Path dir) throws Exception {
        String ts = "\"timestamp\":\"2018-05-05T01:00:00.000000+0000\"";
        String flow = "{" + ts + ",\"flow_id\":%d,\"event_type\":\"flow\",\"src_ip\":\"10.0.0.1\",\"src_port\":%d,"
                + "\"dest_ip\":\"%s\",\"dest_port\":%d,\"proto\":\"TCP\",\"flow\":{\"pkts_toserver\":1,"
                + "\"start\":\"2018-05-05T01:00:01.000000+0000\",\"end\":\"2018-05-05T01:00:02.000000+0000\"}}";
        List<String> lines = List.of(
                // A flow before its names and one after them: pass 1 has all names before any flow is named.
                String.format(flow, 1, 40001, "192.0.2.1", 443),
                "{" + ts + ",\"flow_id\":1,\"event_type\":\"tls\",\"src_ip\":\"10.0.0.1\",\"src_port\":40001,"
                        + "\"dest_ip\":\"192.0.2.1\",\"dest_port\":443,\"proto\":\"TCP\",\"tls\":{\"sni\":\"tls.example\"}}",
                "{" + ts + ",\"flow_id\":2,\"event_type\":\"http\",\"src_ip\":\"10.0.0.1\",\"src_port\":40002,"
                        + "\"dest_ip\":\"192.0.2.2\",\"dest_port\":80,\"proto\":\"TCP\",\"http\":{\"hostname\":\"http.example\"}}",
                String.format(flow, 2, 40002, "192.0.2.2", 80),
                "{" + ts + ",\"flow_id\":3,\"event_type\":\"dns\",\"src_ip\":\"10.0.0.1\",\"src_port\":5353,"
                        + "\"dest_ip\":\"10.0.0.53\",\"dest_port\":53,\"proto\":\"UDP\",\"dns\":{\"version\":2,"
                        + "\"type\":\"answer\",\"rrname\":\"dns.example\",\"rrtype\":\"A\",\"grouped\":{\"A\":[\"192.0.2.3\"]}}}",
                String.format(flow, 4, 40004, "192.0.2.3", 8443),
                "{" + ts + ",\"event_type\":\"flow\",\"src_ip\":\"bad\"}",
                "{" + ts + ",\"event_type\":\"stats\",\"stats\":{}}");
        Path eve = dir.resolve("eve.json");
        Files.write(eve, lines);
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        List<FlowRecord> seen = Collections.synchronizedList(new ArrayList<>());
        EmbeddedEngine.Result r = run(eve, 2, log, seen);

        Map<String, String> names = seen.stream().collect(Collectors.toMap(FlowRecord::uid,
                f -> f.serverName() + "/" + f.nameSource()));
        assertThat(names).containsExactlyInAnyOrderEntriesOf(Map.of(
                "1", "tls.example/" + NameSource.SNI,
                "2", "http.example/" + NameSource.HTTP_HOST,
                "4", "dns.example/" + NameSource.DNS));
        assertThat(r.flowRecords()).isEqualTo(3);
        assertThat(r.namesCollected()).isPositive();
        InputInfo info = r.inputs().get(0);
        assertThat(info.format()).isEqualTo("suricata-eve");
        assertThat(info.records()).isEqualTo(6); // 3 flows, 3 names: counted once, not per pass
        assertThat(info.rejected()).isEqualTo(1);
        assertThat(log.stream().filter(m -> m.startsWith("error:"))).hasSize(1);
        assertThat(log).contains("note: " + eve + ": skipped 1 event Keyhole does not read (stats 1)");
    }

    /**
     * Counters of 2^48 or more are garbage that would wrap the run's 64-bit sums (two flows of 5e18
     * bytes once made the totals negative): rejected with the line they are on, the good flows kept.
     * A hostile event_type is escaped in the note that counts skipped events.
     */
    @Test
    void implausibleCountersAreRejectedAndSkippedKindsEscaped(@TempDir Path dir) throws Exception {
        String flow = "{\"timestamp\":\"2018-05-04T14:45:00+0000\",\"flow_id\":%d,\"event_type\":\"flow\","
                + "\"src_ip\":\"10.0.0.1\",\"src_port\":%d,\"dest_ip\":\"192.0.2.1\",\"dest_port\":443,\"proto\":\"TCP\","
                + "\"flow\":{\"pkts_toserver\":2,\"pkts_toclient\":3,\"bytes_toserver\":%s,\"bytes_toclient\":200}}";
        Path eve = dir.resolve("eve.json");
        Files.write(eve, List.of(
                String.format(flow, 1, 40001, "5000000000000000000"),
                String.format(flow, 2, 40002, "500"),
                String.format(flow, 3, 40003, String.valueOf(1L << 48)),
                String.format(flow, 4, 40004, String.valueOf((1L << 48) - 1)),
                "{\"timestamp\":\"2018-05-04T14:45:00+0000\",\"event_type\":\"\\u001b[31mX\\nfake: line\"}"));
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        List<FlowRecord> seen = Collections.synchronizedList(new ArrayList<>());
        EmbeddedEngine.Result r = run(eve, 1, log, seen);
        assertThat(seen.stream().map(FlowRecord::bytes).sorted().toList()).containsExactly(500L, (1L << 48) - 1);
        InputInfo info = r.inputs().get(0);
        assertThat(info.records()).isEqualTo(2);
        assertThat(info.rejected()).isEqualTo(2);
        assertThat(info.errors()).containsExactly(
                eve + ": line 1: implausible counters (packets 2, bytes 5000000000000000000, reverse 3 / 200; 2^48 or"
                        + " more, or negative)",
                eve + ": line 3: implausible counters (packets 2, bytes 281474976710656, reverse 3 / 200; 2^48 or"
                        + " more, or negative)");
        assertThat(log).contains("note: " + eve + ": skipped 1 event Keyhole does not read (\\x1b[31mX\\x0afake: line 1)");
        assertThat(String.join("\n", log)).doesNotContain("\u001b");
    }

    /** Runs the engine over one EVE file with target 10.0.0.0/8, logging to {@code log}, every flow into {@code seen}. */
    private static EmbeddedEngine.Result run(Path eve, int threads, List<String> log, List<FlowRecord> seen) throws Exception {
        List<InputFile> files = Inputs.resolve(List.of(eve), null, log::add);
        TargetProfile p = new TargetProfile("t", List.of("10.0.0.0/8"), List.of(), ZoneId.of("UTC"),
                Set.of(DayOfWeek.SATURDAY, DayOfWeek.SUNDAY), List.of(), List.of());
        EmbeddedEngine engine = new EmbeddedEngine(new EmbeddedEngine.Options(threads, false, Duration.ofHours(1), 1000, 20),
                log::add);
        return engine.run(files, new AnalysisContext(p), () -> f -> {
            seen.add(f);
            return new EnrichedFlow(f, Direction.OUT_OF_SCOPE, false, null, null, 0, null, null, null, 0, null, null,
                    null, null, null, null, null, null);
        });
    }
}
