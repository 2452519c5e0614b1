package dev.keyhole.sources.suricata;

import dev.keyhole.records.DnsRecord;
import dev.keyhole.records.FlowRecord;
import dev.keyhole.records.HttpRecord;
import dev.keyhole.records.Ip;
import dev.keyhole.records.NameSource;
import dev.keyhole.records.RecordSink;
import dev.keyhole.records.TlsRecord;
import dev.keyhole.sources.InputFormat;
import dev.keyhole.sources.Inputs;
import dev.keyhole.sources.Rejects;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class EveReaderTest {
    static final String RES = "/suricata/dns-eve/";

    /** Everything one read produced. */
    static final class Got implements RecordSink {
        final List<FlowRecord> flows = new ArrayList<>();
        final List<HttpRecord> http = new ArrayList<>();
        final List<TlsRecord> tls = new ArrayList<>();
        final List<DnsRecord> dns = new ArrayList<>();
        final List<String> errors = new ArrayList<>();
        Rejects rejects;
        long emitted;

        @Override
        public void flow(FlowRecord f) {
            flows.add(f);
        }

        @Override
        public void http(HttpRecord h) {
            http.add(h);
        }

        @Override
        public void tls(TlsRecord t) {
            tls.add(t);
        }

        @Override
        public void dns(DnsRecord d) {
            dns.add(d);
        }
    }

    static Got read(byte[] bytes) throws IOException {
        Got g = new Got();
        g.rejects = new Rejects("eve.json", g.errors::add);
        g.emitted = new EveReader().read(new ByteArrayInputStream(bytes), g, g.rejects);
        return g;
    }

    static Got read(String... lines) throws IOException {
        return read((String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
    }

    static Got resource(String name) throws IOException {
        try (InputStream in = EveReaderTest.class.getResourceAsStream(RES + name)) {
            return read(in.readAllBytes());
        }
    }

    static byte[] bytes(String name) throws IOException {
        try (InputStream in = EveReaderTest.class.getResourceAsStream(RES + name)) {
            return in.readAllBytes();
        }
    }

    static long ms(String iso) {
        return Instant.parse(iso).toEpochMilli();
    }

    static final Ip CLIENT = Ip.parse("10.16.1.11");
    static final Ip RESOLVER = Ip.parse("10.16.1.1");

    // ---- real Suricata 7.0.10 output (see src/test/resources/suricata/ATTRIBUTION.md) ----

    @Test
    void realDefaultOutputGivesEveryFlowAndAnswer() throws IOException {
        Got g = resource("eve.json");
        assertThat(g.errors).isEmpty();
        assertThat(g.flows).containsExactly(
                new FlowRecord(ms("2016-05-24T23:27:04.653Z"), ms("2016-05-24T23:27:04.654Z"), CLIENT, RESOLVER, 57634,
                        53, 17, 0, 1, 81, 1, 97, true, 0, 0, "275051299485329", null, NameSource.NONE),
                new FlowRecord(ms("2016-05-24T23:27:03.085Z"), ms("2016-05-24T23:27:03.493Z"), CLIENT, RESOLVER, 33458,
                        53, 17, 0, 1, 85, 1, 90, true, 0, 0, "2055535199472649", null, NameSource.NONE),
                new FlowRecord(ms("2016-05-24T23:27:01.960Z"), ms("2016-05-24T23:27:02.333Z"), CLIENT, RESOLVER, 53679,
                        53, 17, 0, 1, 81, 1, 97, true, 0, 0, "1593246113301566", null, NameSource.NONE),
                new FlowRecord(ms("2016-05-24T23:27:02.832Z"), ms("2016-05-24T23:27:03.213Z"), CLIENT, RESOLVER, 49697,
                        53, 17, 0, 1, 77, 1, 116, true, 0, 0, "1887167390329350", null, NameSource.NONE));
        assertThat(g.dns).containsExactly(
                new DnsRecord(ms("2016-05-24T23:27:02.333Z"), "1593246113301566", CLIENT, RESOLVER,
                        "client-cf.dropbox.com", "A", List.of(Ip.parse("52.85.112.21"))),
                // The CNAME is dropped; the A record behind it is named after the question.
                new DnsRecord(ms("2016-05-24T23:27:03.213Z"), "1887167390329350", CLIENT, RESOLVER,
                        "block.dropbox.com", "A", List.of(Ip.parse("45.58.70.33"))),
                new DnsRecord(ms("2016-05-24T23:27:03.493Z"), "2055535199472649", CLIENT, RESOLVER, "codemonkey.net",
                        "A", List.of(Ip.parse("104.131.202.103"))),
                new DnsRecord(ms("2016-05-24T23:27:04.654Z"), "275051299485329", CLIENT, RESOLVER,
                        "client-cf.dropbox.com", "A", List.of(Ip.parse("52.85.112.21"))));
        assertThat(g.emitted).isEqualTo(8);
        assertThat(g.rejects.count()).isZero();
        assertThat(g.rejects.skipped()).containsExactly(Map.entry("dns query", 4L), Map.entry("stats", 1L));
        // Each answer's flow_id is its flow's: names attach by uid as Zeek's do.
        assertThat(g.dns).extracting(DnsRecord::uid)
                .containsExactlyInAnyOrderElementsOf(g.flows.stream().map(FlowRecord::uid).toList());
    }

    @Test
    void realNetflowOutputGivesUniDirectionalHalves() throws IOException {
        Got g = resource("eve-netflow.json");
        assertThat(g.errors).isEmpty();
        assertThat(g.flows).hasSize(8);
        assertThat(g.flows.get(0)).isEqualTo(new FlowRecord(ms("2016-05-24T23:27:04.653Z"),
                ms("2016-05-24T23:27:04.654Z"), CLIENT, RESOLVER, 57634, 53, 17, 0, 1, 81, 0, 0, false,
                0, 0, "275049776229917", null, NameSource.NONE));
        assertThat(g.flows.get(1)).isEqualTo(new FlowRecord(ms("2016-05-24T23:27:04.653Z"),
                ms("2016-05-24T23:27:04.654Z"), RESOLVER, CLIENT, 53, 57634, 17, 0, 1, 97, 0, 0, false,
                0, 0, "275049776229917", null, NameSource.NONE));
        assertThat(g.flows).extracting(FlowRecord::bytes).containsExactly(81L, 97L, 85L, 90L, 77L, 116L, 81L, 97L);
        assertThat(g.flows).allSatisfy(f -> assertThat(f.biflow()).isFalse());
        assertThat(g.dns).hasSize(4);
    }

    @Test
    void realGroupedOnlyOutputGivesTheSameAnswers() throws IOException {
        Got detailed = resource("eve.json"), grouped = resource("eve-grouped.json");
        assertThat(grouped.errors).isEmpty();
        assertThat(grouped.dns).extracting(DnsRecord::query, DnsRecord::answers)
                .containsExactlyElementsOf(detailed.dns.stream()
                        .map(d -> org.assertj.core.groups.Tuple.tuple(d.query(), d.answers())).toList());
        assertThat(grouped.flows).hasSize(4);
    }

    @Test
    void detectsRealOutputAsEve() throws IOException {
        for (String f : List.of("eve.json", "eve-netflow.json", "eve-grouped.json")) {
            assertThat(Inputs.detect(Arrays.copyOf(bytes(f), 8192))).as(f).contains(InputFormat.SURICATA_EVE);
        }
    }

    // ---- crafted lines, one per event type ----

    static final String TS = "\"timestamp\":\"2018-05-05T01:02:03.456789+0900\"";

    @Test
    void flowEventWithTcpFlagsAndOffsetTimes() throws IOException {
        Got g = read("{" + TS + ",\"flow_id\":42,\"event_type\":\"flow\",\"src_ip\":\"175.45.178.10\",\"src_port\":50000,"
                + "\"dest_ip\":\"203.0.113.5\",\"dest_port\":443,\"proto\":\"TCP\",\"app_proto\":\"tls\",\"flow\":{"
                + "\"pkts_toserver\":12,\"pkts_toclient\":10,\"bytes_toserver\":1298,\"bytes_toclient\":5186,"
                + "\"start\":\"2018-05-05T01:02:03.999999+0830\",\"end\":\"2018-05-04T16:40:00.000000Z\",\"age\":2,"
                + "\"state\":\"established\",\"reason\":\"timeout\",\"alerted\":false},\"tcp\":{\"tcp_flags\":\"1b\"}}");
        assertThat(g.errors).isEmpty();
        assertThat(g.flows).containsExactly(new FlowRecord(ms("2018-05-04T16:32:03.999Z"),
                ms("2018-05-04T16:40:00Z"), Ip.parse("175.45.178.10"), Ip.parse("203.0.113.5"), 50000, 443, 6, 0x1b,
                12, 1298, 10, 5186, true, 0, 0, "42", null, NameSource.NONE));
    }

    @Test
    void flowWithoutStartUsesTheTimestamp() throws IOException {
        Got g = read("{" + TS + ",\"event_type\":\"flow\",\"src_ip\":\"10.0.0.1\",\"dest_ip\":\"10.0.0.2\","
                + "\"proto\":\"UDP\",\"flow\":{}}");
        assertThat(g.errors).isEmpty();
        FlowRecord f = g.flows.get(0);
        assertThat(f.startMillis()).isEqualTo(ms("2018-05-04T16:02:03.456Z")).isEqualTo(f.endMillis());
        assertThat(f.uid()).isNull();
        assertThat(f.srcPort()).isZero();
        assertThat(f.totalBytes()).isZero();
    }

    @Test
    void icmpTypeAndCodeStandForPortsAndIpv6ProtocolNames() throws IOException {
        Got g = read(
                "{" + TS + ",\"event_type\":\"flow\",\"src_ip\":\"10.0.0.1\",\"dest_ip\":\"10.0.0.2\",\"proto\":\"ICMP\","
                        + "\"icmp_type\":8,\"icmp_code\":0,\"response_icmp_type\":0,\"flow\":{\"pkts_toserver\":3}}",
                "{" + TS + ",\"event_type\":\"flow\",\"src_ip\":\"2001:db8::1\",\"dest_ip\":\"2001:db8::2\","
                        + "\"proto\":\"IPv6-ICMP\",\"icmp_type\":128,\"icmp_code\":0,\"flow\":{}}",
                "{" + TS + ",\"event_type\":\"flow\",\"src_ip\":\"2001:db8::1\",\"dest_ip\":\"2001:db8::2\","
                        + "\"proto\":\"ICMP\",\"flow\":{}}",
                "{" + TS + ",\"event_type\":\"flow\",\"src_ip\":\"10.0.0.1\",\"dest_ip\":\"10.0.0.2\",\"proto\":\"gre\","
                        + "\"flow\":{}}",
                "{" + TS + ",\"event_type\":\"flow\",\"src_ip\":\"10.0.0.1\",\"dest_ip\":\"10.0.0.2\",\"proto\":\"253\","
                        + "\"flow\":{}}");
        assertThat(g.errors).isEmpty();
        assertThat(g.flows).extracting(FlowRecord::protocol).containsExactly(1, 58, 58, 47, 253);
        assertThat(g.flows.get(0).srcPort()).isEqualTo(8);
        assertThat(g.flows.get(0).packets()).isEqualTo(3);
        assertThat(g.flows.get(1).srcPort()).isEqualTo(128);
    }

    @Test
    void netflowEventsAreUniDirectionalUntilFlowEventsAppear() throws IOException {
        String nf = "{" + TS + ",\"flow_id\":7,\"event_type\":\"netflow\",\"src_ip\":\"10.0.0.1\",\"src_port\":5000,"
                + "\"dest_ip\":\"10.0.0.2\",\"dest_port\":80,\"proto\":\"TCP\",\"netflow\":{\"pkts\":4,\"bytes\":400,"
                + "\"start\":\"2018-05-04T16:00:00.000000+0000\",\"end\":\"2018-05-04T16:00:01.500000+0000\"},"
                + "\"tcp\":{\"tcp_flags\":\"02\"}}";
        String flow = "{" + TS + ",\"flow_id\":8,\"event_type\":\"flow\",\"src_ip\":\"10.0.0.1\",\"src_port\":5001,"
                + "\"dest_ip\":\"10.0.0.2\",\"dest_port\":80,\"proto\":\"TCP\",\"flow\":{\"pkts_toserver\":1}}";
        Got g = read(nf, flow, nf);
        assertThat(g.errors).isEmpty();
        assertThat(g.flows).containsExactly(
                new FlowRecord(ms("2018-05-04T16:00:00Z"), ms("2018-05-04T16:00:01.500Z"), Ip.parse("10.0.0.1"),
                        Ip.parse("10.0.0.2"), 5000, 80, 6, 0x02, 4, 400, 0, 0, false, 0, 0, "7", null, NameSource.NONE),
                g.flows.get(1));
        assertThat(g.flows.get(1).uid()).isEqualTo("8");
        // Both loggers on: the netflow pair of a flow already read is not counted twice.
        assertThat(g.rejects.skipped()).containsEntry("netflow (flow events present)", 1L);
    }

    @Test
    void httpEvent() throws IOException {
        Got g = read("{\"timestamp\":\"2020-02-23T10:47:47.232359+0000\",\"flow_id\":930527052610671,\"pcap_cnt\":87,"
                + "\"event_type\":\"http\",\"src_ip\":\"192.168.2.16\",\"src_port\":58338,\"dest_ip\":\"17.253.53.201\","
                + "\"dest_port\":80,\"proto\":\"TCP\",\"tx_id\":0,\"http\":{\"hostname\":\"captive.apple.com\","
                + "\"url\":\"/hotspot?a=\\u00e9\",\"http_user_agent\":\"Mozilla/5.0 (X11)\",\"http_content_type\":"
                + "\"text/html\",\"http_method\":\"GET\",\"protocol\":\"HTTP/1.1\",\"status\":200,\"length\":69}}");
        assertThat(g.errors).isEmpty();
        assertThat(g.http).containsExactly(new HttpRecord(ms("2020-02-23T10:47:47.232Z"), "930527052610671",
                Ip.parse("192.168.2.16"), 58338, Ip.parse("17.253.53.201"), 80, "GET", "captive.apple.com",
                "/hotspot?a=\u00e9", "Mozilla/5.0 (X11)", 200));
    }

    @Test
    void httpEventWithoutResponseHasStatusZero() throws IOException {
        Got g = read("{" + TS + ",\"flow_id\":1,\"event_type\":\"http\",\"src_ip\":\"10.0.0.1\",\"src_port\":1025,"
                + "\"dest_ip\":\"10.0.0.2\",\"dest_port\":8080,\"proto\":\"TCP\",\"http\":{\"hostname\":\"a.example\","
                + "\"url\":\"/\",\"http_method\":\"POST\"}}");
        assertThat(g.http.get(0).statusCode()).isZero();
        assertThat(g.http.get(0).userAgent()).isNull();
    }

    @Test
    void tlsEvent() throws IOException {
        Got g = read("{\"timestamp\":\"2020-02-23T10:47:47.791153+0000\",\"flow_id\":985502110498923,"
                + "\"event_type\":\"tls\",\"src_ip\":\"192.168.2.16\",\"src_port\":32974,\"dest_ip\":\"216.239.38.120\","
                + "\"dest_port\":443,\"proto\":\"TCP\",\"tls\":{\"subject\":\"CN=*.google.com\",\"sni\":"
                + "\"clients1.google.com\",\"version\":\"TLS 1.2\",\"ja3\":{\"hash\":\"x\",\"string\":\"y\"}}}");
        assertThat(g.errors).isEmpty();
        assertThat(g.tls).containsExactly(new TlsRecord(ms("2020-02-23T10:47:47.791Z"), "985502110498923",
                Ip.parse("192.168.2.16"), 32974, Ip.parse("216.239.38.120"), 443, "TLS 1.2", "clients1.google.com",
                false));
    }

    @Test
    void dnsV2AnswersKeepOnlyAddresses() throws IOException {
        Got g = read("{" + TS + ",\"flow_id\":5,\"event_type\":\"dns\",\"src_ip\":\"10.0.0.1\",\"src_port\":3333,"
                + "\"dest_ip\":\"10.0.0.53\",\"dest_port\":53,\"proto\":\"UDP\",\"dns\":{\"version\":2,\"type\":\"answer\","
                + "\"id\":1,\"rrname\":\"www.example.com\",\"rrtype\":\"AAAA\",\"rcode\":\"NOERROR\",\"answers\":["
                + "{\"rrname\":\"www.example.com\",\"rrtype\":\"CNAME\",\"ttl\":5,\"rdata\":\"edge.example.net\"},"
                + "{\"rrname\":\"edge.example.net\",\"rrtype\":\"AAAA\",\"ttl\":5,\"rdata\":\"2001:db8::80\"},"
                + "{\"rrname\":\"edge.example.net\",\"rrtype\":\"TXT\",\"ttl\":5,\"rdata\":\"1.2.3.4\"},"
                + "{\"rrname\":\"edge.example.net\",\"rrtype\":\"A\",\"ttl\":5,\"rdata\":\"192.0.2.80\"}],"
                + "\"grouped\":{\"A\":[\"192.0.2.80\"],\"AAAA\":[\"2001:db8::80\"]}}}");
        assertThat(g.errors).isEmpty();
        // The detailed list wins over grouped (no duplicates); a TXT record that looks like an address is not one.
        assertThat(g.dns).containsExactly(new DnsRecord(ms("2018-05-04T16:02:03.456Z"), "5", Ip.parse("10.0.0.1"),
                Ip.parse("10.0.0.53"), "www.example.com", "AAAA",
                List.of(Ip.parse("2001:db8::80"), Ip.parse("192.0.2.80"))));
    }

    @Test
    void dnsV2NxdomainIsARecordWithoutAnswers() throws IOException {
        Got g = read("{" + TS + ",\"flow_id\":5,\"event_type\":\"dns\",\"src_ip\":\"10.0.0.1\",\"src_port\":3333,"
                + "\"dest_ip\":\"10.0.0.53\",\"dest_port\":53,\"proto\":\"UDP\",\"dns\":{\"version\":2,"
                + "\"type\":\"answer\",\"id\":1,\"rrname\":\"nx.example\",\"rrtype\":\"A\",\"rcode\":\"NXDOMAIN\"}}");
        assertThat(g.dns).hasSize(1);
        assertThat(g.dns.get(0).answers()).isEmpty();
    }

    @Test
    void dnsV1PerAnswerEventsAreNamedAfterTheirQuestion() throws IOException {
        // Suricata 4: answers in packet direction (resolver as src), one event per answer record.
        String hdrQ = "{\"timestamp\":\"2016-08-22T06:58:20.000000+0000\",\"flow_id\":99,\"event_type\":\"dns\","
                + "\"src_ip\":\"141.146.40.227\",\"src_port\":48965,\"dest_ip\":\"152.68.146.11\",\"dest_port\":53,"
                + "\"proto\":\"UDP\",\"dns\":";
        String hdrA = "{\"timestamp\":\"2016-08-22T06:58:20.853189+0000\",\"flow_id\":99,\"event_type\":\"dns\","
                + "\"src_ip\":\"152.68.146.11\",\"src_port\":53,\"dest_ip\":\"141.146.40.227\",\"dest_port\":48965,"
                + "\"proto\":\"UDP\",\"dns\":";
        Got g = read(
                hdrQ + "{\"type\":\"query\",\"id\":19014,\"rrname\":\"www.example.org\",\"rrtype\":\"A\",\"tx_id\":0}}",
                hdrA + "{\"type\":\"answer\",\"id\":19014,\"rcode\":\"NOERROR\",\"rrname\":\"www.example.org\","
                        + "\"rrtype\":\"CNAME\",\"ttl\":60,\"rdata\":\"cdn.example.net\"}}",
                hdrA + "{\"type\":\"answer\",\"id\":19014,\"rcode\":\"NOERROR\",\"rrname\":\"cdn.example.net\","
                        + "\"rrtype\":\"A\",\"ttl\":60,\"rdata\":\"198.51.100.7\"}}",
                // An answer whose query event was not seen keeps its own rrname.
                hdrA + "{\"type\":\"answer\",\"id\":7,\"rrname\":\"other.example\",\"rrtype\":\"A\",\"ttl\":1,"
                        + "\"rdata\":\"198.51.100.8\"}}");
        assertThat(g.errors).isEmpty();
        Ip client = Ip.parse("141.146.40.227"), resolver = Ip.parse("152.68.146.11");
        assertThat(g.dns).containsExactly(
                new DnsRecord(ms("2016-08-22T06:58:20.853Z"), "99", client, resolver, "www.example.org", "CNAME",
                        List.of()),
                new DnsRecord(ms("2016-08-22T06:58:20.853Z"), "99", client, resolver, "www.example.org", "A",
                        List.of(Ip.parse("198.51.100.7"))),
                new DnsRecord(ms("2016-08-22T06:58:20.853Z"), "99", client, resolver, "other.example", "A",
                        List.of(Ip.parse("198.51.100.8"))));
        assertThat(g.rejects.skipped()).containsExactly(Map.entry("dns query", 1L));
    }

    @Test
    void dnsV3ResponseTakesTheQuestionFromQueries() throws IOException {
        Got g = read("{" + TS + ",\"flow_id\":3,\"event_type\":\"dns\",\"src_ip\":\"10.0.0.1\",\"src_port\":3333,"
                + "\"dest_ip\":\"10.0.0.53\",\"dest_port\":53,\"proto\":\"UDP\",\"dns\":{\"version\":3,"
                + "\"type\":\"response\",\"id\":9,\"queries\":[{\"rrname\":\"v3.example\",\"rrtype\":\"A\"}],"
                + "\"answers\":[{\"rrname\":\"v3.example\",\"rrtype\":\"A\",\"ttl\":3,\"rdata\":\"192.0.2.3\"}]}}",
                "{" + TS + ",\"flow_id\":3,\"event_type\":\"dns\",\"src_ip\":\"10.0.0.1\",\"src_port\":3333,"
                + "\"dest_ip\":\"10.0.0.53\",\"dest_port\":53,\"proto\":\"UDP\",\"dns\":{\"version\":3,"
                + "\"type\":\"request\",\"id\":9,\"queries\":[{\"rrname\":\"v3.example\",\"rrtype\":\"A\"}]}}");
        assertThat(g.errors).isEmpty();
        assertThat(g.dns).extracting(DnsRecord::query, DnsRecord::qtype, DnsRecord::answers)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("v3.example", "A", List.of(Ip.parse("192.0.2.3"))));
        assertThat(g.rejects.skipped()).containsEntry("dns query", 1L);
    }

    @Test
    void otherEventTypesAreSkippedAndCountedNotRejected() throws IOException {
        Got g = read(
                "{" + TS + ",\"flow_id\":1,\"event_type\":\"alert\",\"src_ip\":\"10.0.0.1\",\"alert\":{\"signature\":\"x\"},"
                        + "\"payload\":\"" + "A".repeat(5000) + "\"}",
                "{" + TS + ",\"event_type\":\"stats\",\"stats\":{\"uptime\":1}}",
                "{" + TS + ",\"flow_id\":1,\"event_type\":\"fileinfo\",\"fileinfo\":{\"filename\":\"/\"}}",
                "{" + TS + ",\"flow_id\":1,\"event_type\":\"anomaly\",\"anomaly\":{\"type\":\"decode\"}}",
                "{" + TS + ",\"flow_id\":1,\"event_type\":\"alert\",\"alert\":{}}",
                // The rest of a skipped line is not read, broken or not.
                "{" + TS + ",\"event_type\":\"alert\",\"alert\":{{{");
        assertThat(g.errors).isEmpty();
        assertThat(g.emitted).isZero();
        assertThat(g.rejects.count()).isZero();
        assertThat(g.rejects.skipped()).containsExactly(Map.entry("alert", 3L), Map.entry("anomaly", 1L),
                Map.entry("fileinfo", 1L), Map.entry("stats", 1L));
    }

    @Test
    void distinctSkippedKindsAreCapped() throws IOException {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 100; i++) lines.add("{" + TS + ",\"event_type\":\"x" + i + "\"}");
        Got g = read(lines.toArray(String[]::new));
        assertThat(g.rejects.skipped()).hasSize(33);
        assertThat(g.rejects.skipped().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(100);
    }

    // ---- bad input ----

    @Test
    void eachBadLineIsRejectedWithItsLineNumberAndReadingGoesOn() throws IOException {
        String ok = "{" + TS + ",\"flow_id\":1,\"event_type\":\"flow\",\"src_ip\":\"10.0.0.1\",\"dest_ip\":\"10.0.0.2\","
                + "\"src_port\":1,\"dest_port\":2,\"proto\":\"TCP\",\"flow\":{}}";
        String flowHead = "{" + TS + ",\"event_type\":\"flow\",";
        Got g = read(
                ok,
                "{\"timestamp\":\"2018-05-05T01:02:03\",\"event_type\":\"flow\"",                       // 2 truncated
                "not json at all",                                                                        // 3
                "[1,2,3]",                                                                                // 4
                "{" + TS + ",\"flow_id\":1,\"src_ip\":\"10.0.0.1\"}",                                    // 5 no event_type
                flowHead + "\"dest_ip\":\"10.0.0.2\",\"proto\":\"TCP\",\"flow\":{}}",                    // 6 no src_ip
                flowHead + "\"src_ip\":\"10.0.0.300\",\"dest_ip\":\"10.0.0.2\",\"proto\":\"TCP\",\"flow\":{}}", // 7
                flowHead + "\"src_ip\":\"10.0.0.1\",\"dest_ip\":\"10.0.0.2\",\"src_port\":70000,\"proto\":\"TCP\"}", // 8
                flowHead + "\"src_ip\":\"10.0.0.1\",\"dest_ip\":\"10.0.0.2\",\"proto\":\"NOPE\"}",      // 9
                flowHead + "\"src_ip\":\"10.0.0.1\",\"dest_ip\":\"10.0.0.2\"}",                         // 10 no proto
                "{\"timestamp\":\"yesterday\",\"event_type\":\"flow\",\"src_ip\":\"10.0.0.1\",\"dest_ip\":\"10.0.0.2\","
                        + "\"proto\":\"TCP\"}",                                                          // 11
                flowHead + "\"src_ip\":\"10.0.0.1\",\"dest_ip\":\"10.0.0.2\",\"proto\":\"TCP\","
                        + "\"flow\":{\"bytes_toserver\":-5}}",                                           // 12
                flowHead + "\"src_ip\":\"10.0.0.1\",\"dest_ip\":\"10.0.0.2\",\"proto\":\"TCP\","
                        + "\"tcp\":{\"tcp_flags\":\"zz\"}}",                                             // 13
                ok + " trailing",                                                                         // 14
                "{\"event_type\":\"flow\",\"src_ip\":\"10.0.0.1\",\"dest_ip\":\"10.0.0.2\",\"proto\":\"TCP\"}", // 15
                "{" + TS + ",\"event_type\":\"http\",\"src_ip\":\"10.0.0.1\",\"dest_ip\":\"10.0.0.2\","
                        + "\"http\":{\"status\":1000}}",                                                 // 16
                "{" + TS + ",\"event_type\":\"dns\",\"src_ip\":\"10.0.0.1\",\"dest_ip\":\"::g\",\"dns\":{}}", // 17
                "{" + TS + ",\"event_type\":\"flow\",\"src_ip\":\"10.0.0.1\",\"dest_ip\":\"10.0.0.2\",\"proto\":\"TCP\","
                        + "\"flow\":{\"start\":\"2018-13-01T00:00:00+0000\"}}",                           // 18
                "",
                ok);
        assertThat(g.flows).hasSize(2);
        assertThat(g.rejects.count()).isEqualTo(17);
        assertThat(g.errors).hasSize(17);
        assertThat(g.errors.get(0)).startsWith("eve.json: line 2: broken JSON");
        assertThat(g.errors).anySatisfy(e -> assertThat(e).isEqualTo("eve.json: line 3: not a JSON object"));
        assertThat(g.errors).anySatisfy(e -> assertThat(e).isEqualTo("eve.json: line 4: not a JSON object"));
        assertThat(g.errors).anySatisfy(e -> assertThat(e).startsWith("eve.json: line 5: no event_type"));
        assertThat(g.errors).anySatisfy(e -> assertThat(e).isEqualTo("eve.json: line 6: src_ip: missing"));
        assertThat(g.errors).anySatisfy(e ->
                assertThat(e).isEqualTo("eve.json: line 7: src_ip: not an address '10.0.0.300'"));
        assertThat(g.errors).anySatisfy(e -> assertThat(e).isEqualTo("eve.json: line 8: src_port: out of range '70000'"));
        assertThat(g.errors).anySatisfy(e -> assertThat(e).isEqualTo("eve.json: line 9: proto: unknown protocol 'NOPE'"));
        assertThat(g.errors).anySatisfy(e -> assertThat(e).isEqualTo("eve.json: line 10: proto: missing"));
        assertThat(g.errors).anySatisfy(e -> assertThat(e).isEqualTo("eve.json: line 11: timestamp: not a time 'yesterday'"));
        assertThat(g.errors).anySatisfy(e ->
                assertThat(e).isEqualTo("eve.json: line 12: flow.bytes_toserver: not a count '-5'"));
        assertThat(g.errors).anySatisfy(e ->
                assertThat(e).isEqualTo("eve.json: line 13: tcp.tcp_flags: not a hex flag byte 'zz'"));
        assertThat(g.errors).anySatisfy(e -> assertThat(e).startsWith("eve.json: line 14: broken JSON"));
        assertThat(g.errors).anySatisfy(e -> assertThat(e).isEqualTo("eve.json: line 15: timestamp: missing"));
        assertThat(g.errors).anySatisfy(e -> assertThat(e).isEqualTo("eve.json: line 16: http.status: out of range '1000'"));
        assertThat(g.errors).anySatisfy(e -> assertThat(e).isEqualTo("eve.json: line 17: dest_ip: not an address '::g'"));
        assertThat(g.errors).anySatisfy(e ->
                assertThat(e).isEqualTo("eve.json: line 18: flow.start: not a time '2018-13-01T00:00:00+0000'"));
    }

    /** Sections and values of the wrong JSON type were once read as empty (a flow of 0 bytes, no name). */
    @Test
    void sectionsThatAreNotObjectsAndValuesThatAreObjectsAreRejected() throws IOException {
        String head = "{" + TS + ",\"flow_id\":1,\"src_ip\":\"10.0.0.1\",\"dest_ip\":\"10.0.0.2\",\"src_port\":1,"
                + "\"dest_port\":2,\"proto\":\"TCP\",";
        Got g = read(
                head + "\"event_type\":\"flow\",\"flow\":\"notanobject\"}",                           // 1
                head + "\"event_type\":\"flow\",\"flow\":[1]}",                                       // 2
                head + "\"event_type\":\"tls\",\"tls\":\"str\"}",                                       // 3
                head + "\"event_type\":\"tls\",\"tls\":{\"sni\":[\"x\"]}}",                             // 4
                head + "\"event_type\":\"http\",\"http\":{\"hostname\":{\"a\":1}}}",                    // 5
                head + "\"event_type\":\"flow\",\"flow\":{\"bytes_toserver\":{}}}",                     // 6
                // Sections Keyhole does not read may hold anything; a DNS answer of unknown shape is left out.
                head + "\"event_type\":\"tls\",\"tls\":{\"sni\":\"ok.example\",\"ja3\":{\"hash\":\"x\"}},\"x\":[1]}", // 7
                head + "\"event_type\":\"flow\",\"flow\":null}");                                     // 8
        assertThat(g.errors).containsExactly(
                "eve.json: line 1: flow: not an object",
                "eve.json: line 2: flow: an array, not an object",
                "eve.json: line 3: tls: not an object",
                "eve.json: line 4: tls.sni: an object or array, not a value",
                "eve.json: line 5: http.hostname: an object or array, not a value",
                "eve.json: line 6: flow.bytes_toserver: an object or array, not a value");
        assertThat(g.flows).hasSize(1);
    }

    @Test
    void controlCharactersInRejectMessagesAreEscaped() throws IOException {
        Got g = read("{" + TS + ",\"event_type\":\"flow\",\"src_ip\":\"\\u001b[31m\",\"dest_ip\":\"10.0.0.2\","
                + "\"proto\":\"TCP\"}");
        assertThat(g.errors).containsExactly("eve.json: line 1: src_ip: not an address '\\x1b[31m'");
    }

    @Test
    void bomAndCrlfAreHandled() throws IOException {
        byte[] body = ("\uFEFF{" + TS + ",\"event_type\":\"flow\",\"src_ip\":\"10.0.0.1\",\"dest_ip\":\"10.0.0.2\","
                + "\"proto\":\"UDP\"}\r\n").getBytes(StandardCharsets.UTF_8);
        Got g = read(body);
        assertThat(g.errors).isEmpty();
        assertThat(g.flows).hasSize(1);
        assertThat(EveReader.sniff(body)).isTrue();
    }

    // ---- detection ----

    @Test
    void sniffNeedsEventTypeWithFlowIdOrTimestampAtTopLevel() {
        assertThat(EveReader.sniff(b("{\"timestamp\":\"x\",\"event_type\":\"stats\",\"stats\":{}}\n"))).isTrue();
        assertThat(EveReader.sniff(b("{\"flow_id\":1,\"event_type\":\"flow\"}"))).isTrue();
        // A head that cuts the first line (a long stats event) still shows its first keys.
        assertThat(EveReader.sniff(b("{\"timestamp\":\"2026-01-01T00:00:00+0000\",\"event_type\":\"stats\","
                + "\"stats\":{\"decoder\":{\"pkts\":1,\"by"))).isTrue();
        assertThat(EveReader.sniff(b("{\"ts\":1.5,\"event_type\":\"x\"}"))).isFalse();
        assertThat(EveReader.sniff(b("{\"x\":{\"event_type\":\"flow\",\"flow_id\":1}}"))).isFalse();
        assertThat(EveReader.sniff(b("#separator \\x09\n"))).isFalse();
        assertThat(EveReader.sniff(b(""))).isFalse();
        assertThat(EveReader.sniff(null)).isFalse();
    }

    @Test
    void zeekJsonIsNotEveAndEveIsNotZeek() {
        byte[] zeek = b("{\"ts\":1521911720.865716,\"uid\":\"C1\",\"id.orig_h\":\"10.0.0.1\",\"id.orig_p\":1,"
                + "\"id.resp_h\":\"10.0.0.2\",\"id.resp_p\":53,\"proto\":\"udp\",\"query\":\"a.example\",\"qtype_name\":\"A\"}\n");
        assertThat(Inputs.detect(zeek)).isEqualTo(Optional.of(InputFormat.ZEEK_DNS));
        byte[] eveDns = b("{" + TS + ",\"flow_id\":5,\"event_type\":\"dns\",\"src_ip\":\"10.0.0.1\",\"dns\":{"
                + "\"type\":\"query\",\"rrname\":\"a.example\",\"rrtype\":\"A\"}}\n");
        assertThat(Inputs.detect(eveDns)).isEqualTo(Optional.of(InputFormat.SURICATA_EVE));
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
