package dev.keyhole.sources.sflow;

import dev.keyhole.records.FlowRecord;
import dev.keyhole.records.Ip;
import dev.keyhole.records.RecordSink;
import dev.keyhole.sources.Rejects;
import dev.keyhole.sources.netflow.ExportDecoder;
import dev.keyhole.sources.pcap.PcapReader;
import dev.keyhole.testing.Bytes;
import dev.keyhole.testing.CaptureWriter;
import dev.keyhole.testing.Mutations;

import static dev.keyhole.testing.SflowDatagrams.*;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * sFlow v5 datagrams built here field by field from the specification (sflow.org, sFlow Version 5):
 * each flow sample is a flow of one packet scaled by its sampling rate; real agents' output is checked
 * in {@code SflowToolsInteropTest}.
 */
class SflowDecoderTest {
    private static final long NOW = 1_700_000_000_123L;

    private final List<FlowRecord> flows = new ArrayList<>();
    private final Rejects rejects = new Rejects("udp datagram", null);
    private final ExportDecoder decoder = new ExportDecoder(new RecordSink() {
        @Override
        public void flow(FlowRecord f) {
            flows.add(f);
        }
    });

    private void send(byte[] d) {
        decoder.datagram(d, 0, d.length, Ip.parse("198.51.100.9"), 6343, 0, rejects, 1_000, NOW);
    }

    static String text(FlowRecord f) {
        return f.src() + ":" + f.srcPort() + " > " + f.dst() + ":" + f.dstPort() + " p" + f.protocol() + " f"
                + f.tcpFlags() + " " + f.packets() + "/" + f.bytes() + " as" + f.srcAs() + "/" + f.dstAs();
    }

    @Test
    void flowSamplesBecomeOnePacketFlowsScaledByTheirRate() {
        // 1. Ethernet, VLAN 100, IPv4 TCP PSH+ACK of 421 bytes, cut at 64 bytes, with AS numbers.
        byte[] tcp = Arrays.copyOf(ipv4(ethernet(100).u16(0x0800), "104.26.8.24", "45.90.161.46", 6, 421)
                .u16(443).u16(56876).u32(1).u32(2).u8(0x50).u8(0x18).u16(100).zeros(40).toBytes(), 64);
        // 2. IPv6 UDP in an expanded sample: 40 + 60 bytes.
        byte[] v6 = ethernet().u16(0x86dd).u32(0x60000000).u16(60).u8(17).u8(64).ip("2001:db8::1").ip("2001:db8::2")
                .u16(5353).u16(53).u16(60).u16(0).toBytes();
        // 3. A bare IPv4 header (header protocol 11): ICMP echo request, 84 bytes.
        byte[] icmp = ipv4(Bytes.of(), "10.0.0.3", "8.8.8.8", 1, 84).u8(8).u8(0).u16(0).toBytes();
        // 4. No header, a sampled IPv4 record (3): length, protocol, addresses, ports, flags, tos.
        byte[] sampled = tagged(3, Bytes.of().u32(1344).u32(17).ip("50.50.50.50").ip("51.51.51.51").u32(46622)
                .u32(58631).u32(0).u32(0).toBytes());
        // 5. ARP: sampled, but no flow of any address.
        byte[] arp = ethernet().u16(0x0806).u16(1).u16(0x0800).u8(6).u8(4).u16(1).zeros(20).toBytes();
        // 6. A counter sample (2) and 7. a sample of another enterprise: not flows, passed over.
        byte[] counters = tagged(2, Bytes.of().u32(1).u32(3).u32(0).toBytes());
        byte[] vendor = tagged((9 << 12) | 1, Bytes.of().u32(1).u32(2).toBytes());

        send(datagram("172.16.0.3", 0, 1, 60_000,
                flowSample(1024, tagged(1001, Bytes.of().u32(100).u32(0).u32(100).u32(0).toBytes()),
                        header(1, 425, tcp), gateway(39421, 13335)),
                expandedSample(1000, header(1, 118, v6)),
                flowSample(1, header(11, 84, icmp)),
                flowSample(256, sampled, gateway(39421, 0, 203698, 6762, 26615)),
                flowSample(512, header(1, 64, arp)),
                counters, vendor));

        assertThat(rejects.messages()).isEmpty();
        assertThat(flows).extracting(SflowDecoderTest::text).containsExactly(
                "104.26.8.24:443 > 45.90.161.46:56876 p6 f24 1024/431104 as13335/39421",
                "2001:db8::1:5353 > 2001:db8::2:53 p17 f0 1000/100000 as0/0",
                "10.0.0.3:0 > 8.8.8.8:2048 p1 f0 1/84 as0/0",
                "50.50.50.50:46622 > 51.51.51.51:58631 p17 f0 256/344064 as39421/26615");
        assertThat(flows).allSatisfy(f -> {
            assertThat(f.startMillis()).isEqualTo(NOW);
            assertThat(f.endMillis()).isEqualTo(NOW);
        });
        assertThat(rejects.skipped()).containsEntry(SflowDecoder.NOT_IP, 1L).containsEntry(SflowDecoder.COUNTERS, 1L);
        ExportDecoder.SourceStats s = decoder.stats(false).get(0);
        assertThat(s.exporter()).isEqualTo("172.16.0.3:6343"); // the agent the datagram names, not its sender
        assertThat(s.protocol()).isEqualTo("sflow-v5");
        assertThat(s.protocolVersion()).isEqualTo(5);
        assertThat(s.flows()).isEqualTo(4);
    }

    @Test
    void sequenceGapsCountLostDatagramsPerAgentAndSubAgent() {
        byte[] udp = ipv4(ethernet().u16(0x0800), "10.0.0.1", "10.0.0.2", 17, 28).u16(1).u16(2).u16(8).u16(0).toBytes();
        send(datagram("172.16.0.3", 0, 10, 60_000, flowSample(1, header(1, 46, udp))));
        send(datagram("172.16.0.3", 0, 14, 61_000, flowSample(1, header(1, 46, udp)))); // 11-13 lost
        send(datagram("172.16.0.3", 1, 500, 61_000, flowSample(1, header(1, 46, udp)))); // another sub-agent
        send(datagram("172.16.0.3", 0, 1, 5_000, flowSample(1, header(1, 46, udp)))); // uptime went back: restart
        assertThat(flows).hasSize(4);
        ExportDecoder.SourceStats main = decoder.stats(false).stream().filter(x -> x.domain() == 0).findFirst().orElseThrow();
        assertThat(main.lost()).isEqualTo(3);
        assertThat(main.lossUnit()).isEqualTo("datagrams");
        assertThat(main.resets()).isEqualTo(1);
        assertThat(decoder.stats(false)).hasSize(2);
        decoder.reportLoss(rejects, 0);
        assertThat(rejects.messages()).containsExactly("udp datagram: offset 0: exporter 172.16.0.3:6343 (sFlow v5"
                + " sub-agent 0): sequence numbers show 3 datagrams missing (lost before reaching Keyhole), 0 late"
                + " datagrams, 1 restarts");
    }

    @Test
    void bytesAfterTheCountedSamplesAreCountedAndWholeFlowSamplesThereReportedLost() {
        byte[] udp = ipv4(ethernet().u16(0x0800), "10.0.0.1", "10.0.0.2", 17, 28).u16(1).u16(2).u16(8).u16(0).toBytes();
        byte[] sample = flowSample(2, header(1, 46, udp));
        byte[] d = datagram("172.16.0.3", 0, 1, 60_000, sample);
        // Bytes that are not samples: counted by kind, no message per datagram, nothing lost.
        send(Arrays.copyOf(d, d.length + 12));
        send(Arrays.copyOf(d, d.length + 12));
        assertThat(flows).extracting(SflowDecoderTest::text).containsExactly("10.0.0.1:1 > 10.0.0.2:2 p17 f0 2/56 as0/0",
                "10.0.0.1:1 > 10.0.0.2:2 p17 f0 2/56 as0/0");
        assertThat(rejects.messages()).isEmpty();
        assertThat(rejects.count()).isZero();
        assertThat(rejects.skipped()).containsEntry(SflowDecoder.TRAILING, 2L);
        // Two whole flow samples and a counter sample past a count of one (an agent's wrong count): not
        // read, as the specification says, but the flow samples are reported lost.
        byte[] counters = tagged(2, Bytes.of().u32(1).u32(3).u32(0).toBytes());
        byte[] extra = Bytes.of().bytes(d).bytes(sample).bytes(counters).bytes(sample).toBytes();
        flows.clear();
        send(extra);
        assertThat(flows).hasSize(1);
        assertThat(rejects.messages()).containsExactly("udp datagram: offset " + d.length + ": exporter 172.16.0.3:6343"
                + " (sFlow v5 sub-agent 0): " + (extra.length - d.length) + " bytes after the 1 sample(s) the header"
                + " counts hold 3 more whole sample(s), not read (the count is what the specification and other"
                + " collectors go by); records lost: 2 (flow samples)");
        assertThat(rejects.count()).isEqualTo(2);
    }

    @Test
    void damageIsReportedAtItsOffsetAndTheSamplesBeforeItKept() {
        byte[] udp = ipv4(ethernet().u16(0x0800), "10.0.0.1", "10.0.0.2", 17, 28).u16(1).u16(2).u16(8).u16(0).toBytes();
        byte[] good = flowSample(2, header(1, 46, udp));
        byte[] d = datagram("172.16.0.3", 0, 1, 60_000, good, good);
        // The header (28 bytes) and the first sample: the second sample says it is 4,000 bytes long.
        int second = 28 + good.length;
        byte[] bad = d.clone();
        bad[second + 6] = 0x0f;
        bad[second + 7] = (byte) 0xa0;
        send(bad);
        assertThat(flows).extracting(SflowDecoderTest::text).containsExactly("10.0.0.1:1 > 10.0.0.2:2 p17 f0 2/56 as0/0");
        assertThat(rejects.messages()).containsExactly("udp datagram: offset " + second + ": exporter 172.16.0.3:6343"
                + " (sFlow v5 sub-agent 0): sample 2 of 2 is 4000 bytes long, more than the " + (d.length - second - 8)
                + " left in the datagram; the rest is skipped; records lost: unknown, counted as 1");
        assertThat(rejects.count()).isEqualTo(1);

        // Cut after the first sample: the count says two.
        flows.clear();
        send(Arrays.copyOf(d, second));
        assertThat(flows).hasSize(1);
        assertThat(rejects.messages()).last().asString()
                .endsWith("datagram ends after 1 of its 2 samples; records lost: unknown, counted as 1");

        // A garbage sample count does not inflate the rejects: what is missing is unknown, counted as 1.
        long rejectedBefore = rejects.count();
        byte[] huge = datagram("172.16.0.3", 0, 2, 60_000);
        Arrays.fill(huge, 24, 28, (byte) 0xff);
        send(huge);
        assertThat(rejects.messages()).last().asString()
                .endsWith("datagram ends after 0 of its 4294967295 samples; records lost: unknown, counted as 1");
        assertThat(rejects.count() - rejectedBefore).isEqualTo(1);

        // A raw header record that says its header is longer than the record: rejected at the record (after
        // the 28-byte datagram header, the sample's tag and its 32-byte header).
        flows.clear();
        byte[] rec = header(1, 46, udp);
        rec[8 + 15] = (byte) 200; // header length 200 in a record of 16 + 44 bytes
        byte[] badHeader = datagram("172.16.0.3", 0, 3, 60_000, flowSample(1, rec));
        send(badHeader);
        assertThat(flows).isEmpty();
        assertThat(rejects.messages()).last().asString().isEqualTo("udp datagram: offset 68: exporter 172.16.0.3:6343"
                + " (sFlow v5 sub-agent 0): raw packet header record of 60 bytes says its header is 200 bytes; the flow"
                + " sample gives no flow; records lost: 1");

        // A header that is not sFlow v5, and one cut inside the agent address.
        send(Bytes.of().u32(4).u32(1).toBytes());
        send(Arrays.copyOf(d, 10));
        assertThat(rejects.messages()).last().asString()
                .isEqualTo("udp datagram: offset 0: exporter 198.51.100.9:6343: sFlow header cut inside the agent address;"
                        + " datagram ignored");
        assertThat(rejects.messages()).anySatisfy(m -> assertThat(m).contains("sFlow version 4 (only version 5 is read)"));
    }

    @Test
    void capturesWithoutTimesSkipTheirSamples() {
        byte[] udp = ipv4(ethernet().u16(0x0800), "10.0.0.1", "10.0.0.2", 17, 28).u16(1).u16(2).u16(8).u16(0).toBytes();
        byte[] d = datagram("172.16.0.3", 0, 1, 60_000, flowSample(1, header(1, 46, udp)));
        decoder.datagram(d, 0, d.length, Ip.parse("198.51.100.9"), 6343, 0, rejects);
        assertThat(flows).isEmpty();
        assertThat(rejects.skipped()).containsEntry(SflowDecoder.NO_TIME, 1L);
    }

    @Test
    void looksLikeSflowTellsItFromOtherUdp() {
        byte[] udp = ipv4(ethernet().u16(0x0800), "10.0.0.1", "10.0.0.2", 17, 28).u16(1).u16(2).u16(8).u16(0).toBytes();
        byte[] d = datagram("172.16.0.3", 0, 1, 60_000, flowSample(1, header(1, 46, udp)));
        assertThat(SflowDecoder.looksLikeSflow(d, 0, d.length, d.length)).isTrue();
        byte[] v6agent = datagram("2001:db8::3", 0, 1, 60_000, flowSample(1, header(1, 46, udp)));
        assertThat(SflowDecoder.looksLikeSflow(v6agent, 0, v6agent.length, v6agent.length)).isTrue();
        // Cut by a snaplen after the header: the samples fit the datagram on the wire, so it is sFlow (cut).
        assertThat(SflowDecoder.looksLikeSflow(d, 0, 40, d.length)).isTrue();
        byte[] many = d.clone();
        many[27] = 100; // 100 samples cannot fit
        assertThat(SflowDecoder.looksLikeSflow(many, 0, many.length, many.length)).isFalse();
        byte[] type3 = d.clone();
        type3[7] = 3; // no such agent address type
        assertThat(SflowDecoder.looksLikeSflow(type3, 0, type3.length, type3.length)).isFalse();
        // A DNS message whose id is 0 and flags 0x0005: the address type (its counts) gives it away.
        byte[] dns = Bytes.of().u16(0).u16(5).u16(1).u16(0).u32(0).u32(0).u32(0).u32(0).u32(0).toBytes();
        assertThat(SflowDecoder.looksLikeSflow(dns, 0, dns.length, dns.length)).isFalse();
    }

    /**
     * Sampled IPv6 records, ICMP type and code in a sampled IPv4 record, an IPv6 agent, a rate of 0 (no
     * sampling), an agent without an address (its sender stands for it), a discarded packet, and counters
     * that scaling makes implausible.
     */
    @Test
    void recordsAgentsAndRatesOfEveryKind() {
        byte[] v6 = tagged(4, Bytes.of().u32(1280).u32(6).ip("2001:db8::1").ip("2001:db8::2").u32(443).u32(50000)
                .u32(0x12).u32(0).toBytes());
        byte[] icmp = tagged(3, Bytes.of().u32(84).u32(1).ip("10.0.0.3").ip("8.8.8.8").u32(3).u32(1).u32(0).u32(0)
                .toBytes());
        send(datagram("2001:db8::99", 4, 1, 60_000, flowSample(0, v6), flowSample(10, icmp)));
        assertThat(rejects.messages()).isEmpty();
        assertThat(flows).extracting(SflowDecoderTest::text).containsExactly(
                "2001:db8::1:443 > 2001:db8::2:50000 p6 f18 1/1280 as0/0",
                "10.0.0.3:0 > 8.8.8.8:769 p1 f0 10/840 as0/0"); // unreachable (3), host (1)
        assertThat(decoder.stats(false)).singleElement().satisfies(x -> {
            assertThat(x.exporter()).isEqualTo("[2001:db8::99]:6343");
            assertThat(x.domain()).isEqualTo(4);
        });

        // Agent 0.0.0.0: the sender's address; a discarded packet (output format 1): skipped, not traffic.
        flows.clear();
        byte[] discarded = flowSample(1, v6);
        discarded[8 + 24] = 0x40; // output interface: format 1 (discarded), reason 0
        send(datagram("0.0.0.0", 0, 1, 60_000, flowSample(1, v6), discarded));
        assertThat(flows).hasSize(1);
        assertThat(rejects.skipped()).containsEntry(SflowDecoder.DISCARDED, 1L);
        assertThat(decoder.stats(false)).anySatisfy(x -> assertThat(x.exporter()).isEqualTo("198.51.100.9:6343"));

        // 2^28 bytes at 1 in 2^32 - 1: more than 2^48 bytes, rejected at the sample.
        byte[] huge = tagged(4, Bytes.of().u32(1L << 28).u32(6).ip("2001:db8::1").ip("2001:db8::2").u32(443).u32(50000)
                .u32(0x12).u32(0).toBytes());
        byte[] big = datagram("172.16.0.3", 0, 1, 60_000, flowSample(0xffff_ffffL, huge));
        send(big);
        assertThat(flows).hasSize(1);
        assertThat(rejects.messages()).singleElement().asString().startsWith("udp datagram: offset 28: exporter"
                + " 172.16.0.3:6343 (sFlow v5 sub-agent 0): flow sample with sampling rate 4294967295: implausible"
                + " counters (packets 4294967295, bytes 1152921504338411520");
    }

    /** sFlow in a capture: found among other UDP, each sample timed by its packet's capture time. */
    @Test
    void capturesOfSflowGiveFlowsAtTheirCaptureTimes() throws Exception {
        byte[] udp = ipv4(ethernet().u16(0x0800), "10.0.0.1", "10.0.0.2", 17, 28).u16(1).u16(2).u16(8).u16(0).toBytes();
        CaptureWriter w = new CaptureWriter(CaptureWriter.Format.PCAP_NS_LE, CaptureWriter.ETHERNET);
        long nanos = NOW * 1_000_000L;
        Ip agent = Ip.parse("172.16.0.3"), collector = Ip.parse("192.0.2.50");
        w.packet(nanos, CaptureWriter.udp(CaptureWriter.ETHERNET, agent, 40000, collector, 6343,
                datagram("172.16.0.3", 0, 1, 60_000, flowSample(100, header(1, 46, udp))), 0));
        // A DNS response on the same port and a later datagram.
        w.packet(nanos + 1, CaptureWriter.udp(CaptureWriter.ETHERNET, agent, 53, collector, 6343,
                Bytes.of().u16(0).u16(0x8180).u16(1).u16(1).u32(0).toBytes(), 0));
        w.packet(nanos + 2_000_000_000L, CaptureWriter.udp(CaptureWriter.ETHERNET, agent, 40000, collector, 6343,
                datagram("172.16.0.3", 0, 2, 62_000, flowSample(100, header(1, 46, udp))), 0));
        List<FlowRecord> got = new ArrayList<>();
        Rejects r = new Rejects("sflow.pcap", null);
        new PcapReader().read(new ByteArrayInputStream(w.toBytes()), new RecordSink() {
            @Override
            public void flow(FlowRecord f) {
                got.add(f);
            }
        }, r);
        assertThat(got).extracting(f -> f.startMillis() + " " + f.packets() + "/" + f.bytes())
                .containsExactly(NOW + " 100/2800", (NOW + 2_000) + " 100/2800");
        assertThat(r.messages()).singleElement().asString().contains("skipped: 1 UDP datagram that is not NetFlow"
                + " v5/v9, IPFIX or sFlow v5");
    }

    /** --decap reaches captures through the reader of their format: a VXLAN sample is its inner packet. */
    @Test
    void capturesOpenTheTunnelsTheReaderIsGiven() throws Exception {
        Ip inner1 = Ip.parse("10.9.0.1"), inner2 = Ip.parse("10.9.0.2");
        byte[] innerIp = dev.keyhole.testing.TestPcap.ip(inner1, inner2, 6, 40000, 22, 0x02, 0, 1);
        byte[] frame = dev.keyhole.testing.TestPcap.ethernet(0x0800, dev.keyhole.testing.TestPcap.ip(
                Ip.parse("192.0.2.10"), Ip.parse("192.0.2.20"), 17, dev.keyhole.testing.TestPcap.udp(50000, 4789,
                        dev.keyhole.testing.TestPcap.vxlan(5, dev.keyhole.testing.TestPcap.ethernet(0x0800, innerIp))), 2));
        CaptureWriter w = new CaptureWriter(CaptureWriter.Format.PCAP_NS_LE, CaptureWriter.ETHERNET);
        w.packet(NOW * 1_000_000L, CaptureWriter.udp(CaptureWriter.ETHERNET, Ip.parse("172.16.0.3"), 40000,
                Ip.parse("192.0.2.50"), 6343, datagram("172.16.0.3", 0, 1, 60_000,
                        flowSample(10, header(1, frame.length + 4, frame))), 0));
        for (String decap : new String[] {"none", "gre", "vxlan", "all"}) {
            List<FlowRecord> got = new ArrayList<>();
            dev.keyhole.sources.Readers.forFormat(dev.keyhole.sources.InputFormat.PCAP,
                    PcapReader.DEFAULT_TEMPLATE_LIFETIME_MILLIS, dev.keyhole.sources.packet.Tunnels.parse(decap))
                    .read(new ByteArrayInputStream(w.toBytes()), new RecordSink() {
                        @Override
                        public void flow(FlowRecord f) {
                            got.add(f);
                        }
                    }, new Rejects("vxlan.pcap", null));
            boolean opened = decap.equals("vxlan") || decap.equals("all");
            assertThat(got).as(decap).extracting(f -> f.src() + ":" + f.srcPort() + ">" + f.dst() + ":" + f.dstPort()
                    + "/" + f.protocol() + " " + f.packets() + "/" + f.bytes()).containsExactly(opened
                    ? "10.9.0.1:40000>10.9.0.2:22/6 10/400"
                    : "192.0.2.10:50000>192.0.2.20:4789/17 10/" + 10 * (20 + 8 + 8 + 14 + 40));
        }
    }

    /** Random damage anywhere in a datagram: a clear reject or fewer flows, never an exception. */
    @Test
    void fuzzedDatagramsNeverThrow() {
        byte[] tcp = Arrays.copyOf(ipv4(ethernet(100).u16(0x0800), "104.26.8.24", "45.90.161.46", 6, 421)
                .u16(443).u16(56876).u32(1).u32(2).u8(0x50).u8(0x18).u16(100).zeros(40).toBytes(), 64);
        byte[] sampled = tagged(3, Bytes.of().u32(1344).u32(17).ip("50.50.50.50").ip("51.51.51.51").u32(1).u32(2)
                .u32(0).u32(0).toBytes());
        byte[] d = datagram("172.16.0.3", 0, 1, 60_000, flowSample(1024, header(1, 425, tcp), gateway(1, 2, 3, 4)),
                expandedSample(10, sampled), tagged(2, Bytes.of().u32(1).toBytes()));
        Random rnd = new Random(5);
        for (int i = 0; i < 20_000; i++) {
            byte[] m = Mutations.mutate(d, rnd);
            int before = flows.size();
            long rejectedBefore = rejects.count();
            send(m);
            assertThat(flows.size() - before).isBetween(0, 3); // at most one per sample the count allows
            assertThat(rejects.count() - rejectedBefore).isBetween(0L, 4L); // one per sample, one for a cut
        }
        assertThat(flows).isNotEmpty();
        assertThat(flows).allSatisfy(f -> assertThat(FlowRecord.plausibleCounters(f.packets(), f.bytes(), 0, 0)).isTrue());
    }
}
