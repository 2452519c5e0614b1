package dev.keyhole.sources.sflow;

import dev.keyhole.records.FlowRecord;
import dev.keyhole.records.Ip;
import dev.keyhole.records.RecordSink;
import dev.keyhole.sources.Rejects;
import dev.keyhole.sources.netflow.ExportDecoder;
import dev.keyhole.testing.Bytes;
import dev.keyhole.testing.Mutations;

import static dev.keyhole.testing.SflowDatagrams.*;
import org.junit.jupiter.api.Test;

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
                + " left in the datagram; records lost: 1");
        assertThat(rejects.count()).isEqualTo(1);

        // Cut after the first sample: the count says two.
        flows.clear();
        send(Arrays.copyOf(d, second));
        assertThat(flows).hasSize(1);
        assertThat(rejects.messages()).last().asString().endsWith("datagram ends after 1 of its 2 samples; records lost: 1");

        // A garbage sample count: the loss is bounded by what a datagram can hold.
        long rejectedBefore = rejects.count();
        byte[] huge = datagram("172.16.0.3", 0, 2, 60_000);
        Arrays.fill(huge, 24, 28, (byte) 0xff);
        send(huge);
        assertThat(rejects.messages()).last().asString()
                .endsWith("datagram ends after 0 of its 4294967295 samples; records lost: 8192");
        assertThat(rejects.count() - rejectedBefore).isEqualTo(8192);

        // A header that is not sFlow v5, and one cut inside the agent address.
        send(Bytes.of().u32(4).u32(1).toBytes());
        send(Arrays.copyOf(d, 10));
        assertThat(rejects.messages()).last().asString()
                .isEqualTo("udp datagram: offset 0: exporter 198.51.100.9:6343: sFlow header cut inside the agent address;"
                        + " datagram ignored");
        assertThat(rejects.messages()).anySatisfy(m -> assertThat(m).contains("version field 4"));
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
        assertThat(SflowDecoder.looksLikeSflow(d, 0, d.length)).isTrue();
        byte[] v6agent = datagram("2001:db8::3", 0, 1, 60_000, flowSample(1, header(1, 46, udp)));
        assertThat(SflowDecoder.looksLikeSflow(v6agent, 0, v6agent.length)).isTrue();
        byte[] many = d.clone();
        many[27] = 100; // 100 samples cannot fit
        assertThat(SflowDecoder.looksLikeSflow(many, 0, many.length)).isFalse();
        byte[] dns = Bytes.of().u16(0).u16(0x0100).u16(1).u16(0).u32(0).u32(0).u32(0).u32(0).u32(0).toBytes();
        assertThat(SflowDecoder.looksLikeSflow(dns, 0, dns.length)).isFalse();
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
            send(m);
            assertThat(flows.size() - before).isBetween(0, 3); // at most one per sample the count allows
        }
        assertThat(flows).isNotEmpty();
        assertThat(flows).allSatisfy(f -> assertThat(FlowRecord.plausibleCounters(f.packets(), f.bytes(), 0, 0)).isTrue());
    }
}
