package dev.keyhole.sources.nfcapd;

import dev.keyhole.enrichment.scope.TargetScope;
import dev.keyhole.query.TopQuery;
import dev.keyhole.records.FlowRecord;
import dev.keyhole.records.Ip;
import dev.keyhole.sources.InputFile;
import dev.keyhole.sources.Inputs;
import dev.keyhole.testing.TestPcap;
import dev.keyhole.testing.Tools;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * nfcapd files made by the real tools in the test run: a pcap built here goes through nfpcapd (every
 * compression it writes), is rewritten by nfdump (every compression it writes) and, separately, goes
 * through softflowd into a listening nfcapd. Keyhole must read every file record by record exactly as
 * nfdump prints it. ZSTD, which nfdump 1.7.1 cannot write, is tested on an nfdump file whose blocks
 * are recompressed unchanged.
 */
class NfcapdToolsInteropTest {
    private static final int CONVERSATIONS = 400;
    private static final long BASE_MICROS = 1_700_000_000_000_000L; // 2023-11-14T22:13:20Z
    private static final List<String> TARGET = List.of("175.45.176.0/22", "210.52.109.0/24", "77.94.35.0/24");
    private static final String NFDUMP_FILTER = "net 175.45.176.0/22 or net 210.52.109.0/24 or net 77.94.35.0/24";
    private static final int[] SERVICE_PORTS = {443, 443, 443, 443, 80, 80, 80, 53, 53, 22, 993, 8080, 1194, 123};

    @TempDir
    static Path dir;

    private static Path nfpcapd, nfdump, nfcapd, softflowd, pcap;
    /** nfpcapd's uncompressed output. */
    private static List<Path> plain;

    @BeforeAll
    static void toolsAndCapture() throws Exception {
        String needs = "nfpcapd, nfdump, nfcapd and softflowd";
        nfpcapd = Tools.require("nfpcapd", needs);
        nfdump = Tools.require("nfdump", needs);
        nfcapd = Tools.require("nfcapd", needs);
        softflowd = Tools.require("softflowd", needs);
        pcap = dir.resolve("flows.pcap");
        Files.write(pcap, buildCapture());
        plain = nfpcapd("plain");
    }

    /**
     * Conversations between clients (60% in the target nets, 30% IPv6) and servers on common ports
     * ({@link NewerNfdumpInteropTest} uses it too).
     */
    static byte[] buildCapture() {
        Random rnd = new Random(20_240_602);
        record Pkt(long micros, int seq, Ip src, Ip dst, int proto, int sp, int dp, int flags, int payload) {}
        List<Pkt> pkts = new ArrayList<>();
        int[] nets = {0xAF2DB000, 0xD2346D00, 0x4D5E2300};
        for (int c = 0; c < CONVERSATIONS; c++) {
            boolean v4 = rnd.nextInt(10) < 7;
            Ip client, server;
            if (v4) {
                client = rnd.nextInt(10) < 6 ? Ip.ofV4(nets[rnd.nextInt(3)] + 1 + rnd.nextInt(250))
                        : Ip.ofV4(0x0a00_0000 | (c + 1));
                server = Ip.ofV4(0xc633_6400 | rnd.nextInt(64));
            } else {
                client = Ip.ofV6(0x2001_0db8_0000_0001L, c + 1);
                server = Ip.ofV6(0x2001_0db8_ffff_0000L, rnd.nextInt(32));
            }
            int port = SERVICE_PORTS[rnd.nextInt(SERVICE_PORTS.length)];
            int proto = port == 53 || port == 1194 || port == 123 ? 17 : 6;
            int cport = 20_000 + c;
            int out = 1 + rnd.nextInt(10), back = rnd.nextInt(5) == 0 ? 0 : 1 + rnd.nextInt(10);
            long t = BASE_MICROS + rnd.nextInt(100_000_000);
            boolean first = true;
            while (out + back > 0) {
                boolean fwd = back == 0 || (out > 0 && (first || rnd.nextBoolean()));
                int flags = proto != 6 ? 0 : first ? 0x02 : fwd ? 0x18 : 0x12;
                if (fwd) {
                    pkts.add(new Pkt(t, pkts.size(), client, server, proto, cport, port, flags, rnd.nextInt(1000)));
                    out--;
                } else {
                    pkts.add(new Pkt(t, pkts.size(), server, client, proto, port, cport, flags, rnd.nextInt(1000)));
                    back--;
                }
                first = false;
                t += 1 + rnd.nextInt(300_000);
            }
        }
        pkts.sort(Comparator.comparingLong(Pkt::micros).thenComparingInt(Pkt::seq));
        TestPcap cap = new TestPcap();
        for (Pkt p : pkts) cap.packet(p.micros(), p.src(), p.dst(), p.proto(), p.sp(), p.dp(), p.flags(), p.payload());
        return cap.toBytes();
    }

    /** Runs nfpcapd over the capture into a new directory; returns its nfcapd files. */
    private static List<Path> nfpcapd(String name, String... options) throws Exception {
        Path out = Files.createDirectories(dir.resolve("nfpcapd-" + name));
        List<String> cmd = new ArrayList<>(List.of(nfpcapd.toString(), "-r", pcap.toString(), "-w", out.toString()));
        cmd.addAll(List.of(options));
        Tools.run(dir.resolve("nfpcapd-" + name + ".log"), 60, cmd.toArray(String[]::new));
        List<Path> files = nfcapdFiles(out);
        assertThat(files).as("files nfpcapd wrote").isNotEmpty();
        return files;
    }

    private static List<Path> nfcapdFiles(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.filter(p -> p.getFileName().toString().matches("nfcapd\\.\\d{12}")).sorted().toList();
        }
    }

    /** Keyhole's rows of a file equal nfdump's, in order, with no rejects; returns the rows. */
    private static List<String> assertSameAsNfdump(Path file) throws Exception {
        NfcapdFiles.Read r = NfcapdFiles.read(file);
        assertThat(r.messages()).as("rejects for %s", file).isEmpty();
        List<String> nf = NfcapdFiles.nfdumpRows(nfdump, file, dir.resolve(file.getFileName() + ".nfdump.log"));
        assertThat(nf).as("nfdump read records from %s", file).isNotEmpty();
        assertThat(r.rows()).as("Keyhole vs nfdump, record by record, %s", file).containsExactlyElementsOf(nf);
        assertThat(r.returned()).isEqualTo(nf.size());
        return nf;
    }

    private static List<String> allRows(List<Path> files) throws Exception {
        List<String> rows = new ArrayList<>();
        for (Path f : files) rows.addAll(assertSameAsNfdump(f));
        return rows;
    }

    private static int compressionOf(Path f) throws IOException {
        try (var in = Files.newInputStream(f)) {
            return in.readNBytes(NfcapdDecoder.FILE_HEADER)[16];
        }
    }

    // ---------------------------------------------------------------- tests

    @Test
    void nfpcapdUncompressedFilesReadAsNfdumpReadsThem() throws Exception {
        List<String> rows = allRows(plain);
        assertThat(compressionOf(plain.get(0))).isEqualTo(Compression.NONE.code);
        assertThat(rows.size()).isGreaterThan(CONVERSATIONS);
        assertThat(rows).anyMatch(r -> r.contains("|2001:db8:")).anyMatch(r -> r.contains("|175.45.176."));
    }

    /** nfpcapd 1.7.1's -j wants an argument (a getopt slip), so BZ2 is covered by the nfdump rewrite below. */
    @ParameterizedTest
    @ValueSource(strings = {"-z", "-y"})
    void nfpcapdCompressedFilesReadAsNfdumpReadsThem(String option) throws Exception {
        List<Path> files = nfpcapd(option.substring(1), option);
        Compression expected = option.equals("-z") ? Compression.LZO : Compression.LZ4;
        assertThat(compressionOf(files.get(0))).isEqualTo(expected.code);
        assertThat(allRows(files)).containsExactlyElementsOf(allRows(plain));
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "-z", "-y", "-j"})
    void filesRewrittenByNfdumpReadAsNfdumpReadsThem(String option) throws Exception {
        Path in = plain.get(0);
        Path out = dir.resolve("rewritten" + option);
        List<String> cmd = new ArrayList<>(List.of(nfdump.toString(), "-r", in.toString(), "-w", out.toString()));
        if (!option.equals("none")) cmd.add(option);
        Tools.run(dir.resolve("rewrite" + option + ".log"), 60, cmd.toArray(String[]::new));
        assertThat(assertSameAsNfdump(out)).containsExactlyElementsOf(assertSameAsNfdump(in));
    }

    @Test
    void zstdBlocksDecodeToTheSameRecords() throws Exception {
        Path in = plain.get(0);
        byte[] zstd = NfcapdFiles.recompress(Files.readAllBytes(in), Compression.ZSTD);
        NfcapdFiles.Read r = NfcapdFiles.read(zstd);
        assertThat(r.messages()).isEmpty();
        assertThat(r.rows()).containsExactlyElementsOf(assertSameAsNfdump(in));
    }

    @ParameterizedTest
    @ValueSource(strings = {"10", "9"})
    void softflowdThroughNfcapdReadsAsNfdumpReadsIt(String version) throws Exception {
        int port;
        try (DatagramSocket probe = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        Path flowDir = Files.createDirectories(dir.resolve("nfcapd-v" + version));
        Path log = dir.resolve("nfcapd-v" + version + ".log");
        Process capd = new ProcessBuilder(nfcapd.toString(), "-w", flowDir.toString(), "-b", "127.0.0.1", "-p",
                String.valueOf(port)).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!Files.readString(log).contains("Startup")) {
                if (!capd.isAlive() || System.nanoTime() > deadline) fail("nfcapd did not start: " + Files.readString(log));
                Thread.sleep(20);
            }
            String out = Tools.run(dir.resolve("softflowd-v" + version + ".log"), 60, softflowd.toString(), "-r",
                    pcap.toString(), "-v", version, "-A", "milli", "-n", "127.0.0.1:" + port);
            assertThat(out).as("softflowd output").contains("(0 failures)");
            Thread.sleep(700);
        } finally {
            capd.destroy(); // SIGTERM: nfcapd flushes and closes its file
            if (!capd.waitFor(20, TimeUnit.SECONDS)) capd.destroyForcibly();
        }
        List<Path> files = nfcapdFiles(flowDir);
        assertThat(files).as("nfcapd files; log:%n%s", Files.readString(log)).isNotEmpty();
        List<String> rows = allRows(files);
        assertThat(rows).anyMatch(r -> r.contains("|2001:db8:")).anyMatch(r -> r.contains("|175.45.176."));
        long packets = rows.stream().mapToLong(r -> Long.parseLong(r.split("\\|")[7])).sum();
        assertThat(packets).as("every packet of the pcap is in a flow").isEqualTo(pcapPackets());
    }

    private static long pcapPackets() throws IOException {
        byte[] b = Files.readAllBytes(pcap);
        long n = 0;
        for (int p = 24; p + 16 <= b.length; n++) {
            int incl = (b[p + 8] & 0xff) | (b[p + 9] & 0xff) << 8 | (b[p + 10] & 0xff) << 16 | (b[p + 11] & 0xff) << 24;
            p += 16 + incl;
        }
        return n;
    }

    @Test
    void writerFilesCarryAsNumbersOutCountersAndIpv6AsNfdumpReadsThem() throws Exception {
        Random rnd = new Random(7);
        List<NfcapdFlow> written = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            NfcapdFlow f = new NfcapdFlow();
            boolean v6 = i % 3 == 0;
            Ip a = v6 ? Ip.ofV6(0x2a00_1450_4001_0800L + rnd.nextInt(100), rnd.nextLong()) : Ip.ofV4(rnd.nextInt());
            Ip b = v6 ? Ip.ofV6(0x2001_0db8_0000_0000L, rnd.nextInt(1000)) : Ip.ofV4(0xAF2DB000 + rnd.nextInt(1024));
            long start = 1_600_000_000_000L + rnd.nextInt(1_000_000_000);
            f.set(FlowRecord.uni(start, start + rnd.nextInt(100_000), a, b, rnd.nextInt(65_536), rnd.nextInt(65_536),
                    i % 5 == 0 ? 17 : 6, rnd.nextInt(64), 1 + rnd.nextInt(1_000_000), 40 + (rnd.nextLong() >>> 24), 0, 0));
            if (i % 4 == 0) {
                f.outPackets = rnd.nextInt(1000);
                f.outBytes = rnd.nextInt(1_000_000);
            }
            if (i % 7 != 0) {
                f.srcAs = rnd.nextInt(70_000);
                f.dstAs = rnd.nextInt() & 0xffff_ffffL;
            }
            written.add(f);
        }
        for (Compression c : List.of(Compression.NONE, Compression.LZO, Compression.LZ4, Compression.BZ2)) {
            Path file = dir.resolve("writer-" + c);
            try (NfcapdWriter w = new NfcapdWriter(file, c, "test", 64 << 10)) {
                for (NfcapdFlow f : written) w.write(f);
            }
            List<String> nf = assertSameAsNfdump(file);
            assertThat(nf).containsExactlyElementsOf(written.stream().map(NfcapdFiles::row).toList());
        }
    }

    /** nfdump 1.6 files (layout 1, common records and extension maps), which nfdump 1.7.1 converts as it reads. */
    @Test
    void layout1FilesReadAsNfdump17ReadsThem() throws Exception {
        Random rnd = new Random(16);
        List<NfcapdFlow> flows = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            boolean v6 = i % 4 == 1;
            boolean wide = i % 2 == 0;
            int map = i % 3;
            Ip a = v6 ? Ip.ofV6(0x2a00_1450_4001_0800L, rnd.nextLong()) : Ip.ofV4(rnd.nextInt());
            Ip b = v6 ? Ip.ofV6(0x2001_0db8_0000_0000L, rnd.nextInt(1000)) : Ip.ofV4(0xD2346D00 + rnd.nextInt(256));
            long start = 1_500_000_000_000L + rnd.nextInt(1_000_000_000);
            NfcapdFlow f = new NfcapdFlow().set(FlowRecord.uni(start, start + rnd.nextInt(100_000), a, b,
                    rnd.nextInt(65_536), rnd.nextInt(65_536), 6, rnd.nextInt(64), 1 + rnd.nextInt(1_000_000),
                    wide ? 1L << 33 | rnd.nextInt() & 0xffff_ffffL : rnd.nextInt() & 0xffff_ffffL, 0, 0));
            if (map == 1) {
                f.srcAs = rnd.nextInt(65_536);
                f.dstAs = rnd.nextInt(65_536);
                f.outPackets = rnd.nextInt(1000);
                f.outBytes = rnd.nextInt() & 0xffff_ffffL;
                f.aggregatedFlows = 1 + rnd.nextInt(5);
            } else if (map == 2) {
                f.srcAs = rnd.nextInt() & 0xffff_ffffL;
                f.dstAs = 131_279;
                f.outPackets = 1L << 32 | rnd.nextInt(1000);
                f.outBytes = 1L << 40 | rnd.nextInt(1000);
                f.aggregatedFlows = 1 + rnd.nextInt(5);
            }
            flows.add(f);
        }
        List<String> expected = flows.stream().map(NfcapdFiles::row).toList();
        for (Compression c : List.of(Compression.NONE, Compression.LZO, Compression.LZ4, Compression.BZ2)) {
            Path file = dir.resolve("layout1-" + c);
            Files.write(file, NfcapdFiles.layout1(flows, c, 300));
            assertThat(assertSameAsNfdump(file)).as("layout 1, %s", c).containsExactlyElementsOf(expected);
        }
    }

    @Test
    void topDestinationPortsEqualNfdumps() throws Exception {
        Path d = plain.get(0).getParent();
        TargetScope scope = TargetScope.ofCidrs(TARGET);
        List<InputFile> inputs = Inputs.resolve(List.of(d), null, m -> fail(m));
        for (String by : List.of("dstport", "srcport")) {
            String out = Tools.run(dir.resolve("top-" + by + ".log"), 60, nfdump.toString(), "-R", d.toString(),
                    NFDUMP_FILTER, "-s", by + "/flows", "-n", "0", "-q", "-o", "csv");
            Map<Long, long[]> nf = new HashMap<>();
            List<Long> nfOrder = new ArrayList<>();
            for (String line : out.split("\n")) {
                if (line.isBlank() || line.startsWith("ts,")) continue;
                String[] f = line.split(",");
                nf.put(Long.parseLong(f[4]), new long[] {Long.parseLong(f[5]), Long.parseLong(f[7]), Long.parseLong(f[9])});
                nfOrder.add(Long.parseLong(f[5]));
            }
            assertThat(nf).as("nfdump found in-scope flows").hasSizeGreaterThan(5);
            TopQuery.Result r = TopQuery.run(inputs, scope, by.equals("dstport") ? TopQuery.Key.DSTPORT : TopQuery.Key.SRCPORT,
                    TopQuery.Order.FLOWS, 2, m -> fail(m));
            Map<Long, long[]> kh = new HashMap<>();
            for (TopQuery.Row row : r.rows()) kh.put(row.key(), new long[] {row.flows(), row.packets(), row.bytes()});
            assertThat(kh.keySet()).as("%s keys", by).isEqualTo(nf.keySet());
            for (var e : nf.entrySet()) {
                assertThat(kh.get(e.getKey())).as("%s %d: flows, packets, bytes", by, e.getKey()).containsExactly(e.getValue());
            }
            // The top 10 in the same order of counts (ports with equal counts may be listed in any order).
            assertThat(r.top(10).stream().map(TopQuery.Row::flows).toList()).isEqualTo(nfOrder.subList(0, 10));
        }
    }
}
