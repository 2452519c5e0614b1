package dev.keyhole.records;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class IpTest {
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
