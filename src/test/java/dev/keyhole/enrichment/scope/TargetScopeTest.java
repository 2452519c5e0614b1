package dev.keyhole.enrichment.scope;

import dev.keyhole.profile.ProfileLoader;
import dev.keyhole.profile.TargetProfile;
import dev.keyhole.records.Ip;
import dev.keyhole.refdata.CsvAsnLookup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TargetScopeTest {
    @TempDir
    Path dir;

    private CsvAsnLookup asnData() throws IOException {
        Path v4 = Files.writeString(dir.resolve("asn-ipv4.csv"), String.join("\n",
                "175.45.176.0,175.45.179.255,131279,Star Joint Venture Co. Ltd.",
                // a range only the ASN data knows about: in scope through the ASN
                "198.51.100.0,198.51.100.127,131279,Star Joint Venture Co. Ltd.",
                "210.52.109.0,210.52.109.255,4837,CHINA UNICOM China169 Backbone",
                "8.8.8.0,8.8.8.255,15169,Google LLC", ""));
        Path v6 = Files.writeString(dir.resolve("asn-ipv6.csv"),
                "2a0d:5600:24::,2a0d:5600:24:ffff:ffff:ffff:ffff:ffff,131279,Star Joint Venture Co. Ltd.\n");
        return CsvAsnLookup.load(List.of(v4, v6));
    }

    @Test
    void dprkProfileCidrsAndAsn() throws IOException {
        TargetProfile dprk = ProfileLoader.load("dprk");
        TargetScope s = TargetScope.of(dprk, asnData());
        assertThat(s.contains(Ip.parse("175.45.176.1"))).isTrue();
        assertThat(s.contains(Ip.parse("175.45.179.255"))).isTrue();
        assertThat(s.contains(Ip.parse("175.45.180.0"))).isFalse();
        assertThat(s.contains(Ip.parse("210.52.109.9"))).as("CIDR, though the ASN is China Unicom's").isTrue();
        assertThat(s.contains(Ip.parse("77.94.35.200"))).isTrue();
        assertThat(s.contains(Ip.parse("198.51.100.5"))).as("through AS131279").isTrue();
        assertThat(s.contains(Ip.parse("198.51.100.128"))).isFalse();
        assertThat(s.contains(Ip.parse("2a0d:5600:24::1"))).as("IPv6 through AS131279").isTrue();
        assertThat(s.contains(Ip.parse("8.8.8.8"))).isFalse();
        assertThat(s.notes()).containsExactly("AS131279: 2 IPv4 and 1 IPv6 ranges in the ASN data");
    }

    @Test
    void asnsWithoutAsnDataAreAnError() {
        TargetProfile p = new TargetProfile("t", List.of(), List.of(64500L), ZoneId.of("UTC"), Set.of(), List.of(), List.of());
        assertThatThrownBy(() -> TargetScope.of(p, null)).hasMessageContaining("no ASN data");
    }

    @Test
    void badCidrNamesTheProfile() {
        TargetProfile p = new TargetProfile("t", List.of("10.0.0.0/99"), List.of(), ZoneId.of("UTC"), Set.of(), List.of(), List.of());
        assertThatThrownBy(() -> TargetScope.of(p, null)).hasMessageContaining("profile t").hasMessageContaining("10.0.0.0/99");
    }
}
