package dev.keyhole.sources.nfcapd;

import dev.keyhole.records.FlowRecord;
import dev.keyhole.records.Ip;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Damaged nfcapd files: each kind of damage is reported with its file offset, and every block that is
 * not damaged is still read. The files come from {@link NfcapdWriter} with small blocks (about 50
 * records each), so a file has several blocks to lose or keep.
 */
class NfcapdDamageTest {
    private static final int RECORDS = 400;
    private static final int BLOCK_BYTES = 4096;

    @TempDir
    Path dir;

    private static List<NfcapdFlow> flows() {
        Random rnd = new Random(11);
        List<NfcapdFlow> out = new ArrayList<>();
        for (int i = 0; i < RECORDS; i++) {
            Ip a = i % 5 == 0 ? Ip.ofV6(0x2001_0db8_0000_0000L, i) : Ip.ofV4(0xAF2DB000 + rnd.nextInt(1024));
            Ip b = i % 5 == 0 ? Ip.ofV6(0x2a00_1450_0000_0000L, rnd.nextInt()) : Ip.ofV4(rnd.nextInt());
            long t = 1_650_000_000_000L + i * 1000L;
            out.add(new NfcapdFlow().set(FlowRecord.uni(t, t + rnd.nextInt(5000), a, b, 1024 + rnd.nextInt(60_000),
                    443, 6, 0x1b, 1 + rnd.nextInt(50), 100 + rnd.nextInt(60_000), 0, 0)));
        }
        return out;
    }

    private static final List<NfcapdFlow> FLOWS = flows();
    private static final List<String> ROWS = FLOWS.stream().map(NfcapdFiles::row).toList();

    private byte[] file(Compression c) {
        try {
            Path f = dir.resolve("f-" + c);
            try (NfcapdWriter w = new NfcapdWriter(f, c, "test", BLOCK_BYTES)) {
                for (NfcapdFlow x : FLOWS) w.write(x);
            }
            return Files.readAllBytes(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int records(byte[] file, int blockOffset) {
        return ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getInt(blockOffset);
    }

    /** Rows of the data blocks [from, to) of an undamaged file, in order. */
    private static List<String> rowsOfBlocks(byte[] file, int from, int to) {
        List<Integer> offs = NfcapdFiles.blockOffsets(file);
        int first = 0;
        for (int i = 0; i < from; i++) first += records(file, offs.get(i));
        int n = 0;
        for (int i = from; i < to; i++) n += records(file, offs.get(i));
        return ROWS.subList(first, first + n);
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void undamagedFilesReadCompletely(Compression c) {
        byte[] f = file(c);
        assertThat(NfcapdFiles.blockOffsets(f)).hasSizeGreaterThan(5);
        for (boolean prefetch : new boolean[] {true, false}) {
            NfcapdFiles.Read r = NfcapdFiles.read(f, prefetch);
            assertThat(r.messages()).isEmpty();
            assertThat(r.rows()).as("prefetch %s", prefetch).containsExactlyElementsOf(ROWS);
        }
    }

    /**
     * Counters of 2^48 or more (which would wrap a run's sums) are rejected where they are read: the
     * block's offset and the record's number in it; the records around them are kept.
     */
    @ParameterizedTest
    @EnumSource(Compression.class)
    void implausibleCountersAreRejectedWithTheirBlockAndRecord(Compression c) throws IOException {
        Path f = dir.resolve("huge-" + c);
        List<NfcapdFlow> in = new ArrayList<>(FLOWS.subList(0, 3));
        in.set(1, new NfcapdFlow().set(FlowRecord.uni(1_650_000_000_000L, 1_650_000_000_500L, Ip.ofV4(1), Ip.ofV4(2),
                1, 2, 17, 0, 5, 1L << 48, 0, 0)));
        try (NfcapdWriter w = new NfcapdWriter(f, c, "test", BLOCK_BYTES)) {
            for (NfcapdFlow x : in) w.write(x);
        }
        byte[] bytes = Files.readAllBytes(f);
        NfcapdFiles.Read r = NfcapdFiles.read(bytes, false);
        assertThat(r.rows()).containsExactly(ROWS.get(0), ROWS.get(2));
        assertThat(r.messages()).containsExactly("test.nfcapd: offset " + NfcapdFiles.blockOffsets(bytes).get(0)
                + ": record 2 of the block: implausible counters (packets 5, bytes 281474976710656, reverse 0 / 0;"
                + " 2^48 or more, or negative); record skipped");
    }

    @Test
    void truncatedUncompressedFileKeepsEveryWholeRecordBeforeTheCut() {
        byte[] f = file(Compression.NONE);
        int block3 = NfcapdFiles.blockOffsets(f).get(2);
        int r11 = block3 + 12;
        for (int i = 0; i < 10; i++) r11 += ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN).getShort(r11 + 2);
        int cut = r11 + 30; // inside the 11th record of block 3
        NfcapdFiles.Read r = NfcapdFiles.read(Arrays.copyOf(f, cut));
        List<String> expected = new ArrayList<>(rowsOfBlocks(f, 0, 2));
        expected.addAll(ROWS.subList(expected.size(), expected.size() + 10));
        assertThat(r.rows()).containsExactlyElementsOf(expected);
        assertThat(r.messages()).singleElement().asString()
                .startsWith("test.nfcapd: offset " + block3 + ": block truncated")
                .contains("file ends after " + (cut - block3 - 12) + " (at offset " + cut + ")")
                .contains("records lost: " + (records(f, block3) - 10));
        assertThat(r.rejects().count()).isEqualTo(records(f, block3) - 10);
    }

    @ParameterizedTest
    @EnumSource(value = Compression.class, names = {"LZ4", "LZO", "ZSTD", "BZ2"})
    void truncatedCompressedFileLosesOnlyTheCutBlock(Compression c) {
        byte[] f = file(c);
        int block3 = NfcapdFiles.blockOffsets(f).get(2);
        int cut = block3 + 40;
        NfcapdFiles.Read r = NfcapdFiles.read(Arrays.copyOf(f, cut));
        assertThat(r.rows()).containsExactlyElementsOf(rowsOfBlocks(f, 0, 2));
        assertThat(r.messages()).singleElement().asString()
                .startsWith("test.nfcapd: offset " + block3 + ": block truncated")
                .contains("(at offset " + cut + ")");
        assertThat(r.rejects().count()).isEqualTo(records(f, block3));
    }

    @Test
    void fileCutInsideABlockHeaderReportsIt() {
        byte[] f = file(Compression.LZ4);
        int block3 = NfcapdFiles.blockOffsets(f).get(2);
        NfcapdFiles.Read r = NfcapdFiles.read(Arrays.copyOf(f, block3 + 5));
        assertThat(r.rows()).containsExactlyElementsOf(rowsOfBlocks(f, 0, 2));
        assertThat(r.messages()).containsExactly("test.nfcapd: offset " + block3
                + ": file ends 5 bytes into a block header (truncated)");
    }

    @ParameterizedTest
    @EnumSource(value = Compression.class, names = {"NONE", "LZ4", "LZO", "ZSTD"})
    void corruptBlockHeaderLosesThatBlockOnly(Compression c) {
        byte[] f = file(c);
        List<Integer> offs = NfcapdFiles.blockOffsets(f);
        List<String> expected = new ArrayList<>(rowsOfBlocks(f, 0, 1));
        expected.addAll(rowsOfBlocks(f, 2, offs.size() - 1));
        int block2 = offs.get(1);
        for (int i = 0; i < 12; i++) f[block2 + i] = (byte) 0xEE;
        NfcapdFiles.Read r = NfcapdFiles.read(f);
        assertThat(r.rows()).containsExactlyElementsOf(expected);
        assertThat(r.messages()).singleElement().asString()
                .startsWith("test.nfcapd: offset " + block2 + ": corrupt block header")
                .contains("resumed at offset " + offs.get(2));
    }

    @ParameterizedTest
    @EnumSource(value = Compression.class, names = {"LZ4", "LZO", "ZSTD", "BZ2"})
    void damagedCompressedPayloadLosesThatBlockOnly(Compression c) {
        byte[] f = file(c);
        List<Integer> offs = NfcapdFiles.blockOffsets(f);
        List<String> before = rowsOfBlocks(f, 0, 1), after = rowsOfBlocks(f, 2, offs.size() - 1);
        int block2 = offs.get(1);
        int size = ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN).getInt(block2 + 4);
        Random rnd = new Random(3);
        for (int i = 0; i < 16; i++) f[block2 + 12 + size / 4 + i] = (byte) rnd.nextInt();
        NfcapdFiles.Read r = NfcapdFiles.read(f);
        // Whatever the codec makes of the damage, the other blocks are read and nothing is invented.
        assertThat(r.rows()).startsWith(before.toArray(String[]::new));
        assertThat(r.rows()).endsWith(after.toArray(String[]::new));
        assertThat(r.rows().size()).isLessThan(ROWS.size());
        assertThat(r.messages()).isNotEmpty().allSatisfy(m -> assertThat(m).startsWith("test.nfcapd: offset " + block2 + ": "));
    }

    @Test
    void blockSizeFieldTooLargeIsFoundByTheNextBlock() {
        byte[] f = file(Compression.NONE);
        List<Integer> offs = NfcapdFiles.blockOffsets(f);
        int block2 = offs.get(1);
        ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN).putInt(block2 + 4,
                ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN).getInt(block2 + 4) + 100);
        NfcapdFiles.Read r = NfcapdFiles.read(f);
        // Block 2's records are intact and chain up to block 3's header: all are read, then block 3 onwards.
        assertThat(r.rows()).containsExactlyElementsOf(ROWS);
        assertThat(r.messages()).singleElement().asString().startsWith("test.nfcapd: offset " + block2 + ": ")
                .contains("resumed at offset " + offs.get(2));
    }

    @Test
    void unknownCompressionIsReportedAndBlocksFlaggedUncompressedAreStillRead() {
        byte[] f = file(Compression.NONE);
        List<Integer> offs = NfcapdFiles.blockOffsets(f);
        f[16] = 9;
        f[offs.get(2) + 10] = NfcapdDecoder.FLAG_BLOCK_UNCOMPRESSED;
        NfcapdFiles.Read r = NfcapdFiles.read(f);
        assertThat(r.rows()).containsExactlyElementsOf(rowsOfBlocks(f, 2, 3));
        assertThat(r.messages().get(0)).isEqualTo("test.nfcapd: offset 16: unknown compression 9 in the file header:"
                + " only blocks flagged uncompressed can be read");
        assertThat(r.messages().get(1)).isEqualTo("test.nfcapd: offset " + offs.get(0)
                + ": block compressed with unknown compression 9; records lost: " + records(f, offs.get(0)));
        assertThat(r.messages()).noneMatch(m -> m.contains("offset " + offs.get(2) + ":"));
        long dataRecords = ROWS.size() - rowsOfBlocks(f, 2, 3).size();
        assertThat(r.rejects().count()).as("records lost; the appendix's 2 records count too").isEqualTo(dataRecords + 2);
    }

    @Test
    void notAnNfcapdFileIsReportedAtOffsetZero() {
        assertThat(NfcapdFiles.read(new byte[0]).messages()).containsExactly("test.nfcapd: offset 0: empty file");
        assertThat(NfcapdFiles.read(new byte[10]).messages()).containsExactly(
                "test.nfcapd: offset 0: file ends after 10 bytes, inside the 40-byte nfcapd file header");
        byte[] f = file(Compression.NONE);
        f[0] = 0x0C;
        f[1] = (byte) 0xA6;
        assertThat(NfcapdFiles.read(f).messages()).containsExactly(
                "test.nfcapd: offset 0: not an nfcapd file: magic 0xA60C, expected 0xA50C");
        f[0] = (byte) 0xA5;
        f[1] = 0x0C;
        assertThat(NfcapdFiles.read(f).messages().get(0)).contains("big-endian");
        f = file(Compression.NONE);
        f[2] = 3;
        assertThat(NfcapdFiles.read(f).messages()).containsExactly(
                "test.nfcapd: offset 2: unknown nfcapd file layout version 3");
    }

    /** A file cut inside its header is still recognised by its magic, so the truncation is reported, not "format not recognised". */
    @Test
    void aFileCutInsideItsHeaderIsStillDetectedAsNfcapd(@TempDir Path dir) throws IOException {
        byte[] whole = file(Compression.LZO);
        for (int n : new int[] {4, 30, 39}) {
            Path cut = Files.write(dir.resolve("cut-" + n), Arrays.copyOf(whole, n));
            List<String> unreadable = new ArrayList<>();
            List<dev.keyhole.sources.InputFile> found = dev.keyhole.sources.Inputs.resolveEach(List.of(cut), null,
                    (file, why) -> unreadable.add(why));
            assertThat(unreadable).as("%d bytes", n).isEmpty();
            assertThat(found).extracting(dev.keyhole.sources.InputFile::format).as("%d bytes", n)
                    .containsExactly(dev.keyhole.sources.InputFormat.NFCAPD);
            assertThat(NfcapdFiles.read(Arrays.copyOf(whole, n)).messages()).containsExactly(
                    "test.nfcapd: offset 0: file ends after " + n + " bytes, inside the 40-byte nfcapd file header");
        }
        assertThat(dev.keyhole.sources.Inputs.detect(new byte[] {0x0C, (byte) 0xA5, 2})).isEmpty();
    }

    @Test
    void layout1RecordWithoutItsExtensionMapIsSkippedAndReported() {
        List<NfcapdFlow> some = FLOWS.subList(0, 30).stream().map(x -> {
            NfcapdFlow c = x.copy();
            c.srcAs = 64_512;
            c.dstAs = 65_000;
            return c;
        }).toList();
        byte[] f = NfcapdFiles.layout1(some, Compression.NONE, 30);
        // The second map record (id 1) gets id 7: records using map 1 now refer to a map never defined.
        int block = NfcapdDecoder.FILE_HEADER_V1;
        int map0 = block + 12;
        int map1 = map0 + ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN).getShort(map0 + 2);
        f[map1 + 4] = 7;
        NfcapdFiles.Read r = NfcapdFiles.read(f);
        assertThat(r.flows()).hasSize(20);
        assertThat(r.rejects().count()).isEqualTo(10);
        assertThat(r.messages()).hasSize(10).allSatisfy(m -> assertThat(m).startsWith("test.nfcapd: offset " + block
                + ": record ").contains("refers to extension map 1, which the file has not defined; record skipped"));
    }

    /** Layout 1 under the same kinds of mutation: never throws, never invents records. */
    @ParameterizedTest
    @EnumSource(value = Compression.class, names = {"NONE", "LZO", "LZ4"})
    void fuzzLayout1(Compression c) {
        List<NfcapdFlow> some = FLOWS.stream().map(x -> {
            NfcapdFlow y = x.copy();
            y.srcAs = 100;
            y.dstAs = 200;
            return y;
        }).toList();
        byte[] original = NfcapdFiles.layout1(some, c, 60);
        assertThat(NfcapdFiles.read(original).rows()).hasSize(RECORDS);
        Random rnd = new Random(16 + c.code);
        for (int round = 0; round < 300; round++) {
            byte[] f = original.clone();
            int at = rnd.nextInt(f.length);
            if (round % 3 == 0) f = Arrays.copyOf(f, at);
            else for (int i = at; i < Math.min(f.length, at + 1 + rnd.nextInt(8)); i++) f[i] = (byte) rnd.nextInt();
            NfcapdFiles.Read r = NfcapdFiles.read(f);
            assertThat(r.flows().size()).as("%s round %d at %d", c, round, at).isLessThanOrEqualTo(RECORDS);
            assertThat(r.returned()).isEqualTo(r.flows().size());
        }
    }

    /**
     * Seeded mutations (replaced bytes, bit flips, truncations, insertions, deletions) of files in every
     * compression: the reader never throws, never returns more records than the file holds, and keeps
     * every record of the blocks that end before the first damaged byte.
     */
    @ParameterizedTest
    @EnumSource(Compression.class)
    void fuzz(Compression c) {
        byte[] original = file(c);
        List<Integer> offs = NfcapdFiles.blockOffsets(original);
        Random rnd = new Random(1_000 + c.code);
        int rounds = c == Compression.BZ2 ? 150 : 600;
        for (int round = 0; round < rounds; round++) {
            byte[] f = original.clone();
            int at;
            String kind;
            switch (rnd.nextInt(5)) {
                case 0 -> {
                    kind = "replace";
                    at = rnd.nextInt(f.length);
                    int n = 1 + rnd.nextInt(8);
                    for (int i = at; i < Math.min(f.length, at + n); i++) f[i] = (byte) rnd.nextInt();
                }
                case 1 -> {
                    kind = "bitflip";
                    at = rnd.nextInt(f.length);
                    f[at] ^= (byte) (1 << rnd.nextInt(8));
                }
                case 2 -> {
                    kind = "truncate";
                    at = rnd.nextInt(f.length);
                    f = Arrays.copyOf(f, at);
                }
                case 3 -> {
                    kind = "insert";
                    at = rnd.nextInt(f.length);
                    byte[] junk = new byte[1 + rnd.nextInt(64)];
                    rnd.nextBytes(junk);
                    byte[] g = new byte[f.length + junk.length];
                    System.arraycopy(f, 0, g, 0, at);
                    System.arraycopy(junk, 0, g, at, junk.length);
                    System.arraycopy(f, at, g, at + junk.length, f.length - at);
                    f = g;
                }
                default -> {
                    kind = "delete";
                    at = rnd.nextInt(f.length);
                    int n = Math.min(f.length - at, 1 + rnd.nextInt(200));
                    byte[] g = new byte[f.length - n];
                    System.arraycopy(f, 0, g, 0, at);
                    System.arraycopy(f, at + n, g, at, f.length - at - n);
                    f = g;
                }
            }
            String what = c + " round " + round + ": " + kind + " at " + at;
            NfcapdFiles.Read r = NfcapdFiles.read(f, true);
            NfcapdFiles.Read serial = NfcapdFiles.read(f, false);
            assertThat(r.rows()).as("%s: with and without prefetching", what).isEqualTo(serial.rows());
            assertThat(r.messages()).as("%s: with and without prefetching", what).isEqualTo(serial.messages());
            assertThat(r.returned()).as(what).isEqualTo(r.flows().size());
            assertThat(r.flows().size()).as(what).isLessThanOrEqualTo(ROWS.size());
            int intact = 0;
            while (intact < offs.size() - 1 && offs.get(intact + 1) <= at) intact++;
            if (at < NfcapdDecoder.FILE_HEADER) intact = 0;
            List<String> kept = rowsOfBlocks(original, 0, intact);
            if (!kept.isEmpty()) assertThat(r.rows()).as(what).startsWith(kept.toArray(String[]::new));
            assertThat(r.messages()).as(what).allSatisfy(m -> assertThat(m).startsWith("test.nfcapd: offset "));
        }
    }
}
