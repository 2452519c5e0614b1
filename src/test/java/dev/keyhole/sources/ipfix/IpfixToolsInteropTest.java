package dev.keyhole.sources.ipfix;

import dev.keyhole.records.FlowRecord;
import dev.keyhole.records.Ip;
import dev.keyhole.testing.TestPcap;
import dev.keyhole.testing.Tools;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static dev.keyhole.sources.ipfix.IpfixBytes.Read;
import static dev.keyhole.sources.ipfix.IpfixBytes.read;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Real tools, generated in the test run: a pcap built here goes through softflowd (IPFIX over UDP);
 * the datagrams received are concatenated into an RFC 5655 file for IpfixReader, and the very same
 * bytes are relayed to nfcapd so that nfdump reads identical input. Keyhole must agree with nfdump
 * and with what the pcap holds.
 */
class IpfixToolsInteropTest {
    private static final int CONVERSATIONS = 300;
    private static final long BASE_MICROS = 1_700_000_000_000_000L; // 2023-11-14T22:13:20Z

    @TempDir
    static Path dir;

    private static Path softflowd, nfcapd, nfdump, pcap;
    /** Per direction (what a uni-directional exporter reports). */
    private static final Map<Key, Dir> expected = new HashMap<>();
    /** Per conversation, keyed by its first direction. */
    private static final Map<Key, Dir> conversations = new HashMap<>();
    private static long totalPackets, totalBytes;

    record Key(Ip src, Ip dst, int srcPort, int dstPort, int proto) {
        static Key of(FlowRecord f) {
            return new Key(f.src(), f.dst(), f.srcPort(), f.dstPort(), f.protocol());
        }

        Key reverse() {
            return new Key(dst, src, dstPort, srcPort, proto);
        }
    }

    static final class Dir {
        long packets, bytes, firstMicros = Long.MAX_VALUE, lastMicros = Long.MIN_VALUE;
        int flags;

        void add(long micros, int ipLen, int tcpFlags) {
            packets++;
            bytes += ipLen;
            firstMicros = Math.min(firstMicros, micros);
            lastMicros = Math.max(lastMicros, micros);
            flags |= tcpFlags;
        }
    }

    /** What a reader reported for one 5-tuple. */
    record Seen(int flows, long packets, long bytes, long start, long end) {}

    @BeforeAll
    static void toolsAndCapture() throws IOException {
        softflowd = tool("softflowd");
        nfcapd = tool("nfcapd");
        nfdump = tool("nfdump");
        pcap = dir.resolve("flows.pcap");
        Files.write(pcap, buildCapture());
    }

    private static Path tool(String name) {
        return Tools.require(name, "softflowd, nfcapd and nfdump");
    }

    /** 300 conversations, 70% IPv4, TCP and UDP, some one-way, with sub-millisecond timestamps. */
    private static byte[] buildCapture() {
        Random rnd = new Random(20_240_601);
        record Pkt(long micros, int seq, Key key, int flags, int payload) {}
        List<Pkt> pkts = new ArrayList<>();
        for (int c = 0; c < CONVERSATIONS; c++) {
            boolean v4 = rnd.nextInt(10) < 7;
            Ip client = v4 ? Ip.ofV4(0x0a00_0000 | (c + 1)) : Ip.ofV6(0x2001_0db8_0000_0001L, c + 1);
            Ip server = v4 ? Ip.ofV4(0xc633_6400 | rnd.nextInt(32)) : Ip.ofV6(0x2001_0db8_ffff_0000L, rnd.nextInt(32));
            int proto = rnd.nextBoolean() ? 6 : 17;
            Key fwd = new Key(client, server, 20_000 + c, proto == 6 ? 443 : 53, proto);
            int out = 1 + rnd.nextInt(12);
            int back = rnd.nextInt(5) == 0 ? 0 : 1 + rnd.nextInt(12);
            long t = BASE_MICROS + rnd.nextInt(120_000_000);
            boolean synSent = false, synAckSent = false;
            while (out + back > 0) {
                boolean forward = back == 0 || (out > 0 && (!synSent || rnd.nextBoolean()));
                int flags = 0;
                if (proto == 6) {
                    if (forward) flags = synSent ? 0x18 : 0x02;
                    else flags = synAckSent ? 0x18 : 0x12;
                }
                if (forward) {
                    synSent = true;
                    out--;
                } else {
                    synAckSent = true;
                    back--;
                }
                pkts.add(new Pkt(t, pkts.size(), forward ? fwd : fwd.reverse(), flags, rnd.nextInt(1200)));
                t += 1 + rnd.nextInt(400_000);
            }
        }
        pkts.sort(Comparator.comparingLong(Pkt::micros).thenComparingInt(Pkt::seq));
        TestPcap cap = new TestPcap();
        for (Pkt p : pkts) {
            int ipLen = cap.packet(p.micros(), p.key().src(), p.key().dst(), p.key().proto(), p.key().srcPort(),
                    p.key().dstPort(), p.flags(), p.payload());
            expected.computeIfAbsent(p.key(), k -> new Dir()).add(p.micros(), ipLen, p.flags());
            Key conv = conversations.containsKey(p.key().reverse()) ? p.key().reverse() : p.key();
            conversations.computeIfAbsent(conv, k -> new Dir()).add(p.micros(), ipLen, p.flags());
            totalPackets++;
            totalBytes += ipLen;
        }
        return cap.toBytes();
    }

    // ---------------------------------------------------------------- running the tools

    /** Runs softflowd over the capture and returns the IPFIX datagrams it sent, in order. */
    private static List<byte[]> softflowd(String... options) throws Exception {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            socket.setReceiveBufferSize(4 << 20);
            List<byte[]> datagrams = Collections.synchronizedList(new ArrayList<>());
            Thread receiver = new Thread(() -> receive(socket, datagrams), "softflowd-receiver");
            receiver.start();
            List<String> cmd = new ArrayList<>(List.of(softflowd.toString(), "-r", pcap.toString(), "-v", "10", "-T",
                    "full", "-n", "127.0.0.1:" + socket.getLocalPort()));
            cmd.addAll(List.of(options));
            Path log = dir.resolve("softflowd-" + String.join("", options).replaceAll("[^a-z]", "") + ".log");
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("softflowd did not finish: " + Files.readString(log));
            }
            assertThat(p.exitValue()).as("softflowd exit code; output:%n%s", Files.readString(log)).isZero();
            receiver.join(10_000);
            socket.close();
            String output = Files.readString(log);
            assertThat(output).as("softflowd output").contains("(0 failures)");
            assertThat(datagrams).as("datagrams from softflowd").isNotEmpty();
            return new ArrayList<>(datagrams);
        }
    }

    /** Receives until the exporter has been quiet for 500 ms. */
    private static void receive(DatagramSocket socket, List<byte[]> into) {
        byte[] buf = new byte[65_535];
        try {
            socket.setSoTimeout(500);
            boolean started = false;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline) {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                try {
                    socket.receive(p);
                    into.add(Arrays.copyOf(p.getData(), p.getLength()));
                    started = true;
                } catch (SocketTimeoutException e) {
                    if (started) return;
                }
            }
        } catch (SocketException closed) {
            // the test closed the socket: done
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] concat(List<byte[]> datagrams) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] d : datagrams) out.writeBytes(d);
        return out.toByteArray();
    }

    /** Relays the datagrams to nfcapd, then reads what it stored with nfdump. */
    private static List<String[]> nfdump(List<byte[]> datagrams) throws Exception {
        int port;
        try (DatagramSocket probe = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        Path flowDir = Files.createDirectories(dir.resolve("nfcapd-" + port));
        Path log = dir.resolve("nfcapd-" + port + ".log");
        Process capd = new ProcessBuilder(nfcapd.toString(), "-w", flowDir.toString(), "-b", "127.0.0.1", "-p",
                String.valueOf(port)).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!Files.readString(log).contains("Startup")) {
                if (!capd.isAlive() || System.nanoTime() > deadline) fail("nfcapd did not start: " + Files.readString(log));
                Thread.sleep(20);
            }
            try (DatagramSocket relay = new DatagramSocket()) {
                for (byte[] d : datagrams) {
                    relay.send(new DatagramPacket(d, d.length, InetAddress.getLoopbackAddress(), port));
                    Thread.sleep(2);
                }
            }
            Thread.sleep(500);
        } finally {
            capd.destroy(); // SIGTERM: nfcapd flushes and closes its file
            if (!capd.waitFor(20, TimeUnit.SECONDS)) capd.destroyForcibly();
        }
        Path file;
        try (Stream<Path> files = Files.list(flowDir)) {
            file = files.filter(p -> p.getFileName().toString().matches("nfcapd\\.\\d{12}")).findFirst()
                    .orElseGet(() -> fail("nfcapd wrote no file; log:\n" + readQuietly(log)));
        }
        ProcessBuilder pb = new ProcessBuilder(nfdump.toString(), "-r", file.toString(), "-q", "-N", "-6", "-o",
                "fmt:%ts|%te|%sa|%da|%sp|%dp|%pr|%pkt|%byt").redirectErrorStream(true);
        pb.environment().put("TZ", "UTC");
        Process dump = pb.start();
        String out = new String(dump.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(dump.waitFor()).as("nfdump exit; output:%n%s", out).isZero();
        List<String[]> rows = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (line.isBlank()) continue;
            String[] f = line.split("\\|");
            assertThat(f).as("nfdump line: %s", line).hasSize(9);
            for (int i = 0; i < f.length; i++) f[i] = f[i].trim();
            rows.add(f);
        }
        return rows;
    }

    private static String readQuietly(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return e.toString();
        }
    }

    // ---------------------------------------------------------------- aggregation

    private static Map<Key, Seen> byTuple(List<FlowRecord> flows) {
        Map<Key, Seen> m = new HashMap<>();
        for (FlowRecord f : flows) {
            m.merge(Key.of(f), new Seen(1, f.packets(), f.bytes(), f.startMillis(), f.endMillis()),
                    IpfixToolsInteropTest::merge);
        }
        return m;
    }

    private static Seen merge(Seen a, Seen b) {
        return new Seen(a.flows() + b.flows(), a.packets() + b.packets(), a.bytes() + b.bytes(),
                Math.min(a.start(), b.start()), Math.max(a.end(), b.end()));
    }

    private static final DateTimeFormatter NFDUMP_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");

    private static Map<Key, Seen> byTupleFromNfdump(List<String[]> rows) {
        Map<Key, Seen> m = new HashMap<>();
        for (String[] r : rows) {
            Key k = new Key(Ip.parse(r[2]), Ip.parse(r[3]), Integer.parseInt(r[4]), Integer.parseInt(r[5]),
                    Integer.parseInt(r[6]));
            long start = LocalDateTime.parse(r[0], NFDUMP_TIME).toInstant(ZoneOffset.UTC).toEpochMilli();
            long end = LocalDateTime.parse(r[1], NFDUMP_TIME).toInstant(ZoneOffset.UTC).toEpochMilli();
            m.merge(k, new Seen(1, Long.parseLong(r[7]), Long.parseLong(r[8]), start, end),
                    IpfixToolsInteropTest::merge);
        }
        return m;
    }

    /** What the pcap says each direction should look like, with softflowd's times encoded by {@code toMillis}. */
    private static Map<Key, Seen> fromPcap(java.util.function.LongUnaryOperator toMillis) {
        Map<Key, Seen> m = new HashMap<>();
        expected.forEach((k, d) -> {
            // softflowd keeps one start/last time per conversation, shared by both directions.
            Dir conv = conversations.containsKey(k) ? conversations.get(k) : conversations.get(k.reverse());
            m.put(k, new Seen(1, d.packets, d.bytes, toMillis.applyAsLong(conv.firstMicros),
                    toMillis.applyAsLong(conv.lastMicros)));
        });
        return m;
    }

    private static final java.util.function.LongUnaryOperator MILLIS = us -> us / 1000;

    /** Compares per-tuple maps and reports only the differences (the maps have hundreds of entries). */
    private static void assertSameFlows(Map<Key, Seen> actual, Map<Key, Seen> expectedFlows, String what) {
        List<String> diffs = new ArrayList<>();
        for (Map.Entry<Key, Seen> e : expectedFlows.entrySet()) {
            Seen a = actual.get(e.getKey());
            if (!e.getValue().equals(a)) diffs.add(e.getKey() + ": expected " + e.getValue() + ", got " + a);
        }
        for (Key k : actual.keySet()) {
            if (!expectedFlows.containsKey(k)) diffs.add(k + ": unexpected " + actual.get(k));
        }
        if (!diffs.isEmpty()) {
            fail(what + ": " + diffs.size() + " of " + expectedFlows.size() + " tuples differ, e.g.\n"
                    + String.join("\n", diffs.subList(0, Math.min(10, diffs.size()))));
        }
    }

    private static Read readExport(List<byte[]> datagrams, String name) throws IOException {
        byte[] file = concat(datagrams);
        Files.write(dir.resolve(name + ".ipfix"), file);
        Read r = read(file);
        assertThat(r.messages()).as("rejects").isEmpty();
        assertThat(r.returned()).isEqualTo(r.flows().size());
        return r;
    }

    // ---------------------------------------------------------------- tests

    @Test
    void keyholeAndNfdumpAgreeWithEachOtherAndWithThePcap() throws Exception {
        List<byte[]> datagrams = softflowd("-A", "milli");
        Read r = readExport(datagrams, "milli");
        Map<Key, Seen> keyhole = byTuple(r.flows());

        assertSameFlows(keyhole, fromPcap(MILLIS), "Keyhole vs the pcap (flows, packets, bytes, start, end)");
        assertThat(r.flows().stream().mapToLong(FlowRecord::packets).sum()).isEqualTo(totalPackets);
        assertThat(r.flows().stream().mapToLong(FlowRecord::bytes).sum()).isEqualTo(totalBytes);
        assertThat(r.flows()).hasSize(expected.size());
        assertThat(r.flows().stream().filter(f -> !f.src().isV4()).count()).isGreaterThan(50);
        for (FlowRecord f : r.flows()) {
            assertThat(f.tcpFlags()).as("flags of %s", Key.of(f)).isEqualTo(expected.get(Key.of(f)).flags);
        }

        Map<Key, Seen> nf = byTupleFromNfdump(nfdump(datagrams));
        assertSameFlows(keyhole, nf, "Keyhole vs nfdump on the same datagrams");
    }

    @Test
    void everySoftflowdTimeFormatGivesThePcapTimes() throws Exception {
        Read sec = readExport(softflowd("-A", "sec"), "sec");
        assertSameFlows(byTuple(sec.flows()), fromPcap(us -> us / 1_000_000 * 1000), "-A sec");
        // softflowd writes NTP fractions of tv_usec + 1 (conv_unix_to_ntp), so x.999999 s becomes x+1 s.
        for (String format : List.of("micro", "nano")) {
            Read r = readExport(softflowd("-A", format), format);
            assertSameFlows(byTuple(r.flows()), fromPcap(us -> (us + 1) / 1000), "-A " + format);
        }
    }

    @Test
    void sysUpTimeWithSystemInitTimeFromOptionsGivesThePcapTimes() throws Exception {
        // -a: softflowd's clock follows the pcap, so flowStart/EndSysUpTime + systemInitTimeMilliseconds
        // (sent in an options record) are absolute pcap times again.
        Read r = readExport(softflowd("-a"), "uptime");
        // softflowd's boot time is the first packet; it sends boot/1000 and (t - boot)/1000, each truncated.
        long boot = conversations.values().stream().mapToLong(d -> d.firstMicros).min().orElseThrow();
        assertSameFlows(byTuple(r.flows()), fromPcap(us -> boot / 1000 + (us - boot) / 1000), "-a (sysUpTime)");
    }

    @Test
    void biflowModeCarriesBothDirectionsInOneRecord() throws Exception {
        Read r = readExport(softflowd("-b", "-A", "milli"), "biflow");
        assertThat(r.flows()).hasSize(conversations.size());
        long packets = 0, bytes = 0;
        for (FlowRecord f : r.flows()) {
            assertThat(f.biflow()).isTrue();
            Key k = Key.of(f);
            Dir fwd = expected.get(k);
            Dir rev = expected.get(k.reverse());
            assertThat(fwd != null || rev != null).as("%s is in the pcap", k).isTrue();
            assertThat(f.packets()).as("%s forward packets", k).isEqualTo(fwd == null ? 0 : fwd.packets);
            assertThat(f.bytes()).as("%s forward bytes", k).isEqualTo(fwd == null ? 0 : fwd.bytes);
            assertThat(f.reversePackets()).as("%s reverse packets", k).isEqualTo(rev == null ? 0 : rev.packets);
            assertThat(f.reverseBytes()).as("%s reverse bytes", k).isEqualTo(rev == null ? 0 : rev.bytes);
            packets += f.totalPackets();
            bytes += f.totalBytes();
        }
        assertThat(packets).isEqualTo(totalPackets);
        assertThat(bytes).isEqualTo(totalBytes);
    }
}
