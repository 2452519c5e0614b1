package dev.keyhole.records;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class IpTest {
    private record Same(long hi, long lo) {}

    private record SameCidr(Ip network, int prefixLength) {}

    /** equals and hashCode are written out (not the record's generated ones): the same contract and values. */
    @Test
    void equalityAndHashAreTheRecordsOwn() {
        java.util.Random r = new java.util.Random(3);
        for (int k = 0; k < 1000; k++) {
            long hi = k % 3 == 0 ? 0 : r.nextLong(), lo = r.nextLong();
            Ip a = new Ip(hi, lo), b = new Ip(hi, lo);
            assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
            // What the generated hashCode gave (a record of the same components), so hash-ordered output is unchanged.
            assertThat(a.hashCode()).isEqualTo(new Same(hi, lo).hashCode());
            assertThat(a).isNotEqualTo(new Ip(hi, lo + 1)).isNotEqualTo(new Ip(hi + 1, lo)).isNotEqualTo(null)
                    .isNotEqualTo((Object) "x");
        }
        dev.keyhole.enrichment.scope.Cidr c = dev.keyhole.enrichment.scope.Cidr.parse("175.45.176.0/22");
        assertThat(c).isEqualTo(dev.keyhole.enrichment.scope.Cidr.parse("175.45.176.0/22"))
                .hasSameHashCodeAs(dev.keyhole.enrichment.scope.Cidr.parse("175.45.176.0/22"))
                .isNotEqualTo(dev.keyhole.enrichment.scope.Cidr.parse("175.45.176.0/23"));
        assertThat(c.hashCode()).isEqualTo(new SameCidr(c.network(), 22).hashCode());
    }

    @Test
    void textFormsFollowRfc5952AndRoundTrip() {
        String[][] cases = {{"2001:db8:0:0:0:0:0:1", "2001:db8::1"}, {"2001:0db8:0000:0001:0000:0000:0000:0001", "2001:db8:0:1::1"},
                {"::", "::"}, {"::1", "::1"}, {"fe80::", "fe80::"}, {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},
                {"2001:DB8:1:2:3:4:5:6", "2001:db8:1:2:3:4:5:6"}, {"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"}};
        for (String[] c : cases) {
            Ip ip = Ip.parse(c[0]);
            assertThat(ip.toString()).as(c[0]).isEqualTo(c[1]);
            assertThat(Ip.parse(ip.toString())).isEqualTo(ip);
        }
        assertThat(Ip.parse("175.45.178.1").toString()).isEqualTo("175.45.178.1");
        assertThat(Ip.parse("175.45.178.1").isV4()).isTrue();
        assertThat(Ip.ofBytes(Ip.parse("2a00:1450::5").toBytes())).isEqualTo(Ip.parse("2a00:1450::5"));
    }

    @Test
    void rejectsNonAddressesWithoutDnsLookups() {
        assertThatThrownBy(() -> Ip.parse("256.1.1.1")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Ip.parse("1.2.3")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Ip.parse("example.com")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Ip.parse("")).isInstanceOf(IllegalArgumentException.class);
    }
}
