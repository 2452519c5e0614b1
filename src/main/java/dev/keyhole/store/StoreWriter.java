package dev.keyhole.store;

import dev.keyhole.engine.FlowTap;
import dev.keyhole.enrichment.EnrichedFlow;
import dev.keyhole.profile.LocalClock;
import dev.keyhole.records.FlowRecord;
import dev.keyhole.records.Ip;
import dev.keyhole.sources.InputFile;
import org.duckdb.DuckDBDataChunkWriter;
import org.duckdb.DuckDBWritableVector;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;

/**
 * One worker's part of the store. In-scope flows are buffered in columnar arrays; when the batch
 * is full (and at the end) they go to DuckDB in one COPY, which reads them through the
 * {@code keyhole_batch} table function a chunk (2048 rows) at a time and writes one file per local
 * day, {@code day=YYYY-MM-DD/part-<worker>-<batch>-0.parquet}. Not thread-safe: one per worker thread.
 */
public final class StoreWriter implements FlowTap {
    private final FlowStore store;
    private final int id;
    private final Connection conn;
    private final String copyPrefix;
    private final LocalClock clock;
    private final int capacity;

    private int size;
    private int seq;
    private String input;

    final long[] startMs, endMs, localMs, srcHi, srcLo, dstHi, dstLo, packets, bytes, revPackets, revBytes, remoteAsn;
    final int[] day, srcPort, dstPort, serverPort, protocol, tcpFlags;
    final byte[] bits, direction, nameSource, category, origin, obfuscation;
    final String[] srcText, dstText, name, uid, remoteCountry, remoteCity, remoteOrg, service, serviceName, company,
            serviceCountry, inputs;

    /** Rows of the batch being copied; set before the COPY, read by DuckDB's thread (hence volatile). */
    private volatile int pending;

    StoreWriter(FlowStore store, int id, Connection conn, String copyPrefix, LocalClock clock, int capacity) {
        this.store = store;
        this.id = id;
        this.conn = conn;
        this.copyPrefix = copyPrefix;
        this.clock = clock;
        this.capacity = capacity;
        startMs = new long[capacity];
        endMs = new long[capacity];
        localMs = new long[capacity];
        srcHi = new long[capacity];
        srcLo = new long[capacity];
        dstHi = new long[capacity];
        dstLo = new long[capacity];
        packets = new long[capacity];
        bytes = new long[capacity];
        revPackets = new long[capacity];
        revBytes = new long[capacity];
        remoteAsn = new long[capacity];
        day = new int[capacity];
        srcPort = new int[capacity];
        dstPort = new int[capacity];
        serverPort = new int[capacity];
        protocol = new int[capacity];
        tcpFlags = new int[capacity];
        bits = new byte[capacity];
        direction = new byte[capacity];
        nameSource = new byte[capacity];
        category = new byte[capacity];
        origin = new byte[capacity];
        obfuscation = new byte[capacity];
        srcText = new String[capacity];
        dstText = new String[capacity];
        name = new String[capacity];
        uid = new String[capacity];
        remoteCountry = new String[capacity];
        remoteCity = new String[capacity];
        remoteOrg = new String[capacity];
        service = new String[capacity];
        serviceName = new String[capacity];
        company = new String[capacity];
        serviceCountry = new String[capacity];
        inputs = new String[capacity];
    }

    int id() {
        return id;
    }

    @Override
    public void file(InputFile f) {
        input = f.path().toString();
    }

    @Override
    public void accept(EnrichedFlow e) {
        if (!e.inScope()) return;
        FlowRecord f = e.flow();
        int i = size;
        long local = clock.localMillis(f.startMillis());
        startMs[i] = f.startMillis();
        endMs[i] = f.endMillis();
        localMs[i] = local;
        day[i] = (int) LocalClock.epochDay(local);
        Ip s = f.src(), d = f.dst();
        srcHi[i] = s.hi();
        srcLo[i] = s.lo();
        dstHi[i] = d.hi();
        dstLo[i] = d.lo();
        // DuckDB writes IPv4 text itself; only IPv6 needs Java's RFC 5952 form.
        srcText[i] = s.isV4() ? null : s.toString();
        dstText[i] = d.isV4() ? null : d.toString();
        srcPort[i] = f.srcPort();
        dstPort[i] = f.dstPort();
        serverPort[i] = e.serverPort();
        protocol[i] = f.protocol();
        tcpFlags[i] = f.tcpFlags() & 0xff;
        packets[i] = f.packets();
        bytes[i] = f.bytes();
        revPackets[i] = f.reversePackets();
        revBytes[i] = f.reverseBytes();
        bits[i] = (byte) ((f.biflow() ? StoreSchema.BIFLOW : 0) | (e.conversation() ? StoreSchema.CONVERSATION : 0)
                | (s.equals(e.local()) ? StoreSchema.LOCAL_IS_SRC : 0));
        direction[i] = (byte) e.direction().ordinal();
        nameSource[i] = (byte) f.nameSource().ordinal();
        category[i] = (byte) e.category().ordinal();
        origin[i] = (byte) e.origin().ordinal();
        obfuscation[i] = (byte) e.obfuscation().ordinal();
        name[i] = e.name();
        uid[i] = f.uid();
        remoteCountry[i] = e.remoteCountry();
        remoteCity[i] = e.remoteCity();
        remoteAsn[i] = e.remoteAsn();
        remoteOrg[i] = e.remoteAsOrg();
        service[i] = e.service();
        serviceName[i] = e.serviceName();
        company[i] = e.company();
        serviceCountry[i] = e.serviceCountry();
        inputs[i] = input;
        if (++size == capacity) flush();
    }

    /** Writes the buffered rows, one Parquet file per local day, and empties the buffer. */
    void flush() {
        if (size == 0) return;
        long t0 = System.nanoTime();
        int n = size;
        long files = distinctDays(n);
        try (Statement st = conn.createStatement()) {
            pending = n;
            // One COPY per batch: DuckDB splits it by day itself, far cheaper than one COPY per day.
            st.execute(copyPrefix + sqlString(store.dir().toString()) + " (FORMAT PARQUET, COMPRESSION SNAPPY, "
                    + "PARTITION_BY (day), OVERWRITE_OR_IGNORE, FILENAME_PATTERN 'part-" + id + "-" + seq + "-{i}')");
        } catch (SQLException ex) {
            throw new IllegalStateException("store: writing Parquet under " + store.dir() + " failed: "
                    + ex.getMessage(), ex);
        } finally {
            pending = 0;
        }
        seq++;
        // Drop references so strings of old batches can be collected.
        Arrays.fill(name, 0, n, null);
        Arrays.fill(uid, 0, n, null);
        Arrays.fill(srcText, 0, n, null);
        Arrays.fill(dstText, 0, n, null);
        size = 0;
        store.wrote(n, files, System.nanoTime() - t0);
    }

    /**
     * Files one COPY writes: one per local day in the batch (DuckDB writes a partition to a single
     * file when no size limit is set), counted here instead of listing the store after each batch.
     */
    private long distinctDays(int n) {
        int min = Integer.MAX_VALUE;
        for (int i = 0; i < n; i++) min = Math.min(min, day[i]);
        java.util.BitSet seen = new java.util.BitSet();
        for (int i = 0; i < n; i++) seen.set(day[i] - min);
        return seen.cardinality();
    }

    static String sqlString(String s) {
        return "'" + s.replace("'", "''") + "'";
    }

    /** Fills one DuckDB chunk with up to {@code chunk.capacity()} buffered rows from {@code from}; returns the count. */
    int fill(DuckDBDataChunkWriter chunk, int from, String[] scratch) {
        int cnt = (int) Math.min(chunk.capacity(), pending - from);
        if (cnt <= 0) return 0;
        int c = 0;
        ints(chunk.vector(c++), day, from, cnt);
        longs(chunk.vector(c++), startMs, from, cnt);
        longs(chunk.vector(c++), endMs, from, cnt);
        longs(chunk.vector(c++), localMs, from, cnt);
        longs(chunk.vector(c++), srcHi, from, cnt);
        longs(chunk.vector(c++), srcLo, from, cnt);
        longs(chunk.vector(c++), dstHi, from, cnt);
        longs(chunk.vector(c++), dstLo, from, cnt);
        strings(chunk.vector(c++), srcText, from, cnt, scratch);
        strings(chunk.vector(c++), dstText, from, cnt, scratch);
        ints(chunk.vector(c++), srcPort, from, cnt);
        ints(chunk.vector(c++), dstPort, from, cnt);
        ints(chunk.vector(c++), serverPort, from, cnt);
        ints(chunk.vector(c++), protocol, from, cnt);
        ints(chunk.vector(c++), tcpFlags, from, cnt);
        longs(chunk.vector(c++), packets, from, cnt);
        longs(chunk.vector(c++), bytes, from, cnt);
        longs(chunk.vector(c++), revPackets, from, cnt);
        longs(chunk.vector(c++), revBytes, from, cnt);
        bytes(chunk.vector(c++), bits, from, cnt);
        bytes(chunk.vector(c++), direction, from, cnt);
        bytes(chunk.vector(c++), nameSource, from, cnt);
        bytes(chunk.vector(c++), category, from, cnt);
        bytes(chunk.vector(c++), origin, from, cnt);
        bytes(chunk.vector(c++), obfuscation, from, cnt);
        strings(chunk.vector(c++), name, from, cnt, scratch);
        strings(chunk.vector(c++), uid, from, cnt, scratch);
        strings(chunk.vector(c++), remoteCountry, from, cnt, scratch);
        strings(chunk.vector(c++), remoteCity, from, cnt, scratch);
        longs(chunk.vector(c++), remoteAsn, from, cnt);
        strings(chunk.vector(c++), remoteOrg, from, cnt, scratch);
        strings(chunk.vector(c++), service, from, cnt, scratch);
        strings(chunk.vector(c++), serviceName, from, cnt, scratch);
        strings(chunk.vector(c++), company, from, cnt, scratch);
        strings(chunk.vector(c++), serviceCountry, from, cnt, scratch);
        strings(chunk.vector(c++), inputs, from, cnt, scratch);
        return cnt;
    }

    private static void longs(DuckDBWritableVector v, long[] a, int from, int cnt) {
        for (int r = 0; r < cnt; r++) v.setLong(r, a[from + r]);
    }

    private static void ints(DuckDBWritableVector v, int[] a, int from, int cnt) {
        for (int r = 0; r < cnt; r++) v.setInt(r, a[from + r]);
    }

    private static void bytes(DuckDBWritableVector v, byte[] a, int from, int cnt) {
        for (int r = 0; r < cnt; r++) v.setByte(r, a[from + r]);
    }

    private static void strings(DuckDBWritableVector v, String[] a, int from, int cnt, String[] scratch) {
        String[] s = scratch.length == cnt ? scratch : new String[cnt];
        System.arraycopy(a, from, s, 0, cnt);
        v.setStrings(0, s);
    }

    /** Closes the connection and drops what is buffered. */
    void abort() {
        size = 0;
        try {
            conn.close();
        } catch (SQLException ignored) {
            // the run already failed; that failure is the one to report
        }
    }

    void close() throws SQLException {
        try {
            flush();
        } finally {
            conn.close();
        }
    }
}
