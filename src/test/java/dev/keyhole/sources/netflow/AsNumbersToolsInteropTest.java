package dev.keyhole.sources.netflow;

import dev.keyhole.bench.ExportEncoder;
import dev.keyhole.collect.Collector;
import dev.keyhole.enrichment.scope.TargetScope;
import dev.keyhole.query.TopQuery;
import dev.keyhole.records.FlowRecord;
import dev.keyhole.records.Ip;
import dev.keyhole.records.RecordSink;
import dev.keyhole.sources.InputFile;
import dev.keyhole.sources.Inputs;
import dev.keyhole.sources.Rejects;
import dev.keyhole.sources.ipfix.IpfixReader;
import dev.keyhole.sources.nfcapd.Compression;
import dev.keyhole.sources.nfcapd.NfcapdReader;
import dev.keyhole.sources.nfcapd.NfcapdWriter;
import dev.keyhole.testing.Bytes;
import dev.keyhole.testing.FlowTools;
import dev.keyhole.testing.Tools;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.LongUnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The exporter's BGP AS numbers, end to end against nfdump 1.7.1. The same datagrams (NetFlow v5; v9 and
 * IPFIX with 2- and 4-byte AS fields) go to a real nfcapd and to Keyhole's decoder and collector. Per flow,
 * Keyhole's srcAs / dstAs must equal what nfdump prints ({@code %sas %das}) for nfcapd's file, whether
 * Keyhole decodes the datagrams, reads nfcapd's file, or reads back the IPFIX file its collector wrote;
 * NfcapdWriter's files must carry them as nfdump reads them; and {@code keyhole top --by srcas / dstas} must
 * equal {@code nfdump -s srcas / dstas}.
 */
class AsNumbersToolsInteropTest {
    private static final long MS = 1_700_000_000_000L; // whole second: v9 header times lose nothing
    private static final long UPTIME = 86_400_000L;
    private static final List<String> TARGET = List.of("175.45.176.0/22", "210.52.109.0/24", "77.94.35.0/24");
    private static final String NFDUMP_FILTER = "net 175.45.176.0/22 or net 210.52.109.0/24 or net 77.94.35.0/24";
    /** 0 (not reported), 16-bit ones (131279 is 32-bit: Ryugyong's Star JV), private, and the 32-bit extremes. */
    private static final long[] AS_POOL = {0, 131_279, 4_837, 9_808, 17_762, 20_473, 64_512, 65_535, 23_456,
            4_200_000_000L, 4_294_967_295L, 3_356, 1_299, 174};
    private static final String FORMAT = "%ts|%te|%sa|%da|%sp|%dp|%pr|%pkt|%byt|%sas|%das";
    private static final DateTimeFormatter NFDUMP_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");

    @TempDir
    static Path dir;
    private static List<FlowRecord> flows;

    @BeforeAll
    static void flows() {
        Tools.require("nfcapd", "nfcapd and nfdump");
        Tools.require("nfdump", "nfcapd and nfdump");
        flows = flows(900, 6793);
    }

    /**
     * Flows between target hosts (60%; 25% IPv6) and servers, half of them in each direction, so both AS
     * fields of in-scope flows vary. Source ports are unique, so every flow is identifiable.
     */
    static List<FlowRecord> flows(int n, long seed) {
        Random rnd = new Random(seed);
        int[] nets = {0xAF2DB000, 0xD2346D00, 0x4D5E2300};
        List<FlowRecord> l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            boolean v6 = i % 4 == 3;
            Ip client = v6 ? Ip.ofV6(0x2001_0db8_0000_0001L, i + 1)
                    : rnd.nextInt(10) < 6 ? Ip.ofV4(nets[rnd.nextInt(3)] + 1 + rnd.nextInt(250)) : Ip.ofV4(0x0a00_0000 | i);
            Ip server = v6 ? Ip.ofV6(0x2001_0db8_ffff_0000L, rnd.nextInt(64)) : Ip.ofV4(0xc633_6400 | rnd.nextInt(64));
            boolean out = rnd.nextBoolean();
            long end = MS - 1_000 - rnd.nextInt(60_000);
            long start = end - rnd.nextInt(100_000);
            int proto = rnd.nextInt(3) == 0 ? 17 : 6;
            long sas = AS_POOL[rnd.nextInt(AS_POOL.length)], das = AS_POOL[rnd.nextInt(AS_POOL.length)];
            long packets = 1 + rnd.nextInt(500);
            l.add(FlowRecord.uni(start, end, out ? client : server, out ? server : client, 10_000 + i,
                    out ? 443 : 20_000 + rnd.nextInt(1000), proto, proto == 6 ? 0x1b : 0, packets,
                    packets * (40 + rnd.nextInt(1400)), sas, das));
        }
        return l;
    }

    /** NetFlow v5 datagrams of up to 30 IPv4 flows, src_as / dst_as at record offsets 40 / 42. */
    static List<byte[]> v5(List<FlowRecord> flows) {
        List<byte[]> out = new ArrayList<>();
        long seq = 0;
        for (int i = 0; i < flows.size(); i += 30) {
            List<FlowRecord> part = flows.subList(i, Math.min(flows.size(), i + 30));
            Bytes b = Bytes.of().u16(5).u16(part.size()).u32(UPTIME).u32(MS / 1000).u32(MS % 1000 * 1_000_000)
                    .u32(seq).u16(0).u16(0);
            for (FlowRecord f : part) {
                b.bytes(f.src().toBytes()).bytes(f.dst().toBytes()).u32(0).u16(0).u16(0).u32(f.packets()).u32(f.bytes())
                        .u32(UPTIME - (MS - f.startMillis())).u32(UPTIME - (MS - f.endMillis())).u16(f.srcPort())
                        .u16(f.dstPort()).u8(0).u8(f.tcpFlags()).u8(f.protocol()).u8(0)
                        .u16((int) as16(f.srcAs())).u16((int) as16(f.dstAs())).u8(24).u8(16).u16(0);
            }
            out.add(b.toBytes());
            seq += part.size();
        }
        return out;
    }

    /** What a 2-byte AS field can say (RFC 6793: AS_TRANS for 32-bit AS numbers). */
    static long as16(long as) {
        return as > 0xffff ? ExportEncoder.AS_TRANS : as;
    }

    /** The datagrams of one export variant, and the AS numbers it can carry. */
    private record Variant(List<FlowRecord> sent, List<byte[]> datagrams, LongUnaryOperator as) {}

    private static Variant variant(String name) {
        if (name.equals("v5")) {
            List<FlowRecord> v4 = flows.stream().filter(f -> f.src().isV4() && f.dst().isV4()).toList();
            return new Variant(v4, v5(v4), AsNumbersToolsInteropTest::as16);
        }
        String[] p = name.split("/");
        ExportEncoder.Protocol protocol = p[0].equals("ipfix") ? ExportEncoder.Protocol.IPFIX : ExportEncoder.Protocol.V9;
        int asLength = Integer.parseInt(p[1]);
        ExportEncoder e = new ExportEncoder(protocol, 3, 1400, MS - UPTIME, asLength);
        List<byte[]> d = new ArrayList<>();
        d.add(e.templates(MS));
        d.addAll(e.encode(flows, MS));
        return new Variant(flows, d, asLength == 2 ? AsNumbersToolsInteropTest::as16 : x -> x);
    }

    /** A flow as both sides can print it: 5-tuple, counters, times and the AS numbers. */
    private static String row(FlowRecord f) {
        return f.src() + ":" + f.srcPort() + ">" + f.dst() + ":" + f.dstPort() + "/" + f.protocol() + " " + f.packets()
                + "p " + f.bytes() + "b " + f.startMillis() + "-" + f.endMillis() + " AS" + f.srcAs() + ">AS" + f.dstAs();
    }

    private static List<String> rows(List<FlowRecord> l) {
        return l.stream().map(AsNumbersToolsInteropTest::row).sorted().toList();
    }

    private static List<String> nfdumpRows(Path file) throws Exception {
        List<String> rows = new ArrayList<>();
        for (String[] r : FlowTools.nfdump(file, FORMAT)) {
            rows.add(Ip.parse(r[2]) + ":" + r[4] + ">" + Ip.parse(r[3]) + ":" + r[5] + "/" + r[6] + " " + r[7] + "p " + r[8]
                    + "b " + time(r[0]) + "-" + time(r[1]) + " AS" + r[9] + ">AS" + r[10]);
        }
        return rows.stream().sorted().toList();
    }

    private static long time(String s) {
        return LocalDateTime.parse(s, NFDUMP_TIME).toInstant(ZoneOffset.UTC).toEpochMilli();
    }

    private static List<FlowRecord> decode(List<byte[]> datagrams) {
        List<FlowRecord> out = new ArrayList<>();
        Rejects rejects = new Rejects("udp", null);
        ExportDecoder d = new ExportDecoder(sink(out));
        for (byte[] b : datagrams) d.datagram(b, 0, b.length, Ip.parse("127.0.0.1"), 2055, 0, rejects);
        assertThat(rejects.messages()).isEmpty();
        return out;
    }

    private static RecordSink sink(List<FlowRecord> into) {
        return new RecordSink() {
            @Override
            public void flow(FlowRecord f) {
                into.add(f);
            }
        };
    }

    private static List<FlowRecord> readNfcapd(Path file) throws Exception {
        List<FlowRecord> out = new ArrayList<>();
        Rejects rejects = new Rejects(file.toString(), null);
        try (InputStream in = Files.newInputStream(file)) {
            new NfcapdReader().read(in, sink(out), rejects);
        }
        assertThat(rejects.messages()).isEmpty();
        return out;
    }

    /** Through Keyhole's collector, which writes IPFIX files; returns those files. */
    private static List<Path> collect(List<byte[]> datagrams, String name) throws Exception {
        Collector c = Collector.start(new Collector.Config(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                Files.createDirectories(dir.resolve("collector-" + name.replace('/', '-'))), Duration.ofHours(1)));
        try {
            FlowTools.relay(datagrams, c.localAddress().getPort());
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (c.datagramsReceived() < datagrams.size() && System.nanoTime() < deadline) Thread.sleep(10);
        } finally {
            c.close();
        }
        assertThat(c.rejectedRecords()).isZero();
        return c.completedFiles();
    }

    private static List<FlowRecord> readIpfix(List<Path> files) throws Exception {
        List<FlowRecord> out = new ArrayList<>();
        for (Path f : files) {
            Rejects rejects = new Rejects(f.toString(), null);
            try (InputStream in = Files.newInputStream(f)) {
                new IpfixReader().read(in, sink(out), rejects);
            }
            assertThat(rejects.messages()).isEmpty();
        }
        return out;
    }

    // ---------------------------------------------------------------- tests

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"v5", "v9/2", "v9/4", "ipfix/2", "ipfix/4"})
    void asNumbersOfEveryFlowEqualNfdumps(String name) throws Exception {
        Variant v = variant(name);
        List<String> expected = rows(v.sent().stream().map(f -> FlowRecord.uni(f.startMillis(), f.endMillis(), f.src(),
                f.dst(), f.srcPort(), f.dstPort(), f.protocol(), f.tcpFlags(), f.packets(), f.bytes(),
                v.as().applyAsLong(f.srcAs()), v.as().applyAsLong(f.dstAs()))).toList());

        Path file = FlowTools.nfcapd(v.datagrams(), dir);
        List<String> nfdump = nfdumpRows(file);
        assertThat(nfdump).as("nfdump's records of nfcapd's file (%s)", name).containsExactlyElementsOf(expected);
        assertThat(rows(decode(v.datagrams()))).as("Keyhole decoding the datagrams").containsExactlyElementsOf(nfdump);
        assertThat(rows(readNfcapd(file))).as("Keyhole reading nfcapd's file").containsExactlyElementsOf(nfdump);
        assertThat(rows(readIpfix(collect(v.datagrams(), name)))).as("the IPFIX files of Keyhole's collector")
                .containsExactlyElementsOf(nfdump);
        // The data must exercise what it claims: 0, 16-bit and (4-byte fields) 32-bit AS numbers on both sides.
        assertThat(nfdump).anyMatch(r -> r.contains(" AS0>")).anyMatch(r -> r.endsWith(">AS65535"))
                .anyMatch(r -> r.contains(" AS23456>"));
        if (name.endsWith("/4")) assertThat(nfdump).anyMatch(r -> r.endsWith(">AS4294967295"));
    }

    /** FlowRecords through NfcapdWriter (EXasRouting) and back: nfdump prints the AS numbers written, and so does Keyhole. */
    @Test
    void nfcapdWriterKeepsTheAsNumbersOfFlowRecords() throws Exception {
        Path file = dir.resolve("writer.nfcapd");
        try (NfcapdWriter w = new NfcapdWriter(file, Compression.LZ4)) {
            for (FlowRecord f : flows) w.write(f);
        }
        List<String> nfdump = nfdumpRows(file);
        assertThat(nfdump).containsExactlyElementsOf(rows(flows));
        assertThat(readNfcapd(file)).containsExactlyElementsOf(flows);
    }

    /** {@code keyhole top --by srcas|dstas} over nfcapd's file and over the collector's IPFIX file. */
    @Test
    void topAsNumbersEqualNfdumps() throws Exception {
        Variant v = variant("ipfix/4");
        Path file = FlowTools.nfcapd(v.datagrams(), dir);
        List<Path> ipfix = collect(v.datagrams(), "top");
        TargetScope scope = TargetScope.ofCidrs(TARGET);
        for (String by : List.of("dstas", "srcas")) {
            String out = Tools.run(dir.resolve("top-" + by + ".log"), 60, Tools.require("nfdump", "nfdump").toString(),
                    "-r", file.toString(), NFDUMP_FILTER, "-s", by + "/flows", "-n", "0", "-q", "-o", "csv");
            Map<Long, List<Long>> nf = new HashMap<>();
            List<Long> nfOrder = new ArrayList<>();
            for (String line : out.split("\n")) {
                if (line.isBlank() || line.startsWith("ts,")) continue;
                String[] f = line.split(",");
                nf.put(Long.parseLong(f[4]), List.of(Long.parseLong(f[5]), Long.parseLong(f[7]), Long.parseLong(f[9])));
                nfOrder.add(Long.parseLong(f[5]));
            }
            assertThat(nf).as("nfdump -s %s: every AS of the pool", by).hasSize(AS_POOL.length);
            TopQuery.Key key = by.equals("dstas") ? TopQuery.Key.DSTAS : TopQuery.Key.SRCAS;
            for (Path input : List.of(file, ipfix.get(0))) {
                List<InputFile> inputs = Inputs.resolve(List.of(input), null, m -> fail(m));
                TopQuery.Result r = TopQuery.run(inputs, scope, key, TopQuery.Order.FLOWS, 2, m -> fail(m));
                Map<Long, List<Long>> kh = new HashMap<>();
                for (TopQuery.Row row : r.rows()) kh.put(row.key(), List.of(row.flows(), row.packets(), row.bytes()));
                assertThat(kh).as("%s of %s: AS -> flows, packets, bytes", by, input.getFileName()).isEqualTo(nf);
                assertThat(r.rows().stream().map(TopQuery.Row::flows).toList()).as("order").isEqualTo(nfOrder);
            }
        }
    }
}
