package dev.keyhole.store;

import dev.keyhole.enrichment.Category;
import dev.keyhole.enrichment.Direction;
import dev.keyhole.enrichment.Obfuscation;
import dev.keyhole.enrichment.Origin;
import dev.keyhole.records.NameSource;

import java.time.DayOfWeek;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The flow store's two column lists (docs/store.md documents both). {@link #FILE} is what the
 * Parquet files hold: raw numbers, timestamps, names as dictionary-encoded strings; cheap to write.
 * {@link #columns} is what the {@code flows} view of {@code keyhole query}
 * offers: the file columns plus address text, IPv4 numbers, local/remote copies, hour, weekday and
 * weekend, computed from the file columns with the SQL given here.
 */
public final class StoreSchema {
    /** Written into store.json; /2 keeps derived columns out of the files (/1 stored all 49). */
    public static final String FORMAT = "keyhole.store/2";
    /** The first format: every view column stored in the files. {@link StoreQuery} still reads it. */
    static final String FORMAT_1 = "keyhole.store/1";

    /** One column: its name, DuckDB type, and the SQL that makes it from the file columns (its name for a file column). */
    public record Column(String name, String type, String expr) {}

    private StoreSchema() {}

    /** Enum-valued columns' names, by ordinal: the files hold the names. */
    static final List<String> DIRECTIONS = Arrays.stream(Direction.values()).map(StoreSchema::directionId).toList();
    static final List<String> NAME_SOURCES = Arrays.stream(NameSource.values()).map(StoreSchema::nameSourceId).toList();
    static final List<String> CATEGORIES = Arrays.stream(Category.values()).map(Category::id).toList();
    static final List<String> ORIGINS = Arrays.stream(Origin.values()).map(Origin::id).toList();
    static final List<String> OBFUSCATIONS = Arrays.stream(Obfuscation.values()).map(Obfuscation::id).toList();

    /**
     * String columns with few distinct values per batch: coded per row as they are buffered, written
     * as Parquet dictionary pages. In {@link StoreWriter}'s order.
     */
    static final List<String> DICTIONARY = List.of("name", "remote_country", "remote_city", "remote_org", "service",
            "service_name", "company", "service_country", "input");

    /**
     * The Parquet file columns (the partition column {@code day} aside, which lives in the
     * directory name), in file order. {@link StoreWriter#field} gives their Parquet types.
     */
    static final List<Column> FILE = List.of(
            file("start_utc", "TIMESTAMP"),
            file("end_utc", "TIMESTAMP"),
            file("start_local", "TIMESTAMP"),
            file("src_hi", "UBIGINT"),
            file("src_lo", "UBIGINT"),
            file("src_port", "USMALLINT"),
            file("dst_hi", "UBIGINT"),
            file("dst_lo", "UBIGINT"),
            file("dst_port", "USMALLINT"),
            file("local_is_src", "BOOLEAN"),
            file("server_port", "USMALLINT"),
            file("protocol", "UTINYINT"),
            file("tcp_flags", "UTINYINT"),
            file("packets", "BIGINT"),
            file("bytes", "BIGINT"),
            file("rev_packets", "BIGINT"),
            file("rev_bytes", "BIGINT"),
            file("biflow", "BOOLEAN"),
            file("direction", "VARCHAR"),
            file("conversation", "BOOLEAN"),
            file("name", "VARCHAR"),
            file("name_source", "VARCHAR"),
            file("uid", "VARCHAR"),
            file("remote_country", "VARCHAR"),
            file("remote_city", "VARCHAR"),
            file("remote_asn", "UINTEGER"),
            file("src_as", "UINTEGER"),
            file("dst_as", "UINTEGER"),
            file("remote_org", "VARCHAR"),
            file("service", "VARCHAR"),
            file("service_name", "VARCHAR"),
            file("company", "VARCHAR"),
            file("category", "VARCHAR"),
            file("origin", "VARCHAR"),
            file("service_country", "VARCHAR"),
            file("obfuscation", "VARCHAR"),
            file("input", "VARCHAR"));

    private static Column file(String name, String type) {
        return new Column(name, type, name);
    }

    /** Direction ids as findings.json spells them. */
    static String directionId(Direction d) {
        return d.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    static String nameSourceId(NameSource s) {
        return s.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * The columns of the {@code flows} view for a profile (its weekend decides {@code weekend}),
     * each with the SQL that computes it from the file columns; {@code day} comes from the path.
     */
    public static List<Column> columns(Set<DayOfWeek> weekend) {
        String weekendDays = weekend.isEmpty() ? "false" : "isodow(start_local) IN (" + weekend.stream()
                .map(d -> String.valueOf(d.getValue())).sorted().collect(Collectors.joining(", ")) + ")";
        return List.of(
                stored("start_utc"),
                stored("end_utc"),
                stored("start_local"),
                new Column("hour", "UTINYINT", "hour(start_local)::UTINYINT"),
                new Column("weekday", "UTINYINT", "isodow(start_local)::UTINYINT"),
                new Column("weekend", "BOOLEAN", weekendDays),
                new Column("src", "VARCHAR", "ip_text(src_hi, src_lo)"),
                new Column("src_v4", "UINTEGER", "ip_v4(src_hi, src_lo)"),
                stored("src_hi"),
                stored("src_lo"),
                stored("src_port"),
                new Column("dst", "VARCHAR", "ip_text(dst_hi, dst_lo)"),
                new Column("dst_v4", "UINTEGER", "ip_v4(dst_hi, dst_lo)"),
                stored("dst_hi"),
                stored("dst_lo"),
                stored("dst_port"),
                new Column("local", "VARCHAR", "ip_text(" + pick("hi", true) + ", " + pick("lo", true) + ")"),
                new Column("local_v4", "UINTEGER", "ip_v4(" + pick("hi", true) + ", " + pick("lo", true) + ")"),
                new Column("local_hi", "UBIGINT", pick("hi", true)),
                new Column("local_lo", "UBIGINT", pick("lo", true)),
                new Column("remote", "VARCHAR", "ip_text(" + pick("hi", false) + ", " + pick("lo", false) + ")"),
                new Column("remote_v4", "UINTEGER", "ip_v4(" + pick("hi", false) + ", " + pick("lo", false) + ")"),
                new Column("remote_hi", "UBIGINT", pick("hi", false)),
                new Column("remote_lo", "UBIGINT", pick("lo", false)),
                stored("server_port"),
                stored("protocol"),
                stored("tcp_flags"),
                stored("packets"),
                stored("bytes"),
                stored("rev_packets"),
                stored("rev_bytes"),
                stored("biflow"),
                stored("direction"),
                stored("conversation"),
                stored("name"),
                stored("name_source"),
                stored("uid"),
                stored("remote_country"),
                stored("remote_city"),
                stored("remote_asn"),
                stored("src_as"),
                stored("dst_as"),
                stored("remote_org"),
                stored("service"),
                stored("service_name"),
                stored("company"),
                stored("category"),
                stored("origin"),
                stored("service_country"),
                stored("obfuscation"),
                stored("input"));
    }

    /** A view column that is a file column as it is: name and type from {@link #FILE}, so they cannot drift. */
    private static Column stored(String name) {
        for (Column c : FILE) if (c.name().equals(name)) return new Column(name, c.type(), name);
        throw new IllegalArgumentException("no file column " + name);
    }

    /**
     * SQL macros the view uses, also offered to queries: {@code ip_v4(hi, lo)} (the UINTEGER of an
     * IPv4-mapped address, else NULL) and {@code ip_text(hi, lo)} (dotted IPv4, or RFC 5952 IPv6
     * exactly as {@code Ip.toString}: lower-case hex, the first longest run of 2+ zero groups as
     * "::"). Plain SQL, so any DuckDB reader of the files can define them too.
     */
    static final List<String> MACROS = List.of(
            "CREATE MACRO ip_v4(hi, lo) AS CASE WHEN hi = 0 AND lo >> 32 = 65535 THEN (lo & 4294967295)::UINTEGER END",
            "CREATE MACRO ip6_compress(s) AS CASE WHEN s = '::' THEN s WHEN starts_with(s, '::') THEN s[1:-2]"
                    + " WHEN ends_with(s, '::') THEN s[2:] ELSE s[2:-2] END",
            // ':g0:…:g7:' with the first longest run of zero groups replaced by '::', then the outer colons trimmed.
            "CREATE MACRO ip6_text(s) AS ip6_compress(CASE"
                    + runs()
                    + " ELSE s END)",
            "CREATE MACRO ip_text(hi, lo) AS CASE WHEN hi = 0 AND lo >> 32 = 65535"
                    + " THEN concat_ws('.', (lo >> 24) & 255, (lo >> 16) & 255, (lo >> 8) & 255, lo & 255)"
                    + " ELSE ip6_text(format(':{:x}:{:x}:{:x}:{:x}:{:x}:{:x}:{:x}:{:x}:', hi >> 48, (hi >> 32) & 65535,"
                    + " (hi >> 16) & 65535, hi & 65535, lo >> 48, (lo >> 32) & 65535, (lo >> 16) & 65535, lo & 65535)) END");

    private static String runs() {
        StringBuilder sb = new StringBuilder();
        for (int n = 8; n >= 2; n--) {
            sb.append(" WHEN contains(s, ':").append("0:".repeat(n)).append("') THEN regexp_replace(s, ':(0:){")
                    .append(n).append("}', '::')");
        }
        return sb.toString();
    }

    /** The view over a store's files: {@code SELECT} of {@link #columns} from {@code source}, {@code day} first. */
    static String view(Set<DayOfWeek> weekend, String source) {
        StringBuilder sb = new StringBuilder("SELECT day");
        for (Column c : columns(weekend)) {
            sb.append(", ");
            if (c.expr().equals(c.name())) sb.append('"').append(c.name()).append('"');
            else sb.append(c.expr()).append(" AS \"").append(c.name()).append('"');
        }
        return sb.append(" FROM ").append(source).toString();
    }

    /** The local (or remote) end's half: src or dst, as enrichment decided. */
    private static String pick(String half, boolean local) {
        String a = local ? "src_" : "dst_", b = local ? "dst_" : "src_";
        return "CASE WHEN local_is_src THEN " + a + half + " ELSE " + b + half + " END";
    }

    /** A SQL string literal. */
    static String literal(String s) {
        return "'" + s.replace("'", "''") + "'";
    }
}
