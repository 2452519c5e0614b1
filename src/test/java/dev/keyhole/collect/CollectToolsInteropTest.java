package dev.keyhole.collect;

import dev.keyhole.records.FlowRecord;
import dev.keyhole.records.Ip;
import dev.keyhole.testing.FlowTools;
import dev.keyhole.testing.TestPcap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * softflowd reads a pcap built here and exports NetFlow v5, v9 or IPFIX; the datagrams go to Keyhole's
 * collector (in process, ephemeral port) and, byte for byte, to nfcapd. Per 5-tuple, the files the
 * collector wrote and nfdump's output must hold the same flows, packets and bytes, and (v5, v9) the
 * same start and end times; Keyhole must match what the pcap holds, times included.
 *
 * <p>For softflowd's IPFIX (flowStart/EndSysUpTime with systemInitTimeMilliseconds in options) nfdump
 * 1.7.1 prints each flow's start and end swapped (start after end), so there only flows, packets and
 * bytes are compared with nfdump, and times with the pcap.
 */
class CollectToolsInteropTest {
    private static final int CONVERSATIONS = 200;
    private static final long BASE_MICROS = 1_700_000_000_000_000L;

    @TempDir
    static Path dir;
    private static Path pcap;
    /** Packets and bytes per direction, as a uni-directional exporter reports them. */
    private static final Map<String, long[]> expected = new HashMap<>();
    /** First and last packet (µs) of each direction's conversation: softflowd reports both directions with them. */
    private static final Map<String, long[]> conversationTimes = new HashMap<>();
    private static long firstPacketMicros = Long.MAX_VALUE;

    @BeforeAll
    static void capture() throws Exception {
        FlowTools.tool("softflowd");
        FlowTools.tool("nfcapd");
        FlowTools.tool("nfdump");
        Random rnd = new Random(77);
        record Pkt(long micros, int seq, Ip src, Ip dst, int proto, int sp, int dp, int flags, int payload) {}
        List<Pkt> pkts = new ArrayList<>();
        for (int c = 0; c < CONVERSATIONS; c++) {
            boolean v4 = rnd.nextInt(10) < 7;
            Ip client = v4 ? Ip.ofV4(0x0a01_0000 | (c + 1)) : Ip.ofV6(0x2001_0db8_0001_0000L, c + 1);
            Ip server = v4 ? Ip.ofV4(0xc633_6400 | rnd.nextInt(16)) : Ip.ofV6(0x2001_0db8_ffff_0000L, rnd.nextInt(16));
            int proto = rnd.nextBoolean() ? 6 : 17;
            int sp = 30_000 + c, dp = proto == 6 ? 443 : 53;
            long t = BASE_MICROS + rnd.nextInt(60_000_000);
            int out = 1 + rnd.nextInt(8), back = rnd.nextInt(4) == 0 ? 0 : 1 + rnd.nextInt(8);
            boolean first = true;
            while (out + back > 0) {
                boolean fwd = back == 0 || (out > 0 && (first || rnd.nextBoolean()));
                int flags = proto != 6 ? 0 : first ? 0x02 : 0x18;
                if (fwd) {
                    pkts.add(new Pkt(t, pkts.size(), client, server, proto, sp, dp, flags, rnd.nextInt(1000)));
                    out--;
                } else {
                    pkts.add(new Pkt(t, pkts.size(), server, client, proto, dp, sp, proto == 6 ? 0x12 : 0, rnd.nextInt(1000)));
                    back--;
                }
                first = false;
                t += 1 + rnd.nextInt(300_000);
            }
        }
        pkts.sort(Comparator.comparingLong(Pkt::micros).thenComparingInt(Pkt::seq));
        TestPcap cap = new TestPcap();
        for (Pkt p : pkts) {
            int len = cap.packet(p.micros(), p.src(), p.dst(), p.proto(), p.sp(), p.dp(), p.flags(), p.payload());
            String k = tuple(p.src(), p.sp(), p.dst(), p.dp(), p.proto());
            long[] pb = expected.computeIfAbsent(k, x -> new long[2]);
            pb[0]++;
            pb[1] += len;
            String r = tuple(p.dst(), p.dp(), p.src(), p.sp(), p.proto());
            long[] conv = conversationTimes.containsKey(r) ? conversationTimes.get(r)
                    : conversationTimes.computeIfAbsent(k, x -> new long[] {Long.MAX_VALUE, Long.MIN_VALUE});
            conv[0] = Math.min(conv[0], p.micros());
            conv[1] = Math.max(conv[1], p.micros());
            conversationTimes.putIfAbsent(r, conv);
            firstPacketMicros = Math.min(firstPacketMicros, p.micros());
        }
        pcap = dir.resolve("conversations.pcap");
        Files.write(pcap, cap.toBytes());
    }

    private static String tuple(Ip src, int sp, Ip dst, int dp, int proto) {
        return src + ":" + sp + ">" + dst + ":" + dp + "/" + proto;
    }

    /** flows, packets, bytes, first start, last end per 5-tuple. */
    private static void add(Map<String, long[]> m, String k, long packets, long bytes, long start, long end) {
        long[] v = m.computeIfAbsent(k, x -> new long[] {0, 0, 0, Long.MAX_VALUE, Long.MIN_VALUE});
        v[0]++;
        v[1] += packets;
        v[2] += bytes;
        v[3] = Math.min(v[3], start);
        v[4] = Math.max(v[4], end);
    }

    private static final DateTimeFormatter NFDUMP_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");

    private static long nfdumpTime(String s) {
        return LocalDateTime.parse(s, NFDUMP_TIME).toInstant(ZoneOffset.UTC).toEpochMilli();
    }

    private static Map<String, long[]> countsOnly(Map<String, long[]> m) {
        Map<String, long[]> c = new HashMap<>();
        m.forEach((k, v) -> c.put(k, new long[] {v[0], v[1], v[2], 0, 0}));
        return c;
    }

    private static String text(long[] v) {
        return v == null ? "nothing" : v[0] + " flows, " + v[1] + " packets, " + v[2] + " bytes, " + v[3] + "-" + v[4];
    }

    /** Compares per-tuple maps and reports only the differences (there are hundreds of tuples). */
    private static void assertSame(Map<String, long[]> actual, Map<String, long[]> expected, String what) {
        List<String> diffs = new ArrayList<>();
        TreeMap<String, long[]> all = new TreeMap<>(expected);
        actual.forEach(all::putIfAbsent);
        for (String k : all.keySet()) {
            long[] a = actual.get(k), e = expected.get(k);
            if (a == null || e == null || !java.util.Arrays.equals(a, e)) diffs.add(k + ": expected " + text(e) + ", got " + text(a));
        }
        if (!diffs.isEmpty()) {
            fail(what + ": " + diffs.size() + " of " + all.size() + " tuples differ, e.g.\n"
                    + String.join("\n", diffs.subList(0, Math.min(10, diffs.size()))));
        }
    }

    @ParameterizedTest(name = "softflowd -v {0}")
    @ValueSource(strings = {"5", "9", "10"})
    void collectorAndNfdumpAgreeFlowForFlow(String version) throws Exception {
        // -a: softflowd's clock follows the pcap, so sysUpTime values and header times agree with it.
        List<byte[]> datagrams = FlowTools.softflowd(pcap, dir, version, "-a");

        Path out = Files.createDirectories(dir.resolve("keyhole-v" + version));
        Collector c = Collector.start(new Collector.Config(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                out, Duration.ofHours(1)));
        try {
            FlowTools.relay(datagrams, c.localAddress().getPort());
        } finally {
            c.close();
        }
        assertThat(c.rejectedRecords()).isZero();
        Map<String, long[]> keyhole = new HashMap<>();
        for (FlowRecord f : Senders.read(c.completedFiles())) {
            add(keyhole, tuple(f.src(), f.srcPort(), f.dst(), f.dstPort(), f.protocol()), f.packets(), f.bytes(),
                    f.startMillis(), f.endMillis());
        }

        Map<String, long[]> nf = new HashMap<>();
        for (String[] r : FlowTools.nfdump(datagrams, dir)) {
            add(nf, tuple(Ip.parse(r[2]), Integer.parseInt(r[4]), Ip.parse(r[3]), Integer.parseInt(r[5]),
                    Integer.parseInt(r[6])), Long.parseLong(r[7]), Long.parseLong(r[8]), nfdumpTime(r[0]), nfdumpTime(r[1]));
        }
        if (version.equals("10")) {
            assertSame(countsOnly(keyhole), countsOnly(nf), "Keyhole vs nfdump (flows, packets, bytes) for IPFIX");
        } else {
            assertSame(keyhole, nf, "Keyhole vs nfdump (flows, packets, bytes, start, end) for v" + version);
        }

        // And both say what the pcap says (v5 carries IPv4 only).
        Map<String, long[]> pcapSays = new HashMap<>();
        expected.forEach((k, v) -> {
            if (!version.equals("5") || !k.contains("::")) pcapSays.put(k, v);
        });
        if (keyhole.size() != pcapSays.size()) fail("tuples: Keyhole " + keyhole.size() + ", pcap " + pcapSays.size());
        // softflowd -a: its boot is the first packet; it sends times as boot/1000 + (t - boot)/1000 (truncated).
        long boot = firstPacketMicros;
        pcapSays.forEach((k, v) -> {
            long[] got = keyhole.get(k);
            assertThat(got).as("tuple %s", k).isNotNull();
            long[] conv = conversationTimes.get(k);
            long start = boot / 1000 + (conv[0] - boot) / 1000, end = boot / 1000 + (conv[1] - boot) / 1000;
            assertThat(new long[] {got[0], got[1], got[2]}).as("flows, packets, bytes of %s", k).containsExactly(1, v[0], v[1]);
            // The header's clock: IPFIX carries systemInitTimeMilliseconds (exact); v5 has ns but softflowd
            // truncates twice (1 ms); v9 has whole seconds only, so times come out up to 1 s early.
            long low = version.equals("9") ? -999 : version.equals("5") ? -1 : 0, high = version.equals("5") ? 1 : 0;
            assertThat(got[3] - start).as("start of %s", k).isBetween(low, high);
            assertThat(got[4] - end).as("end of %s", k).isBetween(low, high);
        });
    }

    /**
     * softflowd -b exports each conversation as one RFC 5103 biflow. The collector's files must keep both
     * directions: forward and reverse packets and bytes per conversation as the pcap holds them.
     */
    @org.junit.jupiter.api.Test
    void biflowExportKeepsTheReverseCountersInTheCollectorsFiles() throws Exception {
        List<byte[]> datagrams = FlowTools.softflowd(pcap, dir, "10", "-a", "-b");
        Collector c = Collector.start(new Collector.Config(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                Files.createDirectories(dir.resolve("biflow")), Duration.ofHours(1)));
        try {
            FlowTools.relay(datagrams, c.localAddress().getPort());
        } finally {
            c.close();
        }
        assertThat(c.rejectedRecords()).isZero();
        List<FlowRecord> flows = Senders.read(c.completedFiles());
        assertThat(flows).hasSize(CONVERSATIONS);
        long reverseBytes = 0;
        for (FlowRecord f : flows) {
            String k = tuple(f.src(), f.srcPort(), f.dst(), f.dstPort(), f.protocol());
            String r = tuple(f.dst(), f.dstPort(), f.src(), f.srcPort(), f.protocol());
            long[] fwd = expected.getOrDefault(k, new long[2]), rev = expected.getOrDefault(r, new long[2]);
            assertThat(f.biflow()).as("biflow %s", k).isTrue();
            assertThat(new long[] {f.packets(), f.bytes(), f.reversePackets(), f.reverseBytes()}).as("counters of %s", k)
                    .containsExactly(fwd[0], fwd[1], rev[0], rev[1]);
            reverseBytes += f.reverseBytes();
        }
        assertThat(reverseBytes).isPositive();
    }

    /**
     * softflowd -s 4 keeps every 4th packet and announces it: in the v5 header, in v9 / IPFIX options
     * records. Each conversation here has 40 same-size packets in a row, so every flow keeps exactly 10;
     * scaled by 4, Keyhole must give back exactly what the pcap holds. nfdump 1.7.1 scales v5 the same way
     * but leaves v9 / IPFIX counters as sampled: there its figures times 4 are Keyhole's.
     */
    @ParameterizedTest(name = "softflowd -s 4 -v {0}")
    @ValueSource(strings = {"5", "9", "10"})
    void sampledExportIsScaledBackToWhatThePcapHolds(String version) throws Exception {
        TestPcap cap = new TestPcap();
        Map<String, long[]> pcapSays = new HashMap<>();
        long t = BASE_MICROS;
        for (int c = 0; c < 30; c++) {
            Ip client = Ip.ofV4(0x0a02_0000 | c), server = Ip.ofV4(0xc633_6401);
            for (int i = 0; i < 40; i++) {
                int len = cap.packet(t, client, server, 17, 20_000 + c, 53, 0, 100);
                long[] v = pcapSays.computeIfAbsent(tuple(client, 20_000 + c, server, 53, 17), k -> new long[2]);
                v[0]++;
                v[1] += len;
                t += 1_000;
            }
        }
        Path sampled = dir.resolve("sampled.pcap");
        Files.write(sampled, cap.toBytes());
        List<byte[]> datagrams = FlowTools.softflowd(sampled, dir, version, "-a", "-s", "4");
        Collector c = Collector.start(new Collector.Config(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                Files.createDirectories(dir.resolve("sampled-v" + version)), Duration.ofHours(1)));
        try {
            FlowTools.relay(datagrams, c.localAddress().getPort());
        } finally {
            c.close();
        }
        Map<String, long[]> keyhole = new HashMap<>();
        for (FlowRecord f : Senders.read(c.completedFiles())) {
            long[] v = keyhole.computeIfAbsent(tuple(f.src(), f.srcPort(), f.dst(), f.dstPort(), f.protocol()), k -> new long[2]);
            v[0] += f.packets();
            v[1] += f.bytes();
        }
        assertThat(keyhole).hasSameSizeAs(pcapSays);
        pcapSays.forEach((k, v) -> assertThat(keyhole.get(k)).as("packets, bytes of %s", k).containsExactly(v[0], v[1]));

        int nfdumpScale = version.equals("5") ? 1 : 4;
        Map<String, long[]> nf = new HashMap<>();
        for (String[] r : FlowTools.nfdump(datagrams, dir)) {
            long[] v = nf.computeIfAbsent(tuple(Ip.parse(r[2]), Integer.parseInt(r[4]), Ip.parse(r[3]),
                    Integer.parseInt(r[5]), Integer.parseInt(r[6])), k -> new long[2]);
            v[0] += Long.parseLong(r[7]) * nfdumpScale;
            v[1] += Long.parseLong(r[8]) * nfdumpScale;
        }
        assertThat(nf).hasSameSizeAs(keyhole);
        keyhole.forEach((k, v) -> assertThat(nf.get(k)).as("nfdump x %d for %s", nfdumpScale, k).containsExactly(v[0], v[1]));
    }
}
