package dev.keyhole.collect;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.keyhole.records.FlowRecord;
import dev.keyhole.sources.ipfix.IpfixWriter;

import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The collector's output: one RFC 5655 IPFIX file per rotation period, named after the period's start
 * (UTC) as {@code keyhole-YYYYMMDDHHMM.ipfix}, plus {@code keyhole-YYYYMMDDHHMM.stats.json}. A file is
 * written under a hidden temporary name ({@code .keyhole-...ipfix.part}, which {@code analyze} skips) and
 * renamed when complete, after an fsync, so a reader never sees half a file. Periods are aligned to the
 * epoch (5m: :00, :05, ...). Used by one thread.
 */
final class RotatingIpfixFiles {
    private static final DateTimeFormatter NAME = DateTimeFormatter.ofPattern("yyyyMMddHHmm").withZone(ZoneOffset.UTC);
    /** Periods that are not whole minutes name their files to the second, so two periods never share a name. */
    private static final DateTimeFormatter NAME_SECONDS = DateTimeFormatter.ofPattern("yyyyMMddHHmmss").withZone(ZoneOffset.UTC);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path dir;
    private final long periodMillis;
    private final long domain;
    private final DateTimeFormatter name;

    private long periodStart = Long.MIN_VALUE;
    private long openedAt;
    private Path part, target;
    private SyncingStream stream;
    private IpfixWriter writer;
    private final List<Path> completed = Collections.synchronizedList(new ArrayList<>());

    RotatingIpfixFiles(Path dir, Duration period, long domain) {
        this.dir = dir;
        this.periodMillis = period.toMillis();
        this.domain = domain;
        this.name = periodMillis % 60_000 == 0 ? NAME : NAME_SECONDS;
        if (periodMillis < 1000) throw new IllegalArgumentException("rotation period must be at least 1s");
    }

    /** Files completed so far (IPFIX files, in order). */
    List<Path> completed() {
        synchronized (completed) {
            return new ArrayList<>(completed);
        }
    }

    /** True when {@code now} is past the open period (the caller then completes it with its stats). */
    boolean due(long now) {
        return writer != null && now >= periodStart + periodMillis;
    }

    boolean open() {
        return writer != null;
    }

    long records() {
        return writer == null ? 0 : writer.records();
    }

    /** Opens the file of the period containing {@code now}. */
    void start(long now) throws IOException {
        if (writer != null) throw new IllegalStateException("a file is open");
        periodStart = Math.floorDiv(now, periodMillis) * periodMillis;
        openedAt = now;
        String stem = "keyhole-" + name.format(Instant.ofEpochMilli(periodStart));
        // A restart within the same period must not overwrite the earlier file.
        target = dir.resolve(stem + ".ipfix");
        for (int i = 1; Files.exists(target) || Files.exists(stats(target)); i++) {
            target = dir.resolve(stem + "-" + i + ".ipfix");
        }
        part = dir.resolve("." + target.getFileName() + ".part");
        stream = new SyncingStream(new FileOutputStream(part.toFile()));
        writer = new IpfixWriter(new BufferedOutputStream(stream, 1 << 20), domain);
    }

    void write(FlowRecord f) {
        try {
            writer.write(f);
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + part, e);
        }
    }

    /**
     * Completes the open file: flush, fsync, rename; then writes the stats next to it (also via a
     * temporary name). {@code stats} gets the file name, period and record count added.
     */
    Path complete(long now, Map<String, Object> stats) throws IOException {
        long records = writer.records();
        writer.close();
        move(part, target);
        stats.put("file", target.getFileName().toString());
        stats.put("periodStart", Instant.ofEpochMilli(periodStart).toString());
        stats.put("periodEnd", Instant.ofEpochMilli(periodStart + periodMillis).toString());
        stats.put("openedAt", Instant.ofEpochMilli(openedAt).toString());
        stats.put("closedAt", Instant.ofEpochMilli(now).toString());
        stats.put("records", records);
        Path s = stats(target);
        Path sPart = dir.resolve("." + s.getFileName() + ".part");
        JSON.writeValue(sPart.toFile(), stats);
        move(sPart, s);
        Path done = target;
        completed.add(done);
        writer = null;
        stream = null;
        return done;
    }

    public static Path stats(Path ipfix) {
        String n = ipfix.getFileName().toString();
        return ipfix.resolveSibling(n.substring(0, n.length() - ".ipfix".length()) + dev.keyhole.sources.Inputs.COLLECTOR_STATS);
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Syncs the file to disk before closing it, so a renamed file is a complete file even after a crash. */
    private static final class SyncingStream extends FilterOutputStream {
        private final FileOutputStream file;

        SyncingStream(FileOutputStream file) {
            super(file);
            this.file = file;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            file.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            try {
                file.flush();
                file.getFD().sync();
            } finally {
                file.close();
            }
        }
    }
}
