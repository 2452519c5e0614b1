package dev.keyhole.outputs;

import dev.keyhole.findings.Findings;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HtmlReportTest {
    /** Stands in for echarts.min.js; carries the sequences a real library may hold in its strings. */
    private static final String FAKE_ECHARTS = "/* FAKE-ECHARTS-1 */ window.echarts = { version: 'fake',"
            + " init: function () { return { setOption: function () {}, resize: function () {} }; } };"
            + " var tricky = '</script><script>alert(9)</script>', old = '<!-- x';"
            + " var ns = 'http://www.w3.org/2000/svg';";
    private static final String JSON_OPEN = "<script type=\"application/json\" id=\"keyhole-findings\">";

    @TempDir
    Path dir;
    Path echarts;
    Findings findings;
    String html;

    @BeforeEach
    void render() throws IOException {
        echarts = dir.resolve("echarts.min.js");
        Files.writeString(echarts, FAKE_ECHARTS);
        findings = SampleFindings.build(true);
        Path out = dir.resolve("report/report.html");
        HtmlReport.write(findings, out, echarts);
        html = Files.readString(out, StandardCharsets.UTF_8);
    }

    @Test
    void theRunsSettingsAreShownWithTheTarget() {
        assertThat(withoutJsonAndLibrary()).contains("<dt>Run</dt><dd>keyhole 0.1.0 · format detected · tunnels opened:"
                + " vxlan,gre · DNS naming window 3,600 s · at most 5,000,000 names kept · template lifetime unlimited</dd>");
    }

    @Test
    void everyScriptElementClosesWhereItShould() {
        int opens = count(html, "<script");
        assertThat(opens).isEqualTo(3);
        assertThat(count(html, "</script>")).isEqualTo(opens);
        assertThat(count(html.toLowerCase(), "</script")).isEqualTo(opens);
        assertThat(html).doesNotContain("<!--");
    }

    @Test
    void embeddedJsonIsInertAndHoldsTheWholeFindings() throws IOException {
        String json = jsonBlock();
        assertThat(json).doesNotContain("<").doesNotContain(">").doesNotContain("&")
                .doesNotContain("\u2028").doesNotContain("\u2029");
        assertThat(json).contains("\\u003cscript\\u003ealert(1)\\u003c/script\\u003e").contains("\\u2028");

        Findings back = FindingsJson.fromJson(json);
        assertThat(back).usingRecursiveComparison().withComparatorForType(Double::compare, Double.class)
                .isEqualTo(findings);
    }

    @Test
    void attackerTextOutsideTheJsonIsEscaped() {
        String rest = withoutJsonAndLibrary();
        for (String hostile : new String[] {SampleFindings.XSS, SampleFindings.END, SampleFindings.ATTR,
                SampleFindings.LINE_SEP, SampleFindings.AMP, "<img", "\"onmouseover", "\u2028", "\u2029"}) {
            assertThat(rest).as(hostile).doesNotContain(hostile);
        }
        assertThat(rest).contains("&lt;script&gt;alert(1)&lt;/script&gt;")
                .contains("&quot;onmouseover=alert(2) x=&quot;")
                .contains("&lt;/script&gt;&lt;img src=x onerror=alert(3)&gt;")
                .contains("evil&#x2028;name&#x2029;.example")
                .contains("a&amp;b &lt;!-- c")
                .contains("/data/flows/2017/&lt;script&gt;alert(1)&lt;/script&gt;.csv");
        // No tag of the page has an event-handler attribute (escaped text holds no '<', so these are real tags).
        Matcher tags = Pattern.compile("<[a-zA-Z][^>]*>").matcher(rest);
        while (tags.find()) assertThat(tags.group()).doesNotContainPattern("(?i)\\son[a-z]+\\s*=");
    }

    @Test
    void showsTheFindings() {
        String rest = withoutJsonAndLibrary();
        assertThat(rest).contains("Intelligence report: dprk", "Asia/Pyongyang", "175.45.176.0/22", "AS131279",
                "1,530,214", "1,204,332", "line 88: bad port", "… and 2 more",
                "This report includes GeoLite2 data created by MaxMind", "2018-03-27",
                "Use of Russian services doubled", "badge-high", "badge-moderate", "badge-low",
                "href=\"#t-changes\"", "href=\"#t-opsec-periods\"",
                "09:00–23:00", "10:00–01:00", "Apr–Jul 2017", "Dec 2017–Mar 2018",
                "Facebook", "Tencent", "-8.0 pp", "-33.10", "1.2e-240", "&lt; 1e-300", "3.3e-211",
                "Obfuscation by month", "2017-04", "10.0%");
        assertThat(count(rest, "data-chart=\"heatmap\" data-index=")).isEqualTo(2);
        assertThat(count(rest, "data-chart=\"services\" data-period=")).isEqualTo(2);
        assertThat(rest).contains("data-chart=\"weekend\"", "data-chart=\"category-monthly\"",
                "data-chart=\"origin-monthly\"", "data-chart=\"opsec-share\"", "data-chart=\"opsec-composition\"");
        // Only significant changes are listed: the NaN change and the p = 0.84 one are not.
        String changes = rest.substring(rest.indexOf("id=\"t-changes\""), rest.indexOf("id=\"opsec\""));
        assertThat(count(changes, "<tr><td>")).isEqualTo(4);
    }

    @Test
    void inlinesTheGivenLibraryWithItsScriptEndsNeutralised() {
        assertThat(html).contains("/* FAKE-ECHARTS-1 */ window.echarts = { version: 'fake',");
        assertThat(html).contains("var tricky = '\\x3C/script>\\x3Cscript>alert(9)\\x3C/script>'");
        assertThat(html).contains("old = '\\x3C!-- x'");
    }

    @Test
    void makesNoExternalReferences() {
        String template = withoutJsonAndLibrary();
        assertThat(template).doesNotContain("http://").doesNotContain("https://").doesNotContain("//cdn")
                .doesNotContainPattern("(?i)(src|href|action|poster|srcset)\\s*=\\s*\"(?!#)")
                .doesNotContainPattern("(?i)url\\(|@import|<link|<iframe|<object|<embed|<img|<base");
        assertThat(template).contains("http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';");
    }

    @Test
    void chartScriptNeverWritesRawHtml() throws IOException {
        String js;
        try (InputStream in = HtmlReport.class.getResourceAsStream("/dev/keyhole/outputs/report.js")) {
            js = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(js).doesNotContain("innerHTML").doesNotContain("outerHTML").doesNotContain("insertAdjacentHTML")
                .doesNotContain("document.write").doesNotContain("eval(").doesNotContain("new Function");
        // Every tooltip is built by a formatter of ours, which escapes data with esc().
        Matcher own = Pattern.compile("tooltip: \\{(?:[^{}]|\\{[^{}]*\\})*?formatter: function").matcher(js);
        int withFormatter = 0;
        while (own.find()) withFormatter++;
        assertThat(withFormatter).isEqualTo(count(js, "tooltip:")).isPositive();
    }

    @Test
    void escapesForEachContext() {
        assertThat(HtmlReport.esc("<a href=\"x\">'&'</a>\u2028")).isEqualTo(
                "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;&#x2028;");
        assertThat(HtmlReport.jsonForScript("{\"a\":\"</script>&\u2029\"}")).isEqualTo(
                "{\"a\":\"\\u003c/script\\u003e\\u0026\\u2029\"}");
        assertThat(HtmlReport.scriptText("a='</SCRIPT >';b='<!--';c=/<script/u"))
                .isEqualTo("a='\\x3C/SCRIPT >';b='\\x3C!--';c=/\\x3Cscript/u");
    }

    @Test
    void rendersEmptyFindingsWithoutFailing() throws IOException {
        Path out = dir.resolve("empty.html");
        HtmlReport.write(new Findings(), out, echarts);
        assertThat(Files.readString(out)).contains("No pattern-of-life data.", "No activity-mix data.",
                "No operational-security data.", "The analyses support no key judgment");
    }

    @Test
    void missingLibraryIsAClearError() {
        Path missing = dir.resolve("nope/echarts.min.js");
        assertThatThrownBy(() -> HtmlReport.write(findings, dir.resolve("r.html"), missing))
                .isInstanceOf(IOException.class).hasMessageContaining(missing.toString())
                .hasMessageContaining("echarts");
        assertThat(dir.resolve("r.html")).doesNotExist();
    }

    private String jsonBlock() {
        int start = html.indexOf(JSON_OPEN) + JSON_OPEN.length();
        return html.substring(start, html.indexOf("</script>", start));
    }

    /** The page as our template made it: the embedded JSON and the inlined library cut out. */
    private String withoutJsonAndLibrary() {
        String s = html.replace(jsonBlock(), "");
        Matcher m = Pattern.compile("(?s)<script>\\n/\\* FAKE-ECHARTS-1 \\*/.*?</script>").matcher(s);
        assertThat(m.find()).isTrue();
        return s.substring(0, m.start()) + s.substring(m.end());
    }

    private static int count(String s, String sub) {
        int n = 0;
        for (int i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + sub.length())) n++;
        return n;
    }
}
