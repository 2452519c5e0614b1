package dev.keyhole.outputs;

import dev.keyhole.findings.ActivityMix;
import dev.keyhole.findings.ActivityMix.CategoryShare;
import dev.keyhole.findings.ActivityMix.CompanyShare;
import dev.keyhole.findings.ActivityMix.OriginShare;
import dev.keyhole.findings.ActivityMix.ServiceShare;
import dev.keyhole.findings.ActivityMix.ShareChange;
import dev.keyhole.findings.Findings;
import dev.keyhole.findings.Judgment;
import dev.keyhole.findings.Opsec;
import dev.keyhole.findings.PatternOfLife;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The numbers of findings.json as CSV tables (RFC 4180, UTF-8, CRLF) for spreadsheets and
 * notebooks. Text cells are guarded against formula injection: service names, hostnames and
 * error messages come from the observed traffic, i.e. from the adversary.
 */
public final class CsvTables {
    static final String[] WEEKDAYS = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};

    private CsvTables() {}

    /** Writes every table into {@code dir} (created if missing) and returns the files in writing order. */
    public static List<Path> write(Findings f, Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        for (Table t : tables(f)) {
            Path p = dir.resolve(t.file);
            OutputFiles.write(p, t.render());
            out.add(p);
        }
        return out;
    }

    static List<Table> tables(Findings f) {
        List<Table> ts = new ArrayList<>();

        Table inputs = new Table("inputs.csv", "path", "format", "records", "rejected", "error_count", "errors");
        for (Findings.InputInfo i : nn(f.inputs)) {
            List<String> errs = nn(i.errors());
            inputs.row(i.path(), i.format(), i.records(), i.rejected(), (long) errs.size(), String.join(" | ", errs));
        }
        ts.add(inputs);

        Table totals = new Table("totals.csv", "metric", "value");
        Findings.Totals t = f.totals;
        if (t != null) {
            totals.row("flow_records", t.flowRecords());
            totals.row("in_scope_records", t.inScopeRecords());
            totals.row("conversations", t.conversations());
            totals.row("outbound", t.outbound());
            totals.row("inbound", t.inbound());
            totals.row("internal", t.internal());
            totals.row("out_of_scope", t.outOfScope());
            totals.row("bytes", t.bytes());
            if (t.namedBy() != null) {
                totals.row("named_by_sni", t.namedBy().sni());
                totals.row("named_by_http_host", t.namedBy().httpHost());
                totals.row("named_by_dns", t.namedBy().dns());
                totals.row("named_by_none", t.namedBy().none());
            }
            totals.row("distinct_local_hosts", t.distinctLocalHosts());
            totals.row("distinct_remote_hosts", t.distinctRemoteHosts());
        }
        ts.add(totals);

        Table ref = new Table("reference_data.csv", "kind", "path", "source", "version", "licence");
        for (Findings.ReferenceDataset r : nn(f.referenceData)) {
            ref.row(r.kind(), r.path(), r.source(), r.version(), r.licence());
        }
        ts.add(ref);

        ActivityMix am = f.activityMix;
        ActivityMix.Monthly m = am == null ? null : am.monthly();
        Table byCategory = categories("activity_by_category.csv", "period", am == null ? null : am.byCategory());
        Table byService = services("activity_by_service.csv", "period", am == null ? null : am.byService());
        Table byCompany = companies("activity_by_company.csv", "period", am == null ? null : am.byCompany());
        Table byOrigin = origins("activity_by_origin.csv", "period", am == null ? null : am.byOrigin());
        ts.addAll(List.of(byCategory, byService, byCompany, byOrigin));
        ts.add(monthly(byCategory, am == null ? null : am.byCategory(), m == null ? null : m.byCategory(),
                CsvTables::categories));
        ts.add(monthly(byService, am == null ? null : am.byService(), m == null ? null : m.byService(),
                CsvTables::services));
        ts.add(monthly(byCompany, am == null ? null : am.byCompany(), m == null ? null : m.byCompany(),
                CsvTables::companies));
        ts.add(monthly(byOrigin, am == null ? null : am.byOrigin(), m == null ? null : m.byOrigin(),
                CsvTables::origins));

        Table changes = new Table("activity_changes.csv", "dimension", "key", "from", "to", "share_from",
                "share_to", "delta", "z", "p_value", "significant");
        for (ShareChange c : nn(am == null ? null : am.changes())) {
            changes.row(c.dimension(), c.key(), c.from(), c.to(), c.shareFrom(), c.shareTo(), c.delta(), c.z(),
                    c.pValue(), c.significant());
        }
        ts.add(changes);

        PatternOfLife pol = f.patternOfLife;
        Table cells = new Table("pattern_of_life.csv", "period", "weekday", "hour", "flows");
        Table summary = new Table("pattern_summary.csv", "period", "flows", "peak_start", "peak_end", "peak_share",
                "peak_threshold", "weekday_share", "weekend_share", "weekend_day_ratio", "active_days");
        for (PatternOfLife.PeriodPattern p : nn(pol == null ? null : pol.periods())) {
            long[][] mx = p.matrix();
            for (int d = 0; mx != null && d < Math.min(7, mx.length); d++) {
                for (int h = 0; mx[d] != null && h < Math.min(24, mx[d].length); h++) {
                    cells.row(p.period(), WEEKDAYS[d], (long) h, mx[d][h]);
                }
            }
            PatternOfLife.PeakHours ph = p.peakHours();
            summary.row(p.period(), p.flows(), ph == null ? null : (long) ph.start(),
                    ph == null ? null : (long) ph.end(), ph == null ? null : ph.share(),
                    ph == null ? null : ph.threshold(), p.weekdayShare(), p.weekendShare(), p.weekendDayRatio(),
                    p.activeDays());
        }
        ts.add(cells);
        ts.add(summary);

        Table wc = new Table("pattern_changes.csv", "from", "to", "weekend_share_from", "weekend_share_to", "z",
                "p_value", "significant", "weekend_day_ratio_from", "weekend_day_ratio_to");
        for (PatternOfLife.WeekendChange c : nn(pol == null ? null : pol.changes())) {
            wc.row(c.from(), c.to(), c.weekendShareFrom(), c.weekendShareTo(), c.z(), c.pValue(), c.significant(),
                    c.weekendDayRatioFrom(), c.weekendDayRatioTo());
        }
        ts.add(wc);

        ts.add(opsec("opsec_monthly.csv", "month", f.opsec == null ? null : f.opsec.monthly()));
        ts.add(opsec("opsec_periods.csv", "period", f.opsec == null ? null : f.opsec.periods()));

        Table js = new Table("judgments.csv", "id", "confidence", "text", "reason", "evidence");
        for (Judgment j : nn(f.judgments)) {
            js.row(j.id(), j.confidence(), j.text(), j.reason(), String.join(" ", nn(j.evidence())));
        }
        ts.add(js);
        return ts;
    }

    /** Builds a table of {@code rows} in {@code file} with {@code time} as the first column's heading. */
    private interface TableOf<T> {
        Table of(String file, String time, List<T> rows);
    }

    /**
     * The monthly table beside {@code periods} (activity_monthly_by_… for activity_by_…). When the
     * periods are the months, the monthly list is the period list itself: its rows, formatted once,
     * are written under the "month" heading.
     */
    private static <T> Table monthly(Table periods, List<T> periodRows, List<T> monthRows, TableOf<T> build) {
        String file = periods.file.replace("activity_by_", "activity_monthly_by_");
        return monthRows != null && monthRows == periodRows ? periods.withHeader(file, "month")
                : build.of(file, "month", monthRows);
    }

    private static Table categories(String file, String time, List<CategoryShare> rows) {
        Table t = new Table(file, time, "category", "flows", "bytes", "share", "byte_share");
        for (CategoryShare r : nn(rows)) {
            t.row(r.period(), r.category(), r.flows(), r.bytes(), r.share(), r.byteShare());
        }
        return t;
    }

    private static Table services(String file, String time, List<ServiceShare> rows) {
        Table t = new Table(file, time, "service", "name", "company", "category", "origin", "flows", "bytes",
                "share", "byte_share");
        for (ServiceShare r : nn(rows)) {
            t.row(r.period(), r.service(), r.name(), r.company(), r.category(), r.origin(), r.flows(), r.bytes(),
                    r.share(), r.byteShare());
        }
        return t;
    }

    private static Table companies(String file, String time, List<CompanyShare> rows) {
        Table t = new Table(file, time, "company", "flows", "bytes", "share", "byte_share");
        for (CompanyShare r : nn(rows)) t.row(r.period(), r.company(), r.flows(), r.bytes(), r.share(), r.byteShare());
        return t;
    }

    private static Table origins(String file, String time, List<OriginShare> rows) {
        Table t = new Table(file, time, "origin", "flows", "bytes", "share", "byte_share");
        for (OriginShare r : nn(rows)) t.row(r.period(), r.origin(), r.flows(), r.bytes(), r.share(), r.byteShare());
        return t;
    }

    private static Table opsec(String file, String time, List<Opsec.Row> rows) {
        Table t = new Table(file, time, "flows", "obfuscated_flows", "obfuscated_share", "vpn_share", "vps_share",
                "tls_share", "tor_share", "vpn_flows", "vps_flows", "tls_flows", "tor_flows");
        for (Opsec.Row r : nn(rows)) {
            Opsec.Composition c = r.composition();
            Opsec.Counts n = r.counts();
            t.row(r.month(), r.flows(), r.obfuscatedFlows(), r.obfuscatedShare(),
                    c == null ? null : c.vpn(), c == null ? null : c.vps(), c == null ? null : c.tls(),
                    c == null ? null : c.tor(), n == null ? null : n.vpn(), n == null ? null : n.vps(),
                    n == null ? null : n.tls(), n == null ? null : n.tor());
        }
        return t;
    }

    private static <T> List<T> nn(List<T> l) {
        return l == null ? List.of() : l;
    }

    /**
     * One CSV cell. Text is guarded and quoted; numbers are written as Java prints them (shortest
     * form that reads back to the same double, e.g. 1.0E-5), non-finite and missing values as empty.
     */
    public static String cell(Object v) {
        if (v == null) return "";
        if (v instanceof Double d) return Double.isFinite(d) ? Double.toString(d) : "";
        if (v instanceof Float fl) return Float.isFinite(fl) ? Float.toString(fl) : "";
        if (v instanceof Number || v instanceof Boolean) return v.toString();
        return quote(guard(v.toString()));
    }

    /**
     * Prefixes an apostrophe to text a spreadsheet would run as a formula (OWASP CSV injection);
     * spreadsheets show the apostrophe-prefixed text as the plain string.
     */
    public static String guard(String s) {
        if (s.isEmpty()) return s;
        char c = s.charAt(0);
        return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r' ? "'" + s : s;
    }

    /** RFC 4180: quote when the field holds a separator, quote or line break; double inner quotes. */
    public static String quote(String s) {
        boolean needs = false;
        for (int i = 0; i < s.length() && !needs; i++) {
            char c = s.charAt(i);
            needs = c == ',' || c == '"' || c == '\n' || c == '\r';
        }
        return needs ? '"' + s.replace("\"", "\"\"") + '"' : s;
    }

    static final class Table {
        final String file;
        final List<String> header;
        final List<List<String>> rows;
        // the rows as CSV text, kept once rendered for the tables that share them
        private final String[] body;

        Table(String file, String... header) {
            this(file, Arrays.asList(header), new ArrayList<>(), new String[1]);
        }

        private Table(String file, List<String> header, List<List<String>> rows, String[] body) {
            this.file = file;
            this.header = header;
            this.rows = rows;
            this.body = body;
        }

        /** This table's rows (the same, not a copy) in {@code file}, with {@code firstColumn} as its first heading. */
        Table withHeader(String file, String firstColumn) {
            List<String> h = new ArrayList<>(header);
            h.set(0, firstColumn);
            return new Table(file, h, rows, body);
        }

        void row(Object... cells) {
            List<String> r = new ArrayList<>(cells.length);
            for (Object c : cells) r.add(cell(c));
            rows.add(r);
            body[0] = null;
        }

        String render() {
            if (body[0] == null) {
                StringBuilder sb = new StringBuilder();
                for (List<String> r : rows) sb.append(String.join(",", r)).append("\r\n");
                body[0] = sb.toString();
            }
            return String.join(",", header) + "\r\n" + body[0];
        }
    }
}
