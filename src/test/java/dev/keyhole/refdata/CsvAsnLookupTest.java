package dev.keyhole.refdata;

import dev.keyhole.records.Ip;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CsvAsnLookupTest {
    @TempDir
    Path dir;

    private static final String V4 = String.join("\n",
            "1.0.0.0,1.0.0.255,13335,\"Cloudflare, Inc.\"",
            "8.8.8.0,8.8.8.255,15169,Google LLC",
            "175.45.176.0,175.45.179.255,131279,Star Joint Venture Co. Ltd.",
            "175.45.180.0,175.45.180.255,131279,Star Joint Venture Co. Ltd.",
            "203.0.113.0,203.0.113.127,64500,\"Quote \"\"Inc\"\"\"",
            "77.94.35.0,77.94.35.255,20485,Joint Stock Company TransTeleCom", // out of order on purpose
            "255.255.255.0,255.255.255.255,64501,Top Of Space",
            "");

    private static final String V6 = String.join("\r\n",
            "2001:4860::,2001:4860:ffff:ffff:ffff:ffff:ffff:ffff,15169,Google LLC",
            "2a03:2880::,2a03:2880:ffff:ffff:ffff:ffff:ffff:ffff,32934,\"Facebook, Inc.\"",
            "2a0d:5600:24::,2a0d:5600:24:ffff:ffff:ffff:ffff:ffff,131279,Star Joint Venture Co. Ltd.",
            "");

    private CsvAsnLookup load() throws IOException {
        Path v4 = Files.writeString(dir.resolve("asn-ipv4.csv"), V4);
        Path v6 = Files.writeString(dir.resolve("asn-ipv6.csv"), V6);
        return CsvAsnLookup.load(List.of(v4, v6));
    }

    @Test
    void looksUpIpv4RangesIncludingEdgesAndQuotedOrgs() throws IOException {
        CsvAsnLookup l = load();
        assertThat(l.ipv4Ranges()).isEqualTo(7);
        assertThat(l.ipv6Ranges()).isEqualTo(3);
        assertThat(l.lookup(Ip.parse("1.0.0.1"))).isEqualTo(new AsnInfo(13335, "Cloudflare, Inc."));
        assertThat(l.lookup(Ip.parse("8.8.8.8"))).isEqualTo(new AsnInfo(15169, "Google LLC"));
        assertThat(l.lookup(Ip.parse("175.45.176.0")).asn()).isEqualTo(131279);
        assertThat(l.lookup(Ip.parse("175.45.180.255")).asn()).isEqualTo(131279);
        assertThat(l.lookup(Ip.parse("175.45.181.0"))).isNull();
        assertThat(l.lookup(Ip.parse("175.45.175.255"))).isNull();
        assertThat(l.lookup(Ip.parse("77.94.35.7")).org()).isEqualTo("Joint Stock Company TransTeleCom");
        assertThat(l.lookup(Ip.parse("203.0.113.5")).org()).isEqualTo("Quote \"Inc\"");
        assertThat(l.lookup(Ip.parse("203.0.113.128"))).isNull();
        assertThat(l.lookup(Ip.parse("255.255.255.255")).asn()).isEqualTo(64501);
        assertThat(l.lookup(Ip.parse("0.0.0.1"))).isNull();
        // rows of one ASN with the same organisation share one object
        assertThat(l.lookup(Ip.parse("175.45.176.1"))).isSameAs(l.lookup(Ip.parse("175.45.180.1")));
    }

    @Test
    void looksUpIpv6() throws IOException {
        CsvAsnLookup l = load();
        assertThat(l.lookup(Ip.parse("2a03:2880:f003:c07:face:b00c::2"))).isEqualTo(new AsnInfo(32934, "Facebook, Inc."));
        assertThat(l.lookup(Ip.parse("2001:4860:4860::8888")).asn()).isEqualTo(15169);
        assertThat(l.lookup(Ip.parse("2001:4861::"))).isNull();
        assertThat(l.lookup(Ip.parse("::1"))).isNull();
    }

    @Test
    void rangesOfMergesAdjacentRows() throws IOException {
        CsvAsnLookup l = load();
        List<long[]> r = l.rangesOf(131279);
        assertThat(r).hasSize(1);
        assertThat(Ip.ofV4((int) r.get(0)[0]).toString()).isEqualTo("175.45.176.0");
        assertThat(Ip.ofV4((int) r.get(0)[1]).toString()).isEqualTo("175.45.180.255");
        List<long[]> r6 = l.rangesOfV6(131279);
        assertThat(r6).hasSize(1);
        assertThat(Ip.ofV6(r6.get(0)[0], r6.get(0)[1]).toString()).isEqualTo("2a0d:5600:24::");
        assertThat(l.rangesOf(1)).isEmpty();
    }

    @Test
    void readsNumericGzippedFilesWithHeader() throws IOException {
        Path f = dir.resolve("asn-ipv4-num.csv.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(f))) {
            out.write(("start,end,asn,org\n16777216,16777471,13335,Cloudflare\n").getBytes(StandardCharsets.UTF_8));
        }
        CsvAsnLookup l = CsvAsnLookup.load(List.of(f));
        assertThat(l.lookup(Ip.parse("1.0.0.200"))).isEqualTo(new AsnInfo(13335, "Cloudflare"));
    }

    @Test
    void badRowNamesFileAndLine() throws IOException {
        Path f = Files.writeString(dir.resolve("bad.csv"), "1.0.0.0,1.0.0.255,13335,X\n1.0.1.0,1.0.1.300,1,Y\n");
        assertThatThrownBy(() -> CsvAsnLookup.load(List.of(f)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bad.csv:2")
                .hasMessageContaining("bad IPv4 range");
    }

    @Test
    void largeFilesParsedInChunksKeepEveryRowAndTrueLineNumbers() throws IOException {
        // 120k rows (~4 MB) is split into several chunks parsed in parallel.
        StringBuilder sb = new StringBuilder("start,end,asn,org\n");
        int rows = 120_000;
        for (int i = 0; i < rows; i++) {
            long first = 0x0100_0000L + 256L * i;
            sb.append(first).append(',').append(first + 255).append(',').append(64512 + i % 1000)
                    .append(",\"Org ").append(i % 1000).append(", Ltd.\"\n");
        }
        Path good = Files.writeString(dir.resolve("asn-ipv4-num.csv"), sb);
        CsvAsnLookup l = CsvAsnLookup.load(List.of(good));
        assertThat(l.ipv4Ranges()).isEqualTo(rows);
        for (int i : new int[] {0, 1, 31_337, 65_536, rows - 1}) {
            long a = 0x0100_0000L + 256L * i + 7;
            assertThat(l.lookup(Ip.ofV4((int) a))).isEqualTo(new AsnInfo(64512 + i % 1000, "Org " + (i % 1000) + ", Ltd."));
        }
        assertThat(l.lookup(Ip.ofV4((int) (0x0100_0000L + 256L * rows)))).isNull();
        // A bad row deep in the file: its line is the header plus its row index plus one.
        int badRow = 100_000;
        String text = sb.toString();
        int at = 0;
        for (int i = 0; i <= badRow; i++) at = text.indexOf('\n', at) + 1;
        String broken = text.substring(0, at) + "1.2.3.4,1.2.3.999,1,X\n" + text.substring(at);
        Path bad = Files.writeString(dir.resolve("broken.csv"), broken);
        assertThatThrownBy(() -> CsvAsnLookup.load(List.of(bad)))
                .hasMessageContaining("broken.csv:" + (badRow + 2) + ":")
                .hasMessageContaining("bad IPv4 range");
        // Bad rows in the first and the last chunk: the first is reported, with its own message, every time.
        Path twice = Files.writeString(dir.resolve("twice.csv"), text.substring(0, text.indexOf('\n') + 1)
                + "1.2.3.4,1.2.3.999,1,X\n" + broken.substring(text.indexOf('\n') + 1));
        for (int i = 0; i < 5; i++) {
            assertThatThrownBy(() -> CsvAsnLookup.load(List.of(twice)))
                    .isExactlyInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith(twice + ":2: bad IPv4 range");
        }
    }

    @Test
    void snapshotGivesTheSameAnswersAndFollowsChangedOrDamagedFiles() throws IOException {
        Path v4 = Files.writeString(dir.resolve("snap-ipv4.csv"), V4);
        Path v6 = Files.writeString(dir.resolve("snap-ipv6.csv"), V6);
        Path snaps = dir.resolve("snapshots");
        CsvAsnLookup parsed = CsvAsnLookup.load(List.of(v4, v6), snaps);
        assertThat(parsed.fromSnapshot()).isFalse();
        CsvAsnLookup read = CsvAsnLookup.load(List.of(v4, v6), snaps);
        assertThat(read.fromSnapshot()).isTrue();
        for (String a : new String[] {"1.0.0.7", "8.8.8.8", "31.13.70.1", "175.45.177.1", "9.9.9.9",
                "2a03:2880:f003:c07:face:b00c::2", "2001:4860:4860::8888", "::1"}) {
            assertThat(read.lookup(Ip.parse(a))).as(a).isEqualTo(parsed.lookup(Ip.parse(a)));
        }
        assertThat(read.ipv4Ranges()).isEqualTo(parsed.ipv4Ranges());
        assertThat(read.ipv6Ranges()).isEqualTo(parsed.ipv6Ranges());
        assertThat(read.rangesOf(32934)).usingRecursiveComparison().isEqualTo(parsed.rangesOf(32934));
        assertThat(read.uniformV4Block(Ip.parse("8.8.8.8").v4(), 24)).isEqualTo(parsed.uniformV4Block(Ip.parse("8.8.8.8").v4(), 24));
        try (var files = Files.list(snaps)) {
            assertThat(files.filter(p -> p.getFileName().toString().endsWith(".bin"))).hasSize(1);
        }

        // A damaged snapshot is ignored (and rewritten), never trusted.
        Path bin;
        try (var files = Files.list(snaps)) {
            bin = files.filter(p -> p.getFileName().toString().endsWith(".bin")).findFirst().orElseThrow();
        }
        byte[] whole = Files.readAllBytes(bin);
        Files.write(bin, java.util.Arrays.copyOf(whole, whole.length / 2));
        CsvAsnLookup again = CsvAsnLookup.load(List.of(v4, v6), snaps);
        assertThat(again.fromSnapshot()).isFalse();
        assertThat(again.lookup(Ip.parse("8.8.8.8"))).isEqualTo(parsed.lookup(Ip.parse("8.8.8.8")));
        assertThat(CsvAsnLookup.load(List.of(v4, v6), snaps).fromSnapshot()).isTrue();
        // The same size with one byte changed (an AS number, a range, an organisation's name): the
        // checksum catches it, so the file is parsed again, not read with a wrong answer.
        whole = Files.readAllBytes(bin);
        for (int at : new int[] {whole.length / 3, whole.length / 2, whole.length - 1}) {
            byte[] flipped = whole.clone();
            flipped[at] ^= 0x10;
            Files.write(bin, flipped);
            CsvAsnLookup reparsed = CsvAsnLookup.load(List.of(v4, v6), snaps);
            assertThat(reparsed.fromSnapshot()).as("byte %d changed", at).isFalse();
            assertThat(reparsed.lookup(Ip.parse("8.8.8.8"))).isEqualTo(parsed.lookup(Ip.parse("8.8.8.8")));
            assertThat(Files.readAllBytes(bin)).as("rewritten").isEqualTo(whole);
        }

        // Changed data: parsed again, with the new answer.
        Files.writeString(v4, V4.replace("15169,Google LLC", "15169,Google LLC (renamed)"));
        Files.setLastModifiedTime(v4, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
        CsvAsnLookup changed = CsvAsnLookup.load(List.of(v4, v6), snaps);
        assertThat(changed.fromSnapshot()).isFalse();
        assertThat(changed.lookup(Ip.parse("8.8.8.8")).org()).isEqualTo("Google LLC (renamed)");
        try (var files = Files.list(snaps)) {
            assertThat(files.filter(p -> p.getFileName().toString().endsWith(".bin"))).hasSize(1);
        }
    }

    @Test
    void openPicksCsvOrMmdbByExtension() throws IOException {
        Path v4 = Files.writeString(dir.resolve("a.csv"), V4);
        try (AsnLookup l = AsnLookup.open(List.of(v4))) {
            assertThat(l).isInstanceOf(CsvAsnLookup.class);
            assertThat(l.files()).containsExactly(v4);
        }
        assertThatThrownBy(() -> AsnLookup.open(List.of(v4, dir.resolve("x.mmdb"))))
                .hasMessageContaining("not both");
    }

    @Test
    void parsesIpv6TextForms() {
        // The CSV loader uses the shared parser of sources.text; the forms ASN files contain.
        assertThat(ip("::ffff:1.2.3.4")).isEqualTo(dev.keyhole.records.Ip.ofV4(0x0102_0304));
        assertThat(ip("2001:db8::")).isEqualTo(dev.keyhole.records.Ip.ofV6(0x2001_0db8_0000_0000L, 0L));
        assertThat(ip("::")).isEqualTo(dev.keyhole.records.Ip.ofV6(0L, 0L));
        for (String bad : new String[] {"1::2::3", "12345::", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "2001:", "g::"}) {
            assertThat(ip(bad)).as(bad).isNull();
        }
    }

    private static dev.keyhole.records.Ip ip(String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        return dev.keyhole.records.IpText.parse(b, 0, b.length);
    }
}
