package dev.keyhole.collect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keyhole.bench.ExportEncoder;
import dev.keyhole.records.FlowRecord;
import dev.keyhole.sources.InputFile;
import dev.keyhole.sources.InputFormat;
import dev.keyhole.sources.Inputs;
import dev.keyhole.testing.Bytes;
import dev.keyhole.testing.SflowDatagrams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static dev.keyhole.collect.Senders.MS;
import static org.assertj.core.api.Assertions.assertThat;

/** The collector over real UDP sockets on loopback, in process. */
class CollectorTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private final List<String> log = Collections.synchronizedList(new ArrayList<>());

    private Collector start(Duration rotate, Clock clock) throws Exception {
        return Collector.start(new Collector.Config(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), dir,
                rotate, Collector.DEFAULT_RECEIVE_BUFFER, log::add, clock));
    }

    /** A clock that reads {@code now} (epoch milliseconds), for tests that move time by hand. */
    private static Clock clockAt(AtomicLong now) {
        return new Clock() {
            @Override
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return Instant.ofEpochMilli(now.get());
            }
        };
    }

    private static JsonNode stats(Path ipfix) throws Exception {
        return JSON.readTree(RotatingIpfixFiles.stats(ipfix).toFile());
    }

    @Test
    void aSecondCollectorOnTheSamePortFailsNamingTheAddress() throws Exception {
        Collector first = start(Duration.ofHours(1), null);
        try {
            InetSocketAddress taken = first.localAddress();
            Path other = java.nio.file.Files.createDirectories(dir.resolve("second"));
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> Collector.start(new Collector.Config(taken, other,
                            Duration.ofHours(1), Collector.DEFAULT_RECEIVE_BUFFER, log::add, null)))
                    .isInstanceOf(java.net.BindException.class)
                    .hasMessageStartingWith("cannot listen on udp " + Collector.text(taken) + ": ");
            try (Stream<Path> left = java.nio.file.Files.list(other)) {
                assertThat(left).as("nothing written by the collector that could not listen").isEmpty();
            }
        } finally {
            first.close();
        }
    }

    @Test
    void closeWritesEverySentFlowOfV5V9AndIpfixExporters() throws Exception {
        Collector c = start(Duration.ofHours(1), null);
        InetSocketAddress to = c.localAddress();
        List<FlowRecord> ipfix = Senders.flows(2, 3_000, 1);
        List<FlowRecord> v9 = Senders.flows(3, 2_000, 2);
        List<FlowRecord> v5 = Senders.flows(4, 900, 3).stream().filter(f -> f.src().isV4()).toList();
        try (DatagramChannel a = Senders.exporter(2); DatagramChannel b = Senders.exporter(3); DatagramChannel d = Senders.exporter(4)) {
            Senders.send(a, to, Senders.encode(ExportEncoder.Protocol.IPFIX, 5, ipfix), c);
            Senders.send(b, to, Senders.encode(ExportEncoder.Protocol.V9, 0, v9), c);
            // The last batch goes without waiting: close() must still find it in the socket and write it.
            for (byte[] x : Senders.v5(v5)) d.send(ByteBuffer.wrap(x), to);
        }
        c.close();
        assertThat(c.failure()).isNull();
        List<Path> files = c.completedFiles();
        assertThat(files).singleElement().satisfies(f -> assertThat(f.getFileName().toString()).matches("keyhole-\\d{12}\\.ipfix"));
        List<String> expected = new ArrayList<>();
        Stream.of(ipfix, v9, v5).flatMap(List::stream).map(Senders::key).forEach(expected::add);
        assertThat(Senders.read(files).stream().map(Senders::key).toList()).containsExactlyInAnyOrderElementsOf(expected);
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".part"))).isEmpty();
        }

        JsonNode st = stats(files.get(0));
        assertThat(st.get("records").asLong()).isEqualTo(expected.size());
        assertThat(st.get("datagrams").asLong()).isEqualTo(c.datagramsReceived());
        assertThat(st.get("rejects").get("records").asLong()).isZero();
        assertThat(st.get("receiveBufferGranted").asInt()).isPositive();
        JsonNode exporters = st.get("exporters");
        assertThat(exporters).hasSize(3);
        assertThat(exporters.get(0).get("exporter").asText()).startsWith("127.0.0.2:");
        assertThat(exporters.get(0).get("version").asInt()).isEqualTo(10);
        assertThat(exporters.get(0).get("observationDomain").asLong()).isEqualTo(5);
        assertThat(exporters.get(0).get("flows").asLong()).isEqualTo(ipfix.size());
        assertThat(exporters.get(1).get("sourceId").asLong()).isZero();
        assertThat(exporters.get(2).get("engine").asText()).isEqualTo("0/0");
        for (JsonNode e : exporters) assertThat(e.get("lost").asLong()).as("loss of %s", e).isZero();
    }

    @Test
    void sequenceGapsAreCountedPerExporterInTheStats() throws Exception {
        Collector c = start(Duration.ofHours(1), null);
        List<byte[]> ipfix = Senders.encode(ExportEncoder.Protocol.IPFIX, 1, Senders.flows(2, 400, 4));
        List<byte[]> v9 = Senders.encode(ExportEncoder.Protocol.V9, 1, Senders.flows(3, 400, 5));
        long lostRecords = ExportEncoder.recordCount(ipfix.get(3)) + ExportEncoder.recordCount(ipfix.get(5));
        ipfix.remove(5);
        ipfix.remove(3);
        v9.remove(4);
        try (DatagramChannel a = Senders.exporter(2); DatagramChannel b = Senders.exporter(3)) {
            Senders.send(a, c.localAddress(), ipfix, c);
            Senders.send(b, c.localAddress(), v9, c);
        }
        c.close();
        JsonNode ex = stats(c.completedFiles().get(0)).get("exporters");
        assertThat(ex.get(0).get("lost").asLong()).isEqualTo(lostRecords);
        assertThat(ex.get(0).get("lostUnit").asText()).isEqualTo("records");
        assertThat(ex.get(1).get("lost").asLong()).isEqualTo(1);
        assertThat(ex.get(1).get("lostUnit").asText()).isEqualTo("packets");
    }

    @Test
    void rotationFollowsTheClockAndAnalyzeReadsTheFiles() throws Exception {
        AtomicLong now = new AtomicLong(Instant.parse("2024-05-01T11:59:58Z").toEpochMilli());
        Clock clock = clockAt(now);
        Collector c = start(Duration.ofMinutes(5), clock);
        List<FlowRecord> flows = Senders.flows(2, 600, 6);
        List<byte[]> d = Senders.encode(ExportEncoder.Protocol.IPFIX, 1, flows);
        try (DatagramChannel a = Senders.exporter(2)) {
            Senders.send(a, c.localAddress(), d.subList(0, 10), c);
            Senders.waitFor(() -> c.datagramsDecoded() == 10, 5_000);
            now.set(Instant.parse("2024-05-01T12:00:01Z").toEpochMilli());
            Senders.waitFor(() -> c.completedFiles().size() == 1, 5_000);
            Senders.send(a, c.localAddress(), d.subList(10, d.size()), c);
        }
        c.close();
        assertThat(c.completedFiles()).extracting(p -> p.getFileName().toString())
                .containsExactly("keyhole-202405011155.ipfix", "keyhole-202405011200.ipfix");
        assertThat(Senders.read(c.completedFiles())).hasSize(flows.size());
        JsonNode first = stats(c.completedFiles().get(0));
        assertThat(first.get("periodStart").asText()).isEqualTo("2024-05-01T11:55:00Z");
        assertThat(first.get("periodEnd").asText()).isEqualTo("2024-05-01T12:00:00Z");
        assertThat(first.get("datagrams").asLong()).isEqualTo(10);
        assertThat(stats(c.completedFiles().get(1)).get("datagrams").asLong()).isEqualTo(d.size() - 10);
        // The sequence continues across files: no loss in either.
        assertThat(stats(c.completedFiles().get(1)).get("exporters").get(0).get("lost").asLong()).isZero();

        List<String> skipped = new ArrayList<>();
        List<InputFile> inputs = Inputs.resolve(List.of(dir), null, skipped::add);
        assertThat(skipped).isEmpty();
        assertThat(inputs).extracting(InputFile::format).containsExactly(InputFormat.IPFIX, InputFormat.IPFIX);
    }

    @Test
    void periodsThatAreNotWholeMinutesAreNamedToTheSecond() throws Exception {
        AtomicLong now = new AtomicLong(Instant.parse("2024-05-01T12:00:10Z").toEpochMilli());
        Collector c = start(Duration.ofSeconds(30), clockAt(now));
        Senders.waitFor(() -> c.completedFiles().isEmpty(), 1_000);
        now.set(Instant.parse("2024-05-01T12:00:31Z").toEpochMilli());
        Senders.waitFor(() -> c.completedFiles().size() == 1, 5_000);
        c.close();
        assertThat(c.completedFiles()).extracting(p -> p.getFileName().toString())
                .containsExactly("keyhole-20240501120000.ipfix", "keyhole-20240501120030.ipfix");
        assertThat(stats(c.completedFiles().get(1)).get("periodStart").asText()).isEqualTo("2024-05-01T12:00:30Z");
    }

    @Test
    void aFloodOfGarbageThenValidDatagrams() throws Exception {
        Collector c = start(Duration.ofHours(1), null);
        Random rnd = new Random(99);
        List<byte[]> garbage = new ArrayList<>();
        for (int i = 0; i < 100_000; i++) {
            byte[] g = new byte[1 + rnd.nextInt(300)];
            rnd.nextBytes(g);
            if (g.length > 4 && i % 3 == 0) { // a third look like export headers, to go deeper
                g[0] = 0;
                g[1] = (byte) new int[] {5, 9, 10}[i % 9 / 3];
            }
            garbage.add(g);
        }
        List<FlowRecord> flows = Senders.flows(3, 2_000, 7);
        try (DatagramChannel bad = Senders.exporter(2); DatagramChannel good = Senders.exporter(3)) {
            Senders.send(bad, c.localAddress(), garbage, c);
            Senders.send(good, c.localAddress(), Senders.encode(ExportEncoder.Protocol.IPFIX, 1, flows), c);
        }
        c.close();
        assertThat(c.failure()).isNull();
        assertThat(c.datagramsReceived()).isEqualTo(100_000 + Senders.encode(ExportEncoder.Protocol.IPFIX, 1, flows).size());
        // Every valid flow arrived; the garbage (v5 has no checks a random record could fail) may add some.
        List<String> got = Senders.read(c.completedFiles()).stream().map(Senders::key).toList();
        assertThat(got).containsAll(flows.stream().map(Senders::key).toList());
        JsonNode st = stats(c.completedFiles().get(0));
        assertThat(st.get("notFlowExport").asLong()).isGreaterThan(50_000);
        assertThat(st.get("rejects").get("messages")).hasSize(50);
        assertThat(log).anySatisfy(m -> assertThat(m).contains("more rejects in this period"));
    }

    @Test
    void malformedDatagramsAreReportedWithExporterAndOffsetAndTheirValidPartKept() throws Exception {
        Collector c = start(Duration.ofHours(1), null);
        byte[] tpl = Bytes.of().u16(0).u16(16).u16(256).u16(2).u16(8).u16(4).u16(12).u16(4).toBytes();
        byte[] data = Bytes.of().u16(256).u16(12).ip("10.0.0.1").ip("10.0.0.2").toBytes();
        byte[] broken = Bytes.of().u16(256).u16(40).u32(0).toBytes();
        byte[] v9 = Bytes.of().u16(9).u16(3).u32(1000).u32(MS / 1000).u32(0).u32(0).bytes(tpl).bytes(data).bytes(broken).toBytes();
        try (DatagramChannel a = Senders.exporter(2)) {
            Senders.send(a, c.localAddress(), List.of(v9), c);
            c.close();
            assertThat(Senders.read(c.completedFiles())).singleElement().extracting(f -> f.src() + ">" + f.dst())
                    .isEqualTo("10.0.0.1>10.0.0.2");
            String port = String.valueOf(((InetSocketAddress) a.getLocalAddress()).getPort());
            assertThat(stats(c.completedFiles().get(0)).get("rejects").get("messages").get(0).asText())
                    .isEqualTo("udp datagram: offset 48: exporter 127.0.0.2:" + port + " (NetFlow v9 source id 0): flowset"
                            + " 256 has length 40, more than the 8 bytes left in the datagram; the rest of the datagram"
                            + " (8 bytes) is skipped; records lost: unknown, counted as 1");
            assertThat(log).anySatisfy(m -> assertThat(m).contains("exporter 127.0.0.2:" + port));
        }
    }

    /** Packet samples (v9 layer2packetSectionData) become flows; an ARP sample is counted as skipped in the stats. */
    @Test
    void packetSamplesBecomeFlowsAndTheirNonIpSamplesAreCountedInTheStats() throws Exception {
        Collector c = start(Duration.ofHours(1), null);
        byte[] tpl = Bytes.of().u16(0).u16(16).u16(256).u16(2).u16(10).u16(4).u16(104).u16(48).toBytes();
        byte[] mac = Bytes.of().u32(0x02000000).u16(1).u32(0x02000000).u16(2).toBytes();
        byte[] udp = Bytes.of().bytes(mac).u16(0x0800).u8(0x45).u8(0).u16(60).u32(0).u8(64).u8(17).u16(0)
                .ip("10.0.0.1").ip("10.0.0.2").u16(5353).u16(53).zeros(10).toBytes();
        byte[] arp = Bytes.of().bytes(mac).u16(0x0806).zeros(34).toBytes();
        byte[] data = Bytes.of().u16(256).u16(4 + 2 * 52).u32(7).bytes(udp).u32(7).bytes(arp).toBytes();
        byte[] v9 = Bytes.of().u16(9).u16(3).u32(1000).u32(MS / 1000).u32(0).u32(0).bytes(tpl).bytes(data).toBytes();
        try (DatagramChannel a = Senders.exporter(2)) {
            Senders.send(a, c.localAddress(), List.of(v9), c);
        }
        c.close();
        assertThat(Senders.read(c.completedFiles())).singleElement()
                .extracting(f -> f.src() + ":" + f.srcPort() + ">" + f.dst() + ":" + f.dstPort() + " " + f.bytes())
                .isEqualTo("10.0.0.1:5353>10.0.0.2:53 60");
        var st = stats(c.completedFiles().get(0));
        assertThat(st.get("rejects").get("records").asLong()).isZero();
        assertThat(st.get("skipped").get("packet samples without an IP header").asLong()).isEqualTo(1);
    }

    /** sFlow agents send packet samples to the same port: flows at their arrival time, losses in datagrams. */
    @Test
    void sflowSamplesBecomeFlowsAtTheirArrivalTimeWithLostDatagramsCounted() throws Exception {
        AtomicLong now = new AtomicLong(MS + 5_000);
        Collector c = start(Duration.ofHours(1), clockAt(now));
        byte[] udp = SflowDatagrams.ipv4(SflowDatagrams.ethernet(7).u16(0x0800), "10.0.0.1", "10.0.0.2", 17, 60)
                .u16(5353).u16(53).u16(40).u16(0).zeros(32).toBytes();
        List<byte[]> datagrams = new ArrayList<>();
        for (long seq : new long[] {1, 2, 4}) { // 3 lost on the way
            datagrams.add(SflowDatagrams.datagram("172.16.0.3", 2, seq, 60_000 + seq,
                    SflowDatagrams.flowSample(512, SflowDatagrams.header(1, 82, udp))));
        }
        byte[] arp = SflowDatagrams.ethernet().u16(0x0806).u16(1).u16(0x0800).u8(6).u8(4).u16(1).zeros(20).toBytes();
        datagrams.add(SflowDatagrams.datagram("172.16.0.3", 2, 5, 60_010,
                SflowDatagrams.flowSample(512, SflowDatagrams.header(1, 60, arp))));
        // Another sub-agent of the same agent, whose one sample says it is longer than the datagram.
        byte[] damaged = SflowDatagrams.datagram("172.16.0.3", 3, 1, 60_020,
                SflowDatagrams.flowSample(512, SflowDatagrams.header(1, 82, udp)));
        damaged[28 + 6] = 0x0f;
        datagrams.add(damaged);
        datagrams.add("not flow export".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        try (DatagramChannel a = Senders.exporter(2)) {
            Senders.send(a, c.localAddress(), datagrams, c);
        }
        c.close();
        assertThat(Senders.read(c.completedFiles()))
                .extracting(f -> f.src() + ":" + f.srcPort() + ">" + f.dst() + ":" + f.dstPort() + " " + f.packets() + "/"
                        + f.bytes() + " " + f.startMillis())
                .containsExactly("10.0.0.1:5353>10.0.0.2:53 512/30720 " + (MS + 5_000),
                        "10.0.0.1:5353>10.0.0.2:53 512/30720 " + (MS + 5_000),
                        "10.0.0.1:5353>10.0.0.2:53 512/30720 " + (MS + 5_000));
        JsonNode ex = stats(c.completedFiles().get(0)).get("exporters").get(0);
        assertThat(ex.get("exporter").asText()).startsWith("172.16.0.3:");
        assertThat(ex.get("protocol").asText()).isEqualTo("sflow-v5");
        assertThat(ex.get("version").asInt()).isEqualTo(5);
        assertThat(ex.get("subAgent").asLong()).isEqualTo(2);
        assertThat(ex.get("flows").asLong()).isEqualTo(3);
        assertThat(ex.get("lost").asLong()).isEqualTo(1);
        assertThat(ex.get("lostUnit").asText()).isEqualTo("datagrams");
        // The log says the same in one line, as nfcapd logs each file.
        assertThat(log).contains("keyhole collect: completed " + c.completedFiles().get(0) + ": 3 flows from 1"
                + " exporter in 6 datagrams, 1 datagram lost (sequence gaps), 1 rejected, 1 datagram not flow"
                + " export; skipped: 1 sFlow sample without an IP header");
    }

    @Test
    void samplingIsAppliedBeforeWriting() throws Exception {
        Collector c = start(Duration.ofHours(1), null);
        // v9 options: scope System, SAMPLING_INTERVAL 1000; then a template and one flow of 3 packets.
        byte[] opt = Bytes.of().u16(1).u16(20).u16(300).u16(4).u16(4).u16(1).u16(4).u16(34).u16(4).zeros(2).toBytes();
        byte[] optData = Bytes.of().u16(300).u16(12).u32(0).u32(1000).toBytes();
        byte[] tpl = Bytes.of().u16(0).u16(24).u16(256).u16(4).u16(8).u16(4).u16(12).u16(4).u16(1).u16(4).u16(2).u16(4).toBytes();
        byte[] data = Bytes.of().u16(256).u16(20).ip("10.0.0.1").ip("10.0.0.2").u32(180).u32(3).toBytes();
        byte[] v9 = Bytes.of().u16(9).u16(4).u32(1000).u32(MS / 1000).u32(0).u32(0).bytes(opt).bytes(optData).bytes(tpl)
                .bytes(data).toBytes();
        try (DatagramChannel a = Senders.exporter(2)) {
            Senders.send(a, c.localAddress(), List.of(v9), c);
        }
        c.close();
        assertThat(Senders.read(c.completedFiles())).singleElement().satisfies(f -> {
            assertThat(f.packets()).isEqualTo(3_000);
            assertThat(f.bytes()).isEqualTo(180_000);
        });
        assertThat(stats(c.completedFiles().get(0)).get("rejects").get("records").asLong()).isZero();
    }

    @Test
    void interfaceScopedSamplingIsAppliedPerInputInterfaceBeforeWriting() throws Exception {
        Collector c = start(Duration.ofHours(1), null);
        // v9 options 300: scope Interface (type 2), SAMPLING_INTERVAL: interface 1 at 1 in 100, interface 2 at
        // 1 in 10; options 301: scope System, the default 1 in 4, announced after them.
        byte[] opt = Bytes.of().u16(1).u16(32).u16(300).u16(4).u16(4).u16(2).u16(4).u16(34).u16(4)
                .u16(301).u16(4).u16(4).u16(1).u16(4).u16(34).u16(4).toBytes();
        byte[] optData = Bytes.of().u16(300).u16(20).u32(1).u32(100).u32(2).u32(10).toBytes();
        byte[] optDefault = Bytes.of().u16(301).u16(12).u32(0).u32(4).toBytes();
        // Template 256: addresses, IN_BYTES, IN_PKTS, INPUT_SNMP (2 bytes); flows of interfaces 1, 2 and 3.
        byte[] tpl = Bytes.of().u16(0).u16(28).u16(256).u16(5).u16(8).u16(4).u16(12).u16(4).u16(1).u16(4).u16(2).u16(4)
                .u16(10).u16(2).toBytes();
        Bytes data = Bytes.of().u16(256).u16(4 + 3 * 18 + 2);
        for (int i = 1; i <= 3; i++) data.ip("10.0.0." + i).ip("10.0.1.1").u32(180).u32(3).u16(i);
        byte[] v9 = Bytes.of().u16(9).u16(5).u32(1000).u32(MS / 1000).u32(0).u32(0).bytes(opt).bytes(optData)
                .bytes(optDefault).bytes(tpl).bytes(data.zeros(2).toBytes()).toBytes();
        try (DatagramChannel a = Senders.exporter(2)) {
            Senders.send(a, c.localAddress(), List.of(v9), c);
        }
        c.close();
        List<FlowRecord> read = Senders.read(c.completedFiles());
        assertThat(read).extracting(f -> f.src() + " " + f.packets() + " " + f.bytes())
                .containsExactlyInAnyOrder("10.0.0.1 300 18000", "10.0.0.2 30 1800", "10.0.0.3 12 720");
        assertThat(stats(c.completedFiles().get(0)).get("rejects").get("records").asLong()).isZero();
    }

    /**
     * The collector's clock ages templates: data arriving more than the template lifetime after the
     * exporter last sent its templates is rejected (and said so in the stats) until they come again.
     */
    @Test
    void templatesNotReSentWithinTheirLifetimeExpire() throws Exception {
        // Template ages follow the collector's steady ticks, not its wall clock: the wall clock stays put here.
        AtomicLong now = new AtomicLong(Instant.parse("2024-05-01T12:00:00Z").toEpochMilli());
        AtomicLong ticks = new AtomicLong(5_000);
        Clock clock = clockAt(now);
        Collector c = Collector.start(new Collector.Config(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                dir, Duration.ofHours(1), Collector.DEFAULT_RECEIVE_BUFFER, log::add, clock, Duration.ofMinutes(1),
                ticks::get));
        List<FlowRecord> flows = Senders.flows(2, 600, 6).stream().filter(f -> f.src().isV4()).toList();
        List<byte[]> d = Senders.encode(ExportEncoder.Protocol.IPFIX, 1, flows);
        long early = d.subList(0, 6).stream().mapToLong(ExportEncoder::recordCount).sum();
        long late = d.subList(6, d.size()).stream().mapToLong(ExportEncoder::recordCount).sum();
        try (DatagramChannel a = Senders.exporter(2)) {
            Senders.send(a, c.localAddress(), d.subList(0, 6), c);
            Senders.waitFor(() -> c.datagramsDecoded() == 6, 5_000);
            ticks.addAndGet(Duration.ofMinutes(2).toMillis()); // the wall clock has not moved
            Senders.send(a, c.localAddress(), d.subList(6, d.size()), c);
            Senders.waitFor(() -> c.datagramsDecoded() == d.size(), 5_000);
            // The exporter sends its templates again: its next data is read.
            Senders.send(a, c.localAddress(), List.of(d.get(0), d.get(1)), c);
            Senders.waitFor(() -> c.datagramsDecoded() == d.size() + 2, 5_000);
        }
        c.close();
        assertThat(c.failure()).isNull();
        List<FlowRecord> read = Senders.read(c.completedFiles());
        assertThat(read).hasSize((int) (early + ExportEncoder.recordCount(d.get(1))));
        JsonNode st = stats(c.completedFiles().get(0));
        assertThat(st.get("templatesExpired").asLong()).isEqualTo(1);
        assertThat(st.get("rejects").get("records").asLong()).isEqualTo(late);
        assertThat(st.get("rejects").get("messages").get(0).asText())
                .contains("which expired: not re-sent for 120 s, more than the template lifetime of 60 s");
    }
}
