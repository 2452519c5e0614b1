package dev.keyhole.sources.zeek;

import dev.keyhole.records.DnsRecord;
import dev.keyhole.records.FlowRecord;
import dev.keyhole.records.HttpRecord;
import dev.keyhole.records.Ip;
import dev.keyhole.records.TlsRecord;
import dev.keyhole.sources.InputFormat;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;

import static dev.keyhole.sources.zeek.ZeekFixtures.read;
import static dev.keyhole.sources.zeek.ZeekFixtures.resource;
import static dev.keyhole.sources.zeek.ZeekFixtures.toJson;
import static dev.keyhole.sources.zeek.ZeekFixtures.unmasked;
import static org.assertj.core.api.Assertions.assertThat;

/** Real Zeek output (see src/test/resources/zeek/ATTRIBUTION.md), asserted value by value. */
class ZeekRealLogsTest {
    /** Stand-in for btest's masked timestamps: 2011-03-19T18:26:07.096535Z. */
    static final String TS = "1300559167.096535";
    static final long TS_MS = 1_300_559_167_096L;

    private static FlowRecord flow(List<FlowRecord> flows, String uid) {
        return flows.stream().filter(f -> uid.equals(f.uid())).findFirst().orElseThrow();
    }

    @Test
    void connLogFromZeekTestSuite() {
        var r = read(InputFormat.ZEEK_CONN, unmasked("zeek-opt-basic/conn.log", TS));

        assertThat(r.rejects.count()).isZero();
        assertThat(r.returned).isEqualTo(34);
        assertThat(r.flows).hasSize(34);

        FlowRecord http = flow(r.flows, "CwjjYJ2WqgTbAqiHl6");
        assertThat(http.src()).isEqualTo(Ip.parse("141.142.220.118"));
        assertThat(http.srcPort()).isEqualTo(49997);
        assertThat(http.dst()).isEqualTo(Ip.parse("208.80.152.3"));
        assertThat(http.dstPort()).isEqualTo(80);
        assertThat(http.protocol()).isEqualTo(6);
        assertThat(http.packets()).isEqualTo(6);
        assertThat(http.bytes()).isEqualTo(1445);          // orig_ip_bytes, not orig_bytes (1125)
        assertThat(http.reversePackets()).isEqualTo(4);
        assertThat(http.reverseBytes()).isEqualTo(950);
        assertThat(http.startMillis()).isEqualTo(TS_MS);
        assertThat(http.endMillis()).isEqualTo(1_300_559_167_316L); // ts + 0.219720 s
        assertThat(http.biflow()).isTrue();
        assertThat(http.tcpFlags()).isZero();
        assertThat(http.serverName()).isNull();

        // IPv6 multicast with duration and responder counters unset ('-' / 0).
        FlowRecord mdns = flow(r.flows, "ClEkJM2Vm5giqnMf4h");
        assertThat(mdns.src()).isEqualTo(Ip.parse("fe80::217:f2ff:fed7:cf65"));
        assertThat(mdns.dst()).isEqualTo(Ip.parse("ff02::fb"));
        assertThat(mdns.protocol()).isEqualTo(17);
        assertThat(mdns.bytes()).isEqualTo(199);
        assertThat(mdns.reverseBytes()).isZero();
        assertThat(mdns.endMillis()).isEqualTo(mdns.startMillis());

        // The one connection without an answer from the responder.
        FlowRecord syn = flow(r.flows, "CFSwNi4CNGxcuffo49");
        assertThat(syn.packets()).isZero();
        assertThat(syn.reversePackets()).isEqualTo(1);
        assertThat(syn.reverseBytes()).isEqualTo(48);
    }

    @Test
    void maskedTimestampsAreRejectedLineByLine() {
        var r = read(InputFormat.ZEEK_CONN, resource("zeek-opt-basic/conn.log"));

        assertThat(r.flows).isEmpty();
        assertThat(r.rejects.count()).isEqualTo(34);
        assertThat(r.messages().get(0)).isEqualTo("t.log: line 10: ts: not a time 'XXXXXXXXXX.XXXXXX'");
        assertThat(r.messages().get(33)).startsWith("t.log: line 43: ");
    }

    @Test
    void dnsLogKeepsOnlyAddressAnswers() {
        var r = read(InputFormat.ZEEK_DNS, unmasked("zeek-opt-basic/dns.log", TS));

        assertThat(r.rejects.count()).isZero();
        assertThat(r.dns).hasSize(34);
        DnsRecord upload = r.dns.stream().filter(d -> d.uid().equals("C37jN32gN3y3AZzyf6")).findFirst().orElseThrow();
        assertThat(upload.query()).isEqualTo("upload.wikimedia.org");
        assertThat(upload.qtype()).isEqualTo("A");
        assertThat(upload.client()).isEqualTo(Ip.parse("141.142.220.118"));
        assertThat(upload.resolver()).isEqualTo(Ip.parse("141.142.2.2"));
        // answers were "upload.pmtpa.wikimedia.org,208.80.152.3": the CNAME is not an address
        assertThat(upload.answers()).containsExactly(Ip.parse("208.80.152.3"));
        assertThat(upload.tsMillis()).isEqualTo(TS_MS);

        DnsRecord aaaa = r.dns.stream().filter(d -> d.uid().equals("CBA8792iHmnhPLksKa")).findFirst().orElseThrow();
        assertThat(aaaa.qtype()).isEqualTo("AAAA");
        assertThat(aaaa.answers()).isEmpty();

        DnsRecord mdns = r.dns.stream().filter(d -> d.uid().equals("ClEkJM2Vm5giqnMf4h")).findFirst().orElseThrow();
        assertThat(mdns.query()).isEqualTo("gemini._sftp-ssh._tcp.local");
        assertThat(mdns.qtype()).isNull(); // qtype_name unset
        assertThat(mdns.answers()).isEmpty();

        assertThat(r.dns.stream().mapToInt(d -> d.answers().size()).sum()).isEqualTo(5);
    }

    @Test
    void httpLog() {
        var r = read(InputFormat.ZEEK_HTTP, unmasked("zeek-opt-basic/http.log", TS));

        assertThat(r.rejects.count()).isZero();
        assertThat(r.http).hasSize(14);
        List<HttpRecord> pipelined = r.http.stream().filter(h -> h.uid().equals("CwjjYJ2WqgTbAqiHl6"))
                .collect(Collectors.toList());
        assertThat(pipelined).hasSize(2);
        HttpRecord first = pipelined.get(0);
        assertThat(first.method()).isEqualTo("GET");
        assertThat(first.host()).isEqualTo("upload.wikimedia.org");
        assertThat(first.uri()).isEqualTo("/wikipedia/commons/6/63/Wikipedia-logo.png");
        assertThat(first.statusCode()).isEqualTo(304);
        assertThat(first.userAgent()).isEqualTo("Mozilla/5.0 (X11; U; Linux x86_64; en-US; rv:1.9.2.15) Gecko/20110303 Ubuntu/10.04 (lucid) Firefox/3.6.15");
        assertThat(first.client()).isEqualTo(Ip.parse("141.142.220.118"));
        assertThat(first.clientPort()).isEqualTo(49997);
        assertThat(first.serverPort()).isEqualTo(80);
        assertThat(pipelined.get(1).uri()).isEqualTo("/wikipedia/commons/thumb/f/fa/Wikibooks-logo.svg/35px-Wikibooks-logo.svg.png");
    }

    @Test
    void tsvAndJsonOfTheSameLogsGiveIdenticalRecords() {
        for (String[] c : new String[][] {{"conn", "ZEEK_CONN"}, {"dns", "ZEEK_DNS"}, {"http", "ZEEK_HTTP"}}) {
            String tsv = unmasked("zeek-opt-basic/" + c[0] + ".log", TS);
            InputFormat kind = InputFormat.valueOf(c[1]);
            var fromTsv = read(kind, tsv);
            var fromJson = read(kind, toJson(tsv));
            assertThat(fromJson.rejects.count()).as(c[0]).isZero();
            assertThat(fromJson.records).as(c[0]).hasSize(fromTsv.records.size()).isEqualTo(fromTsv.records);
        }
    }

    @Test
    void zeeksOwnJsonAndTsvOfOneTrace() {
        // One pcap logged by Zeek as TSV and with LogAscii::use_json=T.
        var tsv = read(InputFormat.ZEEK_HTTP, unmasked("zeek-json-escaping/http.log.tsv", TS));
        var json = read(InputFormat.ZEEK_HTTP, unmasked("zeek-json-escaping/http.log.json", TS));

        assertThat(tsv.rejects.count()).isZero();
        assertThat(json.rejects.count()).isZero();
        assertThat(json.http).hasSize(4);
        assertThat(json.http.subList(0, 3)).isEqualTo(tsv.http.subList(0, 3));
        assertThat(tsv.http.get(1).uri()).isEqualTo("/printable_\uD83D\uDE04");
        assertThat(tsv.http.get(2).uri()).isEqualTo("/non_printable_\u0007"); // \x07 decoded
        assertThat(tsv.http.get(0).userAgent()).isEqualTo("Python-urllib/3.12");
        assertThat(tsv.http.get(0).statusCode()).isEqualTo(404);
        // A literal "\x07" typed into the URL: TSV escapes the backslash, Zeek's JSON does not,
        // so JSON cannot tell it from an escaped byte (documented in docs/formats/zeek.md).
        assertThat(tsv.http.get(3).uri()).isEqualTo("/non_printable_literal_\\x07");
        assertThat(json.http.get(3).uri()).isEqualTo("/non_printable_literal_\u0007");
    }

    @Test
    void quicHandshakesInSslLog() {
        var r = read(InputFormat.ZEEK_SSL, resource("spicy-quic/interop-zerortt/ssl.log"));

        assertThat(r.rejects.count()).isZero();
        assertThat(r.tls).hasSize(2);
        TlsRecord t = r.tls.get(0);
        assertThat(t.tsMillis()).isEqualTo(1000);
        assertThat(t.uid()).isEqualTo("CtPZjS20MLrsMUOJi2");
        assertThat(t.client()).isEqualTo(Ip.parse("193.167.0.100"));
        assertThat(t.clientPort()).isEqualTo(49394);
        assertThat(t.server()).isEqualTo(Ip.parse("193.167.100.100"));
        assertThat(t.serverPort()).isEqualTo(443);
        assertThat(t.version()).isEqualTo("TLSv13");
        assertThat(t.serverName()).isEqualTo("server4:443");
        assertThat(t.established()).isFalse();
        assertThat(r.tls.get(1).uid()).isEqualTo("C4J4Th3PJpwUYZZ6gc");
        assertThat(r.tls.get(1).clientPort()).isEqualTo(60492);
    }

    @Test
    void chromiumSni() {
        var masked = read(InputFormat.ZEEK_SSL, resource("spicy-quic/chromium/ssl.log"));
        assertThat(masked.tls).isEmpty();
        assertThat(masked.messages()).containsExactly("t.log: line 10: ts: not a time 'XXXXXXXXXX.XXXXXX'");

        var r = read(InputFormat.ZEEK_SSL, unmasked("spicy-quic/chromium/ssl.log", TS));
        assertThat(r.tls).singleElement().satisfies(t -> {
            assertThat(t.serverName()).isEqualTo("api.cirrus-ci.com");
            assertThat(t.server()).isEqualTo(Ip.parse("110.213.53.115"));
            assertThat(t.uid()).isEqualTo("CHhAvVGS1DHFjwGM9");
        });
    }

    @Test
    void zeekCutOutputWithoutHeaderIsRejectedWithAHint() {
        var r = read(InputFormat.ZEEK_CONN, resource("spicy-quic/interop-zerortt/conn.log.cut"));

        assertThat(r.flows).isEmpty();
        assertThat(r.rejects.count()).isEqualTo(5); // the plain header line and 4 data lines
        assertThat(r.messages()).hasSize(2);
        assertThat(r.messages().get(0)).startsWith("t.log: line 2: data line without a #fields header")
                .contains("zeek-cut");
        assertThat(r.messages().get(1)).contains("lines 3-6: 4 more line(s) rejected for the same reason");
    }

    @Test
    void zeekCutColumnsUnderAZeekHeader() {
        // package-template's conn.log.filtered is zeek-cut output: its first line names the columns.
        String[] lines = resource("package-template/conn.log.filtered").split("\n");
        String tsv = "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n"
                + "#fields\t" + lines[0] + "\n" + lines[1].replace(ZeekFixtures.MASKED_TS, "1600000000.000000") + "\n";
        var r = read(InputFormat.ZEEK_CONN, tsv);

        assertThat(r.rejects.count()).isZero();
        assertThat(r.flows).singleElement().satisfies(f -> {
            assertThat(f.uid()).isEqualTo("CHhAvVGS1DHFjwGM9");
            assertThat(f.src()).isEqualTo(Ip.parse("10.1.9.63"));
            assertThat(f.srcPort()).isEqualTo(63526);
            assertThat(f.dst()).isEqualTo(Ip.parse("54.175.222.246"));
            assertThat(f.dstPort()).isEqualTo(80);
            assertThat(f.protocol()).isEqualTo(6);
            assertThat(f.packets()).isEqualTo(7);
            assertThat(f.bytes()).isEqualTo(790);
            assertThat(f.reversePackets()).isEqualTo(4);
            assertThat(f.reverseBytes()).isEqualTo(705);
            assertThat(f.startMillis()).isEqualTo(1_600_000_000_000L);
            assertThat(f.endMillis()).isEqualTo(1_600_000_000_755L);
        });
    }

    @Test
    void sniffsRealLogs() {
        assertThat(ZeekReader.sniff(bytes("zeek-opt-basic/conn.log"))).contains(InputFormat.ZEEK_CONN);
        assertThat(ZeekReader.sniff(bytes("zeek-opt-basic/dns.log"))).contains(InputFormat.ZEEK_DNS);
        assertThat(ZeekReader.sniff(bytes("zeek-opt-basic/http.log"))).contains(InputFormat.ZEEK_HTTP);
        assertThat(ZeekReader.sniff(bytes("spicy-quic/chromium/ssl.log"))).contains(InputFormat.ZEEK_SSL);
        // a btest banner line, then JSON
        assertThat(ZeekReader.sniff(bytes("zeek-json-escaping/http.log.json"))).contains(InputFormat.ZEEK_HTTP);
        assertThat(ZeekReader.sniff(toJson(resource("zeek-opt-basic/conn.log")).getBytes(StandardCharsets.UTF_8)))
                .contains(InputFormat.ZEEK_CONN);
        assertThat(ZeekReader.sniff(toJson(resource("zeek-opt-basic/dns.log")).getBytes(StandardCharsets.UTF_8)))
                .contains(InputFormat.ZEEK_DNS);
        assertThat(ZeekReader.sniff(bytes("spicy-quic/interop-zerortt/conn.log.cut"))).isEmpty();
    }

    private static byte[] bytes(String path) {
        return resource(path).getBytes(StandardCharsets.UTF_8);
    }
}
