package dev.keyhole.sources.nfcapd;

import dev.keyhole.testing.Tools;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The capture of {@link NfcapdToolsInteropTest} through a newer nfdump than Debian bookworm's 1.7.1:
 * Debian trixie's package (1.7.5 when this was written), which ./test.sh fetches and names in
 * {@code KEYHOLE_NFDUMP_NEWER}. Its nfpcapd writes every compression, ZSTD included, which 1.7.1
 * cannot; Keyhole must read each file record by record as that nfdump prints it, and that nfdump
 * must read the files Keyhole writes ({@link NfcapdWriter}) in every compression.
 */
class NewerNfdumpInteropTest {
    private static final Pattern VERSION = Pattern.compile("Version: (\\d+)\\.(\\d+)\\.(\\d+)");

    @TempDir
    static Path dir;

    private static Path nfpcapd, nfdump, pcap;
    private static String version;
    /** nfpcapd's uncompressed files and their records as this nfdump prints them. */
    private static List<Path> plain;
    private static List<String> plainRows;

    @BeforeAll
    static void toolsAndCapture() throws Exception {
        String bin = System.getenv("KEYHOLE_NFDUMP_NEWER");
        if (bin == null || bin.isBlank()) {
            fail("KEYHOLE_NFDUMP_NEWER is not set; this test needs a newer nfdump than Debian bookworm's: run ./test.sh (it fetches Debian trixie's)");
        }
        nfpcapd = Path.of(bin, "nfpcapd");
        nfdump = Path.of(bin, "nfdump");
        assertThat(nfpcapd).as("nfpcapd in KEYHOLE_NFDUMP_NEWER").isExecutable();
        assertThat(nfdump).as("nfdump in KEYHOLE_NFDUMP_NEWER").isExecutable();
        String v = Tools.run(dir.resolve("version.log"), 30, nfdump.toString(), "-V");
        Matcher m = VERSION.matcher(v);
        assertThat(m.find()).as("nfdump -V: %s", v).isTrue();
        version = m.group(1) + "." + m.group(2) + "." + m.group(3);
        // 1.7.2 is the first nfdump that writes ZSTD; this test is about what 1.7.1 cannot make.
        assertThat(Integer.parseInt(m.group(1)) * 1000 + Integer.parseInt(m.group(2)) * 100 + Integer.parseInt(m.group(3)))
                .as("nfdump version %s", version).isGreaterThanOrEqualTo(1702);
        assertThat(v).as("nfdump -V options").contains("ZSTD");
        pcap = dir.resolve("flows.pcap");
        Files.write(pcap, NfcapdToolsInteropTest.buildCapture());
        plain = nfpcapd("plain");
        plainRows = new ArrayList<>();
        for (Path f : plain) plainRows.addAll(assertSameAsNfdump(f));
    }

    /** Runs nfpcapd over the capture into a new directory; returns its nfcapd files. */
    private static List<Path> nfpcapd(String name, String... options) throws Exception {
        Path out = Files.createDirectories(dir.resolve("nfpcapd-" + name));
        List<String> cmd = new ArrayList<>(List.of(nfpcapd.toString(), "-r", pcap.toString(), "-w", out.toString()));
        cmd.addAll(List.of(options));
        Tools.run(dir.resolve("nfpcapd-" + name + ".log"), 60, cmd.toArray(String[]::new));
        try (Stream<Path> s = Files.list(out)) {
            List<Path> files = s.filter(p -> p.getFileName().toString().matches("nfcapd\\.\\d{12}")).sorted().toList();
            assertThat(files).as("files nfpcapd %s wrote", version).isNotEmpty();
            return files;
        }
    }

    /** Keyhole's rows of a file equal this nfdump's, in order, with no rejects; returns the rows. */
    private static List<String> assertSameAsNfdump(Path file) throws Exception {
        return assertSameAsNfdump(file, true);
    }

    /**
     * As above; unordered, the rows are compared as multisets and Keyhole's (file order) returned.
     * nfdump 1.7.5 decompresses blocks on several threads and printed a many-block ZSTD file's
     * records in another order than the file holds them (1.7.8 printed a different order each run).
     */
    private static List<String> assertSameAsNfdump(Path file, boolean ordered) throws Exception {
        NfcapdFiles.Read r = NfcapdFiles.read(file);
        assertThat(r.messages()).as("rejects for %s", file).isEmpty();
        List<String> nf = NfcapdFiles.nfdumpRows(nfdump, file, dir.resolve(file.getFileName() + "-" + file.getParent().getFileName() + ".log"));
        assertThat(nf).as("nfdump %s read records from %s", version, file).isNotEmpty();
        if (ordered) assertThat(r.rows()).as("Keyhole vs nfdump %s, record by record, %s", version, file).containsExactlyElementsOf(nf);
        else assertThat(r.rows()).as("Keyhole vs nfdump %s, as multisets, %s", version, file).containsExactlyInAnyOrderElementsOf(nf);
        assertThat(r.returned()).isEqualTo(nf.size());
        return r.rows();
    }

    private static int compressionOf(Path f) throws Exception {
        try (var in = Files.newInputStream(f)) {
            return in.readNBytes(NfcapdDecoder.FILE_HEADER)[16];
        }
    }

    @Test
    void uncompressedFilesHoldTheWholeCapture() throws Exception {
        assertThat(compressionOf(plain.get(0))).isEqualTo(Compression.NONE.code);
        assertThat(plainRows.size()).isGreaterThan(400); // 400 conversations, most of them two flows
        assertThat(plainRows).anyMatch(r -> r.contains("|2001:db8:")).anyMatch(r -> r.contains("|175.45.176."));
    }

    @ParameterizedTest
    @ValueSource(strings = {"lzo", "bz2", "lz4", "zstd", "lz4:9", "zstd:19"})
    void nfpcapdFilesInEveryCompressionReadAsNfdumpPrintsThem(String option) throws Exception {
        List<Path> files = nfpcapd(option.replace(':', '-'), "-z=" + option);
        Compression expected = Compression.valueOf(option.replaceAll(":.*", "").toUpperCase(java.util.Locale.ROOT));
        for (Path f : files) assertThat(compressionOf(f)).as("compression of %s", f).isEqualTo(expected.code);
        List<String> rows = new ArrayList<>();
        for (Path f : files) rows.addAll(assertSameAsNfdump(f));
        assertThat(rows).as("the same records as the uncompressed files").containsExactlyElementsOf(plainRows);
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void nfdumpReadsWhatKeyholeWrites(Compression c) throws Exception {
        List<NfcapdFlow> flows = new ArrayList<>();
        for (Path f : plain) flows.addAll(NfcapdFiles.read(f).flows());
        Path out = dir.resolve("keyhole-" + c.name().toLowerCase(java.util.Locale.ROOT) + ".nfcapd");
        // Small blocks, so that a file is many blocks and each is compressed on its own.
        try (NfcapdWriter w = new NfcapdWriter(out, c, "keyhole-test", 16 * 1024)) {
            for (NfcapdFlow f : flows) w.write(f);
        }
        assertThat(compressionOf(out)).isEqualTo(c.code);
        assertThat(NfcapdFiles.blockOffsets(Files.readAllBytes(out)).size()).as("data blocks").isGreaterThan(1);
        assertThat(assertSameAsNfdump(out, false)).as("nfdump %s reading Keyhole's %s file", version, c).containsExactlyElementsOf(plainRows);
    }
}
