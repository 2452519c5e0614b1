package dev.keyhole.store;

import dev.keyhole.enrichment.Attribution;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FlowStoreTest {
    static final TargetProfile PROFILE = new TargetProfile("t", List.of("175.45.176.0/22", "fe80::/10"), List.of(),
            ZoneId.of("UTC"), Set.of(DayOfWeek.SATURDAY, DayOfWeek.SUNDAY), List.of(), List.of());

    static EnrichedFlow flow(String utc, String src, String dst, Direction d, boolean localIsSrc) {
        long t = Instant.parse(utc).toEpochMilli();
        Ip s = Ip.parse(src), r = Ip.parse(dst);
        FlowRecord f = new FlowRecord(t, t + 1, s, r, 1234, 443, 6, 0, 1, 100, 0, 0, false, 0, 0, null, null,
                NameSource.NONE);
        if (d == Direction.OUT_OF_SCOPE) {
            return new EnrichedFlow(f, d, false, null, null, 0, null, null, null, 0, null, null, null, null, null,
                    null, null, null);
        }
        return new EnrichedFlow(f, d, true, localIsSrc ? s : r, localIsSrc ? r : s, 443, null, null, null, 0, null,
                "unknown", null, null, Category.OTHER, null, Origin.OTHER, Obfuscation.TLS);
    }

    @Test
    void smallBatchesGiveOneFilePerDayAndBatchAndSkipOutOfScope(@TempDir Path dir) throws Exception {
        Path store = dir.resolve("s");
        FlowStore.Summary sum;
        try (FlowStore s = FlowStore.create(store, PROFILE, 3)) {
            StoreWriter w = writer(s, "a.ipfix");
            for (int i = 0; i < 7; i++) {
                w.accept(flow("2018-05-0" + (5 + i % 2) + "T10:00:00Z", "175.45.178." + i, "203.0.113.1",
                        Direction.OUTBOUND, true));
                w.accept(flow("2018-05-05T10:00:00Z", "8.8.8.8", "1.1.1.1", Direction.OUT_OF_SCOPE, false));
            }
            sum = s.finish();
        }
        assertThat(sum.rows()).isEqualTo(7);
        List<String> files;
        try (Stream<Path> st = Files.walk(store)) {
            files = st.filter(Files::isRegularFile).map(p -> store.relativize(p).toString()).sorted().toList();
        }
        // Batches of 3: (5,6,5) (6,5,6) (5): five files, and store.json.
        assertThat(files).containsExactly("day=2018-05-05/part-0-0-0.parquet", "day=2018-05-05/part-0-1-0.parquet",
                "day=2018-05-05/part-0-2-0.parquet", "day=2018-05-06/part-0-0-0.parquet",
                "day=2018-05-06/part-0-1-0.parquet", "store.json");
        assertThat(sum.files()).isEqualTo(5);
        assertThat(Files.readString(store.resolve("store.json"))).contains("\"format\" : \"keyhole.store/2\"",
                "\"rows\" : 7", "\"zone\" : \"UTC\"");
    }

    /** Writes n outbound flows on 2018-05-05 (and, from the 3rd on, 2018-05-06) into a store, new or appended. */
    private static FlowStore.Summary write(FlowStore s, int n, String src) throws Exception {
        StoreWriter w = writer(s, src);
        for (int i = 0; i < n; i++) {
            w.accept(flow("2018-05-0" + (i < 2 ? 5 : 6) + "T10:00:00Z", "175.45.178." + i, "203.0.113.1",
                    Direction.OUTBOUND, true));
        }
        return s.finish();
    }

    /** A writer of {@code s} for rows from the input named {@code input}. */
    private static StoreWriter writer(FlowStore s, String input) {
        StoreWriter w = s.newWriter();
        w.file(new InputFile(Path.of(input), InputFormat.IPFIX, false, 0));
        return w;
    }

    private static long count(Path store, String sql) throws Exception {
        try (Connection c = StoreQuery.open(store); Statement st = c.createStatement(); ResultSet r = st.executeQuery(sql)) {
            r.next();
            return r.getLong(1);
        }
    }

    @Test
    void appendsAddFilesOfTheirOwnAndUpdateTheManifest(@TempDir Path dir) throws Exception {
        Path store = dir.resolve("s");
        try (FlowStore s = FlowStore.create(store, PROFILE, 100)) {
            write(s, 3, "first.ipfix");
        }
        String created = new com.fasterxml.jackson.databind.ObjectMapper().readTree(store.resolve("store.json").toFile())
                .get("createdAt").asText();
        for (int run = 1; run <= 2; run++) {
            try (FlowStore s = FlowStore.append(store, PROFILE, 100, dev.keyhole.store.parquet.ParquetWriter.Codec.ZSTD)) {
                assertThat(write(s, 4, "append" + run + ".ipfix").rows()).isEqualTo(4);
            }
        }
        List<String> files;
        try (Stream<Path> st = Files.walk(store)) {
            files = st.filter(p -> p.toString().endsWith(".parquet")).map(p -> store.relativize(p).toString()).sorted().toList();
        }
        assertThat(files).containsExactly("day=2018-05-05/part-0-0-0.parquet", "day=2018-05-05/part-0-0-1.parquet",
                "day=2018-05-05/part-0-0-2.parquet", "day=2018-05-06/part-0-0-0.parquet",
                "day=2018-05-06/part-0-0-1.parquet", "day=2018-05-06/part-0-0-2.parquet");
        com.fasterxml.jackson.databind.JsonNode m = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(store.resolve("store.json").toFile());
        assertThat(m.get("rows").asLong()).isEqualTo(11);
        assertThat(m.get("files").asLong()).isEqualTo(6);
        assertThat(m.get("runs").asInt()).isEqualTo(3);
        assertThat(m.get("createdAt").asText()).isEqualTo(created);
        assertThat(m.has("updatedAt")).isTrue();
        assertThat(count(store, "SELECT count(*) FROM flows")).isEqualTo(11);
        assertThat(count(store, "SELECT count(*) FROM flows WHERE input = 'append2.ipfix' AND day = DATE '2018-05-06'"))
                .isEqualTo(2);
    }

    @Test
    void anAppendNeedsACompleteStoreOfTheSameProfileZoneAndWeekend(@TempDir Path dir) throws Exception {
        var codec = dev.keyhole.store.parquet.ParquetWriter.Codec.SNAPPY;
        assertThatThrownBy(() -> FlowStore.append(dir.resolve("none"), PROFILE, 100, codec))
                .hasMessageContaining("has no store.json: nothing to append to");
        Path store = dir.resolve("s");
        try (FlowStore s = FlowStore.create(store, PROFILE, 100)) {
            write(s, 1, "a");
        }
        TargetProfile otherZone = new TargetProfile("t", PROFILE.cidrs(), List.of(), ZoneId.of("Asia/Pyongyang"),
                PROFILE.weekend(), List.of(), List.of());
        assertThatThrownBy(() -> FlowStore.append(store, otherZone, 100, codec))
                .hasMessageContaining("its zone is UTC, this run's is Asia/Pyongyang");
        TargetProfile otherWeekend = new TargetProfile("t", PROFILE.cidrs(), List.of(), PROFILE.zone(),
                Set.of(DayOfWeek.FRIDAY), List.of(), List.of());
        assertThatThrownBy(() -> FlowStore.append(store, otherWeekend, 100, codec))
                .hasMessageContaining("its weekend is [6, 7], this run's is [5]");
        TargetProfile otherName = new TargetProfile("u", PROFILE.cidrs(), List.of(), PROFILE.zone(), PROFILE.weekend(),
                List.of(), List.of());
        assertThatThrownBy(() -> FlowStore.append(store, otherName, 100, codec)).hasMessageContaining("its profile is t");
        // Two appends at once: the second is refused while the first holds the store.
        try (FlowStore first = FlowStore.append(store, PROFILE, 100, codec)) {
            assertThatThrownBy(() -> FlowStore.append(store, PROFILE, 100, codec))
                    .hasMessageContaining("another run is appending to this store");
        }
        try (FlowStore again = FlowStore.append(store, PROFILE, 100, codec)) {
            assertThat(write(again, 1, "b").rows()).isEqualTo(1);
        }
    }

    /**
     * A killed append leaves files store.json never counted (complete ones, and the hidden one it
     * was writing). The next append removes them, under its lock, and still numbers its own files
     * past them; until then store.json's runIds keep them out of queries.
     */
    @Test
    void theNextAppendRemovesAKilledOnesFilesAndNumbersPastThem(@TempDir Path dir) throws Exception {
        Path store = dir.resolve("s");
        try (FlowStore s = FlowStore.create(store, PROFILE, 100)) {
            write(s, 3, "a");
        }
        com.fasterxml.jackson.databind.ObjectMapper om = new com.fasterxml.jackson.databind.ObjectMapper();
        // What a killed append (run 1) left: a complete file store.json does not count, one in a
        // day of its own, and the hidden file it was writing.
        Path leftover = store.resolve("day=2018-05-05/part-0-0-1.parquet");
        Files.copy(store.resolve("day=2018-05-05/part-0-0-0.parquet"), leftover);
        Path ownDay = store.resolve("day=2019-01-01");
        Files.createDirectories(ownDay);
        Files.copy(leftover, ownDay.resolve("part-1-0-1.parquet"));
        Path hidden = store.resolve("day=2018-05-05/.part-0-1-1.parquet.tmp");
        Files.write(hidden, new byte[] {'P', 'A', 'R'});
        // Not names the writer gives (notes, another tool's Parquet files): left alone.
        Path foreign = store.resolve("day=2018-05-05/notes-1.txt");
        Files.write(foreign, new byte[0]);
        Path pyarrow = store.resolve("day=2018-05-05/part-1.parquet");
        Path other = store.resolve("day=2018-05-05/part-extra-7.parquet");
        // Until the next append, queries leave the leftovers out (3 rows), a glob does not.
        assertThat(count(store, "SELECT count(*) FROM flows")).isEqualTo(3);
        assertThat(count(store, "SELECT count(*) FROM read_parquet('" + store + "/day=*/part-*.parquet')")).isEqualTo(7);
        Files.copy(store.resolve("day=2018-05-05/part-0-0-0.parquet"), pyarrow);
        Files.copy(store.resolve("day=2018-05-05/part-0-0-0.parquet"), other);
        try (FlowStore s = FlowStore.append(store, PROFILE, 100, dev.keyhole.store.parquet.ParquetWriter.Codec.SNAPPY)) {
            assertThat(s.removedLeftovers()).containsExactlyInAnyOrder(leftover, ownDay.resolve("part-1-0-1.parquet"), hidden);
            write(s, 1, "b");
        }
        assertThat(leftover).doesNotExist();
        assertThat(hidden).doesNotExist();
        assertThat(ownDay).doesNotExist();
        assertThat(foreign).exists();
        assertThat(pyarrow).exists();
        assertThat(other).exists();
        Files.delete(pyarrow);
        Files.delete(other);
        assertThat(store.resolve("day=2018-05-05/part-0-0-0.parquet")).exists();
        assertThat(store.resolve("day=2018-05-05/part-0-0-2.parquet")).exists();
        com.fasterxml.jackson.databind.JsonNode m = om.readTree(store.resolve("store.json").toFile());
        assertThat(m.get("runs").asInt()).isEqualTo(2);
        assertThat(m.get("runIds").toString()).isEqualTo("[0,2]");
        assertThat(m.get("rows").asLong()).isEqualTo(4);
        // Every reader now sees the same rows (3 + 1).
        assertThat(count(store, "SELECT count(*) FROM flows")).isEqualTo(4);
        assertThat(count(store, "SELECT count(*) FROM read_parquet('" + store + "/day=*/part-*.parquet')")).isEqualTo(4);
        // A later append with nothing left over removes nothing.
        try (FlowStore s = FlowStore.append(store, PROFILE, 100, dev.keyhole.store.parquet.ParquetWriter.Codec.SNAPPY)) {
            assertThat(s.removedLeftovers()).isEmpty();
            write(s, 1, "c");
        }
        assertThat(om.readTree(store.resolve("store.json").toFile()).get("runIds").toString()).isEqualTo("[0,2,3]");
    }

    /** --store needs a new or empty directory, as docs/store.md says; a directory of other files is refused. */
    @Test
    void aNewStoreNeedsANewOrEmptyDirectory(@TempDir Path dir) throws Exception {
        Path other = Files.createDirectories(dir.resolve("notes"));
        Files.writeString(other.resolve("todo.txt"), "x");
        assertThatThrownBy(() -> FlowStore.create(other, PROFILE, 100)).hasMessageContaining("is not empty")
                .hasMessageContaining("todo.txt");
        assertThat(other.resolve("store.json")).doesNotExist();
        Path empty = Files.createDirectories(dir.resolve("empty"));
        try (FlowStore s = FlowStore.create(empty, PROFILE, 100)) {
            write(s, 2, "a");
        }
        assertThat(count(empty, "SELECT count(*) FROM flows")).isEqualTo(2);
    }

    /** A store reached through a symbolic link is the store: its leftovers go, its run numbers are seen. */
    @Test
    void aStoreThroughASymbolicLinkIsAppendedToAsItself(@TempDir Path dir) throws Exception {
        Path store = dir.resolve("real");
        try (FlowStore s = FlowStore.create(store, PROFILE, 100)) {
            write(s, 3, "a");
        }
        Path link = Files.createSymbolicLink(dir.resolve("link"), store);
        Path leftover = store.resolve("day=2018-05-05/part-0-0-1.parquet");
        Files.copy(store.resolve("day=2018-05-05/part-0-0-0.parquet"), leftover);
        assertThatThrownBy(() -> FlowStore.create(link, PROFILE, 100)).hasMessageContaining("already holds a store");
        try (FlowStore s = FlowStore.append(link, PROFILE, 100, dev.keyhole.store.parquet.ParquetWriter.Codec.SNAPPY)) {
            assertThat(s.removedLeftovers()).hasSize(1);
            write(s, 1, "b");
        }
        assertThat(leftover).doesNotExist();
        assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(store.resolve("store.json").toFile())
                .get("runIds").toString()).isEqualTo("[0,2]");
        assertThat(count(link, "SELECT count(*) FROM flows")).isEqualTo(4);
    }

    /**
     * An append's rows are in the store only when store.json lists its run: after its files are
     * complete (flush) and before the commit, queries see the store as it was.
     */
    @Test
    void queriesSeeAnAppendOnlyOnceItIsCommitted(@TempDir Path dir) throws Exception {
        Path store = dir.resolve("s");
        try (FlowStore s = FlowStore.create(store, PROFILE, 100)) {
            write(s, 3, "a");
        }
        try (FlowStore s = FlowStore.append(store, PROFILE, 100, dev.keyhole.store.parquet.ParquetWriter.Codec.SNAPPY)) {
            StoreWriter w = writer(s, "b");
            for (int i = 0; i < 5; i++) {
                w.accept(flow("2018-05-05T1" + i + ":00:00Z", "175.45.178.9", "203.0.113.1", Direction.OUTBOUND, true));
            }
            s.flush();
            assertThat(store.resolve("day=2018-05-05/part-0-0-1.parquet")).exists();
            assertThat(count(store, "SELECT count(*) FROM flows")).isEqualTo(3);
            assertThat(s.commit().rows()).isEqualTo(5);
            assertThat(count(store, "SELECT count(*) FROM flows")).isEqualTo(8);
            assertThat(count(store, "SELECT count(*) FROM flows WHERE input = 'b'")).isEqualTo(5);
        }
        // Flushed, then failed before the commit (findings could not be written): the append's files go.
        try (FlowStore s = FlowStore.append(store, PROFILE, 100, dev.keyhole.store.parquet.ParquetWriter.Codec.SNAPPY)) {
            StoreWriter w = writer(s, "c");
            w.accept(flow("2018-05-05T10:00:00Z", "175.45.178.9", "203.0.113.1", Direction.OUTBOUND, true));
            s.flush();
            assertThat(store.resolve("day=2018-05-05/part-0-0-2.parquet")).exists();
        }
        assertThat(store.resolve("day=2018-05-05/part-0-0-2.parquet")).doesNotExist();
        assertThat(count(store, "SELECT count(*) FROM flows")).isEqualTo(8);
    }

    /**
     * A store from before runIds existed is one run whose files may end in any number (DuckDB's COPY
     * numbered them): an append keeps all of them; files of unlisted runs, and files not named as
     * the store's, are left out.
     */
    @Test
    void aStoreFromBeforeRunIdsKeepsAllItsFilesAfterAnAppend(@TempDir Path dir) throws Exception {
        Path store = dir.resolve("s");
        try (FlowStore s = FlowStore.create(store, PROFILE, 100)) {
            write(s, 3, "a");
        }
        Files.move(store.resolve("day=2018-05-06/part-0-0-0.parquet"), store.resolve("day=2018-05-06/part-0-0-1.parquet"));
        com.fasterxml.jackson.databind.ObjectMapper om = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode old = (com.fasterxml.jackson.databind.node.ObjectNode)
                om.readTree(store.resolve("store.json").toFile());
        old.remove("runs");
        old.remove("runIds");
        om.writeValue(store.resolve("store.json").toFile(), old);
        assertThat(count(store, "SELECT count(*) FROM flows")).as("no runIds: every file").isEqualTo(3);
        try (FlowStore s = FlowStore.append(store, PROFILE, 100, dev.keyhole.store.parquet.ParquetWriter.Codec.SNAPPY)) {
            write(s, 2, "b");
        }
        assertThat(om.readTree(store.resolve("store.json").toFile()).get("runIds").toString()).isEqualTo("[0,1,2]");
        assertThat(count(store, "SELECT count(*) FROM flows")).isEqualTo(5);
        assertThat(count(store, "SELECT count(*) FROM flows WHERE input = 'a'")).isEqualTo(3);
        Files.copy(store.resolve("day=2018-05-06/part-0-0-1.parquet"), store.resolve("day=2018-05-06/part-0-0-7.parquet"));
        Files.copy(store.resolve("day=2018-05-06/part-0-0-1.parquet"), store.resolve("day=2018-05-06/copy.parquet"));
        assertThat(count(store, "SELECT count(*) FROM flows")).isEqualTo(5);
    }

    /** A connection opened before an append does not see its rows before the commit either. */
    @Test
    void anOpenConnectionSeesAnAppendOnlyOnceCommitted(@TempDir Path dir) throws Exception {
        Path store = dir.resolve("s");
        try (FlowStore s = FlowStore.create(store, PROFILE, 100)) {
            write(s, 3, "a");
        }
        try (Connection c = StoreQuery.open(store); Statement st = c.createStatement();
             FlowStore s = FlowStore.append(store, PROFILE, 100, dev.keyhole.store.parquet.ParquetWriter.Codec.SNAPPY)) {
            StoreWriter w = writer(s, "b");
            for (int i = 0; i < 5; i++) {
                w.accept(flow("2018-05-05T1" + i + ":00:00Z", "175.45.178.9", "203.0.113.1", Direction.OUTBOUND, true));
            }
            s.flush();
            assertThatThrownBy(s::newWriter).isInstanceOf(IllegalStateException.class);
            try (ResultSet r = st.executeQuery("SELECT count(*) FROM flows")) {
                r.next();
                assertThat(r.getLong(1)).isEqualTo(3);
            }
            s.commit();
        }
        assertThat(count(store, "SELECT count(*) FROM flows")).isEqualTo(8);
    }

    @Test
    void aFailedRunCannotBeCommitted(@TempDir Path dir) throws Exception {
        FlowStore s = FlowStore.create(dir.resolve("s"), PROFILE, 100);
        s.close();
        assertThatThrownBy(s::commit).isInstanceOf(IllegalStateException.class).hasMessageContaining("without a commit");
        assertThat(dir.resolve("s/store.json")).doesNotExist();
    }

    @Test
    void aFailedAppendLeavesTheStoreAsItWas(@TempDir Path dir) throws Exception {
        Path store = dir.resolve("s");
        try (FlowStore s = FlowStore.create(store, PROFILE, 100)) {
            write(s, 3, "a");
        }
        String before = Files.readString(store.resolve("store.json"));
        try (FlowStore s = FlowStore.append(store, PROFILE, 2, dev.keyhole.store.parquet.ParquetWriter.Codec.SNAPPY)) {
            StoreWriter w = writer(s, "b");
            // The first batch (2 rows, 2018-05-05) is written; then the run fails before finishing.
            w.accept(flow("2018-05-05T11:00:00Z", "175.45.178.9", "203.0.113.1", Direction.OUTBOUND, true));
            w.accept(flow("2018-05-05T12:00:00Z", "175.45.178.9", "203.0.113.1", Direction.OUTBOUND, true));
            assertThat(store.resolve("day=2018-05-05/part-0-0-1.parquet")).exists();
            w.accept(flow("2018-05-06T12:00:00Z", "175.45.178.9", "203.0.113.1", Direction.OUTBOUND, true));
        }
        try (Stream<Path> st = Files.walk(store)) {
            assertThat(st.filter(p -> p.getFileName().toString().endsWith("-1.parquet"))).isEmpty();
        }
        assertThat(Files.readString(store.resolve("store.json"))).isEqualTo(before);
        assertThat(count(store, "SELECT count(*) FROM flows")).isEqualTo(3);
    }

    @Test
    void ipv6HighBitsAreUnsignedAndTextIsRfc5952(@TempDir Path dir) throws Exception {
        Path store = dir.resolve("s");
        try (FlowStore s = FlowStore.create(store, PROFILE, 100)) {
            StoreWriter w = writer(s, "b");
            w.accept(flow("2018-05-05T10:00:00Z", "FE80:0:0:0:0:0:0:1", "2001:DB8:0:0:1:0:0:1", Direction.OUTBOUND,
                    true));
            w.accept(flow("2018-05-05T10:00:00Z", "203.0.113.1", "175.45.178.1", Direction.INBOUND, false));
            s.finish();
        }
        try (Connection c = StoreQuery.open(store); Statement st = c.createStatement();
             ResultSet r = st.executeQuery("SELECT src, src_hi, src_lo, dst, local, remote, src_v4, weekend, direction "
                     + "FROM flows ORDER BY src")) {
            assertThat(r.next()).isTrue();
            assertThat(r.getString(1)).isEqualTo("203.0.113.1");
            assertThat(r.getString(5)).isEqualTo("175.45.178.1");
            assertThat(r.getString(6)).isEqualTo("203.0.113.1");
            assertThat(r.getLong(7)).isEqualTo(0xCB007101L);
            assertThat(r.getBoolean(8)).isTrue();
            assertThat(r.getString(9)).isEqualTo("inbound");
            assertThat(r.next()).isTrue();
            assertThat(r.getString(1)).isEqualTo("fe80::1");
            assertThat(new BigInteger(r.getString(2))).isEqualTo(new BigInteger("fe80000000000000", 16));
            assertThat(r.getString(3)).isEqualTo("1");
            assertThat(r.getString(4)).isEqualTo("2001:db8::1:0:0:1");
            assertThat(r.getString(5)).isEqualTo("fe80::1");
            assertThat(r.getObject(7)).isNull();
        }
    }

    /** The view's ip_text (SQL) must print every address exactly as Ip.toString does. */
    @Test
    void addressTextFromNumbersMatchesJavaForEdgeAndRandomAddresses(@TempDir Path dir) throws Exception {
        List<String> edge = List.of("::", "::1", "1::", "1:0:0:1:0:0:1:1", "0:0:1:0:0:0:1:0", "1:0:1:0:1:0:1:0",
                "fe80::", "2001:db8:0:0:1:0:0:1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "::1.2.3.4",
                "64:ff9b::c000:221", "8000::", "0:0:0:0:0:ffff:0:1", "1:2:3:4:5:6:7:8", "1:0:0:0:0:0:0:8",
                "::ffff:175.45.178.1", "0.0.0.0", "255.255.255.255");
        List<Ip> ips = new ArrayList<>();
        for (String e : edge) ips.add(Ip.parse(e));
        java.util.Random r = new java.util.Random(7);
        for (int i = 0; i < 400; i++) {
            long hi = 0, lo = 0;
            for (int g = 0; g < 8; g++) {
                long v = r.nextInt(3) == 0 ? r.nextInt(0x10000) : 0; // many zero groups, runs of every length
                if (g < 4) hi |= v << (48 - 16 * g);
                else lo |= v << (48 - 16 * (g - 4));
            }
            ips.add(Ip.ofV6(hi, lo));
        }
        Path store = dir.resolve("s");
        try (FlowStore s = FlowStore.create(store, PROFILE, 100)) {
            StoreWriter w = writer(s, "v6");
            for (Ip ip : ips) {
                w.accept(flow("2018-05-05T10:00:00Z", "fe80::1", ip.toString(), Direction.OUTBOUND, true));
            }
            s.finish();
        }
        List<String> got = new ArrayList<>(), want = new ArrayList<>();
        try (Connection c = StoreQuery.open(store); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT dst, dst_hi, dst_lo, dst_v4, remote FROM flows")) {
            while (rs.next()) {
                Ip ip = Ip.ofV6(new BigInteger(rs.getString(2)).longValue(), new BigInteger(rs.getString(3)).longValue());
                got.add(rs.getString(1) + " " + rs.getString(5) + " " + rs.getObject(4));
                want.add(ip + " " + ip + " " + (ip.isV4() ? Integer.toUnsignedString(ip.v4()) : null));
            }
        }
        assertThat(got).hasSize(ips.size()).isEqualTo(want);
        assertThat(want.stream().map(x -> x.split(" ")[0]).sorted().toList())
                .isEqualTo(ips.stream().map(Ip::toString).sorted().toList());
    }

    /**
     * Names are coded in per-batch dictionaries; a batch with too many distinct values goes as
     * plain strings. Both read back the same, NUL and quotes included.
     */
    @Test
    void manyDistinctOrUnusualNamesFallBackToPlainStrings(@TempDir Path dir) throws Exception {
        Path store = dir.resolve("s");
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 600; i++) names.add("host-" + i + ".example");
        names.add("nul\u0000inside.example");
        names.add("it's \"quoted\", \\ and ;");
        names.add("\ud800lone-surrogate");
        names.add("");
        try (FlowStore s = FlowStore.create(store, PROFILE, 1000)) {
            StoreWriter w = writer(s, "d");
            // Batch 0: 600 distinct names in 1000 rows, over the limit; batch 1: a few, dictionary;
            // batch 2: three values, each row a new String instance; batch 3: "" and NULL.
            for (int i = 0; i < 1000; i++) w.accept(named(names.get(i % 600)));
            for (int i = 0; i < 999; i++) w.accept(named(names.get(600 + i % 3)));
            w.accept(named(names.get(600)));
            for (int i = 0; i < 1000; i++) w.accept(named(new String("fresh-" + (char) ('a' + i % 3))));
            for (int i = 0; i < 10; i++) w.accept(named(i % 2 == 0 ? null : names.get(603)));
            s.finish();
        }
        try (Connection c = java.sql.DriverManager.getConnection("jdbc:duckdb:"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT regexp_extract(file_name, 'part-0-(\\d)', 1), encodings FROM parquet_metadata('"
                     + store + "/*/*.parquet') WHERE path_in_schema IN ('name', 'remote_country') ORDER BY ALL")) {
            List<String> got = new ArrayList<>();
            while (rs.next()) got.add(rs.getString(1) + " " + rs.getString(2));
            assertThat(got).containsExactly("0 PLAIN, RLE", "0 PLAIN, RLE, RLE_DICTIONARY", "1 PLAIN, RLE, RLE_DICTIONARY",
                    "1 PLAIN, RLE, RLE_DICTIONARY", "2 PLAIN, RLE, RLE_DICTIONARY", "2 PLAIN, RLE, RLE_DICTIONARY",
                    "3 PLAIN, RLE, RLE_DICTIONARY", "3 PLAIN, RLE, RLE_DICTIONARY");
        }
        try (Connection c = StoreQuery.open(store); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT name, count(*) FROM flows GROUP BY name")) {
            java.util.Map<String, Long> counts = new java.util.HashMap<>();
            while (rs.next()) counts.put(rs.getString(1), rs.getLong(2));
            assertThat(counts).hasSize(604 + 1 + 3);
            assertThat(counts.get("fresh-a")).isEqualTo(334);
            assertThat(counts.get("fresh-c")).isEqualTo(333);
            assertThat(counts.get("host-0.example")).isEqualTo(2);
            assertThat(counts.get("host-599.example")).isEqualTo(1);
            assertThat(counts.get("it's \"quoted\", \\ and ;")).isEqualTo(333);
            assertThat(counts.get("nul\u0000inside.example")).isEqualTo(334);
            assertThat(counts.get("")).isEqualTo(5);
            assertThat(counts.get(null)).isEqualTo(5);
            assertThat(counts.keySet()).anyMatch(k -> k != null && k.endsWith("lone-surrogate"));
        }
    }

    /**
     * The seven attribution columns are coded once per distinct attribution: rows sharing an
     * instance, rows with equal fresh instances, NULL values, and a column with too many distinct
     * values for a dictionary (plain strings) beside columns that keep theirs, all read back per row.
     */
    @Test
    void attributionColumnsReadBackPerRowWhetherSharedFreshOrPlain(@TempDir Path dir) throws Exception {
        attributionsReadBack(dir.resolve("s"), 0);
        // Row groups of 64 rows: each group codes its own attributions, some of a batch's not in it.
        attributionsReadBack(dir.resolve("small-groups"), 64);
    }

    /** @param rowGroupRows 0 for the default */
    private static void attributionsReadBack(Path store, int rowGroupRows) throws Exception {
        Attribution[] pool = new Attribution[300];
        for (int j = 0; j < pool.length; j++) {
            String cc = new String[] {"CN", "US", "RU"}[j % 3];
            pool[j] = new Attribution(cc, j % 10 == 0 ? null : "city-" + j, 64500 + j, "org-" + j % 5, "svc-" + j % 7,
                    "Service " + j % 7, j % 11 == 0 ? null : "co-" + j % 7, Category.STREAMING, cc, Origin.OTHER);
        }
        List<EnrichedFlow> flows = new ArrayList<>();
        long t0 = Instant.parse("2018-05-05T10:00:00Z").toEpochMilli();
        for (int i = 0; i < 2000; i++) {
            // Batch 0 (rows 0-999): 300 shared instances, 270 distinct cities: remote_city goes plain.
            // Batch 1: 20 of them, every other row as a fresh equal copy.
            Attribution a = i < 1000 ? pool[i % 300] : pool[(i % 20) * 3];
            if (i >= 1000 && i % 2 == 1) a = new Attribution(a.remoteCountry(), a.remoteCity() == null ? null
                    : new String(a.remoteCity()), a.remoteAsn(), a.remoteAsOrg(), a.service(), a.serviceName(), a.company(),
                    a.category(), a.serviceCountry(), a.origin());
            Ip s = Ip.parse("175.45.178." + i % 250), r = Ip.parse("203.0.113." + i % 250);
            FlowRecord f = new FlowRecord(t0 + i, t0 + i + 1, s, r, 1234, 443, 6, 0, 1, 100, 0, 0, false, 0, 0, "u" + i,
                    null, NameSource.NONE);
            flows.add(new EnrichedFlow(f, Direction.OUTBOUND, true, s, r, 443, null, a, Obfuscation.TLS));
        }
        try (FlowStore st = FlowStore.create(store, PROFILE, 1000)) {
            StoreWriter w = rowGroupRows == 0 ? st.newWriter() : st.newWriter(rowGroupRows, 1 << 20);
            w.file(new InputFile(Path.of("a"), InputFormat.IPFIX, false, 0));
            for (EnrichedFlow e : flows) w.accept(e);
            st.finish();
        }
        if (rowGroupRows == 0) try (Connection c = java.sql.DriverManager.getConnection("jdbc:duckdb:"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT regexp_extract(file_name, 'part-0-(\\d)', 1), path_in_schema, encodings"
                     + " FROM parquet_metadata('" + store + "/*/*.parquet') WHERE path_in_schema IN ('remote_country',"
                     + " 'remote_city') ORDER BY ALL")) {
            List<String> got = new ArrayList<>();
            while (rs.next()) got.add(rs.getString(1) + " " + rs.getString(2) + " " + rs.getString(3));
            assertThat(got).containsExactly("0 remote_city PLAIN, RLE", "0 remote_country PLAIN, RLE, RLE_DICTIONARY",
                    "1 remote_city PLAIN, RLE, RLE_DICTIONARY", "1 remote_country PLAIN, RLE, RLE_DICTIONARY");
        }
        try (Connection c = StoreQuery.open(store); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT uid, remote_country, remote_city, remote_asn, remote_org, service,"
                     + " service_name, company, service_country FROM flows")) {
            java.util.Map<String, List<Object>> got = new java.util.HashMap<>();
            while (rs.next()) {
                List<Object> row = new ArrayList<>();
                for (int k = 2; k <= 9; k++) row.add(rs.getObject(k) == null ? null : rs.getObject(k).toString());
                got.put(rs.getString(1), row);
            }
            assertThat(got).hasSize(2000);
            for (EnrichedFlow e : flows) {
                Attribution a = e.attribution();
                assertThat(got.get(e.flow().uid())).as(e.flow().uid()).containsExactly(a.remoteCountry(), a.remoteCity(),
                        String.valueOf(a.remoteAsn()), a.remoteAsOrg(), a.service(), a.serviceName(), a.company(),
                        a.serviceCountry());
            }
        }
    }

    /** Every row's code names its value, while the identity table grows, across batches, with fresh instances too. */
    @Test
    void dictionaryCodesEveryRowToItsValue() {
        int n = 100_000;
        StoreWriter.Dictionary d = new StoreWriter.Dictionary(n, 20_000);
        java.util.Random r = new java.util.Random(9);
        for (int batch = 0; batch < 3; batch++) {
            String[] pool = new String[2000 + 3000 * batch];
            for (int i = 0; i < pool.length; i++) pool[i] = "v" + batch + "-" + i % 4000; // repeats from 4,000 on
            String[] col = new String[n];
            for (int i = 0; i < n; i++) {
                String v = pool[r.nextInt(pool.length)];
                col[i] = r.nextInt(10) == 0 ? null : r.nextInt(5) == 0 ? new String(v) : v;
                if (i > 0 && r.nextInt(3) == 0) col[i] = col[i - 1];
            }
            d.code(col, n, new int[n]);
            assertThat(d.plain).isFalse();
            for (int i = 0; i < n; i++) {
                if (col[i] == null) assertThat(d.codes[i]).isZero();
                else assertThat(d.values.get(d.codes[i] - 1)).isEqualTo(col[i]);
            }
            assertThat(d.values).doesNotHaveDuplicates().hasSize((int) java.util.Arrays.stream(col)
                    .filter(java.util.Objects::nonNull).distinct().count());
            assertThat(new String(d.bytes[d.values.size() - 1], java.nio.charset.StandardCharsets.UTF_8))
                    .isEqualTo(d.values.get(d.values.size() - 1));
        }
        StoreWriter.Dictionary small = new StoreWriter.Dictionary(n, 100);
        String[] col = new String[n];
        for (int i = 0; i < n; i++) col[i] = "x" + i % 101;
        small.code(col, n, new int[n]);
        assertThat(small.plain).isTrue();
    }

    private static EnrichedFlow named(String name) {
        EnrichedFlow e = flow("2018-05-05T10:00:00Z", "175.45.178.1", "203.0.113.1", Direction.OUTBOUND, true);
        return new EnrichedFlow(e.flow(), e.direction(), true, e.local(), e.remote(), 443, name, "CN", null, 4837,
                "Org", "svc", "Service", "Co", Category.STREAMING, "CN", Origin.CHINESE, Obfuscation.TLS);
    }

    /** Exporter AS numbers: unsigned 32-bit, NULL when not reported (0). */
    @Test
    void exporterAsNumbersAreUnsignedAndZeroIsNull(@TempDir Path dir) throws Exception {
        List<EnrichedFlow> flows = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            EnrichedFlow e = named(i % 7 == 0 ? null : "n" + i % 50);
            FlowRecord f = e.flow();
            long t = f.startMillis() + i * 1000L;
            FlowRecord g = new FlowRecord(t, t + i, f.src(), f.dst(), 1234, 443, 6, 0, 1, 100, 0, 0, false,
                    i % 6 == 0 ? 0 : 64512 + i, i % 6 == 1 ? 0 : 4_294_967_295L - i, "u" + i, null, NameSource.NONE);
            flows.add(new EnrichedFlow(g, e.direction(), true, e.local(), e.remote(), 443, e.name(), "CN", null,
                    4837, "Org", "svc", "Service", "Co", Category.STREAMING, "CN", Origin.CHINESE, Obfuscation.TLS));
        }
        try (FlowStore s = FlowStore.create(dir.resolve("as"), PROFILE, 2048)) {
            StoreWriter w = writer(s, "b");
            for (EnrichedFlow e : flows) w.accept(e);
            s.finish();
        }
        try (Connection c = StoreQuery.open(dir.resolve("as")); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT uid, src_as, dst_as FROM flows WHERE uid IN ('u0', 'u1', 'u8')"
                     + " ORDER BY uid")) {
            List<String> got = new ArrayList<>();
            while (rs.next()) got.add(rs.getString(1) + " " + rs.getString(2) + " " + rs.getString(3));
            assertThat(got).containsExactly("u0 null 4294967295", "u1 64513 null", "u8 64520 4294967287");
        }
    }

    /** The files hold only the physical columns: what any Parquet reader sees. */
    @Test
    void filesHoldTheRawColumnsAndTheViewAddsTheRest(@TempDir Path dir) throws Exception {
        Path store = dir.resolve("s");
        try (FlowStore s = FlowStore.create(store, PROFILE, 10)) {
            StoreWriter w = writer(s, "f");
            w.accept(named("www.example"));
            s.finish();
        }
        try (Connection c = java.sql.DriverManager.getConnection("jdbc:duckdb:"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("DESCRIBE SELECT * FROM read_parquet('" + store + "/*/*.parquet', hive_partitioning = false)")) {
            List<String> cols = new ArrayList<>();
            while (rs.next()) cols.add(rs.getString(1) + " " + rs.getString(2));
            assertThat(cols).isEqualTo(StoreSchema.FILE.stream().map(x -> x.name() + " " + x.type()).toList());
        }
        String manifest = Files.readString(store.resolve("store.json"));
        assertThat(manifest).contains("\"weekend\" : [ 6, 7 ]", "\"derived\"", "ip_text(src_hi, src_lo)");
    }

    @Test
    void aFormat1StoreIsReadAsItsFilesAndOtherFormatsOrNoManifestAreRefused(@TempDir Path dir) throws Exception {
        Path v1 = dir.resolve("v1");
        Files.createDirectories(v1.resolve("day=2018-05-05"));
        try (Connection c = java.sql.DriverManager.getConnection("jdbc:duckdb:"); Statement st = c.createStatement()) {
            st.execute("COPY (SELECT '175.45.178.1' AS src, 'outbound' AS direction) TO '"
                    + v1.resolve("day=2018-05-05/part-0-0-0.parquet") + "' (FORMAT PARQUET)");
        }
        Files.writeString(v1.resolve("store.json"), "{\"format\": \"keyhole.store/1\"}");
        try (Connection c = StoreQuery.open(v1); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT day, src, direction FROM flows")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1) + " " + rs.getString(2) + " " + rs.getString(3))
                    .isEqualTo("2018-05-05 175.45.178.1 outbound");
        }
        Files.writeString(v1.resolve("store.json"), "{\"format\": \"keyhole.store/9\"}");
        assertThatThrownBy(() -> StoreQuery.open(v1)).hasMessageContaining("format 'keyhole.store/9'");
        Files.delete(v1.resolve("store.json"));
        assertThatThrownBy(() -> StoreQuery.open(v1)).hasMessageContaining("no store.json");
    }

    @Test
    void closingWithoutFinishLeavesNoManifest(@TempDir Path dir) throws Exception {
        Path store = dir.resolve("s");
        try (FlowStore s = FlowStore.create(store, PROFILE, 10)) {
            StoreWriter w = writer(s, "c");
            // 12 rows, batches of 10: one file completed, two rows still buffered when the run fails
            for (int i = 0; i < 12; i++) {
                w.accept(flow("2018-05-05T10:00:00Z", "175.45.178.1", "203.0.113.1", Direction.OUTBOUND, true));
            }
            assertThat(store.resolve("day=2018-05-05/part-0-0-0.parquet")).exists();
        }
        assertThat(store.resolve("store.json")).doesNotExist();
        try (Stream<Path> st = Files.walk(store)) {
            assertThat(st.filter(p -> p.toString().endsWith(".parquet"))).isEmpty();
        }
        // The directory takes the run again.
        try (FlowStore s = FlowStore.create(store, PROFILE, 10)) {
            assertThat(write(s, 3, "c").rows()).isEqualTo(3);
        }
    }

    /** Flows with absurd times (damaged input) still make a store that keyhole query reads. */
    @Test
    void daysBeyondYear9999AndBeforeYear1AreReadable(@TempDir Path dir) throws Exception {
        Path store = dir.resolve("s");
        try (FlowStore s = FlowStore.create(store, PROFILE, 10)) {
            StoreWriter w = writer(s, "t");
            for (String t : List.of("+10000-01-01T10:00:00Z", "-0001-06-01T10:00:00Z", "2018-05-05T10:00:00Z")) {
                w.accept(flow(t, "175.45.178.1", "203.0.113.1", Direction.OUTBOUND, true));
            }
            s.finish();
        }
        try (Connection c = StoreQuery.open(store); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT day::VARCHAR, start_utc::VARCHAR FROM flows ORDER BY start_utc")) {
            List<String> got = new ArrayList<>();
            while (rs.next()) got.add(rs.getString(1) + " " + rs.getString(2));
            assertThat(got).containsExactly("0002-06-01 (BC) 0002-06-01 (BC) 10:00:00", "2018-05-05 2018-05-05 10:00:00",
                    "10000-01-01 10000-01-01 10:00:00");
        }
    }

    @Test
    void aStoreWithoutWritersIsEmptyButValid(@TempDir Path dir) throws Exception {
        Path store = dir.resolve("s");
        FlowStore.Summary sum;
        try (FlowStore s = FlowStore.create(store, PROFILE, 10)) {
            sum = s.finish();
        }
        assertThat(sum.rows()).isZero();
        assertThat(store.resolve("store.json")).exists();
    }

    @Test
    void theSchemaListsEveryColumnOnce() {
        List<String> names = new ArrayList<>();
        for (StoreSchema.Column c : StoreSchema.columns(Set.of())) names.add(c.name());
        assertThat(names).doesNotHaveDuplicates().hasSize(51).contains("start_utc", "remote_v4", "remote_hi", "src_as", "dst_as",
                "service_country", "obfuscation", "input");
    }
}
