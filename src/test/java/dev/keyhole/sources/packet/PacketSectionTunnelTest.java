package dev.keyhole.sources.packet;

import dev.keyhole.records.Ip;
import dev.keyhole.testing.TestPcap;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** Opening tunnels in packet samples: only those asked for, the inner flow when it can be read, else the outer. */
class PacketSectionTunnelTest {
    static final Ip CLIENT = Ip.parse("10.1.0.5"), SERVER = Ip.parse("198.51.100.80");
    static final Ip CLIENT6 = Ip.parse("2001:db8:1::5"), SERVER6 = Ip.parse("2001:db8:ff::80");
    static final Ip A = Ip.parse("192.0.2.10"), B = Ip.parse("192.0.2.20");
    static final Ip A6 = Ip.parse("2001:db8:aaaa::1"), B6 = Ip.parse("2001:db8:bbbb::2");

    static byte[] inner() {
        return TestPcap.ip(CLIENT, SERVER, 6, 40_001, 443, 0x02, 12, 1); // 20 + 20 + 12 = 52 bytes
    }

    static byte[] vxlan(byte flags) {
        byte[] v = TestPcap.vxlan(42, TestPcap.ethernet(0x0800, inner()));
        v[0] = flags;
        return TestPcap.ethernet(0x0800, TestPcap.ip(A, B, 17, TestPcap.udp(51_000, 4789, v), 9));
    }

    static PacketSection read(Tunnels t, byte[] frame) {
        PacketSection s = new PacketSection(t);
        assertThat(s.read(frame, 0, frame.length, PacketSection.ETHERNET)).as("read: %s", s.why).isTrue();
        return s;
    }

    static void assertInner(PacketSection s) {
        assertThat(s.src()).isEqualTo(CLIENT);
        assertThat(s.dst()).isEqualTo(SERVER);
        assertThat(s.proto).isEqualTo(6);
        assertThat(s.srcPort).isEqualTo(40_001);
        assertThat(s.dstPort).isEqualTo(443);
        assertThat(s.flags).isEqualTo(0x02);
        assertThat(s.ipLength).isEqualTo(52);
        assertThat(s.opened).isEqualTo(1);
    }

    @Test
    void vxlanIsOpenedOnlyWhenAskedAndWithItsValidVniFlag() {
        byte[] f = vxlan((byte) 0x08);
        PacketSection outer = read(Tunnels.NONE, f);
        assertThat(outer.src()).isEqualTo(A);
        assertThat(outer.dst()).isEqualTo(B);
        assertThat(outer.proto).isEqualTo(17);
        assertThat(outer.dstPort).isEqualTo(4789);
        assertThat(outer.ipLength).isEqualTo(20 + 8 + 8 + 14 + 52);
        assertThat(outer.opened).isZero();
        assertThat(read(Tunnels.parse("gre,ipip"), f).dst()).as("other tunnels asked").isEqualTo(B);
        assertInner(read(Tunnels.parse("vxlan"), f));
        // Without the I flag the VNI is not valid (RFC 7348): not VXLAN, the outer flow stays.
        assertThat(read(Tunnels.ALL, vxlan((byte) 0)).dst()).isEqualTo(B);
    }

    @Test
    void greWithEveryOptionalFieldAndEveryPayloadKind() {
        for (int flags : new int[] {0, 0x8000, 0x2000, 0x1000, 0xb000}) {
            ByteBuffer g = ByteBuffer.allocate(16 + 14 + 52);
            g.putShort((short) flags).putShort((short) 0x6558); // Ethernet inside (transparent bridging)
            if ((flags & 0x8000) != 0) g.putInt(0xabcd0000);
            if ((flags & 0x2000) != 0) g.putInt(77);
            if ((flags & 0x1000) != 0) g.putInt(5);
            g.put(TestPcap.ethernet(0x0800, inner()));
            byte[] f = TestPcap.ethernet(0x0800, TestPcap.ip(A, B, 47, Arrays.copyOf(g.array(), g.position()), 3));
            assertThat(read(Tunnels.NONE, f).proto).isEqualTo(47);
            assertInner(read(Tunnels.parse("gre"), f));
        }
        // IPv4 in GRE over IPv6
        byte[] f6 = TestPcap.ethernet(0x86dd, TestPcap.ip(A6, B6, 47, TestPcap.gre(0x0800, 1, null, inner()), 0));
        assertInner(read(Tunnels.parse("gre"), f6));
        // Version 1 (PPTP, PPP inside) and unknown payload types stay the tunnel.
        byte[] pptp = TestPcap.gre(0x880b, null, null, inner());
        pptp[1] = 1;
        assertThat(read(Tunnels.ALL, TestPcap.ethernet(0x0800, TestPcap.ip(A, B, 47, pptp, 0))).proto).isEqualTo(47);
        byte[] other = TestPcap.gre(0x880c, null, null, inner());
        assertThat(read(Tunnels.ALL, TestPcap.ethernet(0x0800, TestPcap.ip(A, B, 47, other, 0))).dst()).isEqualTo(B);
    }

    static byte[] geneve(int optionWords, int type, byte[] payload) {
        return TestPcap.ethernet(0x0800, TestPcap.ip(A, B, 17, TestPcap.udp(52_000, 6081,
                TestPcap.geneve(5001, type, optionWords, payload)), 4));
    }

    static final Tunnels EVERYTHING = Tunnels.parse("all,erspan");

    @Test
    void geneveWithOptionsAndEthernetOrIpInside() {
        for (int words : new int[] {0, 1, 3, 63}) {
            byte[] eth = geneve(words, 0x6558, TestPcap.ethernet(0x0800, inner()));
            PacketSection outer = read(Tunnels.NONE, eth);
            assertThat(outer.dstPort).isEqualTo(6081);
            assertThat(outer.ipLength).isEqualTo(20 + 8 + 8 + words * 4 + 14 + 52);
            assertThat(read(Tunnels.parse("vxlan,gre,ipip,erspan"), eth).dst()).as("other tunnels asked").isEqualTo(B);
            assertInner(read(Tunnels.parse("geneve"), eth));
            assertInner(read(Tunnels.parse("geneve"), geneve(words, 0x0800, inner())));
        }
        // Version 1, the O flag (a control message) and an unknown payload type stay the tunnel.
        byte[] v1 = geneve(1, 0x6558, TestPcap.ethernet(0x0800, inner()));
        v1[14 + 20 + 8] |= 0x40;
        byte[] oam = geneve(1, 0x6558, TestPcap.ethernet(0x0800, inner()));
        oam[14 + 20 + 8 + 1] = (byte) 0x80;
        for (byte[] f : new byte[][] {v1, oam, geneve(0, 0x8847, inner())}) {
            PacketSection s = read(Tunnels.ALL, f);
            assertThat(s.dst()).isEqualTo(B);
            assertThat(s.opened).isZero();
        }
        // Cut anywhere before the inner IP header is whole (inside the options too): the outer flow.
        byte[] f = geneve(20, 0x6558, TestPcap.ethernet(0x0800, inner()));
        int innerIpAt = 14 + 20 + 8 + 8 + 80 + 14;
        for (int cut = 14 + 20 + 8; cut < innerIpAt + 24; cut++) {
            PacketSection s = new PacketSection(Tunnels.ALL);
            assertThat(s.read(f, 0, cut, PacketSection.ETHERNET)).isTrue();
            if (cut < innerIpAt + 20) {
                assertThat(s.dst()).as("cut at %d", cut).isEqualTo(B);
                assertThat(s.dstPort).isEqualTo(6081);
                assertThat(s.opened).isZero();
            } else {
                assertThat(s.dst()).as("cut at %d", cut).isEqualTo(SERVER);
                assertThat(s.opened).isEqualTo(1);
            }
        }
    }

    static byte[] overGre(int type, Integer sequence, byte[] payload) {
        return TestPcap.ethernet(0x0800, TestPcap.ip(A, B, 47, TestPcap.gre(type, null, sequence, payload), 6));
    }

    @Test
    void erspanTypesOneTwoAndThreeGiveTheMirroredPacket() {
        byte[] frame = TestPcap.ethernet(0x0800, inner());
        byte[] typeOne = overGre(0x88be, null, frame);
        byte[] typeTwo = overGre(0x88be, 9, TestPcap.erspan2(300, frame));
        byte[] typeThree = overGre(0x22eb, 9, TestPcap.erspan3(300, 0, false, frame));
        byte[] typeThreeSub = overGre(0x22eb, 9, TestPcap.erspan3(300, 0, true, frame));
        byte[] typeThreeIp = overGre(0x22eb, 9, TestPcap.erspan3(300, 2, false, inner()));
        for (byte[] f : new byte[][] {typeOne, typeTwo, typeThree, typeThreeSub, typeThreeIp}) {
            assertThat(read(Tunnels.NONE, f).proto).isEqualTo(47);
            assertThat(read(Tunnels.parse("gre"), f).proto).as("plain GRE asked: mirroring is not opened").isEqualTo(47);
            assertInner(read(Tunnels.parse("erspan"), f));
        }
        // ERSPAN does not open plain GRE.
        assertThat(read(Tunnels.parse("erspan"), overGre(0x0800, null, inner())).proto).isEqualTo(47);
        // Wrong versions, and type III frame types other than Ethernet and IP.
        byte[] badTwo = typeTwo.clone();
        badTwo[14 + 20 + 8] = 0x20;
        byte[] badThree = typeThree.clone();
        badThree[14 + 20 + 8] = 0x10;
        byte[] otherFrame = overGre(0x22eb, 9, TestPcap.erspan3(300, 3, false, frame));
        for (byte[] f : new byte[][] {badTwo, badThree, otherFrame}) {
            PacketSection s = read(EVERYTHING, f);
            assertThat(s.proto).isEqualTo(47);
            assertThat(s.opened).isZero();
        }
        // Linux sets the P bit (the frame's FCS was stripped) with frame type 0: still Ethernet.
        byte[] withP = typeThree.clone();
        withP[14 + 20 + 8 + 10] |= (byte) 0x80;
        assertInner(read(EVERYTHING, withP));
        assertThat(read(Tunnels.ALL, typeTwo).proto).as("all: mirrored copies only when named").isEqualTo(47);
        // Cut anywhere before the mirrored packet's IP header is whole: the outer flow (the subheader
        // is 8 bytes: a cut inside it, or reading past it, would show).
        int innerIpAt = 14 + 20 + 8 + 20 + 14;
        for (int cut = 14 + 20; cut < innerIpAt + 24; cut++) {
            PacketSection s = new PacketSection(EVERYTHING);
            assertThat(s.read(typeThreeSub, 0, cut, PacketSection.ETHERNET)).isTrue();
            if (cut < innerIpAt + 20) {
                assertThat(s.proto).as("cut at %d", cut).isEqualTo(47);
                assertThat(s.opened).isZero();
            } else {
                assertThat(s.src()).as("cut at %d", cut).isEqualTo(CLIENT);
                assertThat(s.opened).isEqualTo(1);
            }
        }
    }

    /** Opening a fragment would count the inner packet's whole length and its later fragments on top. */
    @Test
    void fragmentedTunnelsAndGreWithRoutingStayTheTunnel() {
        byte[] o = TestPcap.ip(A, B, 4, inner(), 0);
        o[6] = 0x20; // more fragments, offset 0
        PacketSection s = read(Tunnels.ALL, TestPcap.ethernet(0x0800, o));
        assertThat(s.dst()).isEqualTo(B);
        assertThat(s.proto).isEqualTo(4);
        assertThat(s.opened).isZero();
        // IPv6 fragment header (first fragment, M set), then IPv4.
        ByteBuffer frag = ByteBuffer.allocate(8 + 52);
        frag.put((byte) 4).put((byte) 0).putShort((short) 1).putInt(77).put(inner());
        PacketSection s6 = read(Tunnels.ALL, TestPcap.ethernet(0x86dd, TestPcap.ip(A6, B6, 44, frag.array(), 0)));
        assertThat(s6.dst()).isEqualTo(B6);
        assertThat(s6.proto).isEqualTo(4);
        assertThat(s6.opened).isZero();
        // The same, last fragment flag clear (a whole packet with a fragment header): opened.
        frag.putShort(2, (short) 0);
        assertInner(read(Tunnels.ALL, TestPcap.ethernet(0x86dd, TestPcap.ip(A6, B6, 44, frag.array(), 0))));
        // GRE with the RFC 1701 routing bit: a routing list comes first, not the payload.
        for (int bit : new int[] {0x4000, 0x0800, 0x0400, 0x0001}) {
            byte[] g = TestPcap.gre(0x0800, null, null, inner());
            g[0] |= (byte) (bit >>> 8);
            g[1] |= (byte) bit;
            assertThat(read(Tunnels.ALL, TestPcap.ethernet(0x0800, TestPcap.ip(A, B, 47, g, 0))).proto)
                    .as("flag %04x", bit).isEqualTo(47);
        }
    }

    @Test
    void ipInIpAndSrv6() {
        byte[] v4in4 = TestPcap.ethernet(0x0800, TestPcap.ip(A, B, 4, inner(), 0));
        assertThat(read(Tunnels.NONE, v4in4).proto).isEqualTo(4);
        assertInner(read(Tunnels.parse("ipip"), v4in4));
        // SRv6: IPv6 with a segment routing header (routing type 4, one segment), then IPv4 (End.DT4).
        ByteBuffer srh = ByteBuffer.allocate(24 + 52);
        srh.put((byte) 4).put((byte) 2).put((byte) 4).put((byte) 0).put((byte) 0).put((byte) 0).putShort((short) 0)
                .put(B6.toBytes()).put(inner());
        byte[] srv6 = TestPcap.ip(A6, B6, 43, srh.array(), 0);
        PacketSection s = read(Tunnels.parse("srv6"), TestPcap.ethernet(0x86dd, srv6));
        assertInner(s);
        // IPv6 inside IPv4 (6in4), a TCP flow of its own.
        byte[] in6 = TestPcap.ip(CLIENT6, SERVER6, 17, 5353, 53, 0, 10, 0);
        PacketSection s6 = read(Tunnels.ALL, TestPcap.ethernet(0x0800, TestPcap.ip(A, B, 41, in6, 0)));
        assertThat(s6.src()).isEqualTo(CLIENT6);
        assertThat(s6.dst()).isEqualTo(SERVER6);
        assertThat(s6.proto).isEqualTo(17);
        assertThat(s6.dstPort).isEqualTo(53);
        assertThat(s6.ipLength).isEqualTo(40 + 8 + 10);
    }

    @Test
    void aTunnelWhoseInsideWasCutOffStaysTheOuterFlow() {
        byte[] f = vxlan((byte) 0x08);
        int innerIpAt = 14 + 20 + 8 + 8 + 14;
        for (int cut = innerIpAt - 20; cut < innerIpAt + 20; cut++) {
            PacketSection s = new PacketSection(Tunnels.ALL);
            assertThat(s.read(f, 0, cut, PacketSection.ETHERNET)).isTrue();
            assertThat(s.src()).as("cut at %d", cut).isEqualTo(A);
            assertThat(s.dst()).isEqualTo(B);
            assertThat(s.proto).isEqualTo(17);
            assertThat(s.srcPort).isEqualTo(51_000);
            assertThat(s.dstPort).isEqualTo(4789);
            assertThat(s.opened).isZero();
            assertThat(s.why).isNull();
        }
        // Cut after the inner IPv4 header: the inner flow, without its ports.
        PacketSection s = new PacketSection(Tunnels.ALL);
        assertThat(s.read(f, 0, innerIpAt + 20, PacketSection.ETHERNET)).isTrue();
        assertThat(s.src()).isEqualTo(CLIENT);
        assertThat(s.proto).isEqualTo(6);
        assertThat(s.srcPort).isZero();
        assertThat(s.dstPort).isZero();
        assertThat(s.opened).isEqualTo(1);
    }

    @Test
    void tunnelsInsideTunnelsAreOpenedThreeDeep() {
        byte[] p = inner();
        for (int i = 0; i < 5; i++) p = TestPcap.ip(Ip.ofV4(0x0b00_0000 | i), B, 4, p, i);
        PacketSection s = read(Tunnels.ALL, TestPcap.ethernet(0x0800, p));
        assertThat(s.opened).isEqualTo(3);
        assertThat(s.src()).as("the third tunnel's inside: the second innermost wrapper").isEqualTo(Ip.ofV4(0x0b00_0001));
        assertThat(s.proto).isEqualTo(4);
    }

    @Test
    void parsesOnlyKnownNames() {
        assertThat(Tunnels.parse("none")).isEqualTo(Tunnels.NONE);
        assertThat(Tunnels.parse("all")).isEqualTo(Tunnels.ALL);
        assertThat(Tunnels.parse("VXLAN, gre")).isEqualTo(new Tunnels(true, true, false, false, false));
        assertThat(Tunnels.parse("srv6").toString()).isEqualTo("ipip");
        assertThat(Tunnels.parse("geneve,erspan")).isEqualTo(new Tunnels(false, false, false, true, true));
        assertThat(Tunnels.ALL.toString()).as("all but mirrored copies").isEqualTo("vxlan,gre,ipip,geneve");
        assertThat(Tunnels.parse("all,erspan").toString()).isEqualTo("vxlan,gre,ipip,geneve,erspan");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Tunnels.parse("vxlan,nvgre"))
                .hasMessageContaining("unknown tunnel 'nvgre'");
    }

    /** Mutated tunnelled frames: never an exception, never a read past the section. */
    @Test
    void fuzzedTunnelsNeverThrow() {
        Random rnd = new Random(5);
        byte[][] seeds = {vxlan((byte) 0x08),
                TestPcap.ethernet(0x0800, TestPcap.ip(A, B, 47, TestPcap.gre(0x6558, 1, 2,
                        TestPcap.ethernet(0x86dd, TestPcap.ip(A6, B6, 4, inner(), 0))), 0)),
                TestPcap.ethernet(0x86dd, TestPcap.ip(A6, B6, 41, TestPcap.ip(A6, B6, 4, inner(), 0), 0)),
                geneve(2, 0x6558, TestPcap.ethernet(0x0800, inner())),
                overGre(0x88be, 9, TestPcap.erspan2(1, TestPcap.ethernet(0x0800, inner()))),
                overGre(0x22eb, 9, TestPcap.erspan3(1, 0, true, TestPcap.ethernet(0x0800, inner())))};
        PacketSection s = new PacketSection(EVERYTHING);
        int inners = 0;
        for (int i = 0; i < 30_000; i++) {
            byte[] f = seeds[i % seeds.length].clone();
            for (int m = 1 + rnd.nextInt(4); m > 0; m--) f[rnd.nextInt(f.length)] = (byte) rnd.nextInt(256);
            int len = rnd.nextInt(4) == 0 ? rnd.nextInt(f.length + 1) : f.length;
            // The section sits inside a larger buffer: what follows it must change nothing.
            byte[] buf = Arrays.copyOf(f, len + 64);
            boolean ok = s.read(buf, 0, len, PacketSection.ETHERNET);
            String zeros = ok ? s.src() + ">" + s.dst() + "/" + s.proto + ":" + s.srcPort + ":" + s.dstPort + ":"
                    + s.ipLength + ":" + s.opened : s.why;
            Arrays.fill(buf, len, buf.length, (byte) 0x45);
            boolean ok2 = s.read(buf, 0, len, PacketSection.ETHERNET);
            String other = ok2 ? s.src() + ">" + s.dst() + "/" + s.proto + ":" + s.srcPort + ":" + s.dstPort + ":"
                    + s.ipLength + ":" + s.opened : s.why;
            assertThat(other).as("mutation %d", i).isEqualTo(zeros);
            if (ok && s.opened > 0) inners++;
            assertThat(s.opened).isBetween(0, 3);
        }
        assertThat(inners).as("mutations that still open a tunnel").isGreaterThan(1000);
    }
}
