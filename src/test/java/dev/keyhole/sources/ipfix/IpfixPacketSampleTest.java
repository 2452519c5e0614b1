package dev.keyhole.sources.ipfix;

import dev.keyhole.records.FlowRecord;
import dev.keyhole.testing.Bytes;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static dev.keyhole.sources.ipfix.IpfixBytes.f;
import static dev.keyhole.sources.ipfix.IpfixBytes.message;
import static dev.keyhole.sources.ipfix.IpfixBytes.optionsTemplate;
import static dev.keyhole.sources.ipfix.IpfixBytes.read;
import static dev.keyhole.sources.ipfix.IpfixBytes.rec;
import static dev.keyhole.sources.ipfix.IpfixBytes.set;
import static dev.keyhole.sources.ipfix.IpfixBytes.template;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Packet samples exported as the packet's first bytes (dataLinkFrameSection, ipHeaderPacketSection)
 * instead of flow fields, as Juniper inline monitoring and others send them: each is a flow of one
 * packet whose addresses, ports, protocol and flags come from its headers.
 */
class IpfixPacketSampleTest {
    private static final long T = 1_700_000_000L;

    private static final int VARIABLE = 0xffff;

    static Bytes ethernet(int... vlans) {
        Bytes b = Bytes.of().u32(0x182ad36e).u16(0x503f).u32(0xb4021655).u16(0x92f4);
        for (int v : vlans) b.u16(0x8100).u16(v);
        return b;
    }

    static Bytes ipv4(Bytes b, String src, String dst, int proto, int totalLength, int fragment) {
        return b.u8(0x45).u8(0).u16(totalLength).u16(0x8f00).u16(fragment).u8(64).u8(proto).u16(0).ip(src).ip(dst);
    }

    static byte[] cut(Bytes b, int n) {
        byte[] a = b.toBytes();
        return Arrays.copyOf(a, Math.min(n, a.length));
    }

    /** A data link frame section record: ingressInterface, flowDirection, dataLinkFrameSize, the section. */
    static byte[] frameRecord(int frameSize, byte[] section) {
        return rec().u32(582).u8(0).u16(frameSize).varlen(section, false).toBytes();
    }

    @Test
    void frameSectionsBecomeOnePacketFlowsFromTheirHeaders() {
        byte[] tpl = template(384, f(10, 4), f(61, 1), f(312, 2), f(315, VARIABLE));
        // 1. VLAN 231, IPv4 UDP, cut at 64 bytes as exporters do.
        byte[] udp = cut(ipv4(ethernet(231).u16(0x0800), "51.51.51.51", "52.52.52.52", 17, 96, 0)
                .u16(55501).u16(11777).u16(76).u16(0).zeros(60), 64);
        // 2. EVPN: two MPLS labels, a pseudowire control word, the customer's Ethernet, IPv4 TCP (ACK).
        Bytes evpn = Bytes.of().u32(0x02000000).u16(0x0003).u32(0x02000000).u16(0x0004).u16(0x8847)
                .u32(300012L << 12).u32((17L << 12) | 0x100 | 64).u32(0)
                .bytes(ethernet().u16(0x0800).toBytes());
        byte[] tcp = cut(ipv4(evpn, "198.51.100.1", "198.51.100.2", 6, 1492, 0x4000)
                .u16(443).u16(55427).u32(1).u32(2).u8(0x50).u8(0x10).u16(100).zeros(80), 128);
        // 3. IPv6 with a hop-by-hop header, TCP SYN: 40 + 20 bytes.
        byte[] v6 = ethernet().u16(0x86dd).u32(0x60000000).u16(28).u8(0).u8(64)
                .ip("2001:db8::1").ip("2001:db8::2").u8(6).u8(0).zeros(6)
                .u16(40000).u16(443).u32(7).u32(0).u8(0x50).u8(0x02).u16(1000).u32(0).toBytes();
        // 4. A later fragment of a UDP datagram: no transport header, so no ports.
        byte[] fragment = ipv4(ethernet().u16(0x0800), "10.0.0.1", "10.0.0.2", 17, 572, 185).u32(0xdeadbeef).toBytes();
        // 5. ICMP echo request: type 8, code 0 in the destination port (2048), as nfdump keeps ICMP.
        byte[] icmp = ipv4(ethernet().u16(0x0800), "10.0.0.3", "8.8.8.8", 1, 84, 0).u8(8).u8(0).u16(0).toBytes();
        // 6. ARP and 7. a frame cut inside its IPv4 header: no flow, counted as skipped samples.
        byte[] arp = ethernet().u16(0x0806).u16(1).u16(0x0800).u8(6).u8(4).u16(1).zeros(20).toBytes();
        byte[] shortFrame = cut(ipv4(ethernet().u16(0x0800), "10.0.0.4", "10.0.0.5", 6, 40, 0), 30);

        byte[] file = message(T, 0, 1, set(2, tpl), set(384, frameRecord(114, udp), frameRecord(1510, tcp),
                frameRecord(78, v6), frameRecord(590, fragment), frameRecord(98, icmp), frameRecord(60, arp),
                frameRecord(60, shortFrame)));
        IpfixBytes.Read r = read(file);

        assertThat(r.messages()).isEmpty();
        assertThat(r.rejects().count()).isZero();
        assertThat(r.rejects().skipped()).containsEntry(TemplateDecoder.NOT_IP_SAMPLES, 2L);
        assertThat(r.flows()).extracting(IpfixPacketSampleTest::text).containsExactly(
                "51.51.51.51:55501 > 52.52.52.52:11777 p17 f0 1/96",
                "198.51.100.1:443 > 198.51.100.2:55427 p6 f16 1/1492",
                "2001:db8::1:40000 > 2001:db8::2:443 p6 f2 1/68",
                "10.0.0.1:0 > 10.0.0.2:0 p17 f0 1/572",
                "10.0.0.3:0 > 8.8.8.8:2048 p1 f0 1/84");
        // No time fields: the export time, as for every record without one.
        assertThat(r.flows()).allSatisfy(fl -> assertThat(fl.startMillis()).isEqualTo(T * 1000));
        assertThat(r.returned()).isEqualTo(5);
    }

    /**
     * --decap on IPFIX files: a GRE sample becomes its inner packet at the inner length, times the
     * record's packets and the sampling rate, without the tunnel's AS numbers; not asked, the tunnel.
     */
    @Test
    void openedTunnelsCountTheInnerPacket() {
        // Record: packetDeltaCount, octetDeltaCount (the outer packets'), bgpSource/DestinationAsNumber, the section.
        byte[] tpl = template(500, f(2, 4), f(1, 4), f(16, 4), f(17, 4), f(315, VARIABLE));
        byte[] inner = ipv4(Bytes.of(), "10.7.0.1", "10.7.0.2", 6, 40, 0).u16(40000).u16(22).u32(1).u32(0)
                .u8(0x50).u8(0x02).u16(100).u32(0).toBytes();
        byte[] gre = ipv4(ethernet().u16(0x0800), "192.0.2.1", "192.0.2.2", 47, 20 + 8 + 40, 0)
                .u16(0x2000).u16(0x0800).u32(99).bytes(inner).toBytes();
        byte[] rec = rec().u32(2).u32(2 * 68).u32(64500).u32(64501).varlen(gre, false).toBytes();
        byte[] file = message(T, 0, 1, set(2, tpl), set(500, rec));

        assertThat(read(file, dev.keyhole.sources.packet.Tunnels.parse("gre")).flows())
                .extracting(f -> text(f) + " as " + f.srcAs() + "/" + f.dstAs())
                .containsExactly("10.7.0.1:40000 > 10.7.0.2:22 p6 f2 2/80 as 0/0");
        assertThat(read(file, dev.keyhole.sources.packet.Tunnels.parse("vxlan")).flows())
                .extracting(f -> text(f) + " as " + f.srcAs() + "/" + f.dstAs())
                .containsExactly("192.0.2.1:0 > 192.0.2.2:0 p47 f0 2/136 as 64500/64501");
    }

    @Test
    void ipHeaderSectionsAreScaledByTheAnnouncedSamplingRate() {
        // Options: 1 packet in 1000 (samplingPacketInterval 1, samplingPacketSpace 999), scoped to the domain.
        byte[] opt = optionsTemplate(300, 1, f(149, 4), f(305, 4), f(306, 4));
        byte[] rate = rec().u32(1).u32(1).u32(999).toBytes();
        // ipHeaderPacketSection of a fixed 48 bytes: IPv4 UDP DNS; then one counted by the exporter itself.
        byte[] tpl = template(400, f(313, 48));
        byte[] dns = cut(ipv4(Bytes.of(), "10.1.1.1", "9.9.9.9", 17, 60, 0).u16(5353).u16(53).zeros(40), 48);
        byte[] tplCounted = template(401, f(2, 4), f(1, 4), f(313, 48));
        byte[] counted = rec().u32(3).u32(4500).bytes(dns).toBytes();

        IpfixBytes.Read r = read(message(T, 0, 1, set(3, opt), set(300, rate), set(2, tpl, tplCounted),
                set(400, dns), set(401, counted)));

        assertThat(r.messages()).isEmpty();
        assertThat(r.flows()).extracting(IpfixPacketSampleTest::text).containsExactly(
                "10.1.1.1:5353 > 9.9.9.9:53 p17 f0 1000/60000",
                "10.1.1.1:5353 > 9.9.9.9:53 p17 f0 3000/4500000");
    }

    @Test
    void damagedSectionsNeverFailTheRecordsAroundThem() {
        byte[] tpl = template(384, f(10, 4), f(61, 1), f(312, 2), f(315, VARIABLE));
        byte[] good = ipv4(ethernet().u16(0x0800), "10.0.0.1", "10.0.0.2", 17, 28, 0).u16(1).u16(2).u32(0).toBytes();
        java.util.Random rnd = new java.util.Random(7);
        for (int round = 0; round < 2000; round++) {
            byte[] junk = new byte[rnd.nextInt(160)];
            rnd.nextBytes(junk);
            if (junk.length > 14 && rnd.nextBoolean()) { // often an IP ethertype, so the IP parser sees junk too
                junk[12] = (byte) (rnd.nextBoolean() ? 0x08 : 0x86);
                junk[13] = (byte) (junk[12] == 0x08 ? 0x00 : 0xdd);
                junk[14] = (byte) ((rnd.nextBoolean() ? 0x40 : 0x60) | (junk[14] & 0x0f));
            }
            IpfixBytes.Read r = read(message(T, 0, 1, set(2, tpl),
                    set(384, frameRecord(60, junk), frameRecord(60, good))));
            assertThat(r.messages()).isEmpty();
            List<FlowRecord> fl = r.flows();
            assertThat(fl).isNotEmpty();
            assertThat(text(fl.get(fl.size() - 1))).isEqualTo("10.0.0.1:1 > 10.0.0.2:2 p17 f0 1/28");
        }
    }

    /**
     * A packet sample's own time (observationTimeSeconds / Milliseconds / Microseconds / Nanoseconds,
     * IE 322-325) is the flow's start and end; without one it is the export time. A flow start field
     * still wins where both are sent.
     */
    @Test
    void observationTimesGivePacketSamplesTheirTime() {
        byte[] udp = ipv4(ethernet().u16(0x0800), "10.0.0.1", "10.0.0.2", 17, 28, 0).u16(1).u16(2).u16(8).u16(0)
                .toBytes();
        long ms = T * 1000 - 61_234; // a minute before the export
        long ntpSeconds = ms / 1000 + 2_208_988_800L;
        long ntpMillis = (ntpSeconds << 32) | ((ms % 1000) * (1L << 32) / 1000 + 1);
        IpfixBytes.Read r = read(message(T, 0, 1,
                set(2, template(400, f(323, 8), f(315, VARIABLE)), template(401, f(322, 4), f(315, VARIABLE)),
                        template(402, f(324, 8), f(315, VARIABLE)), template(403, f(152, 8), f(323, 8), f(315, VARIABLE)),
                        template(404, f(315, VARIABLE))),
                set(400, rec().u64(ms).varlen(udp, false).toBytes()),
                set(401, rec().u32(ms / 1000).varlen(udp, false).toBytes()),
                set(402, rec().u64(ntpMillis).varlen(udp, false).toBytes()),
                set(403, rec().u64(ms - 5_000).u64(ms).varlen(udp, false).toBytes()),
                set(404, rec().varlen(udp, false).toBytes())));
        assertThat(r.messages()).isEmpty();
        assertThat(r.flows()).extracting(f -> f.startMillis() + "/" + f.endMillis()).containsExactly(
                ms + "/" + ms, (ms / 1000 * 1000) + "/" + (ms / 1000 * 1000), ms + "/" + ms,
                (ms - 5_000) + "/" + (ms - 5_000), (T * 1000) + "/" + (T * 1000));
    }

    /**
     * Counters of 2^48 or more, sent or reached by the sampling rate, would wrap a run's sums: the
     * record is rejected at its offset, the records around it kept.
     */
    @Test
    void implausibleCountersAreRejectedAtTheirRecord() {
        byte[] tpl = template(256, f(8, 4), f(12, 4), f(2, 8), f(1, 8));
        byte[] ok = rec().ip("10.0.0.1").ip("10.0.0.2").u64(1).u64(100).toBytes();
        byte[] huge = rec().ip("10.0.0.3").ip("10.0.0.4").u64(1).u64(1L << 48).toBytes();
        IpfixBytes.Read r = read(message(T, 0, 1, set(2, tpl), set(256, ok, huge, ok)));
        assertThat(r.flows()).extracting(IpfixPacketSampleTest::text).containsExactly(
                "10.0.0.1:0 > 10.0.0.2:0 p0 f0 1/100", "10.0.0.1:0 > 10.0.0.2:0 p0 f0 1/100");
        // Message header 16, template set 4 + 20, data set header 4, first record 24: the second at 68.
        assertThat(r.messages()).containsExactly("test.ipfix: offset 68: data record of"
                + " template 256: implausible counters (packets 1, bytes 281474976710656, reverse 0 / 0; 2^48 or more,"
                + " or negative)");
        assertThat(r.rejects().count()).isEqualTo(1);

        // 2^40 bytes sampled 1 in 1024: 2^50 after scaling.
        byte[] opt = optionsTemplate(300, 1, f(149, 4), f(305, 4), f(306, 4));
        byte[] big = rec().ip("10.0.0.5").ip("10.0.0.6").u64(1).u64(1L << 40).toBytes();
        IpfixBytes.Read s = read(message(T, 0, 1, set(3, opt), set(300, rec().u32(1).u32(1).u32(1023).toBytes()),
                set(2, tpl), set(256, ok, big)));
        assertThat(s.flows()).extracting(IpfixPacketSampleTest::text).containsExactly("10.0.0.1:0 > 10.0.0.2:0 p0 f0 1024/102400");
        assertThat(s.messages()).singleElement().asString().contains("bytes 1125899906842624");
    }

    static String text(FlowRecord f) {
        return f.src() + ":" + f.srcPort() + " > " + f.dst() + ":" + f.dstPort() + " p" + f.protocol() + " f"
                + f.tcpFlags() + " " + f.packets() + "/" + f.bytes();
    }
}
