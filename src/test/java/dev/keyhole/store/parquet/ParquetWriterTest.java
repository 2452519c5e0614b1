package dev.keyhole.store.parquet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The writer's API on its own, read back by DuckDB: REQUIRED and OPTIONAL columns, NULL runs and
 * scattered NULLs, dictionaries wide enough for every index width up to 17 bits, runs long and
 * short (RLE and bit-packed), many pages and row groups.
 */
class ParquetWriterTest {
    static final List<Field> FIELDS = List.of(
            new Field("id", Field.Physical.INT64, Field.Annotation.INT_64, false),
            new Field("u32", Field.Physical.INT32, Field.Annotation.UINT_32, true),
            new Field("flag", Field.Physical.BOOLEAN, Field.Annotation.NONE, true),
            new Field("word", Field.Physical.BYTE_ARRAY, Field.Annotation.UTF8, true),
            new Field("text", Field.Physical.BYTE_ARRAY, Field.Annotation.UTF8, true));

    @Test
    void eighteenBitDictionaryIndicesReadBack(@TempDir Path dir) throws Exception {
        List<Field> fields = List.of(new Field("id", Field.Physical.INT64, Field.Annotation.INT_64, false),
                new Field("word", Field.Physical.BYTE_ARRAY, Field.Annotation.UTF8, true));
        int n = 140_000; // every entry used once: 140,000 > 2^17 entries need 18-bit indices
        ParquetWriter w = new ParquetWriter(fields, "test", ParquetWriter.Codec.SNAPPY, n, 1 << 20);
        Path file = dir.resolve("wide.parquet");
        w.begin(file);
        w.rowGroup(n);
        long[] id = new long[n];
        int[] idx = new int[n];
        byte[][] dict = new byte[n][];
        for (int i = 0; i < n; i++) {
            id[i] = i;
            idx[i] = (int) ((i * 7919L) % n); // a permutation: 7919 is prime and does not divide n
            dict[i] = ("v" + i).getBytes(StandardCharsets.UTF_8);
        }
        w.int64(id, n, null);
        w.dictionary(idx, n, dict, n, null);
        w.end();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT id, word FROM read_parquet('" + file + "') ORDER BY id")) {
            int i = 0;
            while (rs.next()) {
                assertThat(rs.getLong(1)).isEqualTo(i);
                assertThat(rs.getString(2)).isEqualTo("v" + idx[i]);
                i++;
            }
            assertThat(i).isEqualTo(n);
        }
    }

    @Test
    void everyIndexWidthNullPatternAndRunReadsBack(@TempDir Path dir) throws Exception {
        Random r = new Random(3);
        int rows = 20_000;
        // Dictionary sizes 1, 2, 3, 200, 70,000 by row group; the writer keeps only the entries a row
        // group uses (at most 4,000 here), so index widths 1 to 12 (wider ones: the test below).
        int[] dictSizes = {1, 2, 3, 200, 70_000};
        ParquetWriter w = new ParquetWriter(FIELDS, "test", ParquetWriter.Codec.SNAPPY, 4000, 1000);
        Path file = dir.resolve("t.parquet");
        List<String> want = new ArrayList<>();
        w.begin(file);
        for (int g = 0; g < 5; g++) {
            int n = 4000, base = g * n;
            w.rowGroup(n);
            long[] id = new long[n];
            for (int i = 0; i < n; i++) id[i] = base + i;
            w.int64(id, n, null);
            // u32: NULL runs, single NULLs, extremes.
            byte[] defs = new byte[n];
            int[] u = new int[n];
            int m = 0;
            for (int i = 0; i < n; i++) {
                boolean present = (i / 50) % 3 != 0 && r.nextInt(10) != 0;
                defs[i] = (byte) (present ? 1 : 0);
                if (present) u[m++] = switch (r.nextInt(4)) { case 0 -> -1; case 1 -> 0; case 2 -> Integer.MIN_VALUE; default -> r.nextInt(); };
            }
            w.int32(u, m, defs);
            String[] uText = new String[n];
            for (int i = 0, k = 0; i < n; i++) uText[i] = defs[i] == 0 ? null : Integer.toUnsignedString(u[k++]);
            // flag: all NULL in group 2, else random.
            byte[] fdefs = new byte[n], flags = new byte[n];
            int fm = 0;
            for (int i = 0; i < n; i++) {
                boolean present = g != 2 && r.nextInt(7) != 0;
                fdefs[i] = (byte) (present ? 1 : 0);
                if (present) flags[fm++] = (byte) r.nextInt(2);
            }
            w.bool(flags, fm, fdefs);
            String[] fText = new String[n];
            for (int i = 0, k = 0; i < n; i++) fText[i] = fdefs[i] == 0 ? null : String.valueOf(flags[k++] != 0);
            // word: dictionary, runs of 1 to 40 equal indices.
            int size = dictSizes[g];
            byte[][] dict = new byte[size][];
            for (int k = 0; k < size; k++) dict[k] = ("w" + k + (k % 7 == 0 ? "é" : "")).getBytes(StandardCharsets.UTF_8);
            int[] idx = new int[n];
            byte[] wdefs = new byte[n];
            int wm = 0;
            for (int i = 0; i < n; ) {
                int run = 1 + r.nextInt(r.nextBoolean() ? 3 : 40), x = r.nextInt(size);
                boolean present = r.nextInt(5) != 0;
                for (int k = 0; k < run && i < n; k++, i++) {
                    wdefs[i] = (byte) (present ? 1 : 0);
                    if (present) idx[wm++] = x;
                }
            }
            w.dictionary(idx, wm, dict, size, wm == n ? null : wdefs);
            String[] wText = new String[n];
            for (int i = 0, k = 0; i < n; i++) {
                wText[i] = wdefs[i] == 0 ? null : new String(dict[idx[k++]], StandardCharsets.UTF_8);
            }
            // text: plain strings, none NULL in group 0.
            String[] text = new String[n];
            byte[] tdefs = new byte[n];
            int tm = 0;
            String[] tText = new String[n];
            for (int i = 0; i < n; i++) {
                boolean present = g == 0 || r.nextInt(4) != 0;
                tdefs[i] = (byte) (present ? 1 : 0);
                if (present) {
                    String s = r.nextInt(9) == 0 ? "ü😀" + i : "t" + r.nextInt(1_000_000);
                    text[tm++] = s;
                    tText[i] = s;
                }
            }
            w.strings(text, tm, g == 0 ? null : tdefs);
            for (int i = 0; i < n; i++) {
                want.add(id[i] + "|" + uText[i] + "|" + fText[i] + "|" + wText[i] + "|" + tText[i]);
            }
        }
        w.end();
        assertThat(dir.resolve(".t.parquet.tmp")).doesNotExist();
        List<String> got = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT id, u32, flag, word, text FROM '" + file + "' ORDER BY id")) {
                while (rs.next()) {
                    got.add(rs.getString(1) + "|" + rs.getString(2) + "|" + rs.getString(3) + "|" + rs.getString(4) + "|"
                            + rs.getString(5));
                }
            }
            try (ResultSet rs = st.executeQuery("SELECT count(*), min(repetition_type), max(repetition_type)"
                    + " FROM parquet_schema('" + file + "') WHERE name = 'id'")) {
                rs.next();
                assertThat(rs.getString(2)).isEqualTo("REQUIRED");
            }
            try (ResultSet rs = st.executeQuery("SELECT num_row_groups FROM parquet_file_metadata('" + file + "')")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(5);
            }
        }
        assertThat(got).hasSize(rows).isEqualTo(want);
    }

    @Test
    void misuseIsRefusedAndAbortLeavesNothing(@TempDir Path dir) throws Exception {
        ParquetWriter w = new ParquetWriter(FIELDS, "test", ParquetWriter.Codec.SNAPPY);
        Path file = dir.resolve("x.parquet");
        w.begin(file);
        w.rowGroup(2);
        assertThatThrownBy(() -> w.int32(new int[2], 2, null)).hasMessageContaining("id is INT64");
        assertThatThrownBy(() -> w.int64(new long[2], 1, new byte[] {1, 0})).hasMessageContaining("REQUIRED");
        w.int64(new long[2], 2, null);
        assertThatThrownBy(() -> w.int32(new int[2], 1, new byte[] {1, 1})).hasMessageContaining("definitions give 2");
        assertThatThrownBy(() -> w.int32(new int[2], 1, null)).hasMessageContaining("no definitions");
        assertThatThrownBy(w::end).hasMessageContaining("incomplete");
        w.abort();
        try (var s = Files.list(dir)) {
            assertThat(s).isEmpty();
        }
    }

    /**
     * The codec is kept on for a column only while it shrinks the column's chunks by its minimum
     * gain (Snappy 30 %, ZSTD 10 %): row groups of ever less repetitive strings, and every chunk's
     * codec checked against the sizes in the footer. A chunk that Snappy shrank by 10-30 % turns
     * it off for the next chunks; ZSTD keeps it on.
     */
    @ParameterizedTest
    @CsvSource({"SNAPPY, 30", "ZSTD, 10"})
    void theCodecStaysOnWhileItShrinksChunksByItsMinimumGain(ParquetWriter.Codec codec, int minGainPercent, @TempDir Path dir)
            throws Exception {
        List<Field> fields = List.of(new Field("text", Field.Physical.BYTE_ARRAY, Field.Annotation.UTF8, false));
        int n = 2000, groups = 60;
        ParquetWriter w = new ParquetWriter(fields, "test", codec, n, 1 << 20);
        Random r = new Random(5);
        // 94 printable ASCII characters: ZSTD's entropy coding alone saves about a fifth of fresh values.
        String alphabet = IntStream.rangeClosed(0x21, 0x7E).mapToObj(Character::toString).collect(Collectors.joining());
        w.begin(dir.resolve("f.parquet"));
        for (int g = 0; g < groups; g++) {
            // Each value repeats a recent one with a probability falling from 0.95 to 0 over the file.
            double repeat = Math.max(0, 0.95 - g * 0.02);
            String[] v = new String[n];
            for (int i = 0; i < n; i++) {
                if (i >= 8 && r.nextDouble() < repeat) {
                    v[i] = v[i - 1 - r.nextInt(8)];
                } else {
                    char[] c = new char[40];
                    for (int k = 0; k < c.length; k++) c[k] = alphabet.charAt(r.nextInt(alphabet.length()));
                    v[i] = new String(c);
                }
            }
            w.rowGroup(n);
            w.strings(v, n, null);
        }
        w.end();
        List<String> codecs = new ArrayList<>();
        List<long[]> sizes = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT compression, total_compressed_size, total_uncompressed_size FROM"
                     + " parquet_metadata('" + dir + "/f.parquet') ORDER BY row_group_id")) {
            while (rs.next()) {
                codecs.add(rs.getString(1));
                sizes.add(new long[] {rs.getLong(2), rs.getLong(3)});
            }
        }
        assertThat(codecs).hasSize(groups);
        int raw = 0, band = 0;
        for (int g = 0; g < groups; g++) {
            if (raw > 0) {
                assertThat(codecs.get(g)).as("chunk %d", g).isEqualTo("UNCOMPRESSED");
                raw--;
                continue;
            }
            assertThat(codecs.get(g)).as("chunk %d", g).isEqualTo(codec.name());
            long compressed = sizes.get(g)[0], uncompressed = sizes.get(g)[1];
            double gain = 1 - (double) compressed / uncompressed;
            if (gain >= 0.10 && gain < 0.30 && g + 1 < groups) band++;
            if (uncompressed >= 4096 && gain < minGainPercent / 100.0) raw = ParquetWriter.RAW_CHUNKS;
        }
        assertThat(band).as("chunks the codec shrank by 10-30 %, followed by another").isPositive();
        // Repetition ends at chunk 48: Snappy (no entropy coding) then saves almost nothing.
        if (codec == ParquetWriter.Codec.SNAPPY) assertThat(codecs).contains("UNCOMPRESSED");
    }

    /**
     * A column the codec does not shrink (random 64-bit numbers, delta-coded) skips it for the next
     * {@link ParquetWriter#RAW_CHUNKS} chunks, across files, then is tried again; a column it
     * shrinks, and one too small to judge, keep it. Every value reads back either way.
     */
    @Test
    void chunksTheCodecDoesNotShrinkAreWrittenUncompressed(@TempDir Path dir) throws Exception {
        List<Field> fields = List.of(new Field("noise", Field.Physical.INT64, Field.Annotation.INT_64, false),
                new Field("word", Field.Physical.BYTE_ARRAY, Field.Annotation.UTF8, true),
                new Field("tiny", Field.Physical.INT64, Field.Annotation.INT_64, true));
        int n = 3000, groups = 20;
        ParquetWriter w = new ParquetWriter(fields, "test", ParquetWriter.Codec.SNAPPY, n, 1 << 20);
        Random r = new Random(11);
        byte[][] dict = {"alpha".getBytes(StandardCharsets.UTF_8), "beta".getBytes(StandardCharsets.UTF_8)};
        java.math.BigInteger sum = java.math.BigInteger.ZERO;
        for (int file = 0; file < 2; file++) {
            w.begin(dir.resolve("f" + file + ".parquet"));
            for (int g = 0; g < groups / 2; g++) {
                w.rowGroup(n);
                long[] noise = new long[n];
                int[] idx = new int[n];
                for (int i = 0; i < n; i++) {
                    noise[i] = r.nextLong();
                    sum = sum.add(java.math.BigInteger.valueOf(noise[i]));
                    idx[i] = (i / 3) % 2; // runs of 3: bit-packed, and compressible
                }
                w.int64(noise, n, null);
                w.dictionary(idx, n, dict, 2, null);
                byte[] none = new byte[n]; // all NULL: a chunk of a few bytes
                w.int64(new long[0], 0, none);
            }
            w.end();
        }
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement st = c.createStatement()) {
            List<String> noise = new ArrayList<>(), word = new ArrayList<>(), tiny = new ArrayList<>();
            try (ResultSet rs = st.executeQuery("SELECT path_in_schema, compression FROM parquet_metadata('" + dir
                    + "/*.parquet') ORDER BY file_name, row_group_id")) {
                while (rs.next()) {
                    (switch (rs.getString(1)) { case "noise" -> noise; case "word" -> word; default -> tiny; })
                            .add(rs.getString(2));
                }
            }
            List<String> expected = new ArrayList<>();
            for (int g = 0; g < groups; g++) expected.add(g % (ParquetWriter.RAW_CHUNKS + 1) == 0 ? "SNAPPY" : "UNCOMPRESSED");
            assertThat(noise).isEqualTo(expected);
            assertThat(word).hasSize(groups).containsOnly("SNAPPY");
            assertThat(tiny).hasSize(groups).containsOnly("SNAPPY");
            try (ResultSet rs = st.executeQuery("SELECT count(*), sum(noise)::HUGEINT::VARCHAR, count(*) FILTER (word = 'beta'),"
                    + " count(tiny) FROM read_parquet('" + dir + "/*.parquet')")) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo((long) n * groups);
                assertThat(rs.getString(2)).isEqualTo(sum.toString());
                assertThat(rs.getLong(3)).isEqualTo((long) n / 2 * groups);
                assertThat(rs.getLong(4)).isZero();
            }
        }
    }
}
