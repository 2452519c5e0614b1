package dev.keyhole.enrichment.scope;

import dev.keyhole.records.Ip;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PrefixTrieTest {
    private static String get(PrefixTrie<String> t, String ip) {
        return t.get(Ip.parse(ip));
    }

    @Test
    void ipv4LongestMatchWithNestedPrefixes() {
        PrefixTrie<String> t = PrefixTrie.<String>builder()
                .put("10.0.0.0/8", "ten")
                .put("10.1.0.0/16", "ten-one")
                .put("10.1.2.0/24", "ten-one-two")
                .put("10.1.2.3/32", "host")
                .put("192.168.0.0/16", "private")
                .build();
        assertThat(get(t, "10.200.0.1")).isEqualTo("ten");
        assertThat(get(t, "10.1.0.0")).isEqualTo("ten-one");
        assertThat(get(t, "10.1.2.2")).isEqualTo("ten-one-two");
        assertThat(get(t, "10.1.2.3")).isEqualTo("host");
        assertThat(get(t, "10.1.2.4")).isEqualTo("ten-one-two");
        assertThat(get(t, "10.1.3.0")).isEqualTo("ten-one");
        assertThat(get(t, "10.2.0.0")).isEqualTo("ten");
        assertThat(get(t, "192.168.255.255")).isEqualTo("private");
        assertThat(get(t, "11.0.0.0")).isNull();
        assertThat(get(t, "9.255.255.255")).isNull();
        assertThat(t.prefixCount()).isEqualTo(5);
    }

    @Test
    void ipv4RangeEdges() {
        PrefixTrie<String> t = PrefixTrie.<String>builder()
                .put("175.45.176.0/22", "kp")
                .put("210.52.109.0/24", "kp-cn")
                .put("77.94.35.0/24", "kp-ru")
                .build();
        assertThat(get(t, "175.45.175.255")).isNull();
        assertThat(get(t, "175.45.176.0")).isEqualTo("kp");
        assertThat(get(t, "175.45.179.255")).isEqualTo("kp");
        assertThat(get(t, "175.45.180.0")).isNull();
        assertThat(get(t, "210.52.109.0")).isEqualTo("kp-cn");
        assertThat(get(t, "210.52.109.255")).isEqualTo("kp-cn");
        assertThat(get(t, "210.52.110.0")).isNull();
        assertThat(get(t, "77.94.35.128")).isEqualTo("kp-ru");
        assertThat(t.rangeCount()).isEqualTo(3);
    }

    @Test
    void ipv4WholeSpaceAndTopAddress() {
        PrefixTrie<String> t = PrefixTrie.<String>builder()
                .put("0.0.0.0/0", "all")
                .put("255.255.255.255/32", "broadcast")
                .put("0.0.0.0/32", "zero")
                .put("128.0.0.0/1", "upper")
                .build();
        assertThat(get(t, "0.0.0.0")).isEqualTo("zero");
        assertThat(get(t, "0.0.0.1")).isEqualTo("all");
        assertThat(get(t, "127.255.255.255")).isEqualTo("all");
        assertThat(get(t, "128.0.0.0")).isEqualTo("upper");
        assertThat(get(t, "255.255.255.254")).isEqualTo("upper");
        assertThat(get(t, "255.255.255.255")).isEqualTo("broadcast");
        assertThat(get(t, "::1")).as("IPv4 prefixes do not match IPv6").isNull();
    }

    @Test
    void ipv6LongestMatchAndEdges() {
        PrefixTrie<String> t = PrefixTrie.<String>builder()
                .put("2001:db8::/32", "doc")
                .put("2001:db8:1::/48", "doc-1")
                .put("2001:db8:1:2::/64", "doc-1-2")
                .put("2a03:2880::/32", "fb")
                .put("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff00/120", "top")
                .build();
        assertThat(get(t, "2001:db8::1")).isEqualTo("doc");
        assertThat(get(t, "2001:db8:1::")).isEqualTo("doc-1");
        assertThat(get(t, "2001:db8:1:2:ffff:ffff:ffff:ffff")).isEqualTo("doc-1-2");
        assertThat(get(t, "2001:db8:1:3::")).isEqualTo("doc-1");
        assertThat(get(t, "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff")).isEqualTo("doc");
        assertThat(get(t, "2001:db9::")).isNull();
        assertThat(get(t, "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff")).isNull();
        assertThat(get(t, "2a03:2880:f003:c07:face:b00c::2")).isEqualTo("fb");
        // the sign bit of both halves set: checks unsigned ordering
        assertThat(get(t, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")).isEqualTo("top");
        assertThat(get(t, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:feff")).isNull();
        assertThat(get(t, "8000::")).isNull();
        assertThat(get(t, "175.45.176.1")).as("IPv6 prefixes do not match IPv4").isNull();
    }

    @Test
    void ipv6WholeSpace() {
        PrefixTrie<String> t = PrefixTrie.<String>builder().put("::/0", "all").put("::/128", "zero").build();
        assertThat(get(t, "::")).isEqualTo("zero");
        assertThat(get(t, "::1")).isEqualTo("all");
        assertThat(get(t, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")).isEqualTo("all");
    }

    @Test
    void samePrefixTwiceKeepsLastValueAndHostBitsAreCleared() {
        PrefixTrie<String> t = PrefixTrie.<String>builder()
                .put("175.45.176.9/22", "first")
                .put("175.45.176.0/22", "second")
                .build();
        assertThat(get(t, "175.45.177.1")).isEqualTo("second");
        assertThat(t.prefixCount()).isEqualTo(1);
    }

    @Test
    void touchingPrefixesWithEqualValuesMerge() {
        PrefixTrie<String> t = PrefixTrie.<String>builder()
                .put("10.0.0.0/25", "x").put("10.0.0.128/25", "x").put("10.0.1.0/24", "y").build();
        assertThat(t.rangeCount()).isEqualTo(2);
        assertThat(get(t, "10.0.0.200")).isEqualTo("x");
        assertThat(get(t, "10.0.1.0")).isEqualTo("y");
    }

    @Test
    void rangesBecomeMinimalCidrs() {
        List<Cidr> cidrs = Cidr.fromRange(BigInteger.valueOf(Ip.parse("175.45.176.0").v4() & 0xffffffffL),
                BigInteger.valueOf(Ip.parse("175.45.178.127").v4() & 0xffffffffL), true);
        assertThat(cidrs).extracting(Cidr::toString)
                .containsExactly("175.45.176.0/23", "175.45.178.0/25");
        PrefixTrie<String> t = PrefixTrie.<String>builder()
                .putRange(Ip.parse("1.0.0.1"), Ip.parse("1.0.0.6"), "r").build();
        assertThat(get(t, "1.0.0.0")).isNull();
        assertThat(get(t, "1.0.0.1")).isEqualTo("r");
        assertThat(get(t, "1.0.0.6")).isEqualTo("r");
        assertThat(get(t, "1.0.0.7")).isNull();
    }

    @Test
    void cidrParsing() {
        assertThat(Cidr.parse("175.45.176.77/22").toString()).isEqualTo("175.45.176.0/22");
        assertThat(Cidr.parse("2001:db8::1/32").toString()).isEqualTo("2001:db8::/32");
        assertThat(Cidr.parse("10.1.2.3").prefixLength()).isEqualTo(32);
        assertThat(Cidr.parse("::ffff:10.0.0.0/104")).isEqualTo(Cidr.parse("10.0.0.0/8"));
        assertThatThrownBy(() -> Cidr.parse("10.0.0.0/33")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Cidr.parse("10.0.0/8")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Cidr.parse("10.0.0.0/x")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void emptyTrieFindsNothing() {
        PrefixTrie<String> t = PrefixTrie.<String>builder().build();
        assertThat(t.isEmpty()).isTrue();
        assertThat(get(t, "1.2.3.4")).isNull();
        assertThat(get(t, "::1")).isNull();
    }

    /**
     * Random nested IPv4 prefixes against a brute-force longest match, at addresses near every
     * prefix's edges and at random: the lookup table in front of the search (whole /16s, whole /24s,
     * split /24s, and more split /16s than get a table chunk) answers as the search does.
     */
    @Test
    void ipv4TableAgreesWithBruteForceLongestMatch() {
        for (int round = 0; round < 3; round++) {
            java.util.Random rnd = new java.util.Random(round);
            int n = round == 2 ? PrefixTrie.MAX_CHUNKS + 500 : 300;
            int[] net = new int[n], len = new int[n];
            PrefixTrie.Builder<Integer> b = PrefixTrie.builder();
            for (int i = 0; i < n; i++) {
                // lengths from /8 to /32, clustered in a few /8s so that prefixes nest and split /24s
                len[i] = round == 2 ? 24 + rnd.nextInt(9) : 8 + rnd.nextInt(25);
                int a = round == 2 ? rnd.nextInt() : (rnd.nextInt(4) + 10) << 24 | rnd.nextInt(1 << 24);
                int mask = len[i] == 0 ? 0 : -1 << (32 - len[i]);
                net[i] = a & mask;
                b.put(String.format("%s/%d", v4(net[i]), len[i]), i);
            }
            PrefixTrie<Integer> t = b.build();
            java.util.List<Integer> probes = new java.util.ArrayList<>();
            for (int i = 0; i < n; i++) {
                long size = 1L << (32 - len[i]);
                for (long d : new long[]{-1, 0, 1, size / 2, size - 1, size}) probes.add((int) (net[i] + d));
            }
            for (int i = 0; i < 20_000; i++) probes.add(round == 2 ? rnd.nextInt() : (rnd.nextInt(4) + 10) << 24 | rnd.nextInt(1 << 24));
            for (int a : probes) {
                Integer best = null;
                int bestLen = -1;
                for (int i = 0; i < n; i++) {
                    int mask = len[i] == 0 ? 0 : -1 << (32 - len[i]);
                    // a prefix put twice keeps the last value
                    if ((a & mask) == net[i] && len[i] >= bestLen) {
                        best = i;
                        bestLen = len[i];
                    }
                }
                assertThat(t.getV4(a)).as("round %d, %s", round, v4(a)).isEqualTo(best);
            }
        }
    }

    private static String v4(int a) {
        return (a >>> 24) + "." + (a >>> 16 & 0xff) + "." + (a >>> 8 & 0xff) + "." + (a & 0xff);
    }
}
