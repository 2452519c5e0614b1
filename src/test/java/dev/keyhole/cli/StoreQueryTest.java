package dev.keyhole.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keyhole.profile.TargetProfile;
import dev.keyhole.refdata.MmdbWriter;
import dev.keyhole.store.parquet.ParquetWriter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * analyze --store on crafted CSV flows with generated reference data (no network), then keyhole
 * query: the store holds exactly the in-scope flows the findings count, split by Pyongyang's local
 * day across its 2018-05-05 offset change, and prints hostile names safely.
 */
class StoreQueryTest {
    @TempDir
    static Path dir;
    static Path store;
    static JsonNode findings;

    static final String HOSTILE_FORMULA = "=HYPERLINK(\"http://x.example\",\"y\")";
    static final String HOSTILE_ESC = "evil\u001b[2J.example";

    @BeforeAll
    static void analyze() throws Exception {
        Path geo = new MmdbWriter(6, "GeoLite2-City")
                .insert("203.0.113.0/24", Map.of("country", Map.of("iso_code", "CN"),
                        "city", Map.of("names", Map.of("en", "Beijing"))))
                .insert("198.51.100.0/24", Map.of("country", Map.of("iso_code", "US")))
                .write(dir.resolve("city.mmdb"));
        Path asn = Files.writeString(dir.resolve("asn.csv"), String.join("\n",
                "203.0.113.0,203.0.113.255,4837,CHINA UNICOM China169 Backbone",
                "198.51.100.0,198.51.100.255,64500,\"Example, Org\"", ""));
        // 175.45.176.0/22 is the target. Pyongyang moved from +08:30 to +09:00 at 2018-05-04T15:00Z (local
        // 23:30 became 00:00 of 2018-05-05): the first flow is local 2018-05-04 23:15, the second 2018-05-05 00:45.
        String csv = String.join("\n",
                "start,end,src,dst,sport,dport,proto,packets,bytes,tcp_flags,rpackets,rbytes,uid,name",
                "2018-05-04T14:45:00Z,2018-05-04T14:46:00Z,175.45.178.10,203.0.113.5,50000,443,tcp,10,1000,0x1b,12,5000,C1,www.youku.com",
                "2018-05-04T15:45:00Z,2018-05-04T15:45:30Z,175.45.178.10,198.51.100.7,50001,443,tcp,4,400,,,,,www.baidu.com",
                "2018-05-04T15:45:01Z,2018-05-04T15:45:30Z,198.51.100.7,175.45.178.10,443,50001,tcp,5,7000,,,,,",
                "2018-05-05T03:00:00Z,2018-05-05T04:00:00Z,175.45.178.11,203.0.113.9,40000,1194,udp,100,90000,,100,80000,,",
                "2018-05-05T03:10:00Z,2018-05-05T03:10:01Z,192.0.2.50,175.45.178.10,40000,22,tcp,3,180,,3,200,,",
                "2018-05-05T03:20:00Z,2018-05-05T03:20:01Z,175.45.178.10,175.45.178.11,40001,80,tcp,3,300,,3,300,,",
                "2018-05-05T03:30:00Z,2018-05-05T03:30:01Z,8.8.8.8,1.1.1.1,53,40000,udp,1,100,,,,,",
                "2018-05-05T16:00:00Z,2018-05-05T16:00:05Z,175.45.178.12,203.0.113.5,50002,443,tcp,6,600,,6,6000,,"
                        + "\"" + HOSTILE_FORMULA.replace("\"", "\"\"") + "\"",
                "2018-05-05T16:30:00Z,2018-05-05T16:30:05Z,2001:db8:1::5,2001:db8:ffff::1,50003,443,tcp,6,600,,6,700,,"
                        + HOSTILE_ESC,
                "");
        Path in = Files.writeString(dir.resolve("flows.csv"), csv);
        TargetProfile p = new TargetProfile("test", List.of("175.45.176.0/22", "2001:db8:1::/48"), List.of(),
                ZoneId.of("Asia/Pyongyang"), Set.of(DayOfWeek.SUNDAY), List.of(), List.of());
        ReferenceOptions ref = new ReferenceOptions();
        ref.cache = dir.resolve("cache");
        ref.geo = List.of(geo);
        ref.asn = List.of(asn);
        store = dir.resolve("store");
        AnalysisRun.Outcome o = AnalysisRun.run(new AnalysisRun.Settings(p, List.of(in), dir.resolve("out"), null, 2,
                false, Duration.ofHours(1), 1000, false, ref, store), m -> {});
        // The same input analysed twice into one store: a new store, then an append.
        for (boolean append : new boolean[] {false, true}) {
            AnalysisRun.run(new AnalysisRun.Settings(p, List.of(in), dir.resolve("out-append-" + append), null, 2,
                    false, Duration.ofHours(1), 1000, false, ref, dir.resolve("store-append"),
                    ParquetWriter.Codec.SNAPPY, append), m -> {});
        }
        // A third append whose outputs cannot be written (--out is a file): it must not stay in the store.
        Path notADir = Files.writeString(dir.resolve("out-is-a-file"), "x");
        try {
            AnalysisRun.run(new AnalysisRun.Settings(p, List.of(in), notADir, null, 2, false, Duration.ofHours(1), 1000,
                    false, ref, dir.resolve("store-append"), ParquetWriter.Codec.SNAPPY, true), m -> {});
        } catch (java.io.IOException e) {
            failedAppend = e;
        }
        for (ParquetWriter.Codec c : List.of(ParquetWriter.Codec.ZSTD, ParquetWriter.Codec.UNCOMPRESSED)) {
            AnalysisRun.run(new AnalysisRun.Settings(p, List.of(in), dir.resolve("out-" + c), null, 2, false,
                    Duration.ofHours(1), 1000, false, ref, dir.resolve("store-" + c), c, false), m -> {});
        }
        assertThat(o.store().rows()).isEqualTo(8);
        findings = new ObjectMapper().readTree(o.findingsJson().toFile());
        AnalysisRun.Outcome plain = AnalysisRun.run(new AnalysisRun.Settings(p, List.of(in), dir.resolve("out-plain"),
                null, 2, false, Duration.ofHours(1), 1000, false, ref), m -> {});
        withoutStore = new ObjectMapper().readTree(plain.findingsJson().toFile());
    }

    static JsonNode withoutStore;
    static Exception failedAppend;

    /** Every file row, in a fixed order, as DuckDB reads it. */
    private static List<String> fileRows(Path s) throws Exception {
        List<String> rows = new ArrayList<>();
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:duckdb:");
             java.sql.Statement st = c.createStatement();
             java.sql.ResultSet rs = st.executeQuery("SELECT * FROM read_parquet('" + s + "/**/*.parquet', "
                     + "hive_partitioning = true) ORDER BY ALL")) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                StringBuilder b = new StringBuilder();
                for (int k = 1; k <= n; k++) b.append(rs.getString(k)).append('|');
                rows.add(b.toString());
            }
        }
        return rows;
    }

    private static List<String> codecs(Path s) throws Exception {
        List<String> out = new ArrayList<>();
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:duckdb:");
             java.sql.Statement st = c.createStatement();
             java.sql.ResultSet rs = st.executeQuery("SELECT DISTINCT compression FROM parquet_metadata('" + s
                     + "/**/*.parquet')")) {
            while (rs.next()) out.add(rs.getString(1));
        }
        return out;
    }

    @Test
    void zstdAndUncompressedStoresHoldTheSameRows() throws Exception {
        List<String> snappy = fileRows(store);
        assertThat(snappy).hasSize(8);
        assertThat(codecs(store)).containsExactly("SNAPPY");
        for (ParquetWriter.Codec c : List.of(ParquetWriter.Codec.ZSTD, ParquetWriter.Codec.UNCOMPRESSED)) {
            Path s = dir.resolve("store-" + c);
            assertThat(codecs(s)).as("%s", c).containsExactly(c.name());
            assertThat(fileRows(s)).as("%s", c).isEqualTo(snappy);
        }
    }

    @Test
    void anAppendedRunAddsItsRowsToTheStore() throws Exception {
        List<String> once = fileRows(store), twice = fileRows(dir.resolve("store-append"));
        List<String> doubled = new ArrayList<>();
        for (String r : once) {
            doubled.add(r);
            doubled.add(r);
        }
        assertThat(twice).hasSize(16).isEqualTo(doubled); // ORDER BY ALL: each row next to its copy
        JsonNode m = new ObjectMapper().readTree(dir.resolve("store-append/store.json").toFile());
        assertThat(m.get("rows").asLong()).isEqualTo(16);
        assertThat(m.get("runs").asInt()).isEqualTo(2);
    }

    /** The store is committed after the outputs: a run whose outputs fail leaves an append's store as it was. */
    @Test
    void anAppendWhoseOutputsFailLeavesTheStoreAsItWas() throws Exception {
        assertThat(failedAppend).isNotNull().hasMessageContaining("out-is-a-file");
        JsonNode m = new ObjectMapper().readTree(dir.resolve("store-append/store.json").toFile());
        assertThat(m.get("runIds").toString()).isEqualTo("[0,1]");
        try (java.util.stream.Stream<Path> st = Files.walk(dir.resolve("store-append"))) {
            assertThat(st.filter(f -> f.getFileName().toString().endsWith("-2.parquet"))).isEmpty();
        }
        try (java.sql.Connection c = dev.keyhole.store.StoreQuery.open(dir.resolve("store-append"));
             java.sql.Statement st = c.createStatement();
             java.sql.ResultSet rs = st.executeQuery("SELECT count(*) FROM flows")) {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(16);
        }
    }

    @Test
    void storeCompressionIsCheckedOnTheCommandLine() {
        java.io.StringWriter err = new java.io.StringWriter();
        picocli.CommandLine cl = new picocli.CommandLine(new AnalyzeCommand()).setErr(new java.io.PrintWriter(err));
        int rc = cl.execute("--profile", "dprk", "--in", dir.toString(), "--out", dir.resolve("o-lz4").toString(),
                "--store", dir.resolve("s-lz4").toString(), "--store-compression", "lz4");
        assertThat(rc).isNotZero();
        assertThat(err.toString()).contains("'lz4' is not snappy, zstd or none");
        err.getBuffer().setLength(0);
        rc = new picocli.CommandLine(new AnalyzeCommand()).setErr(new java.io.PrintWriter(err)).execute("--profile", "dprk",
                "--in", dir.toString(), "--out", dir.resolve("o-nostore").toString(), "--store-compression", "zstd");
        assertThat(rc).isNotZero();
        assertThat(err.toString()).contains("--store-compression needs --store");
        assertThat(dir.resolve("o-nostore")).doesNotExist();
        err.getBuffer().setLength(0);
        rc = new picocli.CommandLine(new AnalyzeCommand()).setErr(new java.io.PrintWriter(err)).execute("--profile", "dprk",
                "--in", dir.toString(), "--out", dir.resolve("o-noappend").toString(), "--store-append");
        assertThat(rc).isNotZero();
        assertThat(err.toString()).contains("--store-append needs --store");
    }

    @Test
    void theStoreDoesNotChangeFindings() {
        com.fasterxml.jackson.databind.node.ObjectNode a = findings.deepCopy(), b = withoutStore.deepCopy();
        a.remove("generatedAt");
        b.remove("generatedAt");
        assertThat(a).isEqualTo(b);
    }

    static String query(String sql, QueryCommand.Format f) throws IOException {
        return query(sql, f, 0);
    }

    static String query(String sql, QueryCommand.Format f, long limit) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        QueryCommand.run(store, sql, f, limit, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        return out.toString(StandardCharsets.UTF_8);
    }

    static List<JsonNode> rows(String sql) throws IOException {
        List<JsonNode> l = new ArrayList<>();
        ObjectMapper m = new ObjectMapper();
        for (String line : query(sql, QueryCommand.Format.json).split("\n")) if (!line.isEmpty()) l.add(m.readTree(line));
        return l;
    }

    @Test
    void storeHoldsExactlyTheInScopeFlows() throws IOException {
        JsonNode t = findings.path("totals");
        JsonNode r = rows("SELECT count(*) AS n, count(*) FILTER (direction = 'outbound') AS outbound, "
                + "count(*) FILTER (direction = 'inbound') AS inbound, count(*) FILTER (direction = 'internal') AS internal, "
                + "count(*) FILTER (conversation) AS conversations, sum(bytes + rev_bytes) AS bytes FROM flows").get(0);
        assertThat(r.get("n").asLong()).isEqualTo(t.get("inScopeRecords").asLong()).isEqualTo(8);
        assertThat(r.get("outbound").asLong()).isEqualTo(t.get("outbound").asLong());
        assertThat(r.get("inbound").asLong()).isEqualTo(t.get("inbound").asLong());
        assertThat(r.get("internal").asLong()).isEqualTo(t.get("internal").asLong());
    }

    @Test
    void outboundConversationsPerCategoryAndServiceMatchTheActivityMix() throws IOException {
        Map<String, long[]> mix = new TreeMap<>();
        for (JsonNode c : findings.path("activityMix").path("byCategory")) {
            long[] v = mix.computeIfAbsent(c.get("category").asText(), k -> new long[2]);
            v[0] += c.get("flows").asLong();
            v[1] += c.get("bytes").asLong();
        }
        Map<String, long[]> stored = new TreeMap<>();
        for (JsonNode r : rows("SELECT category, count(*) FILTER (conversation) AS flows, sum(bytes + rev_bytes) AS bytes "
                + "FROM flows WHERE direction = 'outbound' GROUP BY category")) {
            stored.put(r.get("category").asText(), new long[] {r.get("flows").asLong(), r.get("bytes").asLong()});
        }
        assertThat(stored).hasSameSizeAs(mix).isNotEmpty();
        mix.forEach((k, v) -> assertThat(stored.get(k)).as(k).containsExactly(v));
        assertThat(stored).containsKeys("streaming", "search");

        Map<String, Long> services = new HashMap<>();
        for (JsonNode s : findings.path("activityMix").path("byService")) {
            services.merge(s.get("service").asText(), s.get("flows").asLong(), Long::sum);
        }
        Map<String, Long> storedServices = new HashMap<>();
        for (JsonNode r : rows("SELECT service, count(*) FILTER (conversation) AS flows FROM flows "
                + "WHERE direction = 'outbound' GROUP BY service")) {
            storedServices.put(r.get("service").asText(), r.get("flows").asLong());
        }
        assertThat(storedServices).isEqualTo(services);
    }

    @Test
    void partitionedByLocalDayAcrossTheOffsetChange() throws IOException {
        List<String> dirs;
        try (Stream<Path> s = Files.list(store)) {
            dirs = s.filter(Files::isDirectory).map(d -> d.getFileName().toString()).sorted().toList();
        }
        assertThat(dirs).containsExactly("day=2018-05-04", "day=2018-05-05", "day=2018-05-06");
        try (Stream<Path> s = Files.list(store.resolve("day=2018-05-04"))) {
            assertThat(s.map(f -> f.getFileName().toString()).toList()).allMatch(n -> n.matches("part-\\d+-\\d+-\\d+\\.parquet"));
        }
        assertThat(query("SELECT day, count(*) AS n, min(start_local) AS first, min(hour) AS h, min(weekday) AS wd, "
                + "bool_or(weekend) AS we FROM flows GROUP BY day ORDER BY day", QueryCommand.Format.csv))
                .isEqualTo("day,n,first,h,wd,we\r\n"
                        + "2018-05-04,1,2018-05-04 23:15:00,23,5,false\r\n"
                        + "2018-05-05,5,2018-05-05 00:45:00,0,6,false\r\n"
                        + "2018-05-06,2,2018-05-06 01:00:00,1,7,true\r\n");
    }

    @Test
    void columnsHoldEnrichmentAndAddressesAsTextAndNumbers() throws IOException {
        JsonNode r = rows("SELECT * FROM flows WHERE uid = 'C1'").get(0);
        assertThat(r.get("start_utc").asText()).isEqualTo("2018-05-04 14:45:00");
        assertThat(r.get("end_utc").asText()).isEqualTo("2018-05-04 14:46:00");
        assertThat(r.get("src").asText()).isEqualTo("175.45.178.10");
        assertThat(r.get("src_v4").asLong()).isEqualTo((175L << 24) + (45 << 16) + (178 << 8) + 10);
        assertThat(r.get("src_hi").asLong()).isZero();
        assertThat(r.get("src_lo").asLong()).isEqualTo(0xffff_0000_0000L + (175L << 24) + (45 << 16) + (178 << 8) + 10);
        assertThat(r.get("local").asText()).isEqualTo("175.45.178.10");
        assertThat(r.get("remote").asText()).isEqualTo("203.0.113.5");
        assertThat(r.get("remote_v4").asLong()).isEqualTo(r.get("dst_v4").asLong());
        assertThat(r.get("src_port").asInt()).isEqualTo(50000);
        assertThat(r.get("server_port").asInt()).isEqualTo(443);
        assertThat(r.get("protocol").asInt()).isEqualTo(6);
        assertThat(r.get("tcp_flags").asInt()).isEqualTo(0x1b);
        assertThat(r.get("packets").asLong()).isEqualTo(10);
        assertThat(r.get("bytes").asLong()).isEqualTo(1000);
        assertThat(r.get("rev_packets").asLong()).isEqualTo(12);
        assertThat(r.get("rev_bytes").asLong()).isEqualTo(5000);
        assertThat(r.get("biflow").asBoolean()).isTrue();
        assertThat(r.get("direction").asText()).isEqualTo("outbound");
        assertThat(r.get("conversation").asBoolean()).isTrue();
        assertThat(r.get("name").asText()).isEqualTo("www.youku.com");
        assertThat(r.get("name_source").asText()).isEqualTo("dns"); // a CSV name is taken as a DNS name
        assertThat(r.get("remote_country").asText()).isEqualTo("CN");
        assertThat(r.get("remote_city").asText()).isEqualTo("Beijing");
        assertThat(r.get("remote_asn").asLong()).isEqualTo(4837);
        assertThat(r.get("remote_org").asText()).isEqualTo("CHINA UNICOM China169 Backbone");
        assertThat(r.get("service").asText()).isEqualTo("youku");
        assertThat(r.get("service_name").asText()).isEqualTo("Youku");
        assertThat(r.get("category").asText()).isEqualTo("streaming");
        assertThat(r.get("origin").asText()).isEqualTo("chinese");
        assertThat(r.get("service_country").asText()).isEqualTo("CN");
        assertThat(r.get("obfuscation").asText()).isEqualTo("plain");
        assertThat(r.get("input").asText()).endsWith("flows.csv");
        assertThat(r.get("day").asText()).isEqualTo("2018-05-04");

        // Inbound: the remote end is the source; a half without a conversation; IPv6 numbers.
        JsonNode in = rows("SELECT local, remote, direction, server_port FROM flows WHERE direction = 'inbound'").get(0);
        assertThat(in.get("local").asText()).isEqualTo("175.45.178.10");
        assertThat(in.get("remote").asText()).isEqualTo("192.0.2.50");
        assertThat(in.get("server_port").asInt()).isEqualTo(22);
        JsonNode half = rows("SELECT conversation, remote, bytes FROM flows WHERE src = '198.51.100.7'").get(0);
        assertThat(half.get("conversation").asBoolean()).isFalse();
        assertThat(half.get("remote").asText()).isEqualTo("198.51.100.7");
        JsonNode v6 = rows("SELECT src, dst, src_v4, src_hi, src_lo, remote_hi, remote_asn FROM flows "
                + "WHERE src_v4 IS NULL").get(0);
        assertThat(v6.get("src").asText()).isEqualTo("2001:db8:1::5");
        assertThat(v6.get("dst").asText()).isEqualTo("2001:db8:ffff::1");
        assertThat(v6.get("src_v4").isNull()).isTrue();
        assertThat(v6.get("src_hi").asLong()).isEqualTo(0x2001_0db8_0001_0000L);
        assertThat(v6.get("src_lo").asLong()).isEqualTo(5);
        assertThat(v6.get("remote_hi").asLong()).isEqualTo(0x2001_0db8_ffff_0000L);
        assertThat(v6.get("remote_asn").isNull()).isTrue();
    }

    @Test
    void addressHelpers() throws IOException {
        assertThat(query("SELECT count(*) AS n FROM flows WHERE in_cidr(remote, '203.0.113.0/24')",
                QueryCommand.Format.csv)).isEqualTo("n\r\n3\r\n");
        assertThat(query("SELECT count(*) AS n FROM flows WHERE remote_v4 BETWEEN ip4('203.0.113.0') AND ip4('203.0.113.255')",
                QueryCommand.Format.csv)).isEqualTo("n\r\n3\r\n");
        assertThat(query("SELECT count(*) AS n FROM flows WHERE in_cidr(local, '2001:db8:1::/48')",
                QueryCommand.Format.csv)).isEqualTo("n\r\n1\r\n");
        assertThat(query("SELECT in_cidr('::ffff:1.2.3.4', '1.2.3.0/24') AS a, in_cidr('1.2.3.4', '::/0') AS b, "
                + "in_cidr(NULL, '1.2.3.0/24') AS c", QueryCommand.Format.csv)).isEqualTo("a,b,c\r\ntrue,false,\r\n");
        assertThatThrownBy(() -> query("SELECT in_cidr(src, 'nonsense') FROM flows", QueryCommand.Format.csv))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a prefix");
    }

    @Test
    void ip4TakesFourOctetsOrFails() throws IOException {
        assertThat(query("SELECT ip4('0.0.0.0') AS a, ip4('255.255.255.255') AS b, ip4('203.0.113.7') AS c, ip4(NULL) AS d",
                QueryCommand.Format.csv)).isEqualTo("a,b,c,d\r\n0,4294967295,3405803783,\r\n");
        // Each of these once became another address (1.2.3.300 was 1.2.4.44).
        for (String bad : List.of("1.2.3.300", "1.2.3.4.5", "1.2.3.-1", "1.2.3", "01.2.3.4", "1.2.3.4 ", "a.b.c.d", "")) {
            assertThatThrownBy(() -> query("SELECT ip4('" + bad + "')", QueryCommand.Format.csv)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a dotted IPv4 address");
        }
    }

    @Test
    void theSessionIsInUtcAndSeveralStatementsPrintTheLast() throws IOException {
        assertThat(query("SELECT current_setting('TimeZone') AS tz", QueryCommand.Format.csv)).isEqualTo("tz\r\nUTC\r\n");
        assertThat(query("SELECT epoch(start_utc::TIMESTAMPTZ) AS e FROM flows WHERE uid = 'C1'", QueryCommand.Format.csv))
                .isEqualTo("e\r\n1.5254451E9\r\n"); // 2018-05-04 14:45:00 UTC
        assertThat(query("SET threads = 1; SELECT 2 AS x", QueryCommand.Format.csv)).isEqualTo("x\r\n2\r\n");
    }

    @Test
    void csvPrintsNotANumberAndInfinityUnlikeNull() throws IOException {
        assertThat(query("SELECT NULL AS n, 'nan'::DOUBLE AS x, 'inf'::DOUBLE AS y, '-inf'::DOUBLE AS z, 1.5::DOUBLE AS w",
                QueryCommand.Format.csv)).isEqualTo("n,x,y,z,w\r\n,NaN,Infinity,-Infinity,1.5\r\n");
    }

    @Test
    void hostileNamesAreGuardedInCsvEscapedInTablesAndExactInJson() throws IOException {
        String csv = query("SELECT name FROM flows WHERE name LIKE '=%' OR name LIKE 'evil%' ORDER BY name",
                QueryCommand.Format.csv);
        assertThat(csv).isEqualTo("name\r\n\"'=HYPERLINK(\"\"http://x.example\"\",\"\"y\"\")\"\r\n"
                + "evil\u001b[2J.example\r\n");
        String table = query("SELECT name FROM flows WHERE name LIKE 'evil%'", QueryCommand.Format.table);
        assertThat(table).doesNotContain("\u001b").contains("evil\\u001b[2J.example");
        List<JsonNode> json = rows("SELECT name FROM flows WHERE name LIKE '=%'");
        assertThat(json.get(0).get("name").asText()).isEqualTo(HOSTILE_FORMULA);
    }

    @Test
    void tableIsAlignedAndLimitCuts() throws IOException {
        String t = query("SELECT direction, count(*) AS n FROM flows GROUP BY direction ORDER BY direction",
                QueryCommand.Format.table);
        assertThat(t).isEqualTo("direction  n\n---------  -\ninbound    1\ninternal   1\noutbound   6\n(3 rows)\n");
        assertThat(query("SELECT src FROM flows ORDER BY start_utc", QueryCommand.Format.json, 2).split("\n")).hasSize(2);
    }

    @Test
    void clearErrorsForBadSqlAndMissingStores() {
        assertThatThrownBy(() -> query("SELEC 1", QueryCommand.Format.table))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("query failed: Parser Error");
        assertThatThrownBy(() -> query("SELECT nope FROM flows", QueryCommand.Format.table))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nope");
        assertThatThrownBy(() -> QueryCommand.run(dir.resolve("missing"), "SELECT 1", QueryCommand.Format.table, 0,
                System.out, System.err)).isInstanceOf(IOException.class).hasMessageStartingWith("no store at");
        assertThatThrownBy(() -> QueryCommand.run(dir.resolve("out"), "SELECT 1", QueryCommand.Format.table, 0,
                System.out, System.err)).isInstanceOf(IOException.class).hasMessageContaining("holds no Parquet files");
    }

    @Test
    void aSecondRunDoesNotWriteIntoAnExistingStore() {
        assertThatThrownBy(() -> dev.keyhole.store.FlowStore.create(store, new TargetProfile("t", List.of("10.0.0.0/8"),
                List.of(), ZoneId.of("UTC"), Set.of(), List.of(), List.of()), 10))
                .isInstanceOf(IOException.class).hasMessageContaining("already holds a store");
    }
}
