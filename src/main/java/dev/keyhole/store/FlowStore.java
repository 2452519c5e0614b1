package dev.keyhole.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.keyhole.profile.LocalClock;
import dev.keyhole.profile.TargetProfile;
import dev.keyhole.store.parquet.ParquetWriter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * Parquet row, partitioned by the target's local day ({@code DIR/day=YYYY-MM-DD/part-<worker>-<batch>-<run>.parquet}).
 * Each worker gets a {@link StoreWriter}, which writes its own files (Keyhole's own Parquet writer;
 * DuckDB only reads them, in {@code keyhole query}). The store only reads the flows the analyses
 * saw, so it cannot change findings.
 * Layout and columns: docs/store.md.
 */
public final class FlowStore implements AutoCloseable {
    /** Rows a worker buffers before writing: ~50 MB of arrays. */
    public static final int DEFAULT_BATCH_ROWS = 1 << 18;
    /** Page compression unless --store-compression says otherwise. */
    public static final ParquetWriter.Codec DEFAULT_CODEC = ParquetWriter.Codec.SNAPPY;

    private final Path dir;
    private final TargetProfile profile;
    private final int batchRows;
    private final ParquetWriter.Codec codec;
    /** 0 for a new store; n for its n-th append: the last part of this run's file names. */
    private final int run;
    /** What store.json said before this run (appends add to it), or null for a new store. */
    private final Map<String, Object> previous;
    /** The runs the store held when this append opened it (none for a new store). */
    private List<Integer> committedBefore = List.of();
    private List<Path> removedLeftovers = List.of();
    /** The files this run completed: a run that fails removes them again. */
    private final List<Path> written = new ArrayList<>();
    /** An append holds a lock on this channel's file, so two appends cannot take the same run number. */
    private java.nio.channels.FileChannel lockChannel;
    private final Map<Integer, StoreWriter> writers = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();
    private final java.util.Set<Path> directories = ConcurrentHashMap.newKeySet();
    private long rows, files, nanos;
    private boolean closed;
    /** flushed: the writers have written every row (files complete); committed: store.json lists the run. */
    private boolean flushed, committed;

    /** What the store holds after {@link #finish()}; {@code nanos} is the time spent writing. */
    public record Summary(Path dir, long rows, long files, long nanos) {
        public double rowsPerSecond() {
            return nanos == 0 ? 0 : rows / (nanos / 1e9);
        }
    }

    private FlowStore(Path dir, TargetProfile profile, int batchRows, ParquetWriter.Codec codec, int run,
                      Map<String, Object> previous) {
        this.dir = dir;
        this.profile = profile;
        this.batchRows = batchRows;
        this.codec = codec;
        this.run = run;
        this.previous = previous;
    }

    /**
     * Opens a new store in {@code dir}, which must not hold one already (files of two runs would
     * mix, or overwrite each other).
     */
    public static FlowStore create(Path dir, TargetProfile profile, int batchRows) throws IOException {
        return create(dir, profile, batchRows, DEFAULT_CODEC);
    }

    /** As {@link #create(Path, TargetProfile, int)}, with the pages compressed by {@code codec}. */
    public static FlowStore create(Path dir, TargetProfile profile, int batchRows, ParquetWriter.Codec codec)
            throws IOException {
        if (batchRows < 1) throw new IllegalArgumentException("batch rows must be positive");
        if (Files.exists(dir)) {
            if (!Files.isDirectory(dir)) throw new IOException("--store " + dir + " is a file, not a directory");
            dir = dir.toRealPath(); // a symbolic link to a store: its files are found by walking the store itself
            // Only the store's own layout is looked at (--store ~ must not walk a home directory): the
            // empty day directories a failed run leaves may stay; anything else is refused.
            List<Path> entries;
            try (Stream<Path> s = Files.list(dir)) {
                entries = s.sorted().toList();
            }
            for (Path e : entries) {
                String name = e.getFileName().toString();
                boolean store = name.equals("store.json");
                if (!store && name.startsWith("day=") && Files.isDirectory(e)) {
                    try (Stream<Path> s = Files.list(e)) {
                        store = s.anyMatch(p -> p.getFileName().toString().endsWith(".parquet"));
                    }
                    if (!store) continue;
                }
                if (store) {
                    throw new IOException("--store " + dir + " already holds a store; give a new or empty directory, "
                            + "or --store-append to add to it");
                }
                if (!name.equals(".store.lock")) {
                    throw new IOException("--store " + dir + " is not empty (it holds " + name
                            + "); give a new or empty directory");
                }
            }
        }
        Files.createDirectories(dir);
        return new FlowStore(dir, profile, batchRows, codec, 0, null);
    }

    /**
     * Opens the complete store in {@code dir} to add this run's flows (new files, named with the
     * run's number, beside the old ones; store.json updated at {@link #finish()}). The store must be
     * of this format and profile, with the same zone and weekend, so days and the view mean the same
     * for old and new rows. If the run fails, the files it wrote are removed again.
     */
    public static FlowStore append(Path dir, TargetProfile profile, int batchRows, ParquetWriter.Codec codec)
            throws IOException {
        if (batchRows < 1) throw new IllegalArgumentException("batch rows must be positive");
        if (Files.isDirectory(dir)) dir = dir.toRealPath(); // through a symbolic link: walks see the files
        Path manifest = dir.resolve("store.json");
        if (!Files.isRegularFile(manifest)) {
            throw new IOException("--store " + dir + " has no store.json: nothing to append to (a new store needs no "
                    + "--store-append; a store whose run failed is not complete)");
        }
        java.nio.channels.FileChannel ch;
        try {
            ch = java.nio.channels.FileChannel.open(dir.resolve(".store.lock"), java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new IOException("--store " + dir + ": cannot open its lock file .store.lock: " + e.getMessage(), e);
        }
        java.nio.channels.FileLock l;
        try {
            l = ch.tryLock();
        } catch (java.nio.channels.OverlappingFileLockException e) {
            l = null; // held by this JVM: another append in the same process
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        if (l == null) {
            ch.close();
            throw new IOException("--store " + dir + ": another run is appending to this store");
        }
        try {
            // Read under the lock: an append that just finished has updated it.
            Map<String, Object> m;
            try {
                @SuppressWarnings("unchecked")
                Map<String, Object> read = new ObjectMapper().readValue(manifest.toFile(), LinkedHashMap.class);
                m = read;
            } catch (IOException e) {
                throw new IOException("--store " + dir + ": its store.json cannot be read: " + e.getMessage(), e);
            }
            String weekend = weekendDays(profile).toString();
            String[][] checks = {
                {"format", String.valueOf(m.get("format")), StoreSchema.FORMAT},
                {"profile", String.valueOf(m.get("profile")), profile.name()},
                {"zone", String.valueOf(m.get("zone")), profile.zone().getId()},
                {"weekend", String.valueOf(m.get("weekend")), weekend}};
            for (String[] c : checks) {
                if (!c[1].equals(c[2])) {
                    throw new IOException("--store " + dir + ": its " + c[0] + " is " + c[1] + ", this run's is " + c[2]
                            + "; appending would mix rows that mean different things");
                }
            }
            // Past every run the files show, not only the ones store.json counts: a killed append's
            // files keep their own number and are never overwritten.
            List<Integer> committed = committedRuns(m, dir);
            int run = Math.max(committed.isEmpty() ? 0 : java.util.Collections.max(committed) + 1, lastRun(dir) + 1);
            FlowStore s = new FlowStore(dir, profile, batchRows, codec, run, m);
            s.committedBefore = committed;
            // Under the lock no other run writes here: what a killed append left can go.
            if (m.get("runIds") instanceof List<?>) s.removedLeftovers = removeLeftovers(dir, committed);
            s.lockChannel = ch;
            return s;
        } catch (IOException | RuntimeException | Error e) {
            ch.close(); // releases the lock
            throw e;
        }
    }

    /** The profile's weekend as store.json holds it: ISO day numbers, sorted. */
    private static List<Integer> weekendDays(TargetProfile profile) {
        return profile.weekend().stream().map(java.time.DayOfWeek::getValue).sorted().toList();
    }

    /**
     * The runs a manifest lists ({@code runIds}). A store from before runIds existed is one run
     * whose files may end in any number (DuckDB's COPY numbered them), so every number its files
     * show counts as committed.
     */
    private static List<Integer> committedRuns(Map<String, Object> m, Path dir) throws IOException {
        if (m.get("runIds") instanceof List<?> ids) {
            List<Integer> out = new ArrayList<>();
            for (Object o : ids) if (o instanceof Number n) out.add(n.intValue());
            return out;
        }
        return fileRuns(dir).distinct().sorted().boxed().toList();
    }

    /** The {@code <run>} of each of the store's files named as the writer names them ({@code part-<worker>-<batch>-<run>.parquet}). */
    private static java.util.stream.IntStream fileRuns(Path dir) throws IOException {
        List<String> names;
        try (Stream<Path> st = Files.walk(dir, 2)) {
            names = st.map(p -> p.getFileName().toString()).toList();
        }
        return names.stream().map(PART::matcher).filter(java.util.regex.Matcher::matches)
                .mapToInt(m -> Integer.parseInt(m.group(1)));
    }

    /**
     * Removes the files of runs store.json does not list (complete files and hidden {@code .tmp}
     * ones of an append that was killed before its commit: no reader of {@code keyhole query} saw
     * them, but a plain {@code *.parquet} glob would), and the day directories that leaves empty.
     */
    private static List<Path> removeLeftovers(Path dir, List<Integer> committed) throws IOException {
        java.util.Set<Integer> keep = new java.util.HashSet<>(committed);
        List<Path> leftovers;
        try (Stream<Path> st = Files.walk(dir, 2)) {
            leftovers = st.filter(p -> p.getNameCount() == dir.getNameCount() + 2
                    && p.getParent().getFileName().toString().startsWith("day=")
                    && isLeftover(p.getFileName().toString(), keep)).toList();
        }
        for (Path f : leftovers) {
            try {
                Files.deleteIfExists(f);
            } catch (IOException e) {
                throw new IOException("--store " + dir + ": cannot remove " + f + ", left by an append that did not "
                        + "complete: " + e.getMessage(), e);
            }
        }
        for (Path day : leftovers.stream().map(Path::getParent).distinct().toList()) {
            try (Stream<Path> st = Files.list(day)) {
                if (st.findAny().isEmpty()) Files.deleteIfExists(day);
            } catch (IOException e) {
                // an empty day directory is harmless to every reader
            }
        }
        return leftovers;
    }

    /** The names the writer gives, as {@code keyhole query} reads them: {@code part-<worker>-<batch>-<run>.parquet}. */
    private static final java.util.regex.Pattern PART = java.util.regex.Pattern.compile("part-\\d{1,9}-\\d{1,9}-(\\d{1,9})\\.parquet"),
            HIDDEN_PART = java.util.regex.Pattern.compile("\\.part-\\d{1,9}-\\d{1,9}-\\d{1,9}\\.parquet\\.tmp");

    /**
     * A part file whose run is not committed, or a hidden part being written when its run died.
     * Any other name (another tool's file, a user's notes) is not the writer's, so not ours to remove.
     */
    private static boolean isLeftover(String name, java.util.Set<Integer> committed) {
        if (HIDDEN_PART.matcher(name).matches()) return true;
        java.util.regex.Matcher m = PART.matcher(name);
        return m.matches() && !committed.contains(Integer.parseInt(m.group(1)));
    }

    /** Files left by an append that did not complete, removed when this append opened the store. */
    public List<Path> removedLeftovers() {
        return removedLeftovers;
    }

    /** The largest {@code <run>} of the store's files, or -1. */
    private static int lastRun(Path dir) throws IOException {
        return fileRuns(dir).max().orElse(-1);
    }

    public Path dir() {
        return dir;
    }

    /** A writer for the calling worker thread. */
    public StoreWriter newWriter() {
        if (closed || flushed) throw new IllegalStateException(closed ? "store closed" : "store flushed: no new writers");
        return newWriter(new ParquetWriter(StoreWriter.FIELDS, StoreWriter.CREATED_BY, codec));
    }

    /** A writer whose files have other row group and page sizes (tests). */
    StoreWriter newWriter(int rowGroupRows, int pageBytes) {
        return newWriter(new ParquetWriter(StoreWriter.FIELDS, StoreWriter.CREATED_BY, codec, rowGroupRows, pageBytes));
    }

    private StoreWriter newWriter(ParquetWriter parquet) {
        if (closed || flushed) throw new IllegalStateException(closed ? "store closed" : "store flushed: no new writers");
        int id = ids.getAndIncrement();
        StoreWriter w = new StoreWriter(this, id, new LocalClock(profile.zone()), batchRows, parquet);
        writers.put(id, w);
        return w;
    }

    /** Creates a day directory once for all writers (creating is a few syscalls and an exception when it exists). */
    void directory(Path day) throws IOException {
        if (directories.contains(day)) return;
        Files.createDirectories(day);
        directories.add(day);
    }

    /** The last part of this run's file names: 0 for a new store, the append's number after. */
    int run() {
        return run;
    }

    /** A file this run completed (removed again if the run fails). */
    synchronized void completed(Path file) {
        written.add(file);
    }

    synchronized void wrote(long rowCount, long fileCount, long ns) {
        rows += rowCount;
        files += fileCount;
        nanos += ns;
    }

    /** Writes what the writers still buffer, then {@code store.json}: {@link #flush()} and {@link #commit()}. */
    public Summary finish() throws IOException {
        flush();
        return commit();
    }

    /**
     * Writes what the writers still buffer: every row is then in a complete file, but the store
     * does not hold them until {@link #commit()} (queries read the runs store.json lists). On a
     * failure the store is left as it was, as by {@link #close()}.
     */
    public void flush() throws IOException {
        if (closed || flushed) return;
        boolean done = false;
        try {
            List<Throwable> failures = new ArrayList<>();
            for (StoreWriter w : writers.values()) {
                try {
                    w.close();
                } catch (RuntimeException e) {
                    failures.add(e);
                }
            }
            if (!failures.isEmpty()) throw new IOException(failures.get(0).getMessage(), failures.get(0));
            flushed = true;
            done = true;
        } finally {
            if (!done) close();
        }
    }

    /**
     * Flushes if not yet done, then writes {@code store.json}: the run's rows are in the store from
     * here on. Until then a failure (or {@link #close()}) leaves the store as it was.
     */
    public Summary commit() throws IOException {
        if (committed) return summary();
        if (closed) throw new IllegalStateException("store closed without a commit: the run failed");
        flush();
        boolean done = false;
        try {
            writeManifest();
            done = true;
            committed = true;
            closed = true;
            return summary();
        } finally {
            if (!done) close();
            else unlock();
        }
    }

    private void writeManifest() throws IOException {
        Map<String, Object> manifest = new LinkedHashMap<>();
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        manifest.put("format", StoreSchema.FORMAT);
        manifest.put("createdAt", previous == null ? now : previous.get("createdAt"));
        if (previous != null) manifest.put("updatedAt", now);
        // The runs whose files the store holds: a file whose <run> is not listed is a killed append's.
        List<Integer> runIds = new ArrayList<>(committedBefore);
        runIds.add(run);
        manifest.put("runs", runIds.size());
        manifest.put("runIds", runIds);
        manifest.put("profile", profile.name());
        manifest.put("zone", profile.zone().getId());
        manifest.put("weekend", weekendDays(profile));
        manifest.put("partitioning", "day = the profile zone's local date of start_utc");
        manifest.put("rows", rows + (previous == null ? 0 : ((Number) previous.get("rows")).longValue()));
        manifest.put("files", files + (previous == null ? 0 : ((Number) previous.get("files")).longValue()));
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
        // Written beside and renamed, so an append never leaves a half-written store.json.
        Path tmp = dir.resolve(".store.json.tmp");
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(tmp.toFile(), manifest);
        Files.move(tmp, dir.resolve("store.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Without {@link #commit()} (the run failed): drops what the writers still buffer, any file
     * half-written and the files this run completed, and writes no store.json: a new store's
     * directory can take the run again, an append's store is as it was.
     */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        if (!flushed) for (StoreWriter w : writers.values()) w.abort();
        dropWritten();
        unlock();
    }

    /** A failed run: its files go, so the store is what its store.json says (or, new, nothing yet). */
    private synchronized void dropWritten() {
        for (Path f : written) {
            try {
                Files.deleteIfExists(f);
            } catch (IOException e) {
                System.err.println("keyhole: store: could not remove " + f + " of the failed run: " + e.getMessage());
            }
        }
        written.clear();
    }

    private void unlock() {
        if (lockChannel == null) return;
        try {
            lockChannel.close(); // releases the lock
        } catch (IOException ignored) {
            // the lock goes with the channel either way
        }
        lockChannel = null;
    }

    private synchronized Summary summary() {
        return new Summary(dir, rows, files, nanos);
    }
}
