package dev.keyhole.sources.csv;

import dev.keyhole.records.FlowRecord;
import dev.keyhole.records.Ip;
import dev.keyhole.records.NameSource;
import dev.keyhole.records.RecordSink;
import dev.keyhole.sources.InputFormat;
import dev.keyhole.sources.Rejects;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class CsvFlowReaderTest {
    static final String REQUIRED = "start,end,src,dst,sport,dport,proto,packets,bytes\n";

    static final class Result {
        final List<FlowRecord> flows = new ArrayList<>();
        final Rejects rejects = new Rejects("f.csv", null);
        long returned;
    }

    static Result read(String csv) {
        return read(csv.getBytes(StandardCharsets.UTF_8));
    }

    static Result read(byte[] csv) {
        Result r = new Result();
        try {
            r.returned = new CsvFlowReader().read(new ByteArrayInputStream(csv), new RecordSink() {
                @Override
                public void flow(FlowRecord f) {
                    r.flows.add(f);
                }
            }, r.rejects);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return r;
    }

    /** Counters of 2^48 or more would wrap a run's sums: the line is rejected and named, the others kept. */
    @Test
    void implausibleCountersAreRejectedWithTheirLine() {
        var r = read(REQUIRED + "1700000000,1700000001,10.0.0.1,192.0.2.7,51000,443,6,12,3400\n"
                + "1700000000,1700000001,10.0.0.1,192.0.2.7,51001,443,6,12,281474976710656\n"
                + "1700000000,1700000001,10.0.0.1,192.0.2.7,51002,443,6,12,281474976710655\n");
        assertThat(r.flows).extracting(FlowRecord::srcPort).containsExactly(51000, 51002);
        assertThat(r.rejects.messages()).containsExactly("f.csv: line 3: implausible counters (packets 12, bytes"
                + " 281474976710656, reverse 0 / 0; 2^48 or more, or negative)");
    }

    @Test
    void requiredColumnsOnly() {
        var r = read(REQUIRED + "1700000000,1700000001.25,10.0.0.1,192.0.2.7,51000,443,6,12,3400\n");

        assertThat(r.rejects.count()).isZero();
        assertThat(r.returned).isEqualTo(1);
        FlowRecord f = r.flows.get(0);
        assertThat(f.startMillis()).isEqualTo(1_700_000_000_000L);
        assertThat(f.endMillis()).isEqualTo(1_700_000_001_250L);
        assertThat(f.src()).isEqualTo(Ip.parse("10.0.0.1"));
        assertThat(f.dst()).isEqualTo(Ip.parse("192.0.2.7"));
        assertThat(f.srcPort()).isEqualTo(51000);
        assertThat(f.dstPort()).isEqualTo(443);
        assertThat(f.protocol()).isEqualTo(6);
        assertThat(f.packets()).isEqualTo(12);
        assertThat(f.bytes()).isEqualTo(3400);
        assertThat(f.tcpFlags()).isZero();
        assertThat(f.reversePackets()).isZero();
        assertThat(f.biflow()).isFalse();
        assertThat(f.uid()).isNull();
        assertThat(f.serverName()).isNull();
        assertThat(f.nameSource()).isEqualTo(NameSource.NONE);
    }

    @Test
    void allColumnsInAnyOrderWithUnknownOnesIgnored() {
        String csv = "Name,rbytes,UID,comment,bytes,packets,proto,dport,sport,dst,src,end,start,tcp_flags,rpackets,name_source\n"
                + "www.example.com,9000,CHhAvVGS1DHFjwGM9,whatever,500,5,tcp,443,50000,2001:db8::2,2001:db8::1,"
                + "2024-01-02T03:04:06Z,2024-01-02T03:04:05.5Z,0x1b,7,sni\n"
                + "api.example.com,,,x,1,1,udp,53,5353,10.0.0.2,10.0.0.1,1704164645,1704164645,,,\n";
        var r = read(csv);

        assertThat(r.rejects.messages()).isEmpty();
        FlowRecord f = r.flows.get(0);
        assertThat(f.src()).isEqualTo(Ip.parse("2001:db8::1"));
        assertThat(f.dst()).isEqualTo(Ip.parse("2001:db8::2"));
        assertThat(f.startMillis()).isEqualTo(1_704_164_645_500L);
        assertThat(f.endMillis()).isEqualTo(1_704_164_646_000L);
        assertThat(f.tcpFlags()).isEqualTo(0x1b);
        assertThat(f.reversePackets()).isEqualTo(7);
        assertThat(f.reverseBytes()).isEqualTo(9000);
        assertThat(f.biflow()).isTrue();
        assertThat(f.uid()).isEqualTo("CHhAvVGS1DHFjwGM9");
        assertThat(f.serverName()).isEqualTo("www.example.com");
        assertThat(f.nameSource()).isEqualTo(NameSource.SNI);

        FlowRecord g = r.flows.get(1);
        assertThat(g.protocol()).isEqualTo(17);
        assertThat(g.biflow()).isFalse();           // reverse columns present but empty
        assertThat(g.uid()).isNull();
        assertThat(g.nameSource()).isEqualTo(NameSource.DNS); // a name without name_source
    }

    @Test
    void asNumberColumnsAreOptionalUnsigned32Bit() {
        String csv = "start,end,src,dst,sport,dport,proto,packets,bytes,src_as,DST_AS\n"
                + "1,1,10.0.0.1,192.0.2.7,51000,443,tcp,1,1,64512,4294967295\n"  // private 16-bit, largest 32-bit
                + "1,1,10.0.0.1,192.0.2.7,51000,443,tcp,1,1,,131279\n"            // empty = not reported
                + "1,1,10.0.0.1,192.0.2.7,51000,443,tcp,1,1,4294967296,1\n"       // 4: out of range
                + "1,1,10.0.0.1,192.0.2.7,51000,443,tcp,1,1,AS3356,1\n";          // 5: not a number
        var r = read(csv);

        assertThat(r.flows).extracting(FlowRecord::srcAs).containsExactly(64_512L, 0L);
        assertThat(r.flows).extracting(FlowRecord::dstAs).containsExactly(4_294_967_295L, 131_279L);
        assertThat(r.rejects.messages()).containsExactly(
                "f.csv: line 4: src_as: out of range '4294967296'",
                "f.csv: line 5: src_as: not a non-negative integer 'AS3356'");
        assertThat(read(REQUIRED + "1,1,10.0.0.1,10.0.0.2,1,2,6,1,1\n").flows.get(0).dstAs()).isZero();
    }

    @Test
    void rfc4180Quoting() {
        String csv = "\"start\",\"end\",src,dst,sport,dport,proto,packets,bytes,name,uid\r\n"
                + "\"1700000000\",1700000000,\"10.0.0.1\",10.0.0.2,1,2,\"tcp\",1,1,\"a,b \"\"quoted\"\" name\",\"\"\r\n"
                + "1700000000,1700000000,10.0.0.1,10.0.0.2,1,2,6,1,1, \"spaced.example\" ,C1\r\n";
        var r = read(csv);

        assertThat(r.rejects.messages()).isEmpty();
        assertThat(r.flows).hasSize(2);
        assertThat(r.flows.get(0).serverName()).isEqualTo("a,b \"quoted\" name");
        assertThat(r.flows.get(0).uid()).isNull(); // "" is empty
        assertThat(r.flows.get(1).serverName()).isEqualTo("spaced.example");
    }

    @Test
    void timeForms() {
        String csv = REQUIRED
                + "1700000000.123456,1700000000.9999996,10.0.0.1,10.0.0.2,1,2,6,1,1\n"
                + "2023-11-14T22:13:20+01:00,2023-11-14T23:13:20.5+0000,10.0.0.1,10.0.0.2,1,2,6,1,1\n"
                + "2023-11-14 22:13:20Z,2023-11-14T22:13:20.001z,10.0.0.1,10.0.0.2,1,2,6,1,1\n";
        var r = read(csv);

        assertThat(r.rejects.messages()).isEmpty();
        assertThat(r.flows.get(0).startMillis()).isEqualTo(1_700_000_000_123L);
        assertThat(r.flows.get(0).endMillis()).isEqualTo(1_700_000_001_000L); // rounded to the microsecond
        assertThat(r.flows.get(1).startMillis()).isEqualTo(1_699_996_400_000L);
        assertThat(r.flows.get(1).endMillis()).isEqualTo(1_700_003_600_500L);
        assertThat(r.flows.get(2).startMillis()).isEqualTo(1_700_000_000_000L);
        assertThat(r.flows.get(2).endMillis()).isEqualTo(1_700_000_000_001L);
    }

    @Test
    void protocolNamesAndFlagForms() {
        String csv = "start,end,src,dst,sport,dport,proto,packets,bytes,tcp_flags\n"
                + "1,1,10.0.0.1,10.0.0.2,1,2,TCP,1,1,...AP.SF\n"
                + "1,1,10.0.0.1,10.0.0.2,1,2,icmp,1,1,\n"
                + "1,1,2001:db8::1,2001:db8::2,128,0,ipv6-icmp,1,1,0\n"
                + "1,1,10.0.0.1,10.0.0.2,0,0,47,1,1,18\n"
                + "1,1,10.0.0.1,10.0.0.2,0,0,gre,1,1,CEUAPRSF\n";
        var r = read(csv);

        assertThat(r.rejects.messages()).isEmpty();
        assertThat(r.flows).extracting(FlowRecord::protocol).containsExactly(6, 1, 58, 47, 47);
        assertThat(r.flows).extracting(FlowRecord::tcpFlags).containsExactly(0x1b, 0, 0, 18, 0xff);
    }

    @Test
    void badLinesAreRejectedWithTheirLineNumbers() {
        String ok = "1700000000,1700000001,10.0.0.1,10.0.0.2,1,2,6,1,1\n";
        String csv = REQUIRED + ok
                + "1700000000,1700000001,10.0.0.1,10.0.0.2,1,2,6,1\n"          // 3: too few fields
                + "1700000000,1700000001,10.0.0.999,10.0.0.2,1,2,6,1,1\n"      // 4
                + "1700000002,1700000001,10.0.0.1,10.0.0.2,1,2,6,1,1\n"        // 5
                + "1700000000000,1700000001000,10.0.0.1,10.0.0.2,1,2,6,1,1\n"  // 6
                + "1700000000,1700000001,10.0.0.1,10.0.0.2,1,2,6,-1,1\n"       // 7
                + "1700000000,1700000001,10.0.0.1,10.0.0.2,1,70000,6,1,1\n"    // 8
                + "1700000000,1700000001,10.0.0.1,10.0.0.2,1,2,ipx,1,1\n"      // 9
                + "1700000000,1700000001,\"10.0.0.1,10.0.0.2,1,2,6,1,1\n"     // 10
                + "2023-11-14T22:13:20,1700000001,10.0.0.1,10.0.0.2,1,2,6,1,1\n" // 11
                + "1700000000,1700000001,10.0.0.1,,1,2,6,1,1\n"                // 12
                + "1700000000,1700000001,\"10.0.0.1\"x,10.0.0.2,1,2,6,1,1\n"   // 13
                + "   \n"                                                       // 14: blank, skipped
                + ok;
        var r = read(csv);

        assertThat(r.flows).hasSize(2);
        assertThat(r.rejects.messages()).containsExactly(
                "f.csv: line 3: expected 9 fields as in the header, got 8",
                "f.csv: line 4: src: not an IP address '10.0.0.999'",
                "f.csv: line 5: end is before start",
                "f.csv: line 6: start: looks like epoch milliseconds; times are seconds (1700000000.123) or ISO-8601 '1700000000000'",
                "f.csv: line 7: packets: not a non-negative integer '-1'",
                "f.csv: line 8: dport: out of range '70000'",
                "f.csv: line 9: proto: not a protocol number or name 'ipx'",
                "f.csv: line 10: unterminated quoted field 3 (a quoted value cannot span lines)",
                "f.csv: line 11: start: not epoch seconds or ISO-8601 with Z or an offset '2023-11-14T22:13:20'",
                "f.csv: line 12: dst: not an IP address ''",
                "f.csv: line 13: unexpected text after the closing quote of field 3");
    }

    @Test
    void missingHeaderReadsNothing() {
        var r = read("1700000000,1700000001,10.0.0.1,10.0.0.2,1,2,6,1,1\n1700000000,1700000001,10.0.0.1,10.0.0.2,1,2,6,1,1\n");
        assertThat(r.flows).isEmpty();
        assertThat(r.returned).isZero();
        assertThat(r.rejects.messages()).containsExactly("f.csv: line 1: missing header: the first line must name the "
                + "columns (start,end,src,dst,sport,dport,proto,packets,bytes, see docs/formats/csv.md)");
    }

    @Test
    void missingRequiredColumnsAreNamed() {
        var r = read("start,src,dst,sport,dport,packets\n1700000000,10.0.0.1,10.0.0.2,1,2,1\n");
        assertThat(r.flows).isEmpty();
        assertThat(r.rejects.messages()).containsExactly("f.csv: line 1: missing required column(s): end, proto, bytes");

        var dup = read("start,end,src,dst,sport,dport,proto,packets,bytes,SRC\n");
        assertThat(dup.rejects.messages()).containsExactly("f.csv: line 1: duplicate column 'src' in the header");
    }

    @Test
    void byteOrderMarkAndEmptyInput() {
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
        byte[] body = (REQUIRED + "1,2,10.0.0.1,10.0.0.2,1,2,6,1,1").getBytes(StandardCharsets.UTF_8);
        byte[] all = new byte[bom.length + body.length];
        System.arraycopy(bom, 0, all, 0, 3);
        System.arraycopy(body, 0, all, 3, body.length);
        assertThat(read(all).flows).hasSize(1); // and no newline at the end
        var empty = read("");
        assertThat(empty.flows).isEmpty();
        assertThat(empty.rejects.count()).isZero();
        assertThat(CsvFlowReader.sniff(all)).contains(InputFormat.CSV_FLOW);
    }

    @Test
    void documentedExampleReads() throws IOException {
        String doc = java.nio.file.Files.readString(java.nio.file.Path.of("docs/formats/csv.md"));
        int from = doc.indexOf("```csv\n") + 7;
        var r = read(doc.substring(from, doc.indexOf("```", from)));

        assertThat(r.rejects.messages()).isEmpty();
        assertThat(r.flows).hasSize(3);
        FlowRecord f = r.flows.get(0);
        assertThat(f.endMillis() - f.startMillis()).isEqualTo(3250);
        assertThat(f.tcpFlags()).isEqualTo(0x1b);
        assertThat(f.reverseBytes()).isEqualTo(48211);
        assertThat(f.serverName()).isEqualTo("www.example.com");
        assertThat(r.flows.get(1).endMillis() - r.flows.get(1).startMillis()).isEqualTo(4);
        assertThat(r.flows.get(2).startMillis()).isEqualTo(r.flows.get(1).startMillis() + 1000);
        assertThat(r.flows.get(2).protocol()).isEqualTo(58);
    }

    @Test
    void sniff() {
        assertThat(CsvFlowReader.sniff("dport,sport,START,end,src,dst,proto,packets,bytes,name\r\n1,2".getBytes(StandardCharsets.UTF_8)))
                .contains(InputFormat.CSV_FLOW);
        assertThat(CsvFlowReader.sniff("start,end,src,dst\n".getBytes(StandardCharsets.UTF_8))).isEmpty();
        assertThat(CsvFlowReader.sniff("#separator \\x09\n".getBytes(StandardCharsets.UTF_8))).isEmpty();
        assertThat(CsvFlowReader.sniff(new byte[0])).isEmpty();
    }
}
