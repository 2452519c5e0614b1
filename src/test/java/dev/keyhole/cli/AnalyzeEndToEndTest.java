package dev.keyhole.cli;

import dev.keyhole.findings.ActivityMix;
import dev.keyhole.findings.Findings;
import dev.keyhole.outputs.FindingsJson;
import dev.keyhole.records.FlowRecord;
import dev.keyhole.records.Ip;
import dev.keyhole.refdata.MmdbWriter;
import dev.keyhole.sources.ipfix.IpfixWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole analyze path offline: IPFIX + a Zeek dns.log + a CSV with bad lines + an unknown file,
 * user-supplied MMDB and ASN CSV, the built-in catalogue, findings and CSV out.
 */
class AnalyzeEndToEndTest {
    // Real ASNs of catalogued services; the ranges are the test's own small excerpt.
    private static final String ASN_CSV = """
            31.13.64.0,31.13.127.255,32934,"Facebook, Inc."
            47.88.0.0,47.91.255.255,45102,Alibaba US Technology Co. Ltd.
            175.45.176.0,175.45.179.255,131279,Star Joint Venture Co. Ltd.
            185.220.100.0,185.220.101.255,205100,F3 Netze e.V.
            """;

    private static long t(String iso) {
        return Instant.parse(iso).toEpochMilli();
    }

    @Test
    void analyzesMixedInputsAndReportsBadInput(@TempDir Path dir) throws Exception {
        Path asn = dir.resolve("asn.csv");
        Files.writeString(asn, ASN_CSV);
        Path geo = new MmdbWriter(4, "city ipv4")
                .insert("31.13.64.0/18", Map.of("country_code", "IE", "city", "Dublin"))
                .insert("47.88.0.0/14", Map.of("country_code", "CN", "city", "Hangzhou"))
                .insert("175.45.176.0/22", Map.of("country_code", "KP", "city", "Pyongyang"))
                .write(dir.resolve("geo.mmdb"));

        Path in = Files.createDirectories(dir.resolve("in"));
        Ip host = Ip.parse("175.45.178.20");
        Ip fb = Ip.parse("31.13.70.36");
        Ip ali = Ip.parse("47.88.10.1");
        Ip unknown = Ip.parse("198.51.100.7");
        try (OutputStream os = Files.newOutputStream(in.resolve("router.ipfix"));
             IpfixWriter w = new IpfixWriter(os, 7)) {
            // 2017-06 (Saturday 2017-06-10, 03:00Z = 11:30 local at +08:30): 30 conversations to Facebook, each with its reply half.
            for (int i = 0; i < 30; i++) {
                long s = t("2017-06-10T03:00:00Z") + i * 1000L;
                w.write(FlowRecord.uni(s, s + 500, host, fb, 40000 + i, 443, 6, 0x1b, 10, 1000, 0, 0));
                w.write(FlowRecord.uni(s, s + 500, fb, host, 443, 40000 + i, 6, 0x1b, 12, 9000, 0, 0));
            }
            // 2018-06 (Monday 2018-06-11): 40 to Alibaba's network, named by DNS below.
            for (int i = 0; i < 40; i++) {
                long s = t("2018-06-11T03:00:00Z") + i * 1000L;
                w.write(FlowRecord.uni(s, s + 500, host, ali, 41000 + i, 443, 6, 0x1b, 10, 1000, 0, 0));
            }
            // An inbound probe and a flow with neither end in the target.
            w.write(FlowRecord.uni(t("2018-06-11T04:00:00Z"), t("2018-06-11T04:00:01Z"), unknown, host, 51515, 22, 6, 2, 1, 60, 0, 0));
            w.write(FlowRecord.uni(t("2018-06-11T04:00:00Z"), t("2018-06-11T04:00:01Z"), unknown, fb, 51515, 443, 6, 2, 1, 60, 0, 0));
        }
        // Zeek dns.log (gzip): the host resolved www.taobao.com to the Alibaba address just before.
        String dns = "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tdns\n"
                + "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\ttrans_id\trtt\tquery\tqclass\tqclass_name\tqtype\tqtype_name\trcode\trcode_name\tAA\tTC\tRD\tRA\tZ\tanswers\tTTLs\trejected\n"
                + "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tcount\tinterval\tstring\tcount\tstring\tcount\tstring\tcount\tstring\tbool\tbool\tbool\tbool\tcount\tvector[string]\tvector[interval]\tbool\n"
                + (t("2018-06-11T02:59:00Z") / 1000) + ".000000\tCdns1\t175.45.178.20\t53000\t175.45.176.1\t53\tudp\t1\t0.01\twww.taobao.com\t1\tC_INTERNET\t1\tA\t0\tNOERROR\tF\tF\tT\tT\t0\twww.taobao.com.danuoyi.tbcache.com,47.88.10.1\t60.0,60.0\tF\n";
        try (OutputStream os = new GZIPOutputStream(Files.newOutputStream(in.resolve("dns.log.gz")))) {
            os.write(dns.getBytes(StandardCharsets.UTF_8));
        }
        // CSV with one bad line between two good ones (line 3).
        Files.writeString(in.resolve("extra.csv"), """
                start,end,src,dst,sport,dport,proto,packets,bytes
                2018-06-12T03:00:00Z,2018-06-12T03:00:01Z,175.45.178.21,31.13.70.36,40001,443,tcp,5,500
                2018-06-12T03:00:00Z,not-a-time,175.45.178.21,31.13.70.36,40002,443,tcp,5,500
                2018-06-12T03:00:02Z,2018-06-12T03:00:03Z,175.45.178.21,31.13.70.36,40003,443,tcp,5,500
                """);
        Files.writeString(in.resolve("notes.txt"), "not telemetry\n");

        Path out = dir.resolve("out");
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        PrintStream old = System.out;
        int rc;
        try {
            System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
            rc = new CommandLine(new AnalyzeCommand()).execute("--profile", "dprk", "--in", in.toString(),
                    "--out", out.toString(), "--geo", geo.toString(), "--asn", asn.toString(), "--no-progress",
                    "--no-report", "--cache", dir.resolve("cache").toString(), "--threads", "2");
        } finally {
            System.setOut(old);
        }
        assertThat(rc).as(stdout.toString(StandardCharsets.UTF_8)).isZero();

        Findings f = FindingsJson.read(out.resolve("findings.json"));
        assertThat(f.schema).isEqualTo("keyhole.findings/1");
        assertThat(f.inputs).extracting(Findings.InputInfo::format)
                .containsExactlyInAnyOrder("ipfix", "zeek-dns", "csv", "unknown");
        Findings.InputInfo csv = f.inputs.stream().filter(i -> i.format().equals("csv")).findFirst().orElseThrow();
        assertThat(csv.records()).isEqualTo(2);
        assertThat(csv.rejected()).isEqualTo(1);
        assertThat(csv.errors()).singleElement().asString().contains("extra.csv").contains("line 3");
        Findings.InputInfo ipfix = f.inputs.stream().filter(i -> i.format().equals("ipfix")).findFirst().orElseThrow();
        assertThat(ipfix.records()).isEqualTo(102);
        assertThat(ipfix.rejected()).isZero();

        // 102 IPFIX + 2 CSV records; one is out of scope; one inbound probe.
        assertThat(f.totals.flowRecords()).isEqualTo(104);
        assertThat(f.totals.outOfScope()).isEqualTo(1);
        assertThat(f.totals.inbound()).isEqualTo(1);
        assertThat(f.totals.namedBy().dns()).isEqualTo(40);

        // Monthly periods: June 2017 all Facebook (social), June 2018 Taobao (by DNS name) + 2 Facebook.
        ActivityMix.CategoryShare social2017 = f.activityMix.byCategory().stream()
                .filter(c -> c.period().equals("2017-06") && c.category().equals("social")).findFirst().orElseThrow();
        assertThat(social2017.flows()).isEqualTo(30);
        assertThat(social2017.share()).isEqualTo(1.0);
        assertThat(social2017.bytes()).isEqualTo(30 * 10_000L);
        ActivityMix.ServiceShare taobao = f.activityMix.byService().stream()
                .filter(s -> s.period().equals("2018-06")).findFirst().orElseThrow();
        assertThat(taobao.service()).isEqualTo("taobao");
        assertThat(taobao.flows()).isEqualTo(40);
        assertThat(taobao.origin()).isEqualTo("chinese");
        assertThat(f.activityMix.changes()).anySatisfy(c -> {
            assertThat(c.dimension()).isEqualTo("origin");
            assertThat(c.key()).isEqualTo("chinese");
            assertThat(c.shareFrom()).isEqualTo(0.0);
            assertThat(c.shareTo()).isEqualTo(40 / 42.0);
            assertThat(c.significant()).isTrue();
        });
        // Saturday 11:30 in Pyongyang (UTC+08:30 in 2017) for the 2017 activity.
        assertThat(f.patternOfLife.periods().get(0).matrix()[5][11]).isEqualTo(30);
        assertThat(f.referenceData).extracting(Findings.ReferenceDataset::kind).contains("geo", "asn", "catalog");
        assertThat(f.judgments).isNotEmpty();
        assertThat(Files.list(out.resolve("csv")).count()).isGreaterThan(10);
        assertThat(stdout.toString(StandardCharsets.UTF_8)).contains("Key judgments:").contains("findings.json");
        assertThat(f.settings).isEqualTo(new Findings.Settings(KeyholeCli.VERSION, "detected", "none", 3600,
                5_000_000, 5400));
    }

    @Test
    void findingsRecordTheOptionsThatChangeWhatIsCounted(@TempDir Path dir) throws Exception {
        Path asn = dir.resolve("asn.csv");
        Files.writeString(asn, ASN_CSV);
        Path geo = new MmdbWriter(4, "city ipv4")
                .insert("175.45.176.0/22", Map.of("country_code", "KP", "city", "Pyongyang"))
                .write(dir.resolve("geo.mmdb"));
        Path in = dir.resolve("flows.csv");
        Files.writeString(in, """
                start,end,src,dst,sport,dport,proto,packets,bytes
                2018-06-12T03:00:00Z,2018-06-12T03:00:01Z,175.45.178.21,31.13.70.36,40001,443,tcp,5,500
                """);
        Path out = dir.resolve("out");
        int rc = new CommandLine(new AnalyzeCommand()).execute("--profile", "dprk", "--in", in.toString(),
                "--out", out.toString(), "--geo", geo.toString(), "--asn", asn.toString(), "--no-progress",
                "--no-report", "--cache", dir.resolve("cache").toString(), "--format", "CSV_FLOW", "--decap", "gre,vxlan",
                "--dns-window", "PT10M", "--max-names", "7", "--template-lifetime", "0");
        assertThat(rc).isZero();
        Findings f = FindingsJson.read(out.resolve("findings.json"));
        assertThat(f.settings).isEqualTo(new Findings.Settings(KeyholeCli.VERSION, "csv", "vxlan,gre", 600, 7, 0));
        assertThat(f.totals.flowRecords()).isEqualTo(1);
    }
}
