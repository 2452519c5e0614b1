package dev.keyhole.outputs;


import dev.keyhole.findings.ActivityMix;
import dev.keyhole.findings.ActivityMix.CategoryShare;
import dev.keyhole.findings.ActivityMix.ServiceShare;
import dev.keyhole.findings.ActivityMix.ShareChange;
import dev.keyhole.findings.Findings;
import dev.keyhole.findings.Judgment;
import dev.keyhole.findings.Opsec;
import dev.keyhole.findings.PatternOfLife;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One self-contained, offline HTML report. Text and tables are rendered here as escaped HTML, so
 * the report reads (and prints) even where scripts are blocked; the charts are drawn in the page
 * by the inlined Apache ECharts from the findings embedded as inert JSON.
 *
 * <p>Every string in the findings may come from the adversary's traffic (hostnames, service
 * names, error messages) and is escaped for its context: entities in HTML text and attributes,
 * unicode escapes for markup characters in the JSON block, and an escaping formatter in the
 * chart tooltips.
 */
public final class HtmlReport {
    /** Services shown per period in the top-services charts and table. */
    static final int TOP_SERVICES = 10;
    /** Parse errors shown per input; the inputs carry their own cap. */
    static final int ERRORS_SHOWN = 5;

    private static final String CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
            + "img-src data:; font-src 'none'; connect-src 'none'; base-uri 'none'; form-action 'none'";
    private static final Pattern SCRIPT_TAG = Pattern.compile("(?i)<(/?script)");

    private HtmlReport() {}

    /**
     * Writes the report to {@code file}, inlining {@code echartsJs}
     * ({@code node_modules/echarts/dist/echarts.min.js} of the npm package {@code echarts}).
     */
    public static void write(Findings f, Path file, Path echartsJs) throws IOException {
        String lib;
        try {
            lib = Files.readString(echartsJs, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IOException("ECharts library not found at " + echartsJs
                    + " (expected node_modules/echarts/dist/echarts.min.js of the npm package 'echarts')", e);
        }
        OutputFiles.write(file, render(f, lib));
    }

    static String render(Findings f, String echartsLib) throws IOException {
        StringBuilder h = new StringBuilder(echartsLib.length() + 200_000);
        String name = f.profile == null ? "" : f.profile.name();
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta http-equiv=\"Content-Security-Policy\" content=\"").append(CSP).append("\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>Keyhole report: ").append(esc(name)).append("</title>\n")
                .append("<style>\n").append(resource("report.css")).append("</style>\n</head>\n<body>\n");

        header(h, f);
        scope(h, f);
        judgments(h, f);
        pattern(h, f);
        activity(h, f);
        opsec(h, f);
        footer(h, f);

        h.append("<script type=\"application/json\" id=\"keyhole-findings\">")
                .append(jsonForScript(FindingsJson.toJson(f, false))).append("</script>\n");
        h.append("<script>\n").append(scriptText(echartsLib)).append("\n</script>\n");
        h.append("<script>\n").append(scriptText(resource("report.js"))).append("</script>\n");
        h.append("</body>\n</html>\n");
        return h.toString();
    }

    // ---------------------------------------------------------------- sections

    private static void header(StringBuilder h, Findings f) {
        Findings.ProfileInfo p = f.profile;
        h.append("<header class=\"top\">\n<div class=\"brand\">Keyhole</div>\n<h1>Intelligence report: ")
                .append(esc(p == null ? "(no profile)" : p.name())).append("</h1>\n<p class=\"sub\">");
        if (p != null) h.append("Local time zone <strong>").append(esc(p.timezone())).append("</strong> · ");
        h.append("generated ").append(esc(orDash(f.generatedAt))).append(" · schema <code>").append(esc(f.schema))
                .append("</code></p>\n<nav class=\"toc\"><a href=\"#scope\">Scope and data</a>")
                .append("<a href=\"#judgments\">Key judgments</a><a href=\"#pattern\">Pattern of life</a>")
                .append("<a href=\"#activity\">Activity mix</a><a href=\"#opsec\">Operational security</a></nav>\n")
                .append("</header>\n<main>\n");
    }

    private static void scope(StringBuilder h, Findings f) {
        h.append("<section id=\"scope\">\n<h2>Scope and data</h2>\n<div class=\"cards\">\n");
        Findings.ProfileInfo p = f.profile;
        h.append("<div class=\"card\"><h3>Target</h3><dl>");
        if (p != null) {
            dl(h, "Profile", esc(p.name()));
            dl(h, "Address space", joinEsc(p.cidrs(), ", "));
            List<String> asns = new ArrayList<>();
            for (Long a : nn(p.asns())) asns.add("AS" + a);
            dl(h, "ASNs", joinEsc(asns, ", "));
            dl(h, "Time zone", esc(p.timezone()));
            dl(h, "Weekend", joinEsc(p.weekend(), ", "));
            StringBuilder ps = new StringBuilder();
            if (p.monthlyPeriods()) ps.append("calendar months");
            for (Findings.PeriodInfo pi : nn(p.periods())) {
                if (ps.length() > 0) ps.append("<br>");
                ps.append("<strong>").append(esc(pi.name())).append("</strong> ").append(esc(pi.from()))
                        .append(" – ").append(esc(pi.to()));
            }
            dl(h, "Periods", ps.length() == 0 ? "–" : ps.toString());
        }
        Findings.Settings st = f.settings;
        if (st != null) {
            dl(h, "Run", esc(st.keyhole()) + " · format " + esc(st.format()) + " · tunnels opened: "
                    + esc(st.decap()) + " · DNS naming window " + num(st.dnsWindowSeconds()) + " s · at most "
                    + num(st.maxNames()) + " names kept · template lifetime "
                    + (st.templateLifetimeSeconds() == 0 ? "unlimited" : num(st.templateLifetimeSeconds()) + " s"));
        }
        h.append("</dl></div>\n");

        Findings.Totals t = f.totals;
        h.append("<div class=\"card\"><h3>Totals</h3><dl>");
        if (t != null) {
            dl(h, "Flow records read", num(t.flowRecords()));
            dl(h, "In-scope records", num(t.inScopeRecords()));
            dl(h, "Conversations", num(t.conversations()));
            dl(h, "Outbound / inbound / internal", num(t.outbound()) + " / " + num(t.inbound()) + " / "
                    + num(t.internal()));
            dl(h, "Out of scope", num(t.outOfScope()));
            dl(h, "Bytes", bytes(t.bytes()));
            if (t.namedBy() != null) {
                Findings.NamedBy n = t.namedBy();
                dl(h, "Named by", "TLS SNI " + num(n.sni()) + " · HTTP Host " + num(n.httpHost()) + " · DNS "
                        + num(n.dns()) + " · unnamed " + num(n.none()));
            }
            dl(h, "Distinct local / remote hosts", num(t.distinctLocalHosts()) + " / "
                    + num(t.distinctRemoteHosts()));
        } else {
            dl(h, "Totals", "–");
        }
        h.append("</dl></div>\n</div>\n");

        h.append("<h3>Inputs</h3>\n");
        if (nn(f.inputs).isEmpty()) {
            empty(h, "No inputs recorded.");
        } else {
            // Per format first: a collector's rotation can give thousands of files.
            Map<String, long[]> byFormat = new LinkedHashMap<>();
            for (Findings.InputInfo i : f.inputs) {
                long[] c = byFormat.computeIfAbsent(i.format(), k -> new long[3]);
                c[0]++;
                c[1] += i.records();
                c[2] += i.rejected();
            }
            h.append("<table class=\"data\"><thead><tr><th>Format</th><th class=\"n\">Files</th>")
                    .append("<th class=\"n\">Records</th><th class=\"n\">Rejected</th></tr></thead><tbody>\n");
            byFormat.forEach((fmt, c) -> h.append("<tr><td>").append(esc(fmt)).append("</td><td class=\"n\">")
                    .append(num(c[0])).append("</td><td class=\"n\">").append(num(c[1])).append("</td><td class=\"n\">")
                    .append(num(c[2])).append("</td></tr>\n"));
            h.append("</tbody></table>\n");
            List<Findings.InputInfo> bad = new ArrayList<>();
            for (Findings.InputInfo i : f.inputs) if (i.rejected() > 0 || !nn(i.errors()).isEmpty()) bad.add(i);
            if (!bad.isEmpty()) {
                h.append("<h4>Files with rejected input</h4>\n");
                inputTable(h, bad);
            }
            h.append("<details><summary>All ").append(num(f.inputs.size())).append(" input files</summary>\n");
            inputTable(h, f.inputs);
            h.append("</details>\n");
        }

        h.append("<h3>Reference data</h3>\n");
        if (nn(f.referenceData).isEmpty()) {
            empty(h, "No reference data recorded.");
        } else {
            h.append("<table class=\"data\"><thead><tr><th>Kind</th><th>Source</th><th>Version</th>")
                    .append("<th>Licence</th><th>Path</th></tr></thead><tbody>\n");
            Set<String> licences = new LinkedHashSet<>();
            for (Findings.ReferenceDataset r : f.referenceData) {
                h.append("<tr><td>").append(esc(r.kind())).append("</td><td>").append(esc(r.source()))
                        .append("</td><td>").append(esc(r.version())).append("</td><td>").append(esc(r.licence()))
                        .append("</td><td class=\"path\">").append(esc(r.path())).append("</td></tr>\n");
                if (r.licence() != null && !r.licence().isBlank()) licences.add(r.licence());
            }
            h.append("</tbody></table>\n");
            if (!licences.isEmpty()) {
                h.append("<div class=\"attribution\"><h4>Licences and attribution</h4>");
                for (String l : licences) h.append("<p>").append(esc(l)).append("</p>");
                h.append("</div>\n");
            }
        }
        h.append("</section>\n");
    }

    private static void judgments(StringBuilder h, Findings f) {
        h.append("<section id=\"judgments\">\n<h2>Key judgments</h2>\n");
        if (nn(f.judgments).isEmpty()) {
            empty(h, "The analyses support no key judgment for this data.");
        } else {
            h.append("<ol class=\"judgments\">\n");
            for (Judgment j : f.judgments) {
                String conf = j.confidence() == null ? "" : j.confidence().trim().toLowerCase(Locale.ROOT);
                String cls = switch (conf) {
                    case "low", "moderate", "high" -> conf;
                    default -> "unknown";
                };
                h.append("<li class=\"judgment conf-").append(cls).append("\"><div class=\"jhead\">")
                        .append("<span class=\"badge badge-").append(cls).append("\">")
                        .append(esc(conf.isEmpty() ? "unrated" : conf)).append(" confidence</span>");
                if (j.id() != null) h.append("<span class=\"jid\">").append(esc(j.id())).append("</span>");
                h.append("</div>\n<p class=\"jtext\">").append(esc(j.text())).append("</p>\n");
                if (j.reason() != null && !j.reason().isBlank()) {
                    h.append("<p class=\"reason\"><span class=\"label\">Why this confidence:</span> ")
                            .append(esc(j.reason())).append("</p>\n");
                }
                List<String> ev = nn(j.evidence());
                if (!ev.isEmpty()) {
                    h.append("<p class=\"evidence\"><span class=\"label\">Evidence:</span> ");
                    for (String e : ev) {
                        String anchor = anchorFor(e);
                        if (anchor != null) {
                            h.append("<a href=\"#").append(anchor).append("\"><code>").append(esc(e))
                                    .append("</code></a> ");
                        } else {
                            h.append("<code>").append(esc(e)).append("</code> ");
                        }
                    }
                    h.append("</p>\n");
                }
                h.append("</li>\n");
            }
            h.append("</ol>\n");
        }
        h.append("</section>\n");
    }

    private static void pattern(StringBuilder h, Findings f) {
        PatternOfLife pol = f.patternOfLife;
        h.append("<section id=\"pattern\">\n<h2>Pattern of life</h2>\n");
        if (pol == null || nn(pol.periods()).isEmpty()) {
            empty(h, "No pattern-of-life data.");
            h.append("</section>\n");
            return;
        }
        h.append("<p class=\"note\">Conversations by local hour and weekday in <strong>").append(esc(pol.timezone()))
                .append("</strong>, Monday first. Each period has its own colour scale.</p>\n");
        h.append("<div class=\"smallmultiples\">\n");
        List<PatternOfLife.PeriodPattern> ps = pol.periods();
        for (int i = 0; i < ps.size(); i++) {
            PatternOfLife.PeriodPattern p = ps.get(i);
            h.append("<figure class=\"chart-box\"><figcaption><strong>").append(esc(p.period()))
                    .append("</strong> · ").append(num(p.flows())).append(" conversations");
            if (p.peakHours() != null) {
                h.append(" · peak ").append(peak(p.peakHours()));
            }
            h.append("</figcaption><div class=\"chart chart-heat\" data-chart=\"heatmap\" data-index=\"").append(i)
                    .append("\"></div></figure>\n");
        }
        h.append("</div>\n");
        h.append("<figure class=\"chart-box\"><figcaption>Weekday and weekend share of conversations per period")
                .append("</figcaption><div class=\"chart\" data-chart=\"weekend\"></div></figure>\n");

        h.append("<h3 id=\"t-pattern\">Rhythm per period</h3>\n<table class=\"data\"><thead><tr><th>Period</th>")
                .append("<th class=\"n\">Conversations</th><th class=\"n\">Active days</th><th>Peak hours (local)</th>")
                .append("<th class=\"n\">Peak share</th><th class=\"n\">Weekday share</th>")
                .append("<th class=\"n\">Weekend share</th><th class=\"n\">Weekend/weekday day ratio</th>")
                .append("</tr></thead><tbody>\n");
        for (PatternOfLife.PeriodPattern p : ps) {
            PatternOfLife.PeakHours ph = p.peakHours();
            h.append("<tr><td>").append(esc(p.period())).append("</td><td class=\"n\">").append(num(p.flows()))
                    .append("</td><td class=\"n\">").append(num(p.activeDays())).append("</td><td>")
                    .append(ph == null ? "–" : hours(ph)).append("</td><td class=\"n\">")
                    .append(ph == null ? "–" : pct(ph.share())).append("</td><td class=\"n\">")
                    .append(pct(p.weekdayShare())).append("</td><td class=\"n\">").append(pct(p.weekendShare()))
                    .append("</td><td class=\"n\">").append(fixed(p.weekendDayRatio(), 2)).append("</td></tr>\n");
        }
        h.append("</tbody></table>\n");

        if (!nn(pol.changes()).isEmpty()) {
            h.append("<h3 id=\"t-weekend-changes\">Weekend changes (tested per day)</h3>\n<table class=\"data\"><thead><tr>")
                    .append("<th>From</th><th>To</th><th class=\"n\">Weekend share</th><th class=\"n\">Share change (raw)</th>")
                    .append("<th class=\"n\">Weekend day / working day</th>")
                    .append("<th class=\"n\">z</th><th class=\"n\">p</th><th>Significant (per day, p &lt; 0.01)</th>")
                    .append("</tr></thead><tbody>\n");
            for (PatternOfLife.WeekendChange c : pol.changes()) {
                h.append("<tr").append(c.significant() ? " class=\"sig\"" : "").append("><td>").append(esc(c.from()))
                        .append("</td><td>").append(esc(c.to())).append("</td><td class=\"n\">")
                        .append(pct(c.weekendShareFrom())).append(" → ").append(pct(c.weekendShareTo()))
                        .append("</td><td class=\"n\">").append(pp(c.weekendShareTo() - c.weekendShareFrom()))
                        .append("</td><td class=\"n\">").append(fixed(c.weekendDayRatioFrom(), 2)).append("× → ")
                        .append(fixed(c.weekendDayRatioTo(), 2)).append("×")
                        .append("</td><td class=\"n\">").append(fixed(c.z(), 2)).append("</td><td class=\"n\">")
                        .append(pval(c.pValue())).append("</td><td>").append(c.significant() ? "yes" : "no")
                        .append("</td></tr>\n");
            }
            h.append("</tbody></table>\n");
        }
        h.append("</section>\n");
    }

    private static void activity(StringBuilder h, Findings f) {
        ActivityMix am = f.activityMix;
        h.append("<section id=\"activity\">\n<h2>Activity mix</h2>\n");
        if (am == null) {
            empty(h, "No activity-mix data.");
            h.append("</section>\n");
            return;
        }
        ActivityMix.Monthly m = am.monthly();
        h.append("<div id=\"activity-monthly\"></div>");
        if (m != null && !nn(m.byCategory()).isEmpty()) {
            h.append("<figure class=\"chart-box\"><figcaption>Category share of conversations by month (100%)")
                    .append("</figcaption><div class=\"chart chart-wide\" data-chart=\"category-monthly\"></div>")
                    .append("</figure>\n");
        }
        if (m != null && !nn(m.byOrigin()).isEmpty()) {
            h.append("<figure class=\"chart-box\"><figcaption>Origin group share of conversations by month (100%)")
                    .append("</figcaption><div class=\"chart chart-wide\" data-chart=\"origin-monthly\"></div>")
                    .append("</figure>\n");
        }

        List<String> servicePeriods = periodsOf(f, am.byService(), ServiceShare::period);
        if (!servicePeriods.isEmpty()) {
            h.append("<h3>Top services per period</h3>\n<div class=\"smallmultiples\">\n");
            for (String period : servicePeriods) {
                h.append("<figure class=\"chart-box\"><figcaption><strong>").append(esc(period))
                        .append("</strong> · top ").append(TOP_SERVICES).append(" by share of conversations")
                        .append("</figcaption><div class=\"chart chart-bars\" data-chart=\"services\" data-period=\"")
                        .append(esc(period)).append("\"></div></figure>\n");
            }
            h.append("</div>\n");
        }

        List<String> catPeriods = periodsOf(f, am.byCategory(), CategoryShare::period);
        if (!catPeriods.isEmpty()) {
            Map<String, Map<String, CategoryShare>> pivot = new LinkedHashMap<>();
            Map<String, Long> catFlows = new LinkedHashMap<>();
            for (CategoryShare c : am.byCategory()) {
                pivot.computeIfAbsent(c.category(), k -> new LinkedHashMap<>()).put(c.period(), c);
                catFlows.merge(c.category(), c.flows(), Long::sum);
            }
            List<String> cats = new ArrayList<>(pivot.keySet());
            // Display order only: the categories most used over all periods first.
            cats.sort(Comparator.comparing((String c) -> -catFlows.get(c)).thenComparing(c -> c));
            h.append("<h3 id=\"t-category\">Category by period</h3>\n<p class=\"note\">Share of the period's ")
                    .append("conversations, with the number of conversations.</p>\n<div class=\"scroll\">")
                    .append("<table class=\"data compact\"><thead><tr><th>Category</th>");
            for (String p : catPeriods) h.append("<th class=\"n\">").append(esc(p)).append("</th>");
            h.append("</tr></thead><tbody>\n");
            for (String c : cats) {
                h.append("<tr><td><span class=\"swatch\" data-category=\"").append(esc(c)).append("\"></span>")
                        .append(esc(c)).append("</td>");
                for (String p : catPeriods) {
                    CategoryShare s = pivot.get(c).get(p);
                    h.append("<td class=\"n\">");
                    if (s == null) h.append("–");
                    else h.append(pct(s.share())).append("<span class=\"count\">").append(num(s.flows()))
                            .append("</span>");
                    h.append("</td>");
                }
                h.append("</tr>\n");
            }
            h.append("</tbody></table></div>\n");
        }

        List<ServiceShare> svc = nn(am.byService());
        if (!svc.isEmpty()) {
            h.append("<h3 id=\"t-services\">Top services with company and origin</h3>\n")
                    .append("<div class=\"scroll\"><table class=\"data\">")
                    .append("<thead><tr><th>Period</th><th>Service</th><th>Company</th><th>Category</th>")
                    .append("<th>Origin</th><th class=\"n\">Conversations</th><th class=\"n\">Share</th>")
                    .append("<th class=\"n\">Bytes</th></tr></thead><tbody>\n");
            for (String p : servicePeriods) {
                for (ServiceShare s : topServices(svc, p)) {
                    h.append("<tr><td>").append(esc(p)).append("</td><td>").append(esc(serviceLabel(s)));
                    if (s.name() != null && !s.name().isBlank() && s.service() != null
                            && !s.service().equals(s.name())) {
                        h.append(" <span class=\"muted\">").append(esc(s.service())).append("</span>");
                    }
                    h.append("</td><td>").append(esc(orDash(s.company()))).append("</td><td>")
                            .append(esc(orDash(s.category()))).append("</td><td>").append(esc(orDash(s.origin())))
                            .append("</td><td class=\"n\">").append(num(s.flows())).append("</td><td class=\"n\">")
                            .append(pct(s.share())).append("</td><td class=\"n\">").append(bytes(s.bytes()))
                            .append("</td></tr>\n");
                }
            }
            h.append("</tbody></table></div>\n");
        }

        h.append("<h3 id=\"t-changes\">Significant changes between periods</h3>\n");
        List<ShareChange> all = nn(am.changes());
        List<ShareChange> sig = new ArrayList<>();
        for (ShareChange c : all) if (c.significant()) sig.add(c);
        sig.sort(Comparator.comparingDouble((ShareChange c) -> -Math.abs(finiteOr0(c.delta()))));
        if (sig.isEmpty()) {
            empty(h, all.isEmpty() ? "No changes computed (fewer than two periods)."
                    : "None of the " + all.size() + " share changes is significant at p < 0.01.");
        } else {
            h.append("<p class=\"note\">Two-proportion z-test on the share of conversations, p &lt; 0.01; ")
                    .append("largest changes first. ").append(all.size() - sig.size())
                    .append(" further changes are not significant (all are in activity_changes.csv).</p>\n")
                    .append("<div class=\"scroll\"><table class=\"data\"><thead><tr><th>Dimension</th><th>Key</th>")
                    .append("<th>From</th><th>To</th><th class=\"n\">Share from</th><th class=\"n\">Share to</th>")
                    .append("<th class=\"n\">Change</th><th class=\"n\">z</th><th class=\"n\">p</th>")
                    .append("</tr></thead><tbody>\n");
            for (ShareChange c : sig) {
                h.append("<tr><td>").append(esc(c.dimension())).append("</td><td>").append(esc(c.key()))
                        .append("</td><td>").append(esc(c.from())).append("</td><td>").append(esc(c.to()))
                        .append("</td><td class=\"n\">").append(pct(c.shareFrom())).append("</td><td class=\"n\">")
                        .append(pct(c.shareTo())).append("</td><td class=\"n ").append(c.delta() >= 0 ? "up" : "down")
                        .append("\">").append(pp(c.delta())).append("</td><td class=\"n\">").append(fixed(c.z(), 2))
                        .append("</td><td class=\"n\">").append(pval(c.pValue())).append("</td></tr>\n");
            }
            h.append("</tbody></table></div>\n");
        }
        h.append("</section>\n");
    }

    private static void opsec(StringBuilder h, Findings f) {
        Opsec o = f.opsec;
        h.append("<section id=\"opsec\">\n<h2>Operational security</h2>\n");
        if (o == null || (nn(o.monthly()).isEmpty() && nn(o.periods()).isEmpty())) {
            empty(h, "No operational-security data.");
            h.append("</section>\n");
            return;
        }
        h.append("<p class=\"note\">Obfuscated conversations (Tor, VPN, VPS, TLS to unidentified services) as a share ")
                .append("of all in-scope outbound conversations, and what they consist of.</p>\n");
        if (!nn(o.monthly()).isEmpty()) {
            h.append("<div class=\"pair\"><figure class=\"chart-box\"><figcaption>Obfuscated share by month")
                    .append("</figcaption><div class=\"chart chart-half\" data-chart=\"opsec-share\"></div></figure>")
                    .append("<figure class=\"chart-box\"><figcaption>Composition of obfuscated conversations by month")
                    .append("</figcaption><div class=\"chart chart-half\" data-chart=\"opsec-composition\"></div>")
                    .append("</figure></div>\n");
            opsecTable(h, "t-opsec-monthly", "Obfuscation by month", "Month", o.monthly());
        }
        if (!nn(o.periods()).isEmpty()) {
            opsecTable(h, "t-opsec-periods", "Obfuscation by period", "Period", o.periods());
        }
        h.append("</section>\n");
    }

    private static void opsecTable(StringBuilder h, String id, String title, String first, List<Opsec.Row> rows) {
        h.append("<h3 id=\"").append(id).append("\">").append(title).append("</h3>\n<div class=\"scroll\">")
                .append("<table class=\"data\"><thead><tr><th>").append(first).append("</th>")
                .append("<th class=\"n\">Conversations</th><th class=\"n\">Obfuscated</th><th class=\"n\">Share</th>")
                .append("<th class=\"n\">VPN</th><th class=\"n\">VPS</th><th class=\"n\">TLS</th>")
                .append("<th class=\"n\">Tor</th></tr></thead><tbody>\n");
        for (Opsec.Row r : rows) {
            Opsec.Composition c = r.composition();
            Opsec.Counts n = r.counts();
            h.append("<tr><td>").append(esc(r.month())).append("</td><td class=\"n\">").append(num(r.flows()))
                    .append("</td><td class=\"n\">").append(num(r.obfuscatedFlows())).append("</td><td class=\"n\">")
                    .append(pct(r.obfuscatedShare())).append("</td>");
            compCell(h, c == null ? Double.NaN : c.vpn(), n == null ? null : n.vpn());
            compCell(h, c == null ? Double.NaN : c.vps(), n == null ? null : n.vps());
            compCell(h, c == null ? Double.NaN : c.tls(), n == null ? null : n.tls());
            compCell(h, c == null ? Double.NaN : c.tor(), n == null ? null : n.tor());
            h.append("</tr>\n");
        }
        h.append("</tbody></table></div>\n");
    }

    private static void compCell(StringBuilder h, double share, Long count) {
        h.append("<td class=\"n\">").append(pct(share));
        if (count != null) h.append("<span class=\"count\">").append(num(count)).append("</span>");
        h.append("</td>");
    }

    private static void footer(StringBuilder h, Findings f) {
        h.append("</main>\n<footer>\n<p>Generated by Keyhole from findings ").append(esc(f.schema))
                .append(". This file is self-contained and makes no network requests. Charts drawn with Apache ECharts")
                .append(" <span id=\"echarts-version\"></span> (Apache License 2.0, Copyright The Apache Software ")
                .append("Foundation), inlined below.</p>\n");
        h.append("<p class=\"noscript-note\" id=\"charts-note\">Charts need JavaScript; the tables above hold the")
                .append(" same numbers.</p>\n</footer>\n");
    }

    // ---------------------------------------------------------------- helpers

    /** The periods present in {@code rows}, in the profile's order, then any others in order of appearance. */
    private static <T> List<String> periodsOf(Findings f, List<T> rows,
                                              java.util.function.Function<T, String> period) {
        Set<String> present = new LinkedHashSet<>();
        for (T r : nn(rows)) if (period.apply(r) != null) present.add(period.apply(r));
        List<String> out = new ArrayList<>();
        if (f.profile != null) {
            for (Findings.PeriodInfo p : nn(f.profile.periods())) if (present.remove(p.name())) out.add(p.name());
        }
        List<String> rest = new ArrayList<>(present);
        if (f.profile != null && f.profile.monthlyPeriods()) rest.sort(null);
        out.addAll(rest);
        return out;
    }

    private static void inputTable(StringBuilder h, List<Findings.InputInfo> inputs) {
        h.append("<table class=\"data\"><thead><tr><th>Path</th><th>Format</th><th class=\"n\">Records</th>")
                .append("<th class=\"n\">Rejected</th><th>First errors</th></tr></thead><tbody>\n");
        for (Findings.InputInfo i : inputs) {
            h.append("<tr><td class=\"path\">").append(esc(i.path())).append("</td><td>").append(esc(i.format()))
                    .append("</td><td class=\"n\">").append(num(i.records())).append("</td><td class=\"n\">")
                    .append(num(i.rejected())).append("</td><td class=\"errors\">");
            List<String> errs = nn(i.errors());
            if (errs.isEmpty()) h.append("–");
            for (int k = 0; k < Math.min(ERRORS_SHOWN, errs.size()); k++) {
                h.append("<div>").append(esc(errs.get(k))).append("</div>");
            }
            if (errs.size() > ERRORS_SHOWN) {
                h.append("<div class=\"muted\">… and ").append(errs.size() - ERRORS_SHOWN)
                        .append(" more in findings.json</div>");
            }
            h.append("</td></tr>\n");
        }
        h.append("</tbody></table>\n");
    }

    static List<ServiceShare> topServices(List<ServiceShare> all, String period) {
        List<ServiceShare> l = new ArrayList<>();
        for (ServiceShare s : all) {
            // The summed remainder row is not a service; it stays in findings.json and the CSV.
            if (period.equals(s.period()) && !dev.keyhole.findings.ActivityMix.REST.equals(s.service())) l.add(s);
        }
        l.sort(Comparator.comparingLong(ServiceShare::flows).reversed()
                .thenComparing(s -> s.service() == null ? "" : s.service()));
        return l.subList(0, Math.min(TOP_SERVICES, l.size()));
    }

    private static String serviceLabel(ServiceShare s) {
        if (s.name() != null && !s.name().isBlank()) return s.name();
        return s.service() == null ? "–" : s.service();
    }

    /** Where in the report an evidence reference (a findings.json pointer) is shown. */
    static String anchorFor(String ref) {
        if (ref == null) return null;
        String r = ref.trim();
        if (r.startsWith("/activityMix/changes")) return "t-changes";
        if (r.startsWith("/activityMix/monthly")) return "activity-monthly";
        if (r.startsWith("/activityMix/byService")) return "t-services";
        if (r.startsWith("/activityMix/byCategory")) return "t-category";
        if (r.startsWith("/activityMix")) return "activity";
        if (r.startsWith("/patternOfLife/changes")) return "t-weekend-changes";
        if (r.startsWith("/patternOfLife")) return "pattern";
        if (r.startsWith("/opsec/monthly")) return "t-opsec-monthly";
        if (r.startsWith("/opsec/periods")) return "t-opsec-periods";
        if (r.startsWith("/opsec")) return "opsec";
        if (r.startsWith("/totals") || r.startsWith("/inputs") || r.startsWith("/referenceData")
                || r.startsWith("/profile")) {
            return "scope";
        }
        return null;
    }

    private static void dl(StringBuilder h, String term, String html) {
        h.append("<dt>").append(term).append("</dt><dd>").append(html.isEmpty() ? "–" : html).append("</dd>");
    }

    private static void empty(StringBuilder h, String text) {
        h.append("<p class=\"empty\">").append(esc(text)).append("</p>\n");
    }

    private static String joinEsc(List<String> l, String sep) {
        StringBuilder sb = new StringBuilder();
        for (String s : nn(l)) {
            if (sb.length() > 0) sb.append(sep);
            sb.append(esc(s));
        }
        return sb.toString();
    }

    private static String peak(PatternOfLife.PeakHours ph) {
        return hours(ph) + " (" + pct(ph.share()) + ")";
    }

    private static String hours(PatternOfLife.PeakHours ph) {
        return String.format(Locale.ROOT, "%02d:00–%02d:00", ph.start(), ph.end());
    }

    static String num(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    static String pct(double x) {
        return Double.isFinite(x) ? String.format(Locale.ROOT, "%.1f%%", x * 100) : "–";
    }

    /** A share difference in percentage points. */
    static String pp(double d) {
        return Double.isFinite(d) ? String.format(Locale.ROOT, "%+.1f pp", d * 100) : "–";
    }

    static String fixed(double x, int decimals) {
        return Double.isFinite(x) ? String.format(Locale.ROOT, "%." + decimals + "f", x) : "–";
    }

    static String pval(double p) {
        if (!Double.isFinite(p)) return "–";
        if (p == 0) return "&lt; 1e-300";
        return p < 0.001 ? String.format(Locale.ROOT, "%.1e", p) : String.format(Locale.ROOT, "%.3f", p);
    }

    static String bytes(long b) {
        String[] u = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
        double v = b;
        int i = 0;
        while (Math.abs(v) >= 1000 && i < u.length - 1) {
            v /= 1000;
            i++;
        }
        return i == 0 ? b + " B" : String.format(Locale.ROOT, "%.1f %s", v, u[i]);
    }

    private static double finiteOr0(double d) {
        return Double.isFinite(d) ? d : 0;
    }

    private static String orDash(String s) {
        return s == null || s.isBlank() ? "–" : s;
    }

    private static <T> List<T> nn(List<T> l) {
        return l == null ? List.of() : l;
    }

    /** Escapes text for HTML element content and quoted attribute values. */
    static String esc(String s) {
        if (s == null) return "";
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String r = switch (c) {
                case '&' -> "&amp;";
                case '<' -> "&lt;";
                case '>' -> "&gt;";
                case '"' -> "&quot;";
                case '\'' -> "&#39;";
                case '\u2028' -> "&#x2028;";
                case '\u2029' -> "&#x2029;";
                default -> null;
            };
            if (r != null && sb == null) sb = new StringBuilder(s.length() + 16).append(s, 0, i);
            if (sb != null) {
                if (r != null) sb.append(r);
                else sb.append(c);
            }
        }
        return sb == null ? s : sb.toString();
    }

    /**
     * Makes JSON safe inside a script element: no string can close the element, open a comment
     * or end a JavaScript line. These characters occur only inside JSON strings, where the
     * {@code \\u003c} form parses back to the same text.
     */
    static String jsonForScript(String json) {
        StringBuilder sb = new StringBuilder(json.length() + 64);
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            switch (c) {
                case '<' -> sb.append("\\u003c");
                case '>' -> sb.append("\\u003e");
                case '&' -> sb.append("\\u0026");
                case '\u2028' -> sb.append("\\u2028");
                case '\u2029' -> sb.append("\\u2029");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    /**
     * Keeps JavaScript source from ending its script element early or switching the HTML parser
     * into its escaped states: {@code <script}, {@code </script} and {@code <!--} get their '<'
     * written as {@code \x3C}, which means '<' in strings, regular expressions and template
     * literals alike (the only places valid code can hold these sequences).
     */
    static String scriptText(String js) {
        return SCRIPT_TAG.matcher(js.replace("<!--", "\\x3C!--")).replaceAll("\\\\x3C$1");
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = HtmlReport.class.getResourceAsStream("/dev/keyhole/outputs/" + name)) {
            if (in == null) throw new IOException("missing resource dev/keyhole/outputs/" + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
