package dev.keyhole.refdata;

import dev.keyhole.records.Ip;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GeoLookupTest {
    @TempDir
    Path dir;

    /** MaxMind GeoIP2/GeoLite2 City layout, one IPv6 database holding IPv4 under ::/96. */
    static Path maxmindCity(Path file) throws IOException {
        return new MmdbWriter(6, "GeoLite2-City")
                .insert("175.45.176.0/22", Map.of(
                        "country", Map.of("iso_code", "KP", "names", Map.of("en", "North Korea")),
                        "city", Map.of("names", Map.of("en", "Pyongyang", "de", "Pjöngjang")),
                        "location", Map.of("latitude", 39.0339, "longitude", 125.7543)))
                .insert("77.94.35.0/24", Map.of(
                        "registered_country", Map.of("iso_code", "RU"),
                        "location", Map.of("latitude", 55.75, "longitude", 37.62)))
                .insert("2a03:2880::/32", Map.of(
                        "country", Map.of("iso_code", "IE"),
                        "city", Map.of("names", Map.of("en", "Dublin"))))
                .write(file);
    }

    /** ip-location-db flat layout, separate IPv4 and IPv6 files. */
    static List<Path> flatPair(Path dir) throws IOException {
        Path v4 = new MmdbWriter(4, "city ipv4")
                .insert("8.8.8.0/24", Map.of("country_code", "US", "city", "", "latitude", 37.751, "longitude", -97.822))
                .insert("210.52.109.0/24", Map.of("country_code", "KP", "city", "Pyongyang", "latitude", 39.03, "longitude", 125.75))
                .insert("1.0.0.0/8", Map.of("country_code", "AU", "city", "Sydney", "latitude", -33.87, "longitude", 151.21))
                .insert("1.2.3.0/24", Map.of("country_code", "CN", "city", "Beijing", "latitude", 39.9, "longitude", 116.4))
                .write(dir.resolve("geolite2-city-ipv4.mmdb"));
        Path v6 = new MmdbWriter(6, "city ipv6")
                .insert("2001:4860::/32", Map.of("country_code", "US", "city", "Mountain View", "latitude", 37.4, "longitude", -122.1))
                .write(dir.resolve("geolite2-city-ipv6.mmdb"));
        return List.of(v4, v6);
    }

    @Test
    void readsMaxMindCitySchema() throws IOException {
        try (GeoLookup g = GeoLookup.open(List.of(maxmindCity(dir.resolve("city.mmdb"))))) {
            GeoLocation kp = g.lookup(Ip.parse("175.45.178.9"));
            assertThat(kp).isEqualTo(new GeoLocation("KP", "Pyongyang", 39.0339, 125.7543));
            GeoLocation ru = g.lookup(Ip.parse("77.94.35.1"));
            assertThat(ru.country()).as("falls back to registered_country").isEqualTo("RU");
            assertThat(ru.city()).isNull();
            GeoLocation ie = g.lookup(Ip.parse("2a03:2880:f003::1"));
            assertThat(ie.country()).isEqualTo("IE");
            assertThat(ie.city()).isEqualTo("Dublin");
            assertThat(ie.latitude()).isNaN();
            assertThat(g.lookup(Ip.parse("175.45.180.0"))).isNull();
            assertThat(g.lookup(Ip.parse("2001:db8::1"))).isNull();
        }
    }

    @Test
    void readsFlatSchemaFromIpv4AndIpv6Files() throws IOException {
        try (GeoLookup g = GeoLookup.open(flatPair(dir))) {
            assertThat(g.lookup(Ip.parse("8.8.8.8"))).isEqualTo(new GeoLocation("US", null, 37.751, -97.822));
            assertThat(g.lookup(Ip.parse("210.52.109.77"))).isEqualTo(new GeoLocation("KP", "Pyongyang", 39.03, 125.75));
            assertThat(g.lookup(Ip.parse("1.2.3.4")).city()).as("more specific network").isEqualTo("Beijing");
            assertThat(g.lookup(Ip.parse("1.2.4.4")).city()).isEqualTo("Sydney");
            assertThat(g.lookup(Ip.parse("2001:4860:4860::8888")).city()).isEqualTo("Mountain View");
            assertThat(g.lookup(Ip.parse("9.9.9.9"))).isNull();
            assertThat(g.lookup(Ip.parse("2a03:2880::1"))).isNull();
            assertThat(g.metadata()).extracting(m -> m.getDatabaseType()).containsExactly("city ipv4", "city ipv6");
        }
    }

    @Test
    void ipv4OnlyFileAnswersNothingForIpv6() throws IOException {
        Path v4 = flatPair(dir).get(0);
        try (GeoLookup g = GeoLookup.open(List.of(v4))) {
            assertThat(g.lookup(Ip.parse("8.8.8.8")).country()).isEqualTo("US");
            assertThat(g.lookup(Ip.parse("2001:4860::1"))).isNull();
        }
    }

    @Test
    void rejectsFilesThatAreNotMmdb() throws IOException {
        Path junk = Files.writeString(dir.resolve("junk.mmdb"), "not a database");
        assertThatThrownBy(() -> GeoLookup.open(List.of(junk)))
                .isInstanceOf(IOException.class).hasMessageContaining("junk.mmdb");
    }

    @Test
    void mmdbAsnLookupReadsGeoLite2AsnSchema() throws IOException {
        Path f = new MmdbWriter(6, "GeoLite2-ASN")
                .insert("175.45.176.0/23", Map.of("autonomous_system_number", 131279L,
                        "autonomous_system_organization", "Star Joint Venture Co. Ltd."))
                .insert("175.45.178.0/23", Map.of("autonomous_system_number", 131279L,
                        "autonomous_system_organization", "Star Joint Venture Co. Ltd."))
                .insert("8.8.8.0/24", Map.of("autonomous_system_number", 15169L,
                        "autonomous_system_organization", "GOOGLE"))
                .insert("2a0d:5600:24::/48", Map.of("autonomous_system_number", 131279L,
                        "autonomous_system_organization", "Star Joint Venture Co. Ltd."))
                .write(dir.resolve("GeoLite2-ASN.mmdb"));
        try (AsnLookup l = AsnLookup.open(List.of(f))) {
            assertThat(l).isInstanceOf(MmdbAsnLookup.class);
            assertThat(l.lookup(Ip.parse("8.8.8.8"))).isEqualTo(new AsnInfo(15169, "GOOGLE"));
            assertThat(l.lookup(Ip.parse("175.45.179.255")).asn()).isEqualTo(131279);
            assertThat(l.lookup(Ip.parse("1.1.1.1"))).isNull();
            List<long[]> v4 = l.rangesOf(131279);
            assertThat(v4).hasSize(1);
            assertThat(Ip.ofV4((int) v4.get(0)[0]).toString()).isEqualTo("175.45.176.0");
            assertThat(Ip.ofV4((int) v4.get(0)[1]).toString()).isEqualTo("175.45.179.255");
            List<long[]> v6 = l.rangesOfV6(131279);
            assertThat(v6).hasSize(1);
            assertThat(Ip.ofV6(v6.get(0)[2], v6.get(0)[3]).toString()).isEqualTo("2a0d:5600:24:ffff:ffff:ffff:ffff:ffff");
        }
    }
}
