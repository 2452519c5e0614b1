package dev.keyhole.outputs;

import dev.keyhole.findings.ActivityMix;
import dev.keyhole.findings.Findings;
import dev.keyhole.findings.PatternOfLife;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FindingsJsonTest {
    @TempDir
    Path dir;

    @Test
    void roundTripKeepsEveryValueIncludingMatricesHostileTextAndNaN() throws IOException {
        Findings f = SampleFindings.build(true);
        Path file = dir.resolve("out/findings.json");
        FindingsJson.write(f, file);

        Findings back = FindingsJson.read(file);

        // Exact doubles, NaN equal to NaN (the default comparator has a tolerance and fails on NaN).
        assertThat(back).usingRecursiveComparison().withComparatorForType(Double::compare, Double.class).isEqualTo(f);
        assertThat(back.patternOfLife.periods().get(1).matrix()).isDeepEqualTo(SampleFindings.matrix(1));
        assertThat(back.activityMix.changes().get(5).z()).isNaN();
        assertThat(back.activityMix.byService().get(10).service()).isEqualTo(SampleFindings.XSS);
        assertThat(back.activityMix.byService().get(11).name()).isEqualTo(SampleFindings.LINE_SEP);
        // Writing again gives the same bytes: stable output that diffs cleanly between runs.
        assertThat(FindingsJson.toJson(back, true) + "\n").isEqualTo(Files.readString(file));
        // Streamed through a temporary sibling that is gone once the file is in place.
        try (var files = Files.list(file.getParent())) {
            assertThat(files).containsExactly(file);
        }
    }

    /**
     * The activity mix's rows are written by hand-written serializers: the text must be exactly what
     * Jackson's own record serialization gives, pretty and compact, with NULL texts, non-finite
     * numbers, hostile and non-BMP text.
     */
    @Test
    void theHandWrittenRowSerializersWriteWhatJacksonWrites() throws IOException {
        Findings f = SampleFindings.build(true);
        var am = f.activityMix;
        List<ActivityMix.ServiceShare> services = new java.util.ArrayList<>(am.byService());
        services.add(new ActivityMix.ServiceShare("2018-01", "as:4837", null, null, null, null, 0, 0, Double.NaN,
                Double.POSITIVE_INFINITY));
        services.add(new ActivityMix.ServiceShare("p\"1\u2028", "\uD83D\uDE00", "</script>\u0001", "co, \"x\"", "vpn",
                "other", Long.MAX_VALUE, -1, -0.0, 1e-300));
        List<ActivityMix.CompanyShare> companies = new java.util.ArrayList<>(am.byCompany());
        companies.add(new ActivityMix.CompanyShare(null, null, 1, 2, Double.NaN, 0.5));
        List<ActivityMix.ShareChange> changes = new java.util.ArrayList<>(am.changes());
        changes.add(new ActivityMix.ShareChange("service", null, "a", null, Double.NEGATIVE_INFINITY, 1.0 / 3, 0,
                Double.NaN, 1.2e-240, false));
        f.activityMix = new ActivityMix(am.byCategory(), services, companies, am.byOrigin(),
                new ActivityMix.Monthly(am.monthly().byCategory(), services, companies, am.monthly().byOrigin()), changes);
        var jackson = FindingsJson.mapper(false);
        for (boolean pretty : new boolean[] {true, false}) {
            String ours = FindingsJson.toJson(f, pretty);
            assertThat(ours).as("pretty %s", pretty).isEqualTo(FindingsJson.text(jackson, f, pretty))
                    .contains("\"as:4837\"", "\"pValue\"", "co, \\\"x\\\"");
        }
    }

    @Test
    void theFileHoldsTheJsonTextAsUtf8ForAnyCharacter() throws IOException {
        Findings f = SampleFindings.build(true);
        // Outside the BMP, line separators, controls, a BOM, a script end: the file is the text's UTF-8.
        f.inputs.add(new Findings.InputInfo("/data/eve-\uD83D\uDE00-\u2028\u2029\u0001\uFEFF\uFFFF</script>.json",
                "suricata-eve", 1, 0, List.of("\uD83C\uDDF0\uD83C\uDDF5 \u4E2D\u6587")));
        // An unpaired surrogate (a JSON input's "\\ud800" escape) becomes '?' instead of failing the outputs.
        f.inputs.add(new Findings.InputInfo("/data/lone-\uD800-x.json", "suricata-eve", 1, 0, List.of()));
        Path file = dir.resolve("odd/findings.json");
        FindingsJson.write(f, file);
        assertThat(Files.readString(file)).contains("/data/lone-?-x.json");
        assertThat(Files.readAllBytes(file)).isEqualTo((FindingsJson.toJson(f, true) + "\n").getBytes(StandardCharsets.UTF_8));
        assertThat(Files.readString(file)).contains("eve-\uD83D\uDE00-");
    }

    @Test
    void nonFiniteDoublesAreWrittenAsNull() throws IOException {
        Findings f = SampleFindings.build(false);
        PatternOfLife.PeriodPattern p = f.patternOfLife.periods().get(0);
        f.patternOfLife = new PatternOfLife(f.patternOfLife.timezone(), List.of(new PatternOfLife.PeriodPattern(
                p.period(), p.flows(), p.peakHours(), p.weekdayShare(), p.weekendShare(), Double.POSITIVE_INFINITY,
                p.activeDays(), p.matrix())), List.of());
        String json = FindingsJson.toJson(f, true);

        assertThat(json).doesNotContain("NaN").doesNotContain("Infinity");
        assertThat(json).contains("\"z\": null").contains("\"pValue\": null").contains("\"weekendDayRatio\": null");
        assertThat(FindingsJson.fromJson(json).patternOfLife.periods().get(0).weekendDayRatio()).isNaN();
    }

    @Test
    void prettyOutputKeepsModelOrderAndOneLinePerMatrixRow() throws IOException {
        String json = FindingsJson.toJson(SampleFindings.build(false), true);

        assertThat(json).startsWith("{\n  \"schema\": \"keyhole.findings/1\",\n  \"generatedAt\"");
        List<String> top = List.of("\"schema\"", "\"generatedAt\"", "\"profile\"", "\"inputs\"", "\"totals\"",
                "\"referenceData\"", "\"activityMix\"", "\"patternOfLife\"", "\"opsec\"", "\"judgments\"");
        int last = -1;
        for (String k : top) {
            int at = json.indexOf("\n  " + k + ":");
            assertThat(at).as(k).isGreaterThan(last);
            last = at;
        }
        // Record components keep their declared order too.
        String share = json.substring(json.indexOf("\"byCategory\""));
        assertThat(share.indexOf("\"period\"")).isLessThan(share.indexOf("\"category\""));
        assertThat(share.indexOf("\"share\"")).isLessThan(share.indexOf("\"byteShare\""));

        long rows = json.lines().filter(l -> l.matches("\\s*\\[ \\d+(, \\d+){23} \\],?")).count();
        assertThat(rows).isEqualTo(14);
        assertThat(json).doesNotContain("\r");
    }

    @Test
    void readsNullDoublesAsNaNAndIgnoresUnknownFields() throws IOException {
        String json = FindingsJson.toJson(SampleFindings.build(false), false)
                .replace("\"schema\":\"keyhole.findings/1\"", "\"schema\":\"keyhole.findings/1\",\"addedLater\":[1,2]")
                .replaceFirst("\"share\":[0-9.E-]+", "\"share\":null");
        Path file = dir.resolve("f.json");
        Files.writeString(file, json, StandardCharsets.UTF_8);

        assertThat(FindingsJson.read(file).activityMix.byCategory().get(0).share()).isNaN();
    }

    @Test
    void rejectsAnotherSchema() throws IOException {
        Path file = dir.resolve("f.json");
        Files.writeString(file, FindingsJson.toJson(SampleFindings.build(false), true)
                .replace("keyhole.findings/1", "keyhole.findings/9"));

        assertThatThrownBy(() -> FindingsJson.read(file)).isInstanceOf(IOException.class)
                .hasMessageContaining("keyhole.findings/9");
    }
}
