package dev.keyhole.simulate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keyhole.analyses.AnalysisContext;
import dev.keyhole.engine.EmbeddedEngine;
import dev.keyhole.enrichment.Enricher;
import dev.keyhole.enrichment.catalog.Catalog;
import dev.keyhole.enrichment.scope.TargetScope;
import dev.keyhole.findings.ActivityMix;
import dev.keyhole.findings.Findings;
import dev.keyhole.findings.Opsec;
import dev.keyhole.profile.ProfileLoader;
import dev.keyhole.profile.TargetProfile;
import dev.keyhole.refdata.AsnLookup;
import dev.keyhole.sources.InputFile;
import dev.keyhole.sources.Inputs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The simulator's traffic is read by Keyhole's enrichment exactly as truth.json counts it: run the
 * IPFIX with the Zeek name logs through the embedded engine, the catalogue and the same ASN ranges,
 * and compare month by month. This guards the planted figures against drift between the world
 * file and the catalogue or the enrichment rules. (The full planted-facts test runs the whole
 * pipeline; this one pins the counting.)
 */
class SimulatorEnrichmentAlignmentTest {
    @TempDir
    Path tmp;

    @Test
    void enrichmentCountsWhatTruthCounts() throws Exception {
        Path out = tmp.resolve("world");
        Sim.run(out, 120_000, 9, LocalDate.of(2017, 11, 1), LocalDate.of(2018, 2, 28), true);
        JsonNode truth = new ObjectMapper().readTree(out.resolve("truth.json").toFile());

        TargetProfile profile = ProfileLoader.load("dprk");
        try (AsnLookup asn = AsnLookup.open(List.of(Sim.snapshotAsCsv(tmp)))) {
            Catalog catalog = Catalog.loadDefault();
            TargetScope scope = TargetScope.of(profile, asn);
            List<Path> paths = new ArrayList<>(List.of(out.resolve("ipfix")));
            for (Path f : Sim.files(out.resolve("zeek"), ".log")) {
                if (!f.getFileName().toString().startsWith("conn.")) paths.add(f);
            }
            List<InputFile> inputs = Inputs.resolve(paths, null, msg -> {
                throw new AssertionError(msg);
            });
            AnalysisContext ctx = new AnalysisContext(profile);
            EmbeddedEngine engine = new EmbeddedEngine(
                    new EmbeddedEngine.Options(2, false, Duration.ofHours(1), 5_000_000, 20), msg -> {});
            EmbeddedEngine.Result r = engine.run(inputs, ctx, () -> new Enricher(scope, null, asn, catalog)::enrich);
            Findings f = new Findings();
            r.analyses().finish(f);

            Map<String, Opsec.Row> opsec = new HashMap<>();
            for (Opsec.Row row : f.opsec.monthly()) opsec.put(row.month(), row);
            Map<String, Map<String, Long>> services = new HashMap<>();
            for (ActivityMix.ServiceShare s : f.activityMix.monthly().byService()) {
                services.computeIfAbsent(s.period(), k -> new HashMap<>()).put(s.service(), s.flows());
            }
            for (JsonNode m : truth.path("monthly")) {
                String month = m.path("month").asText();
                Opsec.Row row = opsec.get(month);
                assertThat(row.flows()).as("outbound conversations %s", month).isEqualTo(m.path("outbound").asLong());
                JsonNode ob = m.path("obfuscated");
                assertThat(row.counts().vpn()).as("VPN %s", month).isEqualTo(ob.path("vpn").asLong());
                assertThat(row.counts().vps()).as("VPS %s", month).isEqualTo(ob.path("vps").asLong());
                assertThat(row.counts().tls()).as("TLS %s", month).isEqualTo(ob.path("tls").asLong());
                assertThat(row.counts().tor()).as("Tor %s", month).isEqualTo(ob.path("tor").asLong());
                m.path("plainByService").fields().forEachRemaining(e -> {
                    // Activities outside the catalogue show up under their ASN, not an id.
                    if (List.of("web-other", "bitcoin", "monero", "hold-coin").contains(e.getKey())) return;
                    assertThat(services.get(month).get(e.getKey())).as("%s %s", e.getKey(), month)
                            .isEqualTo(e.getValue().asLong());
                });
            }
        }
    }

    /** The bundled ASN excerpt in ip-location-db's CSV layout, so enrichment sees the simulator's networks. */
}
