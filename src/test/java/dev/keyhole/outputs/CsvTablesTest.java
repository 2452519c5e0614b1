package dev.keyhole.outputs;

import dev.keyhole.findings.Findings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

class CsvTablesTest {
    @TempDir
    Path dir;

    @Test
    void writesEveryTable() throws IOException {
        List<Path> files = CsvTables.write(SampleFindings.build(true), dir.resolve("csv"));

        assertThat(files).extracting(p -> p.getFileName().toString()).contains("inputs.csv",
                "activity_by_category.csv", "activity_by_service.csv", "activity_by_company.csv",
                "activity_by_origin.csv", "activity_monthly_by_category.csv", "activity_monthly_by_service.csv",
                "activity_monthly_by_company.csv", "activity_monthly_by_origin.csv", "activity_changes.csv",
                "pattern_of_life.csv", "pattern_summary.csv", "opsec_monthly.csv", "opsec_periods.csv",
                "judgments.csv");
        for (Path p : files) {
            String text = Files.readString(p, StandardCharsets.UTF_8);
            assertThat(text).as(p.toString()).endsWith("\r\n");
            assertThat(parse(text)).as(p.toString()).isNotEmpty();
        }
    }

    @Test
    void valuesMatchTheFindings() throws IOException {
        Findings f = SampleFindings.build(true);
        CsvTables.write(f, dir);

        List<Map<String, String>> cats = rows("activity_by_category.csv");
        assertThat(cats).hasSize(f.activityMix.byCategory().size());
        assertThat(cats.get(0)).containsEntry("period", SampleFindings.P1).containsEntry("category", "gaming")
                .containsEntry("flows", "173600").containsEntry("share", "0.28");

        List<Map<String, String>> cells = rows("pattern_of_life.csv");
        assertThat(cells).hasSize(2 * 7 * 24);
        long[][] m = SampleFindings.matrix(1);
        assertThat(cells.get(168 + 6 * 24 + 23)).containsEntry("period", SampleFindings.P2)
                .containsEntry("weekday", "Sunday").containsEntry("hour", "23")
                .containsEntry("flows", Long.toString(m[6][23]));

        Map<String, String> summary = rows("pattern_summary.csv").get(1);
        assertThat(summary).containsEntry("peak_start", "10").containsEntry("peak_end", "1")
                .containsEntry("active_days", "121");

        List<Map<String, String>> opsec = rows("opsec_monthly.csv");
        assertThat(opsec).hasSize(8);
        assertThat(opsec.get(0)).containsEntry("month", "2017-04").containsEntry("tor_flows", "0")
                .containsEntry("obfuscated_flows", Long.toString(f.opsec.monthly().get(0).obfuscatedFlows()));

        List<Map<String, String>> changes = rows("activity_changes.csv");
        assertThat(changes.get(0)).containsEntry("delta", "-0.08").containsEntry("z", "-33.1")
                .containsEntry("p_value", "1.2E-240").containsEntry("significant", "true");
        // Non-finite numbers become empty cells.
        assertThat(changes.get(5)).containsEntry("z", "").containsEntry("p_value", "");

        Map<String, String> j = rows("judgments.csv").get(0);
        assertThat(j).containsEntry("confidence", "high")
                .containsEntry("evidence", "/activityMix/changes?dimension=origin&key=russian /activityMix/byOrigin");
        assertThat(j.get("text")).contains("from 4% to 8% of conversations, while");
    }

    /**
     * With the months as the periods the monthly lists are the period lists themselves: their rows
     * are formatted once and written under both headers; otherwise each table has its own rows.
     */
    @Test
    void monthlyTablesHoldTheMonthlyRowsWhetherOrNotTheyAreThePeriodLists() throws IOException {
        Findings separate = SampleFindings.build(true);
        var am = separate.activityMix;
        assertThat(am.monthly().byService()).isNotSameAs(am.byService());
        CsvTables.write(separate, dir.resolve("separate"));
        for (String t : List.of("category", "service", "company", "origin")) {
            String periods = Files.readString(dir.resolve("separate/activity_by_" + t + ".csv"));
            String months = Files.readString(dir.resolve("separate/activity_monthly_by_" + t + ".csv"));
            assertThat(months).as(t).startsWith("month," + t + ",").isNotEqualTo(periods.replaceFirst("^period", "month"));
        }
        assertThat(Files.readString(dir.resolve("separate/activity_monthly_by_service.csv")).lines().count())
                .isEqualTo(am.monthly().byService().size() + 1);

        Findings shared = SampleFindings.build(true);
        var m = shared.activityMix.monthly();
        shared.activityMix = new dev.keyhole.findings.ActivityMix(m.byCategory(), m.byService(), m.byCompany(),
                m.byOrigin(), m, shared.activityMix.changes());
        CsvTables.write(shared, dir.resolve("shared"));
        for (String t : List.of("category", "service", "company", "origin")) {
            String periods = Files.readString(dir.resolve("shared/activity_by_" + t + ".csv"));
            String months = Files.readString(dir.resolve("shared/activity_monthly_by_" + t + ".csv"));
            assertThat(periods).as(t).startsWith("period," + t + ",");
            assertThat(months).as(t).isEqualTo(periods.replaceFirst("^period", "month"))
                    .isEqualTo(Files.readString(dir.resolve("separate/activity_monthly_by_" + t + ".csv")));
        }
    }

    @Test
    void attackerTextIsQuotedAndFormulaGuarded() throws IOException {
        CsvTables.write(SampleFindings.build(true), dir);

        List<Map<String, String>> svc = rows("activity_by_service.csv");
        Map<String, String> formula = svc.get(11);
        assertThat(formula).containsEntry("service", "'" + SampleFindings.FORMULA)
                .containsEntry("name", SampleFindings.LINE_SEP).containsEntry("company", SampleFindings.AMP);
        Map<String, String> xss = svc.get(10);
        assertThat(xss).containsEntry("service", SampleFindings.XSS).containsEntry("name", SampleFindings.ATTR)
                .containsEntry("company", SampleFindings.END);
        String raw = Files.readString(dir.resolve("activity_by_service.csv"));
        assertThat(raw).contains(",\"\"\"onmouseover=alert(2) x=\"\"\",").contains(",'=cmd|' /C calc'!A0,");

        Map<String, String> input = rows("inputs.csv").get(0);
        assertThat(input.get("errors")).startsWith("line 88: bad port '=cmd");
        assertThat(input).containsEntry("error_count", "7");
    }

    @Test
    void guardCoversEveryFormulaTriggerAndLeavesNumbersAlone() {
        for (String s : List.of("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx")) {
            assertThat(CsvTables.guard(s)).isEqualTo("'" + s);
        }
        assertThat(CsvTables.guard("a=b")).isEqualTo("a=b");
        assertThat(CsvTables.guard("")).isEmpty();
        assertThat(CsvTables.cell(-0.5)).isEqualTo("-0.5");
        assertThat(CsvTables.cell(-3L)).isEqualTo("-3");
        assertThat(CsvTables.cell("-3")).isEqualTo("'-3");
        assertThat(CsvTables.cell(Double.NaN)).isEmpty();
        assertThat(CsvTables.cell("a,b")).isEqualTo("\"a,b\"");
        assertThat(CsvTables.cell("line\nbreak")).isEqualTo("\"line\nbreak\"");
        assertThat(CsvTables.cell("\rx")).isEqualTo("\"'\rx\"");
    }

    @Test
    void emptyFindingsGiveHeaderOnlyTables() throws IOException {
        Findings empty = new Findings();
        List<Path> files = CsvTables.write(empty, dir);
        assertThat(files).isNotEmpty();
        assertThat(Files.readString(dir.resolve("pattern_of_life.csv"))).isEqualTo("period,weekday,hour,flows\r\n");
    }

    private List<Map<String, String>> rows(String file) throws IOException {
        List<List<String>> recs = parse(Files.readString(dir.resolve(file), StandardCharsets.UTF_8));
        List<String> head = recs.get(0);
        List<Map<String, String>> out = new ArrayList<>();
        for (List<String> r : recs.subList(1, recs.size())) {
            assertThat(r).as(file + " row width").hasSize(head.size());
            Map<String, String> m = new java.util.LinkedHashMap<>();
            for (int i = 0; i < head.size(); i++) m.put(head.get(i), r.get(i));
            out.add(m);
        }
        return out;
    }

    /** A strict RFC 4180 reader: CRLF record ends, quoted fields with doubled quotes. */
    static List<List<String>> parse(String text) {
        List<List<String>> recs = new ArrayList<>();
        List<String> rec = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        int i = 0;
        boolean quoted = false;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
                    field.append('"');
                    i += 2;
                } else if (c == '"') {
                    quoted = false;
                    i++;
                } else {
                    field.append(c);
                    i++;
                }
            } else if (c == '"') {
                assertThat(field).as("quote inside an unquoted field").isEmpty();
                quoted = true;
                i++;
            } else if (c == ',') {
                rec.add(field.toString());
                field.setLength(0);
                i++;
            } else if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                rec.add(field.toString());
                field.setLength(0);
                recs.add(rec);
                rec = new ArrayList<>();
                i += 2;
            } else {
                assertThat(c).as("bare line break outside quotes").isNotIn('\r', '\n');
                field.append(c);
                i++;
            }
        }
        assertThat(quoted).as("unterminated quote").isFalse();
        assertThat(field.length() == 0 && rec.isEmpty()).as("file ends with CRLF").isTrue();
        return recs.stream().map(List::copyOf).collect(Collectors.toList());
    }
}
