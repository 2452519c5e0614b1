package dev.keyhole.store;

import dev.keyhole.enrichment.Category;
import dev.keyhole.enrichment.Direction;
import dev.keyhole.enrichment.Obfuscation;
import dev.keyhole.enrichment.Origin;
import dev.keyhole.records.NameSource;

import java.time.DayOfWeek;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The columns of the flow store, in file order, with the SQL that makes each from the raw batch
 * {@link StoreWriter} hands to DuckDB. Java passes only numbers and the strings it already has;
 * address text, times and enum names are computed by DuckDB, vectorised, while it writes Parquet.
 * docs/store.md documents the same list.
 */
public final class StoreSchema {
    /** Written into store.json; a reader that finds another value knows the columns differ. */
    public static final String FORMAT = "keyhole.store/1";

    /**
     * One Parquet column: its name, DuckDB type, and the SQL that computes it from the raw batch
     * and the address values of {@link #select}'s inner SELECT.
     */
    public record Column(String name, String type, String expr) {}

    private StoreSchema() {}

    /** Raw batch columns, in the order {@link StoreWriter} fills them. */
    static final String[][] RAW = {
        {"day", "INTEGER"}, {"start_ms", "BIGINT"}, {"end_ms", "BIGINT"}, {"local_ms", "BIGINT"},
        {"src_hi", "BIGINT"}, {"src_lo", "BIGINT"}, {"dst_hi", "BIGINT"}, {"dst_lo", "BIGINT"},
        {"src_t", "VARCHAR"}, {"dst_t", "VARCHAR"},
        {"src_port", "INTEGER"}, {"dst_port", "INTEGER"}, {"server_port", "INTEGER"}, {"protocol", "INTEGER"},
        {"tcp_flags", "INTEGER"},
        {"packets", "BIGINT"}, {"bytes", "BIGINT"}, {"rev_packets", "BIGINT"}, {"rev_bytes", "BIGINT"},
        {"bits", "TINYINT"}, {"direction", "TINYINT"}, {"name_source", "TINYINT"}, {"category", "TINYINT"},
        {"origin", "TINYINT"}, {"obfuscation", "TINYINT"},
        {"name", "VARCHAR"}, {"uid", "VARCHAR"}, {"remote_country", "VARCHAR"}, {"remote_city", "VARCHAR"},
        {"remote_asn", "BIGINT"}, {"remote_org", "VARCHAR"}, {"service", "VARCHAR"}, {"service_name", "VARCHAR"},
        {"company", "VARCHAR"}, {"service_country", "VARCHAR"}, {"input", "VARCHAR"},
    };

    static final int BIFLOW = 1, CONVERSATION = 2, LOCAL_IS_SRC = 4;

    /** Direction ids as findings.json spells them. */
    static String directionId(Direction d) {
        return d.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    static String nameSourceId(NameSource s) {
        return s.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The Parquet columns for a profile (its weekend decides {@code weekend}). */
    public static List<Column> columns(Set<DayOfWeek> weekend) {
        String weekendDays = weekend.isEmpty() ? "NULL" : weekend.stream().map(d -> String.valueOf(d.getValue()))
                .sorted().collect(Collectors.joining(", "));
        String directions = list(java.util.Arrays.stream(Direction.values()).map(StoreSchema::directionId).toList());
        String sources = list(java.util.Arrays.stream(NameSource.values()).map(StoreSchema::nameSourceId).toList());
        String categories = list(java.util.Arrays.stream(Category.values()).map(Category::id).toList());
        String origins = list(java.util.Arrays.stream(Origin.values()).map(Origin::id).toList());
        String obfuscations = list(java.util.Arrays.stream(Obfuscation.values()).map(Obfuscation::id).toList());
        return List.of(
                new Column("start_utc", "TIMESTAMP", "epoch_ms(start_ms)"),
                new Column("end_utc", "TIMESTAMP", "epoch_ms(end_ms)"),
                new Column("start_local", "TIMESTAMP", "epoch_ms(local_ms)"),
                new Column("hour", "UTINYINT", "hour(epoch_ms(local_ms))::UTINYINT"),
                new Column("weekday", "UTINYINT", "isodow(epoch_ms(local_ms))::UTINYINT"),
                new Column("weekend", "BOOLEAN", "isodow(epoch_ms(local_ms)) IN (" + weekendDays + ")"),
                new Column("src", "VARCHAR", "src_text"),
                new Column("src_v4", "UINTEGER", "src_v4n"),
                new Column("src_hi", "UBIGINT", "src_hin"),
                new Column("src_lo", "UBIGINT", "src_lon"),
                new Column("src_port", "USMALLINT", "src_port::USMALLINT"),
                new Column("dst", "VARCHAR", "dst_text"),
                new Column("dst_v4", "UINTEGER", "dst_v4n"),
                new Column("dst_hi", "UBIGINT", "dst_hin"),
                new Column("dst_lo", "UBIGINT", "dst_lon"),
                new Column("dst_port", "USMALLINT", "dst_port::USMALLINT"),
                new Column("local", "VARCHAR", pick("text", true)),
                new Column("local_v4", "UINTEGER", pick("v4n", true)),
                new Column("local_hi", "UBIGINT", pick("hin", true)),
                new Column("local_lo", "UBIGINT", pick("lon", true)),
                new Column("remote", "VARCHAR", pick("text", false)),
                new Column("remote_v4", "UINTEGER", pick("v4n", false)),
                new Column("remote_hi", "UBIGINT", pick("hin", false)),
                new Column("remote_lo", "UBIGINT", pick("lon", false)),
                new Column("server_port", "USMALLINT", "server_port::USMALLINT"),
                new Column("protocol", "UTINYINT", "protocol::UTINYINT"),
                new Column("tcp_flags", "UTINYINT", "tcp_flags::UTINYINT"),
                new Column("packets", "BIGINT", "packets"),
                new Column("bytes", "BIGINT", "bytes"),
                new Column("rev_packets", "BIGINT", "rev_packets"),
                new Column("rev_bytes", "BIGINT", "rev_bytes"),
                new Column("biflow", "BOOLEAN", "(bits & " + BIFLOW + ") <> 0"),
                new Column("direction", "VARCHAR", directions + "[direction + 1]"),
                new Column("conversation", "BOOLEAN", "(bits & " + CONVERSATION + ") <> 0"),
                new Column("name", "VARCHAR", "name"),
                new Column("name_source", "VARCHAR", sources + "[name_source + 1]"),
                new Column("uid", "VARCHAR", "uid"),
                new Column("remote_country", "VARCHAR", "remote_country"),
                new Column("remote_city", "VARCHAR", "remote_city"),
                new Column("remote_asn", "UINTEGER", "nullif(remote_asn, 0)::UINTEGER"),
                new Column("remote_org", "VARCHAR", "remote_org"),
                new Column("service", "VARCHAR", "service"),
                new Column("service_name", "VARCHAR", "service_name"),
                new Column("company", "VARCHAR", "company"),
                new Column("category", "VARCHAR", categories + "[category + 1]"),
                new Column("origin", "VARCHAR", origins + "[origin + 1]"),
                new Column("service_country", "VARCHAR", "service_country"),
                new Column("obfuscation", "VARCHAR", obfuscations + "[obfuscation + 1]"),
                new Column("input", "VARCHAR", "input"));
    }

    /**
     * The SELECT that turns the raw batch of {@code source} into the stored columns. An inner
     * SELECT computes each address' text and numbers once ({@code src_text}, {@code src_v4n},
     * {@code src_hin}, {@code src_lon}, same for dst); the columns pick local/remote from them.
     */
    static String select(Set<DayOfWeek> weekend, String source) {
        StringBuilder inner = new StringBuilder("SELECT *");
        for (String c : new String[] {"src", "dst"}) {
            inner.append(", coalesce(").append(c).append("_t, ").append(v4Text(c + "_lo")).append(") AS ").append(c)
                    .append("_text, ").append(v4(c + "_hi", c + "_lo")).append(" AS ").append(c).append("_v4n, ")
                    .append(u64(c + "_hi")).append(" AS ").append(c).append("_hin, ")
                    .append(u64(c + "_lo")).append(" AS ").append(c).append("_lon");
        }
        inner.append(" FROM ").append(source);
        // day is the partition column: DuckDB puts it in the directory name, not in the files.
        StringBuilder outer = new StringBuilder("SELECT DATE '1970-01-01' + day AS day");
        for (Column c : columns(weekend)) outer.append(", ").append(c.expr()).append(" AS \"").append(c.name()).append('"');
        return outer.append(" FROM (").append(inner).append(")").toString();
    }

    /** The local (or remote) end's value: src or dst, as enrichment decided. */
    private static String pick(String suffix, boolean local) {
        String a = local ? "src_" : "dst_", b = local ? "dst_" : "src_";
        return "CASE WHEN (bits & " + LOCAL_IS_SRC + ") <> 0 THEN " + a + suffix + " ELSE " + b + suffix + " END";
    }

    /** Dotted quad from the low 32 bits; only used when Java passed no text (IPv4). */
    private static String v4Text(String lo) {
        return "concat_ws('.', ((" + lo + " >> 24) & 255)::VARCHAR, ((" + lo + " >> 16) & 255)::VARCHAR, ((" + lo
                + " >> 8) & 255)::VARCHAR, (" + lo + " & 255)::VARCHAR)";
    }

    /** The IPv4 address as a number when hi/lo hold an IPv4-mapped address, else NULL. */
    private static String v4(String hi, String lo) {
        return "CASE WHEN " + hi + " = 0 AND (" + lo + " >> 32) = 65535 THEN (" + lo + " & 4294967295)::UINTEGER END";
    }

    /** Reinterprets a signed 64-bit value as unsigned: Java has no unsigned long, Parquet has UINT_64. */
    private static String u64(String x) {
        // Clear the sign bit, then add 2^63 back as an unsigned value (no signed overflow on the way).
        return "CASE WHEN " + x + " < 0 THEN (" + x + " & 9223372036854775807)::UBIGINT + 9223372036854775808::UBIGINT"
                + " ELSE " + x + "::UBIGINT END";
    }

    private static String list(List<String> ids) {
        return ids.stream().map(s -> "'" + s.replace("'", "''") + "'").collect(Collectors.joining(", ", "[", "]"));
    }
}
