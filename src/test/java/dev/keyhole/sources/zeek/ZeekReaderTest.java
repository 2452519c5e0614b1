package dev.keyhole.sources.zeek;

import dev.keyhole.records.FlowRecord;
import dev.keyhole.records.Ip;
import dev.keyhole.records.NameSource;
import dev.keyhole.sources.InputFormat;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.stream.Collectors;

import static dev.keyhole.sources.zeek.ZeekFixtures.read;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Header handling, value decoding and every kind of bad input, on small hand-written logs. */
class ZeekReaderTest {
    static final String HEADER = "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n";
    static final String CONN_FIELDS = "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tduration\t"
            + "orig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\n";
    static final String CONN_TYPES = "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tinterval\tcount\tcount\tcount\tcount\n";
    static final String CONN = HEADER + "#path\tconn\n#open\t2024-01-01-00-00-00\n" + CONN_FIELDS + CONN_TYPES;

    static String connLine(int i) {
        return "1700000000." + String.format("%06d", i) + "\tCuid" + i + "\t10.0.0." + i + "\t" + (40000 + i)
                + "\t192.0.2.1\t443\ttcp\t1.500000\t" + i + "\t" + (100 * i) + "\t2\t300\n";
    }

    static String uids(ZeekFixtures.Result r) {
        return r.flows.stream().map(FlowRecord::uid).collect(Collectors.joining(","));
    }

    @Test
    void malformedLineInTheMiddleIsRejectedWithItsLineNumber() {
        // header is lines 1-8; data lines 9..13; line 11 has a broken address
        String log = CONN + connLine(1) + connLine(2) + connLine(3).replace("10.0.0.3", "10.0.0.300") + connLine(4)
                + connLine(5);
        var r = read(InputFormat.ZEEK_CONN, log);

        assertThat(uids(r)).isEqualTo("Cuid1,Cuid2,Cuid4,Cuid5");
        assertThat(r.returned).isEqualTo(4);
        assertThat(r.messages()).containsExactly("t.log: line 11: id.orig_h: not an address '10.0.0.300'");
        FlowRecord f = r.flows.get(1);
        assertThat(f.startMillis()).isEqualTo(1_700_000_000_000L);
        assertThat(f.endMillis()).isEqualTo(1_700_000_001_500L);
        assertThat(f.bytes()).isEqualTo(200);
        assertThat(f.reverseBytes()).isEqualTo(300);
    }

    /** Counters of 2^48 or more would wrap a run's sums: the line is rejected and named, the others kept. */
    @Test
    void implausibleCountersAreRejectedWithTheirLine() {
        String log = CONN + connLine(1) + connLine(2).replace("\t2\t200\t2\t300\n", "\t2\t200\t2\t281474976710656\n")
                + connLine(3);
        var r = read(InputFormat.ZEEK_CONN, log);

        assertThat(uids(r)).isEqualTo("Cuid1,Cuid3");
        assertThat(r.messages()).containsExactly("t.log: line 10: implausible counters (packets 2, bytes 200, reverse 2"
                + " / 281474976710656; 2^48 or more, or negative)");
    }

    @Test
    void wrongFieldCountIsRejected() {
        String log = CONN + connLine(1) + connLine(2).replace("\ttcp\t", "\ttcp\textra\t") + connLine(3);
        var r = read(InputFormat.ZEEK_CONN, log);

        assertThat(uids(r)).isEqualTo("Cuid1,Cuid3");
        assertThat(r.messages()).containsExactly("t.log: line 10: expected 12 fields as in #fields at line 7, got 13");
    }

    @Test
    void unparsableNumbersAreRejected() {
        String log = CONN + connLine(1).replace("\t1\t100\t", "\t1\t1e2\t") + connLine(2).replace("1.500000", "1,5")
                + connLine(3).replace("\t40003\t", "\t70000\t") + connLine(4).replace("1700000000.000004", "yesterday");
        var r = read(InputFormat.ZEEK_CONN, log);

        assertThat(r.flows).isEmpty();
        assertThat(r.messages()).containsExactly(
                "t.log: line 9: orig_ip_bytes: not a count '1e2'",
                "t.log: line 10: duration: not an interval '1,5'",
                "t.log: line 11: id.orig_p: port out of range '70000'",
                "t.log: line 12: ts: not a time 'yesterday'");
    }

    @Test
    void missingFieldsHeaderRejectsDataUntilAValidBlock() {
        String log = connLine(1) + connLine(2) + connLine(3) + CONN + connLine(4);
        var r = read(InputFormat.ZEEK_CONN, log);

        assertThat(uids(r)).isEqualTo("Cuid4");
        assertThat(r.rejects.count()).isEqualTo(3);
        assertThat(r.messages()).hasSize(2);
        assertThat(r.messages().get(0)).startsWith("t.log: line 1: data line without a #fields header before it");
        assertThat(r.messages().get(1)).isEqualTo("t.log: offset " + connLine(1).length()
                + ": lines 2-3: 2 more line(s) rejected for the same reason: " + r.messages().get(0).substring(15));
    }

    @Test
    void fieldsWithoutRequiredColumnsAreRejected() {
        String log = HEADER + "#path\tconn\n#fields\tts\tuid\tid.orig_h\n1.0\tC1\t10.0.0.1\n";
        var r = read(InputFormat.ZEEK_CONN, log);

        assertThat(r.flows).isEmpty();
        assertThat(r.messages()).containsExactly(
                "t.log: line 7: #fields at line 6 lacks required field(s) id.resp_h, proto");
    }

    @Test
    void wrongPathIsRejectedAndTheNextBlockStillRead() {
        String http = HEADER + "#path\thttp\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\thost\n"
                + "1.0\tC1\t10.0.0.1\t1234\t10.0.0.2\t80\ta.example\n"
                + "2.0\tC2\t10.0.0.1\t1235\t10.0.0.2\t80\tb.example\n#close\t2024-01-01-00-00-00\n";
        var r = read(InputFormat.ZEEK_CONN, http + CONN + connLine(7));

        assertThat(uids(r)).isEqualTo("Cuid7");
        assertThat(r.rejects.count()).isEqualTo(2);
        assertThat(r.messages().get(0)).isEqualTo("t.log: line 7: #path at line 5 is 'http', expected 'conn' "
                + "(this is a http.log; read it as zeek-http)");
        assertThat(r.messages().get(1)).contains("lines 8-8: 1 more line(s) rejected for the same reason: #path at line 5");
    }

    @Test
    void jsonOfAnotherLogIsRejectedOnce() {
        String json = "{\"ts\":1.0,\"uid\":\"C1\",\"id.orig_h\":\"10.0.0.1\",\"id.orig_p\":1,\"id.resp_h\":\"10.0.0.2\","
                + "\"id.resp_p\":80,\"trans_depth\":1,\"method\":\"GET\",\"host\":\"a.example\"}\n";
        var r = read(InputFormat.ZEEK_DNS, json + json + json);

        assertThat(r.dns).isEmpty();
        assertThat(r.rejects.count()).isEqualTo(3);
        assertThat(r.messages().get(0)).startsWith("t.log: line 1: none of the fields of a Zeek dns.log");
        assertThat(r.messages().get(1)).contains("lines 2-3: 2 more line(s)");

        var withPath = read(InputFormat.ZEEK_CONN, json.replace("{", "{\"_path\":\"http\","));
        assertThat(withPath.messages()).containsExactly("t.log: line 1: _path is 'http', expected 'conn'");
    }

    @Test
    void truncatedLastLineIsRejected() {
        String last = connLine(3);
        String log = CONN + connLine(1) + connLine(2) + last.substring(0, 40);
        var r = read(InputFormat.ZEEK_CONN, log);

        assertThat(uids(r)).isEqualTo("Cuid1,Cuid2");
        assertThat(r.messages()).containsExactly(
                "t.log: line 11: expected 12 fields as in #fields at line 7, got 5 (truncated line?)");

        // A complete last line without its newline is fine.
        var noNewline = read(InputFormat.ZEEK_CONN, CONN + connLine(1) + last.substring(0, last.length() - 1));
        assertThat(uids(noNewline)).isEqualTo("Cuid1,Cuid3");
    }

    @Test
    void brokenJsonLineIsRejected() {
        String good = "{\"ts\":1700000000.5,\"uid\":\"C1\",\"id.orig_h\":\"10.0.0.1\",\"id.orig_p\":1234,"
                + "\"id.resp_h\":\"10.0.0.2\",\"id.resp_p\":443,\"proto\":\"tcp\",\"conn_state\":\"SF\"}\n";
        String log = good + "{\"ts\":1700000001.5,\"uid\":\"C2\",\"id.orig_h\":\n" + good.replace("C1", "C3")
                + "[1,2]\n" + good.replace("C1", "C4").substring(0, 50);
        var r = read(InputFormat.ZEEK_CONN, log);

        assertThat(uids(r)).isEqualTo("C1,C3");
        assertThat(r.messages()).hasSize(3);
        assertThat(r.messages().get(0)).startsWith("t.log: line 2: broken JSON: ");
        assertThat(r.messages().get(1)).isEqualTo("t.log: line 4: not a JSON object");
        assertThat(r.messages().get(2)).startsWith("t.log: line 5: broken JSON: ");
        assertThat(r.flows.get(0).startMillis()).isEqualTo(1_700_000_000_500L);
        assertThat(r.flows.get(0).endMillis()).isEqualTo(1_700_000_000_500L); // no duration: unset
    }

    @Test
    void unsetAndEmptyFields() {
        String conn = CONN + "1700000000.000000\t-\t10.0.0.1\t1\t10.0.0.2\t2\tudp\t-\t-\t(empty)\t-\t-\n";
        var c = read(InputFormat.ZEEK_CONN, conn);
        assertThat(c.rejects.count()).isZero();
        FlowRecord f = c.flows.get(0);
        assertThat(f.uid()).isNull();
        assertThat(f.endMillis()).isEqualTo(f.startMillis());
        assertThat(f.packets()).isZero();
        assertThat(f.bytes()).isZero();
        assertThat(f.reversePackets()).isZero();
        assertThat(f.reverseBytes()).isZero();
        assertThat(f.nameSource()).isEqualTo(NameSource.NONE);

        String http = HEADER + "#path\thttp\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tmethod\thost\t"
                + "uri\tuser_agent\tstatus_code\n"
                + "1.0\tC1\t10.0.0.1\t1234\t10.0.0.2\t80\t-\t(empty)\t-\t-\t-\n";
        var h = read(InputFormat.ZEEK_HTTP, http).http.get(0);
        assertThat(h.method()).isNull();
        assertThat(h.host()).isEmpty();
        assertThat(h.uri()).isNull();
        assertThat(h.statusCode()).isZero();

        String dns = HEADER + "#path\tdns\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tquery\t"
                + "qtype_name\tanswers\n"
                + "1.0\tC1\t10.0.0.1\t1234\t10.0.0.2\t53\t-\t-\t-\n"
                + "1.0\tC2\t10.0.0.1\t1234\t10.0.0.2\t53\ta.example\tA\t(empty)\n";
        var d = read(InputFormat.ZEEK_DNS, dns);
        assertThat(d.rejects.count()).isZero();
        assertThat(d.dns.get(0).query()).isNull();
        assertThat(d.dns.get(0).answers()).isEmpty();
        assertThat(d.dns.get(1).answers()).isEmpty();

        // unset where a value is needed
        var badTs = read(InputFormat.ZEEK_CONN, CONN + "-\tC1\t10.0.0.1\t1\t10.0.0.2\t2\tudp\t-\t-\t-\t-\t-\n");
        assertThat(badTs.messages()).containsExactly("t.log: line 9: ts: unset");
    }

    @Test
    void escapesAreDecoded() {
        String dns = HEADER + "#path\tdns\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tquery\t"
                + "qtype_name\tanswers\n"
                + "1.0\tC1\t10.0.0.1\t1234\t10.0.0.2\t53\ttab\\x09in\\\\name\\x2d\tA\tx\\x2cy,192.0.2.7,2001:db8::1\n"
                + "1.0\tC2\t10.0.0.1\t1234\t10.0.0.2\t53\t\\x2d\tTXT\t\\x2d\n";
        var r = read(InputFormat.ZEEK_DNS, dns);

        assertThat(r.rejects.count()).isZero();
        assertThat(r.dns.get(0).query()).isEqualTo("tab\tin\\name-");
        assertThat(r.dns.get(0).answers()).containsExactly(Ip.parse("192.0.2.7"), Ip.parse("2001:db8::1"));
        // Zeek escapes a value that equals the unset marker: it is "-", not unset.
        assertThat(r.dns.get(1).query()).isEqualTo("-");
    }

    @Test
    void fieldPositionsComeFromFieldsAndConcatenatedBlocksWork() {
        String reordered = HEADER + "#path\tconn\n#fields\tresp_ip_bytes\tid.resp_p\tproto\tid.resp_h\tts\tid.orig_h\t"
                + "id.orig_p\textra\tuid\n"
                + "999\t53\tudp\t192.0.2.53\t1700000000.25\t10.1.1.1\t5353\tignored\tCre\n#close\tx\n";
        var r = read(InputFormat.ZEEK_CONN, CONN + connLine(1) + "#close\tx\n" + reordered + CONN + connLine(2));

        assertThat(r.rejects.count()).isZero();
        assertThat(uids(r)).isEqualTo("Cuid1,Cre,Cuid2");
        FlowRecord f = r.flows.get(1);
        assertThat(f.dst()).isEqualTo(Ip.parse("192.0.2.53"));
        assertThat(f.dstPort()).isEqualTo(53);
        assertThat(f.srcPort()).isEqualTo(5353);
        assertThat(f.protocol()).isEqualTo(17);
        assertThat(f.reverseBytes()).isEqualTo(999);
        assertThat(f.packets()).isZero(); // column absent
        assertThat(f.startMillis()).isEqualTo(1_700_000_000_250L);
    }

    @Test
    void protocolsIcmpV6IpProtoAndCrlf() {
        String log = HEADER.replace("\n", "\r\n") + "#path\tconn\r\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\t"
                + "id.resp_p\tproto\tip_proto\r\n"
                + "1.0\tC1\t10.0.0.1\t8\t10.0.0.2\t0\ticmp\t-\r\n"
                + "1.0\tC2\t2001:db8::1\t128\t2001:db8::2\t129\ticmp\t-\r\n"
                + "1.0\tC3\t10.0.0.1\t0\t10.0.0.2\t0\tunknown_transport\t47\r\n"
                + "1.0\tC4\t10.0.0.1\t0\t10.0.0.2\t0\tunknown_transport\t-\r\n"
                + "1.0\tC5\t10.0.0.1\t0\t10.0.0.2\t0\tsctp\t-\r\n";
        var r = read(InputFormat.ZEEK_CONN, log);

        assertThat(r.flows).extracting(FlowRecord::protocol).containsExactly(1, 58, 47, 0);
        assertThat(r.flows.get(0).srcPort()).isEqualTo(8); // ICMP type as Zeek gives it
        assertThat(r.messages()).containsExactly("t.log: line 11: proto: unknown transport 'sctp'");
    }

    @Test
    void scopeSeparatorUnderscore() {
        String log = HEADER + "#path\tconn\n#fields\tts\tuid\tid_orig_h\tid_orig_p\tid_resp_h\tid_resp_p\tproto\n"
                + "1.0\tC1\t10.0.0.1\t1\t10.0.0.2\t2\ttcp\n";
        assertThat(read(InputFormat.ZEEK_CONN, log).flows).singleElement()
                .satisfies(f -> assertThat(f.dst()).isEqualTo(Ip.parse("10.0.0.2")));
    }

    @Test
    void jsonVariants() {
        String base = "\"uid\":\"C1\",\"id.orig_h\":\"10.0.0.1\",\"id.orig_p\":1234,\"id.resp_h\":\"10.0.0.2\","
                + "\"id.resp_p\":443,\"proto\":\"tcp\",\"duration\":2.0000004,\"orig_pkts\":3,\"orig_ip_bytes\":400,"
                + "\"conn_state\":\"SF\"";
        String log = "{\"ts\":1700000000.123456," + base + "}\n"
                + "{\"ts\":\"2023-11-14T22:13:20.123456Z\"," + base + "}\n"
                + "{\"ts\":1700000000123," + base + "}\n"
                + "{\"ts\":1700000000.123456," + base.replace("\"id.orig_h\":\"10.0.0.1\",\"id.orig_p\":1234,"
                + "\"id.resp_h\":\"10.0.0.2\",\"id.resp_p\":443", "\"id\":{\"orig_h\":\"10.0.0.1\",\"orig_p\":1234,"
                + "\"resp_h\":\"10.0.0.2\",\"resp_p\":443}") + "}\n"
                + "  {\"_path\":\"conn\",\"ts\":1700000000.123456," + base + ",\"unknown\":{\"deep\":[1,{\"a\":2}]}}\n";
        var r = read(InputFormat.ZEEK_CONN, log);

        assertThat(r.rejects.count()).isZero();
        assertThat(r.flows).hasSize(5);
        for (FlowRecord f : r.flows) {
            assertThat(f.startMillis()).isEqualTo(1_700_000_000_123L);
            assertThat(f.endMillis()).isEqualTo(1_700_000_002_123L);
            assertThat(f.src()).isEqualTo(Ip.parse("10.0.0.1"));
            assertThat(f.dstPort()).isEqualTo(443);
            assertThat(f.bytes()).isEqualTo(400);
        }
    }

    @Test
    void jsonAndTsvGiveIdenticalRecordsForEveryKind() {
        String tsv = HEADER + "#path\tssl\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tversion\t"
                + "server_name\testablished\n#types\ttime\tstring\taddr\tport\taddr\tport\tstring\tstring\tbool\n"
                + "1700000000.999999\tC1\t10.0.0.1\t1234\t2001:db8::5\t443\tTLSv13\twww.example.com\tT\n"
                + "1700000001.000001\tC2\t10.0.0.1\t1235\t192.0.2.5\t443\t-\t-\tF\n";
        var a = read(InputFormat.ZEEK_SSL, tsv);
        var b = read(InputFormat.ZEEK_SSL, ZeekFixtures.toJson(tsv));
        assertThat(a.tls).hasSize(2).isEqualTo(b.tls);
        assertThat(a.tls.get(0).established()).isTrue();
        assertThat(a.tls.get(0).tsMillis()).isEqualTo(1_700_000_000_999L);
        assertThat(a.tls.get(1).serverName()).isNull();
    }

    @Test
    void overlongLinesAreSkipped() {
        byte[] big = new byte[ZeekReader.MAX_LINE + 10];
        java.util.Arrays.fill(big, (byte) 'a');
        byte[] head = (CONN + connLine(1)).getBytes(StandardCharsets.UTF_8);
        byte[] tail = ("\n" + connLine(2)).getBytes(StandardCharsets.UTF_8);
        byte[] all = new byte[head.length + big.length + tail.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(big, 0, all, head.length, big.length);
        System.arraycopy(tail, 0, all, head.length + big.length, tail.length);
        var r = read(InputFormat.ZEEK_CONN, all);

        assertThat(uids(r)).isEqualTo("Cuid1,Cuid2");
        assertThat(r.messages()).containsExactly("t.log: line 10: line longer than 16 MiB, skipped");
    }

    @Test
    void onlyZeekLogKindsAreAccepted() {
        assertThatThrownBy(() -> new ZeekReader(InputFormat.CSV_FLOW)).isInstanceOf(IllegalArgumentException.class);
    }
}
