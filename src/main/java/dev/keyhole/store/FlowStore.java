package dev.keyhole.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.keyhole.profile.LocalClock;
import dev.keyhole.profile.TargetProfile;
import org.duckdb.DuckDBColumnType;
import org.duckdb.DuckDBConnection;
import org.duckdb.DuckDBDataChunkWriter;
import org.duckdb.DuckDBFunctions;
import org.duckdb.DuckDBTableFunction;
import org.duckdb.DuckDBTableFunctionBindInfo;
import org.duckdb.DuckDBTableFunctionCallInfo;
import org.duckdb.DuckDBTableFunctionInitInfo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * The columnar flow store ({@code keyhole analyze --store DIR}): every enriched in-scope flow as a
 * Parquet row, partitioned by the target's local day ({@code DIR/day=YYYY-MM-DD/part-<worker>-<batch>-0.parquet}).
 * One in-memory DuckDB database writes the files; each worker gets a {@link StoreWriter} with its
 * own connection. The store only reads the flows the analyses saw, so it cannot change findings.
 * Layout and columns: docs/store.md.
 */
public final class FlowStore implements AutoCloseable {
    /** Rows a worker buffers before writing: ~50 MB of arrays, two Parquet row groups per file. */
    public static final int DEFAULT_BATCH_ROWS = 1 << 18;
    static final String FUNCTION = "keyhole_batch";

    private final Path dir;
    private final TargetProfile profile;
    private final int batchRows;
    private final DuckDBConnection db;
    private final Map<Integer, StoreWriter> writers = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();
    private long rows, files, nanos;
    private boolean closed;

    /** What the store holds after {@link #finish()}; {@code nanos} is the time spent writing. */
    public record Summary(Path dir, long rows, long files, long nanos) {
        public double rowsPerSecond() {
            return nanos == 0 ? 0 : rows / (nanos / 1e9);
        }
    }

    private FlowStore(Path dir, TargetProfile profile, int batchRows, DuckDBConnection db) {
        this.dir = dir;
        this.profile = profile;
        this.batchRows = batchRows;
        this.db = db;
    }

    /**
     * Opens a new store in {@code dir}, which must not hold one already (files of two runs would
     * mix, or overwrite each other).
     */
    public static FlowStore create(Path dir, TargetProfile profile, int batchRows) throws IOException {
        if (batchRows < 1) throw new IllegalArgumentException("batch rows must be positive");
        if (Files.exists(dir)) {
            if (!Files.isDirectory(dir)) throw new IOException("--store " + dir + " is a file, not a directory");
            try (Stream<Path> s = Files.walk(dir)) {
                if (s.anyMatch(p -> p.toString().endsWith(".parquet") || p.getFileName().toString().equals("store.json"))) {
                    throw new IOException("--store " + dir + " already holds a store; give a new or empty directory");
                }
            }
        }
        Files.createDirectories(dir);
        DuckDBConnection db;
        try {
            Class.forName("org.duckdb.DuckDBDriver");
            db = (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:");
        } catch (ClassNotFoundException | SQLException e) {
            throw new IOException("store: cannot start DuckDB: " + e.getMessage(), e);
        }
        FlowStore store = new FlowStore(dir, profile, batchRows, db);
        try {
            store.register();
        } catch (SQLException e) {
            try {
                db.close();
            } catch (SQLException ignored) {
                // the registration error is the one to report
            }
            throw new IOException("store: cannot set up DuckDB: " + e.getMessage(), e);
        }
        return store;
    }

    public Path dir() {
        return dir;
    }

    /** A writer for the calling worker thread. */
    public StoreWriter newWriter() {
        if (closed) throw new IllegalStateException("store closed");
        int id = ids.getAndIncrement();
        try {
            StoreWriter w = new StoreWriter(this, id, db.duplicate(), StoreWriter.sqlString(dir.toString()),
                    new LocalClock(profile.zone()), batchRows);
            writers.put(id, w);
            return w;
        } catch (SQLException e) {
            throw new IllegalStateException("store: cannot open a DuckDB connection: " + e.getMessage(), e);
        }
    }

    synchronized void wrote(long rowCount, long fileCount, long ns) {
        rows += rowCount;
        files += fileCount;
        nanos += ns;
    }

    /** Writes what the writers still buffer, closes DuckDB and writes {@code store.json}. */
    public Summary finish() throws IOException {
        if (closed) return summary();
        closed = true;
        List<Throwable> failures = new ArrayList<>();
        for (StoreWriter w : writers.values()) {
            try {
                w.close();
            } catch (SQLException | RuntimeException e) {
                failures.add(e);
            }
        }
        try {
            db.close();
        } catch (SQLException e) {
            failures.add(e);
        }
        if (!failures.isEmpty()) {
            throw new IOException("store: closing failed: " + failures.get(0).getMessage(), failures.get(0));
        }
        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("format", StoreSchema.FORMAT);
        manifest.put("createdAt", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        manifest.put("profile", profile.name());
        manifest.put("zone", profile.zone().getId());
        manifest.put("weekend", profile.weekend().stream().map(java.time.DayOfWeek::getValue).sorted().toList());
        manifest.put("partitioning", "day = the profile zone's local date of start_utc");
        manifest.put("rows", rows);
        manifest.put("files", files);
        // What the files hold, then what the flows view adds and the SQL for it (for other readers).
        List<Map<String, String>> cols = new ArrayList<>();
        for (StoreSchema.Column c : StoreSchema.FILE) {
            Map<String, String> col = new LinkedHashMap<>();
            col.put("name", c.name());
            col.put("type", c.type());
            cols.add(col);
        }
        manifest.put("columns", cols);
        List<Map<String, String>> derived = new ArrayList<>();
        for (StoreSchema.Column c : StoreSchema.columns(profile.weekend())) {
            if (c.expr().equals(c.name())) continue;
            Map<String, String> col = new LinkedHashMap<>();
            col.put("name", c.name());
            col.put("type", c.type());
            col.put("sql", c.expr());
            derived.add(col);
        }
        manifest.put("derived", derived);
        manifest.put("macros", StoreSchema.MACROS);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(dir.resolve("store.json").toFile(),
                manifest);
        return summary();
    }

    /**
     * Without {@link #finish()} first (the run failed): closes DuckDB without writing the buffered
     * rows or store.json, so a failed run does not look like a complete store.
     */
    @Override
    public void close() throws IOException {
        if (closed) return;
        closed = true;
        for (StoreWriter w : writers.values()) w.abort();
        try {
            db.close();
        } catch (SQLException e) {
            throw new IOException("store: closing DuckDB failed: " + e.getMessage(), e);
        }
    }

    private synchronized Summary summary() {
        return new Summary(dir, rows, files, nanos);
    }

    /** The table function through which a COPY reads one writer's selected rows. */
    private void register() throws SQLException {
        try (Statement st = db.createStatement()) {
            // Each COPY runs on its worker's thread only: the workers already use every core, and a
            // parallel scan through the Java table function measured slower, not faster.
            st.execute("SET threads = 1");
            st.execute("SET preserve_insertion_order = false");
        }
        DuckDBFunctions.tableFunction()
                .withName(FUNCTION)
                .withParameter(DuckDBColumnType.INTEGER)
                .withFunction(new DuckDBTableFunction<StoreWriter, Cursor, String[]>() {
                    @Override
                    public StoreWriter bind(DuckDBTableFunctionBindInfo info) {
                        StoreWriter w = writers.get(info.getParameter(0).getInt());
                        if (w == null) throw new IllegalStateException("no such store writer");
                        for (String[] c : w.rawColumns()) info.addResultColumn(c[0], DuckDBColumnType.valueOf(c[1]));
                        return w;
                    }

                    @Override
                    public Cursor init(DuckDBTableFunctionInitInfo info) {
                        info.setMaxThreads(1);
                        return new Cursor(info.getBindData());
                    }

                    @Override
                    public String[] localInit(DuckDBTableFunctionInitInfo info) {
                        return new String[CHUNK];
                    }

                    @Override
                    public long apply(DuckDBTableFunctionCallInfo info, DuckDBDataChunkWriter chunk) {
                        Cursor c = info.getInitData();
                        int from = c.next.getAndAdd((int) chunk.capacity());
                        return c.writer.fill(chunk, from, info.getLocalInitData());
                    }
                })
                .register(db);
    }

    /** DuckDB's vector size: the rows of one chunk. */
    private static final int CHUNK = 2048;

    /** Where one COPY is in its writer's batch. */
    private static final class Cursor {
        final StoreWriter writer;
        final AtomicInteger next = new AtomicInteger();

        Cursor(StoreWriter writer) {
            this.writer = writer;
        }
    }
}
