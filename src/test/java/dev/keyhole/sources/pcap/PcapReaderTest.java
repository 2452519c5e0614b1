package dev.keyhole.sources.pcap;

import dev.keyhole.bench.ExportEncoder;
import dev.keyhole.records.FlowRecord;
import dev.keyhole.records.Ip;
import dev.keyhole.records.RecordSink;
import dev.keyhole.sources.InputFile;
import dev.keyhole.sources.InputFormat;
import dev.keyhole.sources.Inputs;
import dev.keyhole.sources.Readers;
import dev.keyhole.sources.Rejects;
import dev.keyhole.testing.Bytes;
import dev.keyhole.testing.CaptureWriter;
import dev.keyhole.testing.CaptureWriter.Format;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static dev.keyhole.testing.CaptureWriter.ETHERNET;
import static dev.keyhole.testing.CaptureWriter.NULL;
import static dev.keyhole.testing.CaptureWriter.RAW;
import static dev.keyhole.testing.CaptureWriter.SLL;
import static dev.keyhole.testing.CaptureWriter.SLL2;
import static org.assertj.core.api.Assertions.assertThat;

/** Captures written in the test (every pcap/pcapng variant and link layer) with known flows in them. */
class PcapReaderTest {
    private static final long SECS = 1_700_000_000L;
    private static final long MS = SECS * 1000;
    private static final long NANOS = MS * 1_000_000L;
    private static final Ip V5_EXPORTER = Ip.parse("10.1.1.1"), V9_EXPORTER = Ip.parse("10.1.1.2"),
            IPFIX_EXPORTER = Ip.parse("2001:db8::1"), COLLECTOR = Ip.parse("10.9.9.9"),
            COLLECTOR6 = Ip.parse("2001:db8::9");

    @TempDir
    Path dir;

    record Read(List<FlowRecord> flows, Rejects rejects) {
        List<String> messages() {
            return rejects.messages();
        }
    }

    static Read read(byte[] capture) {
        return read(capture, new PcapReader());
    }

    static Read read(byte[] capture, PcapReader reader) {
        List<FlowRecord> flows = new ArrayList<>();
        Rejects rejects = new Rejects("cap", null);
        try {
            long n = reader.read(new ByteArrayInputStream(capture), new RecordSink() {
                @Override
                public void flow(FlowRecord f) {
                    flows.add(f);
                }
            }, rejects);
            assertThat(n).isEqualTo(flows.size());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Read(flows, rejects);
    }

    // ---------------------------------------------------------------- export payloads

    static byte[] v5() {
        Bytes o = Bytes.of().u16(5).u16(2).u32(60_000).u32(SECS).u32(0).u32(0).u16(0).u16(0);
        for (int i = 1; i <= 2; i++) {
            o.ip("192.168.0." + i).ip("8.8.8.8").ip("0.0.0.0").u16(1).u16(2).u32(i).u32(100L * i).u32(50_000).u32(59_000)
                    .u16(40_000 + i).u16(53).u8(0).u8(0).u8(17).u8(0).u32(0).u8(0).u8(0).u16(0);
        }
        return o.toBytes();
    }

    static List<FlowRecord> flows(String prefix, int n) {
        List<FlowRecord> l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            boolean v6 = i % 3 == 2;
            Ip src = v6 ? Ip.parse("2001:db8:" + prefix.replace('.', ':') + "::" + (i + 1)) : Ip.parse(prefix + "." + (i + 1));
            Ip dst = v6 ? Ip.parse("2001:db8:ffff::1") : Ip.parse("203.0.113.1");
            l.add(FlowRecord.uni(MS - 5_000 - i, MS - 1_000, src, dst, 10_000 + i, 443, 6, 0x1b, 5 + i, 1_000L * (i + 1), 0, 0));
        }
        return l;
    }

    static List<byte[]> encoded(ExportEncoder.Protocol p, List<FlowRecord> flows) {
        ExportEncoder e = new ExportEncoder(p, 7, 1400, MS - 3_600_000L);
        List<byte[]> out = new ArrayList<>();
        out.add(e.templates(MS));
        out.addAll(e.encode(flows, MS));
        return out;
    }

    /** A capture of everything Keyhole must read or skip, on one link type. */
    static byte[] capture(Format format, int linkType, int vlans) {
        CaptureWriter w = new CaptureWriter(format, linkType);
        long t = NANOS;
        w.packet(t++, CaptureWriter.udp(linkType, V5_EXPORTER, 50_000, COLLECTOR, 2055, v5(), vlans));
        for (byte[] d : encoded(ExportEncoder.Protocol.V9, flows("10.20.0", 4))) {
            w.packet(t++, CaptureWriter.udp(linkType, V9_EXPORTER, 50_001, COLLECTOR, 2055, d, vlans));
        }
        for (byte[] d : encoded(ExportEncoder.Protocol.IPFIX, flows("10.30.0", 5))) {
            w.packet(t++, CaptureWriter.udp(linkType, IPFIX_EXPORTER, 50_002, COLLECTOR6, 4739, d, vlans));
        }
        // Not flow export: a DNS query whose id is 0x0009, TCP, a fragment.
        byte[] dns = Bytes.of().u16(9).u16(0x0100).u16(1).u16(0).u16(0).u16(0).toBytes();
        w.packet(t++, CaptureWriter.udp(linkType, V9_EXPORTER, 53, COLLECTOR, 53, dns, vlans));
        w.packet(t++, CaptureWriter.tcp(linkType, V9_EXPORTER, COLLECTOR));
        w.packet(t, CaptureWriter.fragment(linkType, V5_EXPORTER, COLLECTOR, v5()));
        return w.toBytes();
    }

    private static void assertEverythingRead(Read r) {
        assertThat(r.flows()).hasSize(2 + 4 + 5);
        assertThat(r.flows()).extracting(f -> f.src() + " " + f.packets() + " " + f.bytes()).containsExactlyInAnyOrder(
                "192.168.0.1 1 100", "192.168.0.2 2 200",
                "10.20.0.1 5 1000", "10.20.0.2 6 2000", "2001:db8:10:20::3 7 3000", "10.20.0.4 8 4000",
                "10.30.0.1 5 1000", "10.30.0.2 6 2000", "2001:db8:10:30::3 7 3000", "10.30.0.4 8 4000", "10.30.0.5 9 5000");
        for (FlowRecord f : r.flows().subList(2, 11)) {
            assertThat(f.endMillis()).isEqualTo(MS - 1_000);
        }
        // v5 times: header at SECS with uptime 60 s; records 50 s and 59 s.
        assertThat(r.flows().get(0).startMillis()).isEqualTo(MS - 10_000);
        assertThat(r.flows().get(0).endMillis()).isEqualTo(MS - 1_000);
        assertThat(r.messages()).singleElement().asString().endsWith("of 8 packets, 5 were flow export datagrams;"
                + " skipped: 1 UDP datagram that is not NetFlow v5/v9, IPFIX or sFlow v5, 1 IP packet that is not UDP,"
                + " 1 IP fragment (not reassembled)");
        assertThat(r.rejects().count()).isZero();
    }

    @ParameterizedTest
    @EnumSource(Format.class)
    void everyFormatAndByteOrder(Format format) {
        assertEverythingRead(read(capture(format, ETHERNET, 0)));
        assertThat(PcapReader.sniff(capture(format, ETHERNET, 0))).contains(
                format.name().startsWith("PCAPNG") ? InputFormat.PCAPNG : InputFormat.PCAP);
    }

    @Test
    void everyLinkLayer() {
        for (int link : new int[] {ETHERNET, SLL, SLL2, RAW, NULL}) {
            assertEverythingRead(read(capture(Format.PCAP_US_LE, link, 0)));
            assertEverythingRead(read(capture(Format.PCAPNG_BE, link, 0)));
        }
        assertEverythingRead(read(capture(Format.PCAP_NS_BE, ETHERNET, 1)));  // 802.1Q
        assertEverythingRead(read(capture(Format.PCAPNG_LE, ETHERNET, 2)));   // QinQ
    }

    @Test
    void pcapngSectionsOfBothByteOrdersInterfacesSimplePacketsAndOtherBlocks() {
        List<byte[]> v9 = encoded(ExportEncoder.Protocol.V9, flows("10.20.0", 4));
        CaptureWriter le = new CaptureWriter(Format.PCAPNG_LE, ETHERNET);
        le.interfaceBlock(RAW, 0).otherBlock();
        le.packet(NANOS, CaptureWriter.udp(RAW, V9_EXPORTER, 1, COLLECTOR, 2, v9.get(0), 0), v9.get(0).length + 28, 1);
        le.simplePacket(CaptureWriter.udp(ETHERNET, V9_EXPORTER, 1, COLLECTOR, 2, v9.get(1), 0));
        // A second section, big-endian, whose interface 0 is raw IP: the first section's interfaces are gone.
        CaptureWriter be = new CaptureWriter(Format.PCAPNG_BE, RAW);
        be.packet(NANOS, CaptureWriter.udp(RAW, V5_EXPORTER, 1, COLLECTOR, 2, v5(), 0));
        Read r = read(Bytes.concat(le.toBytes(), be.toBytes()));
        assertThat(r.messages()).isEmpty();
        assertThat(r.flows()).extracting(f -> f.src().toString())
                .containsExactly("10.20.0.1", "10.20.0.2", "2001:db8:10:20::3", "10.20.0.4", "192.168.0.1", "192.168.0.2");
    }

    /**
     * What the collector decodes, the capture path must too: a v5 datagram with trailing zeros
     * (softflowd sends its whole buffer), one cut short of its count, and two IPFIX messages in one
     * datagram were once all dropped as "not NetFlow".
     */
    @Test
    void datagramsTheCollectorReadsAreReadFromCapturesToo() {
        byte[] padded = Bytes.concat(v5(), new byte[100]);
        byte[] full = v5();
        byte[] cut = java.util.Arrays.copyOf(full, 24 + 48); // counts 2, holds 1
        List<byte[]> ipfix = encoded(ExportEncoder.Protocol.IPFIX, flows("10.40.0", 4));
        CaptureWriter w = new CaptureWriter(Format.PCAP_US_LE, ETHERNET);
        w.packet(NANOS, CaptureWriter.udp(ETHERNET, V5_EXPORTER, 1, COLLECTOR, 2055, padded, 0));
        w.packet(NANOS, CaptureWriter.udp(ETHERNET, V5_EXPORTER, 1, COLLECTOR, 2055, cut, 0));
        w.packet(NANOS, CaptureWriter.udp(ETHERNET, IPFIX_EXPORTER, 9, COLLECTOR6, 4739,
                Bytes.concat(ipfix.toArray(new byte[0][])), 0));
        Read r = read(w.toBytes());
        long ipfixFlows = 0;
        for (byte[] d : ipfix) ipfixFlows += ExportEncoder.recordCount(d);
        assertThat(r.flows()).hasSize((int) (2 + 1 + ipfixFlows));
        assertThat(r.rejects().count()).isEqualTo(1); // the record the cut datagram's header counts but lacks
        assertThat(r.messages()).noneMatch(m -> m.contains("not NetFlow"));
    }

    /**
     * A capture ages templates by the packets' capture times, as the collector by arrival: data 89
     * minutes after the template's only send is read, 91 minutes after it is lost, and read again
     * after the template is re-sent. Every time stamp form: pcap µs and ns, pcapng in ns, µs (the
     * default unit), ms and 2^-20 s.
     */
    /**
     * An IPFIX template sent once; its data 89 minutes later, 91 minutes later, and after the template
     * is sent again at 100 minutes, at 189 minutes: flows from 10.50.0.x, 10.51.0.x, 10.52.0.x.
     */
    static byte[] agingCapture(Format format, int tsresol) {
        long min = 60_000_000_000L;
        ExportEncoder e = new ExportEncoder(ExportEncoder.Protocol.IPFIX, 7, 1400, MS - 3_600_000L);
        byte[] template = e.templates(MS);
        List<byte[]> data = new ArrayList<>();
        for (int i = 0; i < 3; i++) data.addAll(e.encode(flows("10.5" + i + ".0", 2), MS));
        assertThat(data).hasSize(3);
        CaptureWriter w = new CaptureWriter(format, ETHERNET, tsresol);
        w.packet(NANOS, CaptureWriter.udp(ETHERNET, V9_EXPORTER, 9, COLLECTOR, 4739, template, 0));
        w.packet(NANOS + 89 * min, CaptureWriter.udp(ETHERNET, V9_EXPORTER, 9, COLLECTOR, 4739, data.get(0), 0));
        w.packet(NANOS + 91 * min, CaptureWriter.udp(ETHERNET, V9_EXPORTER, 9, COLLECTOR, 4739, data.get(1), 0));
        w.packet(NANOS + 100 * min, CaptureWriter.udp(ETHERNET, V9_EXPORTER, 9, COLLECTOR, 4739, template, 0));
        w.packet(NANOS + 189 * min, CaptureWriter.udp(ETHERNET, V9_EXPORTER, 9, COLLECTOR, 4739, data.get(2), 0));
        return w.toBytes();
    }

    /** keyhole top reads captures with the same lifetime, and its --template-lifetime changes it. */
    @Test
    void topAgesCaptureTemplatesToo() throws Exception {
        Path cap = dir.resolve("aging.pcap");
        Files.write(cap, agingCapture(Format.PCAP_US_LE, 9));
        List<InputFile> in = Inputs.resolve(List.of(cap), null, m -> { });
        dev.keyhole.enrichment.scope.TargetScope scope = dev.keyhole.enrichment.scope.TargetScope.ofCidrs(
                List.of("10.0.0.0/8"));
        var aged = dev.keyhole.query.TopQuery.run(in, scope, dev.keyhole.query.TopQuery.Key.DSTPORT,
                dev.keyhole.query.TopQuery.Order.FLOWS, 1, m -> { });
        assertThat(aged.flowsMatched()).isEqualTo(4);
        assertThat(aged.rejected()).isEqualTo(2);
        var never = dev.keyhole.query.TopQuery.run(in, scope, dev.keyhole.query.TopQuery.Key.DSTPORT,
                dev.keyhole.query.TopQuery.Order.FLOWS, 1, m -> { }, 0);
        assertThat(never.flowsMatched()).isEqualTo(6);
        assertThat(never.rejected()).isZero();
    }

    @Test
    void templatesExpireByCaptureTimeAsInTheCollector() {
        record Case(Format format, int tsresol) {}
        List<Case> cases = new ArrayList<>();
        for (Format f : Format.values()) cases.add(new Case(f, 9));
        for (int res : new int[] {6, 3, 0x80 | 20}) cases.add(new Case(Format.PCAPNG_LE, res));
        for (Case c : cases) {
            byte[] capture = agingCapture(c.format(), c.tsresol());

            Read r = read(capture);
            assertThat(r.flows()).as(c.toString()).extracting(f -> f.src().toString())
                    .containsExactly("10.50.0.1", "10.50.0.2", "10.52.0.1", "10.52.0.2");
            assertThat(r.messages()).as(c.toString()).anySatisfy(m -> assertThat(m)
                    .contains("which expired: not re-sent for 5460 s, more than the template lifetime of 5400 s")
                    .contains("records lost: 2"));
            assertThat(r.rejects().count()).as(c.toString()).isEqualTo(2);

            Read never = read(capture, new PcapReader(0));
            assertThat(never.flows()).as(c.toString()).hasSize(6);
            assertThat(never.rejects().count()).isZero();
            assertThat(read(capture, new PcapReader(120 * 60_000L)).flows()).as(c.toString()).hasSize(6);
        }
        // A simple packet block has no time: its templates do not age.
        ExportEncoder e = new ExportEncoder(ExportEncoder.Protocol.IPFIX, 7, 1400, MS - 3_600_000L);
        CaptureWriter w = new CaptureWriter(Format.PCAPNG_BE, ETHERNET);
        w.packet(NANOS, CaptureWriter.udp(ETHERNET, V9_EXPORTER, 9, COLLECTOR, 4739, e.templates(MS), 0));
        w.simplePacket(CaptureWriter.udp(ETHERNET, V9_EXPORTER, 9, COLLECTOR, 4739,
                e.encode(flows("10.60.0", 2), MS).get(0), 0));
        assertThat(read(w.toBytes()).flows()).hasSize(2);
    }

    @Test
    void theExporterAddressIsPartOfTheTemplateKey() {
        // Two exporters use template 256 with different layouts; exporter B's data must not be read with A's.
        byte[] tplA = Bytes.of().u16(9).u16(1).u32(1000).u32(SECS).u32(0).u32(0)
                .u16(0).u16(16).u16(256).u16(2).u16(8).u16(4).u16(12).u16(4).toBytes();
        byte[] tplB = Bytes.of().u16(9).u16(1).u32(1000).u32(SECS).u32(0).u32(0)
                .u16(0).u16(16).u16(256).u16(2).u16(12).u16(4).u16(8).u16(4).toBytes();
        byte[] data = Bytes.of().u16(9).u16(1).u32(1000).u32(SECS).u32(1).u32(0)
                .u16(256).u16(12).ip("10.0.0.1").ip("10.0.0.2").toBytes();
        CaptureWriter w = new CaptureWriter(Format.PCAP_US_LE, ETHERNET);
        Ip a = Ip.parse("192.0.2.1"), b = Ip.parse("192.0.2.2");
        w.packet(NANOS, CaptureWriter.udp(ETHERNET, a, 9, COLLECTOR, 2055, tplA, 0));
        w.packet(NANOS, CaptureWriter.udp(ETHERNET, b, 9, COLLECTOR, 2055, tplB, 0));
        w.packet(NANOS, CaptureWriter.udp(ETHERNET, a, 9, COLLECTOR, 2055, data, 0));
        w.packet(NANOS, CaptureWriter.udp(ETHERNET, b, 9, COLLECTOR, 2055, data, 0));
        w.packet(NANOS, CaptureWriter.udp(ETHERNET, Ip.parse("192.0.2.3"), 9, COLLECTOR, 2055, data, 0));
        Read r = read(w.toBytes());
        assertThat(r.flows()).extracting(f -> f.src() + ">" + f.dst()).containsExactly("10.0.0.1>10.0.0.2", "10.0.0.2>10.0.0.1");
        // Offsets are file offsets: 24 + 4 x (16 + 14 + 20 + 8) + payloads before, then 16 + 14 + 20 + 8 + 20.
        long at = 24 + 4L * 58 + tplA.length + tplB.length + 2L * data.length + 58 + 20;
        assertThat(r.messages()).singleElement().asString().isEqualTo("cap: offset " + at + ": exporter 192.0.2.3:9"
                + " (NetFlow v9 source id 0): data set for unknown template 256 (source id 0), 8 bytes; records lost:"
                + " unknown, counted as 1");
    }

    @Test
    void sequenceGapsInTheCaptureAreReported() {
        CaptureWriter w = new CaptureWriter(Format.PCAP_US_LE, ETHERNET);
        List<byte[]> ipfix = encoded(ExportEncoder.Protocol.IPFIX, flows("10.30.0", 120));
        assertThat(ipfix).hasSizeGreaterThan(3);
        for (int i = 0; i < ipfix.size(); i++) {
            if (i == 2) continue; // lost before the capture point
            w.packet(NANOS, CaptureWriter.udp(ETHERNET, IPFIX_EXPORTER, 9, COLLECTOR6, 4739, ipfix.get(i), 0));
        }
        Read r = read(w.toBytes());
        long missing = ExportEncoder.recordCount(ipfix.get(2));
        assertThat(r.flows()).hasSize((int) (120 - missing));
        assertThat(r.messages()).singleElement().asString().contains("exporter [2001:db8::1]:9 (IPFIX observation domain 7):"
                + " sequence numbers show " + missing + " records missing");
    }

    @Test
    void aDatagramCutBySnaplenKeepsItsWholeRecords() {
        List<byte[]> ipfix = encoded(ExportEncoder.Protocol.IPFIX, flows("10.30.0", 6));
        CaptureWriter w = new CaptureWriter(Format.PCAPNG_LE, ETHERNET);
        byte[] tpl = CaptureWriter.udp(ETHERNET, IPFIX_EXPORTER, 9, COLLECTOR6, 4739, ipfix.get(0), 0);
        byte[] data = CaptureWriter.udp(ETHERNET, IPFIX_EXPORTER, 9, COLLECTOR6, 4739, ipfix.get(1), 0);
        w.packet(NANOS, tpl);
        w.packet(NANOS, data, data.length - 60, 0); // the last record (71 bytes, IPv6) is cut
        Read r = read(w.toBytes());
        assertThat(r.flows()).hasSize(5);
        assertThat(r.messages()).anySatisfy(m -> assertThat(m).contains("message truncated").contains("records lost: 1"));
        assertThat(r.messages()).anySatisfy(m -> assertThat(m).contains("1 flow export datagram was cut short by the"
                + " capture's snaplen"));
    }

    @Test
    void truncatedFilesKeepThePacketsBeforeTheCut() {
        byte[] full = capture(Format.PCAP_US_LE, ETHERNET, 0);
        int firstPacketEnd = 24 + 16 + 14 + 20 + 8 + v5().length;
        Read r = read(Arrays.copyOf(full, firstPacketEnd + 30));
        assertThat(r.flows()).hasSize(2);
        assertThat(r.messages().get(0)).isEqualTo("cap: offset " + firstPacketEnd + ": the file ends after 30 bytes"
                + " of packet 2 (" + (full.length > 0 ? packetLength(full, firstPacketEnd) : 0) + " bytes) (truncated capture)");
        Read header = read(Arrays.copyOf(full, 20));
        assertThat(header.flows()).isEmpty();
        assertThat(header.messages().get(0)).isEqualTo("cap: offset 0: the file ends after 20 bytes of its 24-byte pcap"
                + " header (truncated capture)");

        byte[] ng = capture(Format.PCAPNG_BE, ETHERNET, 0);
        Read n = read(Arrays.copyOf(ng, ng.length - 10));
        assertThat(n.flows()).hasSize(11);
        assertThat(n.messages().get(0)).contains("the file ends after").contains("(truncated capture)");
    }

    private static int packetLength(byte[] pcapLe, int recordAt) {
        return (pcapLe[recordAt + 8] & 0xff) | (pcapLe[recordAt + 9] & 0xff) << 8 | (pcapLe[recordAt + 10] & 0xff) << 16;
    }

    @Test
    void impossibleRecordLengthsStopTheReadWithAReason() {
        byte[] full = capture(Format.PCAP_US_BE, ETHERNET, 0);
        int second = 24 + 16 + 14 + 20 + 8 + v5().length;
        full[second + 8] = 0x7f; // captured length 2 GiB
        Read r = read(full);
        assertThat(r.flows()).hasSize(2);
        assertThat(r.messages().get(0)).startsWith("cap: offset " + second + ": packet record 2 claims")
                .endsWith("damaged; the rest of the file is not read");

        byte[] ng = capture(Format.PCAPNG_LE, ETHERNET, 0);
        ng[28 + 32 + 4] = 5; // the first EPB's length is no longer a multiple of 4
        Read n = read(ng);
        assertThat(n.flows()).isEmpty();
        assertThat(n.messages().get(0)).contains("must be a multiple of 4");
    }

    @Test
    void notACapture() {
        Read r = read("hello, world".getBytes());
        assertThat(r.flows()).isEmpty();
        assertThat(r.messages()).singleElement().asString().contains("not a pcap or pcapng file");
        assertThat(PcapReader.sniff(new byte[] {0, 10, 0, 20})).isEmpty();
    }

    @Test
    void analyzeFindsCapturesByContentAndSkipsCollectorStats() throws IOException {
        Files.write(dir.resolve("export.bin"), capture(Format.PCAP_NS_BE, SLL2, 0));
        try (GZIPOutputStream gz = new GZIPOutputStream(Files.newOutputStream(dir.resolve("export.pcapng.gz")))) {
            gz.write(capture(Format.PCAPNG_LE, ETHERNET, 1));
        }
        Files.writeString(dir.resolve("keyhole-202401010000.stats.json"), "{\"datagrams\": 1}");
        List<String> skipped = new ArrayList<>();
        List<InputFile> files = Inputs.resolve(List.of(dir), null, skipped::add);
        assertThat(skipped).isEmpty();
        assertThat(files).extracting(f -> f.path().getFileName() + " " + f.format() + " " + f.gzip())
                .containsExactly("export.bin PCAP false", "export.pcapng.gz PCAPNG true");
        for (InputFile f : files) {
            List<FlowRecord> flows = new ArrayList<>();
            Rejects rejects = new Rejects(f.path().toString(), null);
            try (var in = Inputs.open(f)) {
                Readers.forFormat(f.format()).read(in, new RecordSink() {
                    @Override
                    public void flow(FlowRecord r) {
                        flows.add(r);
                    }
                }, rejects);
            }
            assertThat(flows).hasSize(11);
            assertThat(InputFormat.valueOf(f.format().name()).carriesFlows()).isTrue();
        }
    }

    @Test
    void damagedCapturesNeverThrow() {
        java.util.Random rnd = new java.util.Random(5);
        List<byte[]> captures = new ArrayList<>();
        for (Format f : Format.values()) {
            for (int link : new int[] {ETHERNET, SLL2, RAW}) captures.add(capture(f, link, f.ordinal() % 3));
        }
        for (int i = 0; i < 3_000; i++) {
            byte[] c = dev.keyhole.testing.Mutations.mutate(captures.get(rnd.nextInt(captures.size())), rnd);
            org.assertj.core.api.Assertions.assertThatCode(() -> read(c)).doesNotThrowAnyException();
        }
    }
}
