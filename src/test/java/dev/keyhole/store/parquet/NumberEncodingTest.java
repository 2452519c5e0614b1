package dev.keyhole.store.parquet;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Numeric column chunks are written as a dictionary (few distinct values) or DELTA_BINARY_PACKED
 * (the rest): every row group size around the 128-value blocks and 32-value miniblocks, constant,
 * small-set, sorted, random full-range and wrapping 32-bit values, NULL patterns; read back by
 * DuckDB and by hyparquet, with the encoding each chunk got checked in DuckDB's parquet_metadata.
 */
class NumberEncodingTest {
    static final List<Field> FIELDS = List.of(
            new Field("row", Field.Physical.INT64, Field.Annotation.INT_64, false),
            new Field("constant", Field.Physical.INT64, Field.Annotation.INT_64, true),
            new Field("few", Field.Physical.INT32, Field.Annotation.UINT_16, true),
            new Field("time", Field.Physical.INT64, Field.Annotation.TIMESTAMP_MICROS, true),
            new Field("u64", Field.Physical.INT64, Field.Annotation.UINT_64, true),
            new Field("u32", Field.Physical.INT32, Field.Annotation.UINT_32, true),
            new Field("i32", Field.Physical.INT32, Field.Annotation.NONE, true));
    /** Row group sizes: single values, block and miniblock edges, and one with > 4,096 distinct "few" values. */
    static final int[] GROUPS = {1, 2, 31, 32, 33, 127, 128, 129, 160, 257, 1000, 40_000};

    @TempDir
    static Path dir;
    static Path file;
    /** Expected text per row and column (null for NULL), by row number. */
    static final Map<Long, String[]> want = new HashMap<>();

    @BeforeAll
    static void write() throws Exception {
        Random r = new Random(7);
        file = dir.resolve("numbers.parquet");
        ParquetWriter w = new ParquetWriter(FIELDS, "test", ParquetWriter.Codec.SNAPPY, 40_000, 1 << 12);
        w.begin(file);
        long row = 0, t = 1_525_000_000_000_000L;
        for (int g = 0; g < GROUPS.length; g++) {
            int n = GROUPS[g];
            w.rowGroup(n);
            long[] rows = new long[n], constant = new long[n], time = new long[n], u64 = new long[n];
            int[] few = new int[n], u32 = new int[n], i32 = new int[n];
            byte[] cDefs = new byte[n], fDefs = new byte[n], tDefs = new byte[n], u64Defs = new byte[n],
                    u32Defs = new byte[n], iDefs = new byte[n];
            int cm = 0, fm = 0, tm = 0, um = 0, vm = 0, im = 0;
            for (int i = 0; i < n; i++) {
                String[] v = new String[FIELDS.size()];
                rows[i] = row;
                v[0] = Long.toString(row);
                if (g % 3 != 1 || i % 5 != 0) { // some NULLs in every third group
                    cDefs[i] = 1;
                    constant[cm++] = 42;
                    v[1] = "42";
                }
                if (r.nextInt(8) != 0) {
                    fDefs[i] = 1;
                    // 40,000 rows with up to 6,000 distinct values: more than the dictionary takes.
                    int x = g == GROUPS.length - 1 ? r.nextInt(6000) : new int[] {0, 53, 443, 65535}[r.nextInt(4)];
                    few[fm++] = x;
                    v[2] = Integer.toString(x);
                }
                if (i % 97 != 3) {
                    tDefs[i] = 1;
                    // Mostly rising, some steps back; whole milliseconds, as flow times are (hyparquet reads ms).
                    t += 1000L * (r.nextInt(3) == 0 ? -r.nextInt(1000) : r.nextInt(2_000_000));
                    time[tm++] = t;
                    v[3] = Long.toString(t);
                }
                if (r.nextInt(6) != 0) {
                    u64Defs[i] = 1;
                    long x = switch (r.nextInt(5)) {
                        case 0 -> -1L;
                        case 1 -> 0L;
                        case 2 -> Long.MIN_VALUE;
                        case 3 -> Long.MAX_VALUE;
                        default -> r.nextLong();
                    };
                    u64[um++] = x;
                    v[4] = Long.toUnsignedString(x);
                }
                if (r.nextInt(6) != 0) {
                    u32Defs[i] = 1;
                    int x = switch (r.nextInt(4)) {
                        case 0 -> -1; // 4294967295
                        case 1 -> 0;
                        case 2 -> Integer.MIN_VALUE;
                        default -> r.nextInt();
                    };
                    u32[vm++] = x;
                    v[5] = Integer.toUnsignedString(x);
                }
                if (r.nextInt(6) != 0) {
                    iDefs[i] = 1;
                    int x = r.nextBoolean() ? (r.nextBoolean() ? Integer.MIN_VALUE : Integer.MAX_VALUE) : r.nextInt();
                    i32[im++] = x;
                    v[6] = Integer.toString(x);
                }
                want.put(row, v);
                row++;
            }
            w.int64(rows, n, null);
            w.int64(constant, cm, cm == n ? null : cDefs);
            w.int32(few, fm, fm == n ? null : fDefs);
            w.int64(time, tm, tm == n ? null : tDefs);
            w.int64(u64, um, um == n ? null : u64Defs);
            w.int32(u32, vm, vm == n ? null : u32Defs);
            w.int32(i32, im, im == n ? null : iDefs);
        }
        w.end();
    }

    @Test
    void duckdbReadsEveryValue() throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT row, constant::VARCHAR, few::VARCHAR, epoch_us(time)::VARCHAR, "
                     + "u64::VARCHAR, u32::VARCHAR, i32::VARCHAR FROM read_parquet('" + file + "') ORDER BY row")) {
            long n = 0;
            while (rs.next()) {
                String[] v = want.get(rs.getLong(1));
                for (int k = 1; k < FIELDS.size(); k++) {
                    assertThat(rs.getString(k + 1)).as("row %d %s", rs.getLong(1), FIELDS.get(k).name()).isEqualTo(v[k]);
                }
                n++;
            }
            assertThat(n).isEqualTo(want.size());
        }
    }

    @Test
    void hyparquetReadsEveryValue() throws Exception {
        JsonNode rows = Hyparquet.read(List.of(file));
        assertThat(rows).hasSize(want.size());
        for (JsonNode r : rows) {
            String[] v = want.get(Long.parseLong(r.get("row").asText()));
            for (int k = 1; k < FIELDS.size(); k++) {
                JsonNode x = r.get(FIELDS.get(k).name());
                String got = x == null || x.isNull() ? null : x.asText();
                // hyparquet gives UINT_32 and signed INT32 as JS numbers, UINT_64 and INT64 as BigInt strings.
                assertThat(got).as("row %s %s", r.get("row"), FIELDS.get(k).name()).isEqualTo(v[k]);
            }
        }
    }

    /** encoding_stats (read by hyparquet's footer parser) agree with the encodings and count every page. */
    @Test
    void encodingStatsListEveryPage() throws Exception {
        JsonNode groups = Hyparquet.metadata(List.of(file)).get(0).get("row_groups");
        assertThat(groups).hasSize(GROUPS.length);
        int dictionaries = 0, deltas = 0;
        for (JsonNode g : groups) {
            for (JsonNode col : g.get("columns")) {
                JsonNode m = col.get("meta_data"), stats = m.get("encoding_stats");
                String values = m.get("encodings").get(m.get("encodings").size() - 1).asText();
                JsonNode data = stats.get(stats.size() - 1);
                assertThat(data.get("page_type").asText()).isEqualTo("DATA_PAGE");
                assertThat(data.get("encoding").asText()).isEqualTo(values);
                assertThat(data.get("count").asInt()).isPositive();
                if (values.equals("RLE_DICTIONARY")) {
                    dictionaries++;
                    assertThat(stats).hasSize(2);
                    assertThat(stats.get(0).get("page_type").asText()).isEqualTo("DICTIONARY_PAGE");
                    assertThat(stats.get(0).get("count").asInt()).isEqualTo(1);
                } else {
                    deltas++;
                    assertThat(stats).hasSize(1);
                }
            }
        }
        assertThat(dictionaries).isPositive();
        assertThat(deltas).isPositive();
        // 40,000 rows of 8-byte deltas at 4 KiB pages: the time column's last chunk has several data pages.
        JsonNode last = groups.get(GROUPS.length - 1).get("columns").get(3).get("meta_data").get("encoding_stats");
        assertThat(last.get(0).get("count").asInt()).isGreaterThan(1);
    }

    /** A numeric chunk with no values at all (every row NULL): a DELTA page of zero values. */
    @Test
    void allNullNumericChunksReadBack(@TempDir Path tmp) throws Exception {
        List<Field> fields = List.of(new Field("row", Field.Physical.INT64, Field.Annotation.INT_64, false),
                new Field("as", Field.Physical.INT32, Field.Annotation.UINT_32, true),
                new Field("n", Field.Physical.INT64, Field.Annotation.INT_64, true));
        Path f = tmp.resolve("nulls.parquet");
        ParquetWriter w = new ParquetWriter(fields, "test", ParquetWriter.Codec.SNAPPY, 100, 1 << 20);
        w.begin(f);
        for (int g = 0; g < 2; g++) {
            w.rowGroup(100);
            long[] rows = new long[100];
            for (int i = 0; i < 100; i++) rows[i] = g * 100 + i;
            w.int64(rows, 100, null);
            byte[] none = new byte[100];
            w.int32(new int[0], 0, none);
            if (g == 0) w.int64(new long[0], 0, none);
            else w.int64(new long[] {7}, 1, java.util.Arrays.copyOf(new byte[] {1}, 100));
        }
        w.end();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*), count(\"as\"), count(n), sum(n), sum(row) FROM read_parquet('" + f + "')")) {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(200);
            assertThat(rs.getLong(2)).isZero();
            assertThat(rs.getLong(3)).isEqualTo(1);
            assertThat(rs.getLong(4)).isEqualTo(7);
            assertThat(rs.getLong(5)).isEqualTo(199 * 200 / 2);
        }
        JsonNode rows = Hyparquet.read(List.of(f));
        assertThat(rows).hasSize(200);
        int values = 0;
        for (JsonNode r : rows) {
            assertThat(r.get("as") == null || r.get("as").isNull()).isTrue();
            JsonNode n = r.get("n");
            if (n != null && !n.isNull()) {
                values++;
                assertThat(n.asText()).isEqualTo("7");
                assertThat(r.get("row").asText()).isEqualTo("100");
            }
        }
        assertThat(values).isEqualTo(1);
    }

    @Test
    void fewValuesGetADictionaryAndTheRestDeltas() throws Exception {
        Map<String, List<String>> byColumn = new HashMap<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT path_in_schema, row_group_num_rows, encodings FROM parquet_metadata('"
                     + file + "') ORDER BY row_group_id")) {
            while (rs.next()) {
                byColumn.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(rs.getLong(2) + ":" + rs.getString(3));
            }
        }
        // A dictionary takes one entry per 8 rows, at least one: the constant always gets one;
        // times, all distinct, from 2 rows on never do.
        for (int g = 0; g < GROUPS.length; g++) {
            String constant = byColumn.get("constant").get(g), time = byColumn.get("time").get(g);
            assertThat(constant).as("group %d", g).contains("RLE_DICTIONARY").doesNotContain("DELTA");
            if (GROUPS[g] >= 2) assertThat(time).as("group %d", g).contains("DELTA_BINARY_PACKED").doesNotContain("DICTIONARY");
        }
        List<String> few = byColumn.get("few");
        assertThat(few.get(GROUPS.length - 2)).contains("RLE_DICTIONARY"); // 4 distinct values in 1,000 rows
        assertThat(few.get(GROUPS.length - 1)).contains("DELTA_BINARY_PACKED"); // ~6,000 distinct: over 4,096
        assertThat(byColumn.get("u64").get(GROUPS.length - 1)).contains("DELTA_BINARY_PACKED");
    }
}
