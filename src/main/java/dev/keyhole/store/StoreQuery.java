package dev.keyhole.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keyhole.enrichment.scope.Cidr;
import dev.keyhole.records.Ip;
import dev.keyhole.records.IpText;
import org.duckdb.DuckDBFunctions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.DayOfWeek;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Opens a store for SQL: an in-memory DuckDB with the view {@code flows} over the store's Parquet
 * files (the {@code day} directories become a DATE column; address text, local/remote and local
 * hour are computed from the file columns, {@link StoreSchema#columns}) and helpers for addresses:
 * {@code ip4('a.b.c.d')} (the UINTEGER the {@code *_v4} columns hold),
 * {@code in_cidr(addr_text, 'prefix/len')} (IPv4 or IPv6, no extension needed) and the
 * {@link StoreSchema#MACROS} {@code ip_text(hi, lo)} and {@code ip_v4(hi, lo)}.
 */
public final class StoreQuery {
    private StoreQuery() {}

    /** A connection ready for queries on {@code dir}; the caller closes it. */
    public static Connection open(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException("no store at " + dir + " (write one with keyhole analyze --store " + dir + ")");
        }
        dir = dir.toRealPath(); // a symbolic link to a store: its files are found by walking the store itself
        boolean parquet;
        try (Stream<Path> s = Files.walk(dir)) {
            parquet = s.anyMatch(p -> p.getFileName().toString().endsWith(".parquet"));
        }
        if (!parquet) {
            throw new IOException(dir + " holds no Parquet files: not a Keyhole store, or a run that kept no "
                    + "in-scope flow");
        }
        Path manifest = dir.resolve("store.json");
        if (!Files.isRegularFile(manifest)) {
            throw new IOException(dir + " has no store.json: not a complete store (its run failed or is still writing)");
        }
        JsonNode m = new ObjectMapper().readTree(manifest.toFile());
        String format = m.path("format").asText("");
        if (!format.equals(StoreSchema.FORMAT) && !format.equals(StoreSchema.FORMAT_1)) {
            throw new IOException(dir + " is a store of format '" + format + "'; this Keyhole reads "
                    + StoreSchema.FORMAT + " and " + StoreSchema.FORMAT_1);
        }
        Set<DayOfWeek> weekend = EnumSet.noneOf(DayOfWeek.class);
        for (JsonNode d : m.path("weekend")) weekend.add(DayOfWeek.of(d.asInt()));
        checkNativeLibrary();
        try {
            Class.forName("org.duckdb.DuckDBDriver");
            Connection c = DriverManager.getConnection("jdbc:duckdb:");
            try {
                // Files of runs store.json does not list (a killed append's, or one still writing,
                // now or while this connection is open) are left out.
                setUp(c, dir, format.equals(StoreSchema.FORMAT_1) ? null : weekend, committedRuns(m));
            } catch (SQLException e) {
                c.close();
                throw e;
            }
            return c;
        } catch (ClassNotFoundException | SQLException e) {
            throw new IOException("cannot open the store " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Fails with a clear message when DuckDB's JNI library cannot be found where DuckDB looks for it:
     * in its own jar (Maven's class path), in java.library.path, or beside the jar holding its
     * classes. keyhole.jar does not carry it (DuckDB would inflate its 60 MB into a temporary file
     * at every query); the build puts it beside the jar. Without this check DuckDB prints two stack
     * traces and the JVM an ExceptionInInitializerError.
     */
    static void checkNativeLibrary() throws IOException {
        String os = System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(java.util.Locale.ROOT);
        String platform = os.startsWith("windows") ? "windows" : os.startsWith("mac") ? "osx" : "linux";
        String cpu = platform.equals("osx") ? "universal"
                : arch.equals("x86_64") || arch.equals("amd64") ? "amd64"
                : arch.equals("aarch64") || arch.equals("arm64") ? "arm64" : arch;
        String file = "libduckdb_java.so_" + platform + "_" + cpu; // the name DuckDBNative looks for
        if (DuckDBFunctions.class.getResource("/" + file) != null) return;
        for (String d : System.getProperty("java.library.path", "").split(java.io.File.pathSeparator)) {
            if (!d.isEmpty() && Files.exists(Path.of(d, System.mapLibraryName("duckdb_java")))) return;
        }
        Path beside = null;
        try {
            java.security.CodeSource cs = DuckDBFunctions.class.getProtectionDomain().getCodeSource();
            if (cs != null) beside = Path.of(cs.getLocation().toURI()).getParent().resolve(file);
        } catch (java.net.URISyntaxException | RuntimeException e) {
            // an unusual class loader: no place to look beside the jar
        }
        if (beside != null && Files.exists(beside)) return;
        throw new IOException("DuckDB's native library " + file + " was not found"
                + (beside == null ? "" : " at " + beside) + "; keyhole query needs it. The build (mvn package) puts it"
                + " beside target/keyhole.jar: keep the two together when copying the jar");
    }

    /** The runs store.json lists ({@code runIds}), or null for a store written before appends existed (one run: every file). */
    static List<Integer> committedRuns(JsonNode manifest) {
        JsonNode ids = manifest.get("runIds");
        if (ids == null || !ids.isArray()) return null;
        List<Integer> runs = new ArrayList<>();
        for (JsonNode id : ids) runs.add(id.asInt());
        return runs;
    }

    /**
     * @param weekend the profile's weekend for a /2 store; null for a /1 store, whose files hold every column
     * @param runs    the committed runs: files of other runs (a killed or running append's) are not read;
     *                null reads every file
     */
    private static void setUp(Connection c, Path dir, Set<DayOfWeek> weekend, List<Integer> runs) throws SQLException {
        String glob = dir.toAbsolutePath().normalize() + "/**/*.parquet";
        String files = "read_parquet(" + StoreSchema.literal(glob) + ", hive_partitioning = true, hive_types = {'day': DATE}"
                + (runs == null ? ")" : ", filename = true)");
        if (runs != null) {
            // part-<worker>-<batch>-<run>.parquet; a file named otherwise is not the store's. DuckDB
            // tests this once per file, and day pruning still works through the subquery.
            String run = "TRY_CAST(regexp_extract(filename, '/part-[0-9]+-[0-9]+-([0-9]+)\\.parquet$', 1) AS BIGINT)";
            String in = runs.isEmpty() ? "NULL" : runs.stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(", "));
            files = "(SELECT * EXCLUDE (filename) FROM " + files + " WHERE " + run + " IN (" + in + "))";
        }
        try (Statement st = c.createStatement()) {
            for (String macro : StoreSchema.MACROS) st.execute(macro);
            st.execute("CREATE VIEW flows AS " + (weekend == null ? "SELECT * FROM " + files : StoreSchema.view(weekend, files)));
            // A typo in an address must not become another address: four decimal octets 0-255, else an error.
            st.execute("CREATE MACRO ip4(t) AS CASE WHEN t IS NULL THEN NULL"
                    + " WHEN regexp_full_match(t, '((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])[.]){3}"
                    + "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])')"
                    + " THEN (((split_part(t, '.', 1)::BIGINT << 24) + (split_part(t, '.', 2)::BIGINT << 16)"
                    + " + (split_part(t, '.', 3)::BIGINT << 8) + split_part(t, '.', 4)::BIGINT)::UINTEGER)"
                    + " ELSE error(concat('ip4: not a dotted IPv4 address: ', t)) END");
            // Casts to TIMESTAMPTZ and time-zone functions must not depend on the machine's zone.
            st.execute("SET TimeZone = 'UTC'");

        }
        Map<String, Cidr> cidrs = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Cidr> e) {
                return size() > 256;
            }
        };
        DuckDBFunctions.scalarFunction()
                .withName("in_cidr")
                .withParameters(String.class, String.class)
                .withReturnType(Boolean.class)
                .withFunction((String addr, String cidr) -> inCidr(addr, cidr, cidrs))
                .register(c);
    }

    /** True when the address is inside the prefix; NULL (null) when either is NULL or unparsable. */
    static Boolean inCidr(String addr, String cidr, Map<String, Cidr> cache) {
        if (addr == null || cidr == null) return null;
        Ip ip = IpText.parse(addr);
        if (ip == null) return null;
        Cidr c;
        synchronized (cache) {
            c = cache.get(cidr);
            if (c == null) {
                try {
                    c = Cidr.parse(cidr);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("in_cidr: not a prefix: '" + cidr + "'");
                }
                cache.put(cidr, c);
            }
        }
        if (ip.isV4() != c.isV4()) return false;
        // Compare in the 128-bit space Ip uses (IPv4 is IPv4-mapped, its prefix 96 bits longer).
        int bits = c.isV4() ? 96 + c.prefixLength() : c.prefixLength();
        Ip n = c.network();
        long hiMask = bits >= 64 ? -1L : bits == 0 ? 0 : -1L << (64 - bits);
        long loMask = bits <= 64 ? 0 : bits == 128 ? -1L : -1L << (128 - bits);
        return (ip.hi() & hiMask) == (n.hi() & hiMask) && (ip.lo() & loMask) == (n.lo() & loMask);
    }
}
