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

class FlowStoreTest {
    static final TargetProfile PROFILE = new TargetProfile("t", List.of("175.45.176.0/22", "fe80::/10"), List.of(),
            ZoneId.of("UTC"), Set.of(DayOfWeek.SATURDAY, DayOfWeek.SUNDAY), List.of(), List.of());

    static EnrichedFlow flow(String utc, String src, String dst, Direction d, boolean localIsSrc) {
        long t = Instant.parse(utc).toEpochMilli();
        Ip s = Ip.parse(src), r = Ip.parse(dst);
        FlowRecord f = new FlowRecord(t, t + 1, s, r, 1234, 443, 6, 0, 1, 100, 0, 0, false, null, null,
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
            StoreWriter w = s.newWriter();
            w.file(new InputFile(Path.of("a.ipfix"), InputFormat.IPFIX, false, 0));
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
        assertThat(Files.readString(store.resolve("store.json"))).contains("\"format\" : \"keyhole.store/1\"",
                "\"rows\" : 7", "\"zone\" : \"UTC\"");
    }

    @Test
    void ipv6HighBitsAreUnsignedAndTextIsRfc5952(@TempDir Path dir) throws Exception {
        Path store = dir.resolve("s");
        try (FlowStore s = FlowStore.create(store, PROFILE, 100)) {
            StoreWriter w = s.newWriter();
            w.file(new InputFile(Path.of("b"), InputFormat.IPFIX, false, 0));
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

    @Test
    void closingWithoutFinishLeavesNoManifest(@TempDir Path dir) throws Exception {
        Path store = dir.resolve("s");
        try (FlowStore s = FlowStore.create(store, PROFILE, 10)) {
            StoreWriter w = s.newWriter();
            w.file(new InputFile(Path.of("c"), InputFormat.IPFIX, false, 0));
            w.accept(flow("2018-05-05T10:00:00Z", "175.45.178.1", "203.0.113.1", Direction.OUTBOUND, true));
        }
        assertThat(store.resolve("store.json")).doesNotExist();
        try (Stream<Path> st = Files.walk(store)) {
            assertThat(st.filter(p -> p.toString().endsWith(".parquet"))).isEmpty();
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
        assertThat(names).doesNotHaveDuplicates().hasSize(49).contains("start_utc", "remote_v4", "remote_hi",
                "service_country", "obfuscation", "input");
    }
}
