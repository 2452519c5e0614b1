package dev.keyhole.store;

import dev.keyhole.enrichment.Category;
import dev.keyhole.enrichment.Direction;
import dev.keyhole.enrichment.EnrichedFlow;
import dev.keyhole.enrichment.Obfuscation;
import dev.keyhole.enrichment.Origin;
import dev.keyhole.profile.TargetProfile;
import dev.keyhole.records.FlowRecord;
import dev.keyhole.records.Ip;
import dev.keyhole.records.NameSource;
import dev.keyhole.sources.InputFile;
import dev.keyhole.sources.InputFormat;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Keyhole's own Parquet files, checked with DuckDB as the reader: every column type with NULLs,
 * extremes and awkward strings reads back row by row as written; the schema is the one DuckDB
 * itself writes for these types; the statistics are the true extremes per row group, and range
 * filters (which DuckDB answers with their help) give the right counts.
 */
class ParquetStoreTest {
    static final ZoneId ZONE = ZoneId.of("Asia/Pyongyang");
    static final TargetProfile PROFILE = new TargetProfile("t", List.of("175.45.176.0/22"), List.of(), ZONE,
            Set.of(DayOfWeek.SUNDAY), List.of(), List.of());
    static final int BATCH = 3000, ROW_GROUP = 150, PAGE = 256, FLOWS = 12_000;
    static final String LONG = "x".repeat(300);
    static final String[] POOL = {"", "plain.example", "ünïcödé.example", "日本語", "emoji 😀 here", "nul\u0000inside",
        "quote ' and \" and \\", LONG, "Zürich", "a", "b", "\u007f", "ÿ"};
    static final String[] INPUTS = {"/data/ipfix/a.ipfix", "/data/ïpfix/😀.ipfix"};

    @TempDir
    static Path dir;
    static Path store;
    static List<EnrichedFlow> flows;
    static List<String> inputs;

    @BeforeAll
    static void write() throws Exception {
        flows = flows(new Random(11));
        inputs = new ArrayList<>();
        store = dir.resolve("s");
        try (FlowStore s = FlowStore.create(store, PROFILE, BATCH)) {
            StoreWriter w = s.newWriter(ROW_GROUP, PAGE);
            for (int i = 0; i < flows.size(); i++) {
                if (i % 2500 == 0) w.file(new InputFile(Path.of(INPUTS[i / 2500 % 2]), InputFormat.IPFIX, false, 0));
                inputs.add(INPUTS[i / 2500 % 2]);
                w.accept(flows.get(i));
            }
            s.finish();
        }
    }

    /**
     * Flows in random time order over five days around Pyongyang's 2018-05-05 offset change:
     * extremes of every number, NULLs, and in the first two batches names from a small pool
     * (dictionary), in the last two a new name per flow (plain strings).
     */
    static List<EnrichedFlow> flows(Random r) {
        long t0 = Instant.parse("2018-05-02T12:00:00Z").toEpochMilli();
        long[] longs = {Long.MIN_VALUE, -1, 0, 1, Long.MAX_VALUE};
        long[] asns = {0, 1, 4_294_967_295L, 2_147_483_648L, 2_147_483_647L};
        int[] ports = {0, 1, 443, 32768, 65535};
        int[] bytes8 = {0, 1, 6, 127, 128, 255};
        List<EnrichedFlow> out = new ArrayList<>();
        for (int i = 0; i < FLOWS; i++) {
            long t = t0 + (long) (r.nextDouble() * 5 * 86_400_000L);
            Ip a = switch (r.nextInt(5)) {
                case 0 -> Ip.ofV6(0xFFFF_FFFF_FFFF_FFFFL, 0xFFFF_FFFF_FFFF_FFFFL);
                case 1 -> Ip.ofV6(0x8000_0000_0000_0000L | r.nextLong(), r.nextLong());
                case 2 -> Ip.ofV6(0, 0);
                default -> Ip.ofV4(0xAF2DB000 | r.nextInt(1024));
            };
            Ip b = r.nextBoolean() ? Ip.ofV4(r.nextInt()) : Ip.ofV6(r.nextLong(), r.nextLong());
            String uid = r.nextInt(5) == 0 ? null : r.nextInt(3) == 0 ? pick(r) : "u" + i;
            FlowRecord f = new FlowRecord(t, t + r.nextInt(10_000_000), a, b,
                    r.nextBoolean() ? ports[r.nextInt(ports.length)] : r.nextInt(65536),
                    ports[r.nextInt(ports.length)], bytes8[r.nextInt(bytes8.length)], bytes8[r.nextInt(bytes8.length)],
                    r.nextBoolean() ? longs[r.nextInt(longs.length)] : r.nextLong(), i,
                    r.nextInt(1000), r.nextBoolean() ? longs[r.nextInt(longs.length)] : r.nextLong(), r.nextBoolean(),
                    asn(r, asns), asn(r, asns), uid, null, NameSource.values()[r.nextInt(NameSource.values().length)]);
            Direction d = Direction.values()[r.nextInt(3)];
            boolean localIsSrc = r.nextBoolean();
            String name = i < 2 * BATCH ? (r.nextInt(4) == 0 ? null : pick(r)) : r.nextInt(9) == 0 ? null : "n" + i + pick(r);
            out.add(new EnrichedFlow(f, d, r.nextBoolean(), localIsSrc ? a : b, localIsSrc ? b : a,
                    ports[r.nextInt(ports.length)], name, maybe(r), maybe(r), asn(r, asns), maybe(r), maybe(r),
                    maybe(r), maybe(r), Category.values()[r.nextInt(Category.values().length)], maybe(r),
                    Origin.values()[r.nextInt(Origin.values().length)],
                    Obfuscation.values()[r.nextInt(Obfuscation.values().length)]));
        }
        return out;
    }

    private static String pick(Random r) {
        return POOL[r.nextInt(POOL.length)];
    }

    private static String maybe(Random r) {
        return r.nextInt(6) == 0 ? null : pick(r);
    }

    private static long asn(Random r, long[] asns) {
        return r.nextBoolean() ? asns[r.nextInt(asns.length)] : r.nextLong() & 0xFFFF_FFFFL;
    }

    /** The expected file row of flow i, computed from the flow with java.time and the JDK's unsigned formatting. */
    static String expected(int i) {
        EnrichedFlow e = flows.get(i);
        FlowRecord f = e.flow();
        long offset = ZONE.getRules().getOffset(Instant.ofEpochMilli(f.startMillis())).getTotalSeconds() * 1000L;
        List<Object> v = new ArrayList<>(List.of(
                Instant.ofEpochMilli(f.startMillis()).atZone(ZONE).toLocalDate().toString(),
                f.startMillis() * 1000, f.endMillis() * 1000, (f.startMillis() + offset) * 1000,
                Long.toUnsignedString(f.src().hi()), Long.toUnsignedString(f.src().lo()), f.srcPort(),
                Long.toUnsignedString(f.dst().hi()), Long.toUnsignedString(f.dst().lo()), f.dstPort(),
                f.src().equals(e.local()), e.serverPort(), f.protocol(), f.tcpFlags(), f.packets(), f.bytes(),
                f.reversePackets(), f.reverseBytes(), f.biflow(),
                e.direction().name().toLowerCase(Locale.ROOT), e.conversation()));
        v.add(e.name());
        v.add(f.nameSource().name().toLowerCase(Locale.ROOT).replace('_', '-'));
        v.add(f.uid());
        v.add(e.remoteCountry());
        v.add(e.remoteCity());
        v.add(e.remoteAsn() == 0 ? null : e.remoteAsn());
        v.add(f.srcAs() == 0 ? null : f.srcAs());
        v.add(f.dstAs() == 0 ? null : f.dstAs());
        v.addAll(Arrays.asList(e.remoteAsOrg(), e.service(), e.serviceName(), e.company(), e.category().id(),
                e.origin().id(), e.serviceCountry(), e.obfuscation().id(), inputs.get(i)));
        return String.join("|", v.stream().map(String::valueOf).toList());
    }

    static String glob() {
        return store.toAbsolutePath() + "/**/*.parquet";
    }

    @Test
    void everyRowReadsBackAsWritten() throws Exception {
        String sql = "SELECT day, epoch_us(start_utc), epoch_us(end_utc), epoch_us(start_local), src_hi, src_lo, src_port,"
                + " dst_hi, dst_lo, dst_port, local_is_src, server_port, protocol, tcp_flags, packets, bytes, rev_packets,"
                + " rev_bytes, biflow, direction, conversation, name, name_source, uid, remote_country, remote_city,"
                + " remote_asn, src_as, dst_as, remote_org, service, service_name, company, category, origin,"
                + " service_country, obfuscation, input FROM read_parquet('" + glob() + "', hive_partitioning = true)";
        Map<Long, String> got = new HashMap<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                StringBuilder sb = new StringBuilder();
                for (int k = 1; k <= n; k++) sb.append(k > 1 ? "|" : "").append(rs.getString(k));
                assertThat(got.put(rs.getLong("bytes"), sb.toString())).isNull();
            }
        }
        assertThat(got).hasSize(FLOWS);
        for (int i = 0; i < FLOWS; i++) assertThat(got.get((long) i)).as("flow %d", i).isEqualTo(expected(i));
        // What the data covered: both dictionary and plain names, every awkward string, all extremes.
        assertThat(got.values()).anyMatch(x -> x.contains("|emoji 😀 here|")).anyMatch(x -> x.contains("nul\u0000inside"))
                .anyMatch(x -> x.contains("|4294967295|")).anyMatch(x -> x.contains("|18446744073709551615|"))
                .anyMatch(x -> x.contains("|65535|")).anyMatch(x -> x.contains("|" + LONG + "|"))
                .anyMatch(x -> x.contains("/data/ïpfix/😀.ipfix"));
    }

    @Test
    void filesAreOnePerDayAndBatchWithSeveralRowGroups() throws Exception {
        List<String> files;
        try (Stream<Path> s = Files.walk(store)) {
            files = s.filter(p -> p.toString().endsWith(".parquet")).map(p -> store.relativize(p).toString()).sorted().toList();
        }
        // Four batches, each spanning the six local days the five UTC days touch.
        assertThat(files).hasSize(4 * 6).allMatch(f -> f.matches("day=2018-05-0[2-7]/part-0-[0-3]-0\\.parquet"));
        try (Stream<Path> s = Files.walk(store)) {
            assertThat(s.filter(p -> p.getFileName().toString().startsWith("."))).isEmpty();
        }
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT max(num_row_groups), sum(num_rows), min(created_by), max(format_version)"
                     + " FROM parquet_file_metadata('" + glob() + "')")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isGreaterThan(1);
            assertThat(rs.getLong(2)).isEqualTo(FLOWS);
            assertThat(rs.getString(3)).startsWith("keyhole version");
            assertThat(rs.getInt(4)).isEqualTo(1);
        }
        // Names: a dictionary in the first two batches, plain strings (too many distinct) in the others.
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT DISTINCT regexp_extract(file_name, 'part-0-(\\d)', 1) AS batch,"
                     + " encodings FROM parquet_metadata('" + glob() + "') WHERE path_in_schema = 'name' ORDER BY ALL")) {
            List<String> got = new ArrayList<>();
            while (rs.next()) got.add(rs.getString(1) + " " + rs.getString(2));
            assertThat(got).containsExactly("0 PLAIN, RLE, RLE_DICTIONARY", "1 PLAIN, RLE, RLE_DICTIONARY", "2 PLAIN, RLE",
                    "3 PLAIN, RLE");
        }
    }

    /** Types, converted and logical types, repetition: as DuckDB writes them for the same DuckDB types. */
    @Test
    void theSchemaIsTheOneDuckDbWritesForTheseTypes(@TempDir Path tmp) throws Exception {
        Path ref = tmp.resolve("ref.parquet");
        StringBuilder cols = new StringBuilder();
        for (StoreSchema.Column c : StoreSchema.FILE) {
            cols.append(cols.isEmpty() ? "" : ", ").append("NULL::").append(c.type()).append(" AS ").append(c.name());
        }
        String ours;
        try (Stream<Path> s = Files.walk(store)) {
            ours = s.filter(p -> p.toString().endsWith(".parquet")).findFirst().orElseThrow().toString();
        }
        String columns = "name, type, type_length, repetition_type, num_children, converted_type, scale, precision,"
                + " field_id, logical_type, duckdb_type";
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement st = c.createStatement()) {
            st.execute("COPY (SELECT " + cols + ") TO '" + ref + "' (FORMAT PARQUET, COMPRESSION SNAPPY)");
            List<String> want = rows(st, "SELECT " + columns + " FROM parquet_schema('" + ref + "') WHERE column_id > 0");
            List<String> got = rows(st, "SELECT " + columns + " FROM parquet_schema('" + ours + "') WHERE column_id > 0");
            assertThat(want).hasSize(37);
            assertThat(got).isEqualTo(want);
            String root = "SELECT repetition_type, num_children FROM parquet_schema('%s') WHERE column_id = 0";
            assertThat(rows(st, root.formatted(ours))).isEqualTo(rows(st, root.formatted(ref)));
            String meta = "SELECT format_version, column_orders FROM parquet_file_metadata('%s')";
            assertThat(rows(st, meta.formatted(ours))).isEqualTo(rows(st, meta.formatted(ref)));
            // And what a reader of the whole store sees.
            assertThat(rows(st, "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('" + glob()
                    + "', hive_partitioning = false))")).isEqualTo(StoreSchema.FILE.stream()
                    .map(x -> x.name() + "|" + x.type()).toList());
        }
    }

    /**
     * Each column chunk's min, max and null count, as DuckDB reads them from the footer, equal what
     * DuckDB computes from the values of that row group (unsigned order for UBIGINT/UINTEGER, byte
     * order for strings); string extremes over 256 bytes are left out.
     */
    @Test
    void statisticsAreTheTrueExtremesOfEachRowGroup() throws Exception {
        Map<String, String> footer = new TreeMap<>(), data = new TreeMap<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT file_name, row_group_id, path_in_schema, stats_min_value,"
                    + " stats_max_value, stats_null_count FROM parquet_metadata('" + glob() + "')")) {
                while (rs.next()) {
                    footer.put(rs.getString(1) + " " + rs.getLong(2) + " " + rs.getString(3),
                            rs.getString(4) + " | " + rs.getString(5) + " | " + rs.getLong(6));
                }
            }
            StringBuilder sql = new StringBuilder("WITH d AS (SELECT *, file_row_number // " + ROW_GROUP
                    + " AS rg FROM read_parquet('" + glob() + "', filename = true, file_row_number = true,"
                    + " hive_partitioning = false)) ");
            for (StoreSchema.Column col : StoreSchema.FILE) {
                String n = col.name();
                sql.append(col == StoreSchema.FILE.get(0) ? "" : " UNION ALL ").append("SELECT filename, rg, '").append(n)
                        .append("', min(").append(n).append(")::VARCHAR, max(").append(n).append(")::VARCHAR, count(*) - count(")
                        .append(n).append(") FROM d GROUP BY filename, rg");
            }
            try (ResultSet rs = st.executeQuery(sql.toString())) {
                while (rs.next()) {
                    boolean tooLong = utf8Length(rs.getString(4)) > MAX_STAT || utf8Length(rs.getString(5)) > MAX_STAT;
                    data.put(rs.getString(1) + " " + rs.getLong(2) + " " + rs.getString(3),
                            (tooLong ? "null | null" : rs.getString(4) + " | " + rs.getString(5)) + " | " + rs.getLong(6));
                }
            }
        }
        assertThat(footer).hasSize(data.size()).isEqualTo(data);
        // The cases that matter for unsigned order were there.
        assertThat(footer.values()).anyMatch(v -> v.endsWith("| 4294967295 | 0") || v.contains("| 4294967295 |"))
                .anyMatch(v -> v.contains("| 18446744073709551615 |"));
    }

    /** The writer leaves string extremes longer than this out of the statistics. */
    static final int MAX_STAT = 256;

    private static int utf8Length(String s) {
        return s == null ? 0 : s.getBytes(StandardCharsets.UTF_8).length;
    }

    /** Range and equality filters on file columns, which DuckDB prunes by the statistics, count right. */
    @Test
    void rangeFiltersAcrossRowGroupsCountRight() throws Exception {
        Random r = new Random(5);
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement st = c.createStatement()) {
            String from = " FROM read_parquet('" + glob() + "', hive_partitioning = true)";
            for (int q = 0; q < 40; q++) {
                EnrichedFlow a = flows.get(r.nextInt(FLOWS)), b = flows.get(r.nextInt(FLOWS));
                long lo1 = a.flow().dst().lo(), lo2 = b.flow().dst().lo();
                long min = Long.compareUnsigned(lo1, lo2) <= 0 ? lo1 : lo2, max = min == lo1 ? lo2 : lo1;
                long want = flows.stream().filter(e -> Long.compareUnsigned(e.flow().dst().lo(), min) >= 0
                        && Long.compareUnsigned(e.flow().dst().lo(), max) <= 0).count();
                assertThat(count(st, "SELECT count(*)" + from + " WHERE dst_lo BETWEEN " + Long.toUnsignedString(min)
                        + " AND " + Long.toUnsignedString(max))).as("dst_lo %d", q).isEqualTo(want);
                long t1 = Math.min(a.flow().startMillis(), b.flow().startMillis()),
                        t2 = Math.max(a.flow().startMillis(), b.flow().startMillis());
                long wantT = flows.stream().filter(e -> e.flow().startMillis() >= t1 && e.flow().startMillis() <= t2).count();
                assertThat(count(st, "SELECT count(*)" + from + " WHERE start_utc BETWEEN make_timestamp(" + t1 * 1000
                        + ") AND make_timestamp(" + t2 * 1000 + ")")).as("start_utc %d", q).isEqualTo(wantT);
            }
            long[] asns = {1, 2_147_483_647L, 2_147_483_648L, 4_294_967_295L};
            for (long asn : asns) {
                long want = flows.stream().filter(e -> e.remoteAsn() == asn).count();
                assertThat(want).isPositive();
                assertThat(count(st, "SELECT count(*)" + from + " WHERE remote_asn = " + asn)).isEqualTo(want);
                long above = flows.stream().filter(e -> e.remoteAsn() >= asn).count();
                assertThat(count(st, "SELECT count(*)" + from + " WHERE remote_asn >= " + asn)).isEqualTo(above);
            }
            long top = flows.stream().filter(e -> e.flow().src().hi() < 0).count();
            assertThat(top).isPositive();
            assertThat(count(st, "SELECT count(*)" + from + " WHERE src_hi >= 9223372036854775808")).isEqualTo(top);
            long ports = flows.stream().filter(e -> e.flow().dstPort() == 65535).count();
            assertThat(count(st, "SELECT count(*)" + from + " WHERE dst_port = 65535")).isEqualTo(ports).isPositive();
            for (String s : POOL) {
                long want = flows.stream().filter(e -> s.equals(e.remoteCity())).count();
                assertThat(count(c, "SELECT count(*)" + from + " WHERE remote_city = ?", s)).as("remote_city %s", s)
                        .isEqualTo(want);
                byte[] sb = s.getBytes(StandardCharsets.UTF_8);
                long ge = flows.stream().filter(e -> e.name() != null
                        && Arrays.compareUnsigned(e.name().getBytes(StandardCharsets.UTF_8), sb) >= 0).count();
                assertThat(count(c, "SELECT count(*)" + from + " WHERE name >= ?", s)).as("name >= %s", s).isEqualTo(ge);
            }
        }
    }

    /**
     * A second, independent reader: hyparquet (MIT, npm), run by node, reads every file and gives
     * the same rows. Skipped where node or npm is missing or the package cannot be installed.
     */
    @Test
    void hyparquetReadsTheSameRows() throws Exception {
        List<Path> files;
        try (Stream<Path> s = Files.walk(store)) {
            files = s.filter(p -> p.toString().endsWith(".parquet")).sorted().toList();
        }
        com.fasterxml.jackson.databind.JsonNode rows = dev.keyhole.store.parquet.Hyparquet.read(files);
        String[] cols = {"day", "start_utc", "end_utc", "start_local", "src_hi", "src_lo", "src_port", "dst_hi", "dst_lo",
            "dst_port", "local_is_src", "server_port", "protocol", "tcp_flags", "packets", "bytes", "rev_packets",
            "rev_bytes", "biflow", "direction", "conversation", "name", "name_source", "uid", "remote_country",
            "remote_city", "remote_asn", "src_as", "dst_as", "remote_org", "service", "service_name", "company",
            "category", "origin", "service_country", "obfuscation", "input"};
        Map<Long, String> got = new HashMap<>();
        for (com.fasterxml.jackson.databind.JsonNode r : rows) {
            List<String> v = new ArrayList<>();
            for (String c : cols) v.add(r.get(c).isNull() ? "null" : r.get(c).asText());
            got.put(Long.parseLong(r.get("bytes").asText()), String.join("|", v));
        }
        assertThat(got).hasSize(FLOWS);
        for (int i = 0; i < FLOWS; i++) assertThat(got.get((long) i)).as("flow %d", i).isEqualTo(expected(i));
    }

    @Test
    void aFileThatCannotBeWrittenIsNamedAndLeavesNoParquetFile(@TempDir Path tmp) throws Exception {
        Path s = tmp.resolve("s");
        try (FlowStore fs = FlowStore.create(s, PROFILE, 10)) {
            Files.writeString(s.resolve("day=2018-05-05"), "in the way");
            StoreWriter w = fs.newWriter();
            w.file(new InputFile(Path.of("x"), InputFormat.IPFIX, false, 0));
            w.accept(at("2018-05-05T03:00:00Z"));
            assertThatThrownBy(fs::finish).hasMessageContaining("day=2018-05-05" + java.io.File.separator
                    + "part-0-0-0.parquet");
        }
        assertThat(s.resolve("store.json")).doesNotExist();
        try (Stream<Path> st = Files.walk(s)) {
            assertThat(st.filter(p -> p.toString().contains(".parquet"))).isEmpty();
        }
    }

    private static EnrichedFlow at(String utc) {
        long t = Instant.parse(utc).toEpochMilli();
        Ip a = Ip.parse("175.45.178.1"), b = Ip.parse("203.0.113.1");
        FlowRecord f = new FlowRecord(t, t, a, b, 1, 2, 6, 0, 1, 1, 0, 0, false, 0, 0, null, null, NameSource.NONE);
        return new EnrichedFlow(f, Direction.OUTBOUND, true, a, b, 2, null, null, null, 0, null, null, null, null,
                Category.OTHER, null, Origin.OTHER, Obfuscation.TLS);
    }

    private static long count(Statement st, String sql) throws Exception {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static long count(Connection c, String sql, String parameter) throws Exception {
        try (java.sql.PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, parameter);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static List<String> rows(Statement st, String sql) throws Exception {
        List<String> out = new ArrayList<>();
        try (ResultSet rs = st.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                StringBuilder sb = new StringBuilder();
                for (int k = 1; k <= n; k++) sb.append(k > 1 ? "|" : "").append(rs.getString(k));
                out.add(sb.toString());
            }
        }
        return out;
    }
}
