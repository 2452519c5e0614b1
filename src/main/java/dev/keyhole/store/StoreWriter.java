package dev.keyhole.store;

import dev.keyhole.engine.FlowTap;
import dev.keyhole.enrichment.EnrichedFlow;
import dev.keyhole.profile.LocalClock;
import dev.keyhole.records.FlowRecord;
import dev.keyhole.records.Ip;
import dev.keyhole.sources.InputFile;
import org.duckdb.DuckDBDataChunkWriter;
import org.duckdb.DuckDBWritableVector;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;

/**
 * One worker's part of the store. In-scope flows are buffered in columnar arrays; when the batch
 * is full (and at the end) they go to DuckDB in one COPY, which reads them through the
 * {@code keyhole_batch} table function a chunk (2048 rows) at a time and writes one file per local
 * day, {@code day=YYYY-MM-DD/part-<worker>-<batch>-0.parquet}. Low-cardinality strings travel as
 * codes plus a per-batch dictionary ({@link Dictionary}). Not thread-safe: one per worker thread.
 */
public final class StoreWriter implements FlowTap {
    /** Raw batch columns of fixed type, in the order {@link #fill} writes them; then the dictionary columns. */
    static final String[][] RAW = {
        {"day", "DATE"}, {"start_utc", "TIMESTAMP"}, {"end_utc", "TIMESTAMP"}, {"start_local", "TIMESTAMP"},
        {"src_hi", "UBIGINT"}, {"src_lo", "UBIGINT"}, {"dst_hi", "UBIGINT"}, {"dst_lo", "UBIGINT"},
        {"src_port", "USMALLINT"}, {"dst_port", "USMALLINT"}, {"server_port", "USMALLINT"}, {"protocol", "UTINYINT"},
        {"tcp_flags", "UTINYINT"}, {"packets", "BIGINT"}, {"bytes", "BIGINT"}, {"rev_packets", "BIGINT"},
        {"rev_bytes", "BIGINT"}, {"local_is_src", "BOOLEAN"}, {"biflow", "BOOLEAN"}, {"conversation", "BOOLEAN"},
        {"direction", "UTINYINT"}, {"name_source", "UTINYINT"}, {"category", "UTINYINT"}, {"origin", "UTINYINT"},
        {"obfuscation", "UTINYINT"}, {"remote_asn", "UINTEGER"}, {"src_as", "UINTEGER"}, {"dst_as", "UINTEGER"},
        {"uid", "VARCHAR"},
    };

    private final FlowStore store;
    private final int id;
    private final Connection conn;
    private final String copyTarget;
    private final LocalClock clock;
    private final int capacity;

    private int size;
    private int seq;
    private String input;

    /** Times in epoch microseconds, DuckDB's TIMESTAMP. */
    final long[] startUs, endUs, localUs, srcHi, srcLo, dstHi, dstLo, packets, bytes, revPackets, revBytes;
    final int[] day, remoteAsn, srcAs, dstAs;
    final short[] srcPort, dstPort, serverPort;
    final byte[] protocol, tcpFlags, localIsSrc, biflow, conversation, direction, nameSource, category, origin, obfuscation;
    final String[] uid;
    /** The {@link StoreSchema#DICTIONARY} columns' values, one array per column. */
    final String[][] strings;
    final Dictionary[] dictionaries;

    /** Rows of the batch being copied; set before the COPY, read by DuckDB's thread (hence volatile). */
    private volatile int pending;

    StoreWriter(FlowStore store, int id, Connection conn, String copyTarget, LocalClock clock, int capacity) {
        this.store = store;
        this.id = id;
        this.conn = conn;
        this.copyTarget = copyTarget;
        this.clock = clock;
        this.capacity = capacity;
        startUs = new long[capacity];
        endUs = new long[capacity];
        localUs = new long[capacity];
        srcHi = new long[capacity];
        srcLo = new long[capacity];
        dstHi = new long[capacity];
        dstLo = new long[capacity];
        packets = new long[capacity];
        bytes = new long[capacity];
        revPackets = new long[capacity];
        revBytes = new long[capacity];
        remoteAsn = new int[capacity];
        srcAs = new int[capacity];
        dstAs = new int[capacity];
        day = new int[capacity];
        srcPort = new short[capacity];
        dstPort = new short[capacity];
        serverPort = new short[capacity];
        protocol = new byte[capacity];
        tcpFlags = new byte[capacity];
        localIsSrc = new byte[capacity];
        biflow = new byte[capacity];
        conversation = new byte[capacity];
        direction = new byte[capacity];
        nameSource = new byte[capacity];
        category = new byte[capacity];
        origin = new byte[capacity];
        obfuscation = new byte[capacity];
        uid = new String[capacity];
        strings = new String[StoreSchema.DICTIONARY.size()][capacity];
        dictionaries = new Dictionary[strings.length];
        // An ENUM entry costs DuckDB about 6-10 µs to bind, a plain string about 130 ns a row to pass
        // and hash: past about one entry per 64 rows the strings are cheaper (docs/store.md).
        int maxEntries = Math.max(256, capacity / 64);
        for (int k = 0; k < strings.length; k++) dictionaries[k] = new Dictionary(capacity, maxEntries);
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
        startUs[i] = f.startMillis() * 1000;
        endUs[i] = f.endMillis() * 1000;
        localUs[i] = local * 1000;
        day[i] = (int) LocalClock.epochDay(local);
        Ip s = f.src(), d = f.dst();
        srcHi[i] = s.hi();
        srcLo[i] = s.lo();
        dstHi[i] = d.hi();
        dstLo[i] = d.lo();
        srcPort[i] = (short) f.srcPort();
        dstPort[i] = (short) f.dstPort();
        serverPort[i] = (short) e.serverPort();
        protocol[i] = (byte) f.protocol();
        tcpFlags[i] = (byte) f.tcpFlags();
        srcAs[i] = (int) f.srcAs(); // unsigned 32-bit in an int; 0 (not reported) is stored as NULL
        dstAs[i] = (int) f.dstAs();
        packets[i] = f.packets();
        bytes[i] = f.bytes();
        revPackets[i] = f.reversePackets();
        revBytes[i] = f.reverseBytes();
        localIsSrc[i] = (byte) (s.equals(e.local()) ? 1 : 0);
        biflow[i] = (byte) (f.biflow() ? 1 : 0);
        conversation[i] = (byte) (e.conversation() ? 1 : 0);
        // 1-based: the SQL indexes a list of the enum's names with it.
        direction[i] = (byte) (e.direction().ordinal() + 1);
        nameSource[i] = (byte) (f.nameSource().ordinal() + 1);
        category[i] = (byte) (e.category().ordinal() + 1);
        origin[i] = (byte) (e.origin().ordinal() + 1);
        obfuscation[i] = (byte) (e.obfuscation().ordinal() + 1);
        remoteAsn[i] = (int) e.remoteAsn(); // AS numbers are 32-bit; 0 = unknown
        uid[i] = f.uid();
        // Coded now, while enrichment's strings are still in the CPU cache (at flush they are not).
        Dictionary[] dict = dictionaries;
        String[][] t = strings;
        dict[0].add(t[0], i, e.name());
        dict[1].add(t[1], i, e.remoteCountry());
        dict[2].add(t[2], i, e.remoteCity());
        dict[3].add(t[3], i, e.remoteAsOrg());
        dict[4].add(t[4], i, e.service());
        dict[5].add(t[5], i, e.serviceName());
        dict[6].add(t[6], i, e.company());
        dict[7].add(t[7], i, e.serviceCountry());
        dict[8].add(t[8], i, input);
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
            st.execute("COPY (" + select() + ") TO " + copyTarget + " (FORMAT PARQUET, COMPRESSION SNAPPY, "
                    + "PARTITION_BY (day), OVERWRITE_OR_IGNORE, FILENAME_PATTERN 'part-" + id + "-" + seq + "-{i}')");
        } catch (SQLException ex) {
            throw new IllegalStateException("store: writing Parquet under " + store.dir() + " failed: "
                    + ex.getMessage(), ex);
        } finally {
            pending = 0;
        }
        seq++;
        // Drop references so strings of old batches can be collected.
        Arrays.fill(uid, 0, n, null);
        for (String[] a : strings) Arrays.fill(a, 0, n, null);
        for (Dictionary d : dictionaries) d.clear();
        size = 0;
        store.wrote(n, files, System.nanoTime() - t0);
    }

    /** The batch's SELECT over the table function: file columns from raw ones, this batch's dictionaries inlined. */
    private String select() {
        StringBuilder sb = new StringBuilder("SELECT day");
        for (StoreSchema.Column c : StoreSchema.FILE) {
            String expr = c.expr();
            if (expr.equals("%s")) {
                Dictionary d = dictionaries[StoreSchema.DICTIONARY.indexOf(c.name())];
                expr = d.plain ? c.name() : d.values.isEmpty() ? "NULL::VARCHAR" : "(" + StoreSchema.enumOf(d.values) + ")[" + c.name() + "]";
            }
            sb.append(", ").append(expr.equals(c.name()) ? expr : expr + " AS " + c.name());
        }
        return sb.append(" FROM ").append(FlowStore.FUNCTION).append('(').append(id).append(')').toString();
    }

    /** The table function's columns for the batch being copied: name and type. */
    List<String[]> rawColumns() {
        List<String[]> cols = new ArrayList<>(List.of(RAW));
        for (int k = 0; k < strings.length; k++) {
            cols.add(new String[] {StoreSchema.DICTIONARY.get(k), dictionaries[k].plain ? "VARCHAR" : "INTEGER"});
        }
        return cols;
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
        return StoreSchema.literal(s);
    }

    /** Fills one DuckDB chunk with up to {@code chunk.capacity()} buffered rows from {@code from}; returns the count. */
    int fill(DuckDBDataChunkWriter chunk, int from, String[] scratch) {
        int cnt = (int) Math.min(chunk.capacity(), pending - from);
        if (cnt <= 0) return 0;
        int c = 0;
        Vectors.dates(chunk.vector(c++), day, from, cnt);
        Vectors.timestamps(chunk.vector(c++), startUs, from, cnt);
        Vectors.timestamps(chunk.vector(c++), endUs, from, cnt);
        Vectors.timestamps(chunk.vector(c++), localUs, from, cnt);
        Vectors.ulongs(chunk.vector(c++), srcHi, from, cnt);
        Vectors.ulongs(chunk.vector(c++), srcLo, from, cnt);
        Vectors.ulongs(chunk.vector(c++), dstHi, from, cnt);
        Vectors.ulongs(chunk.vector(c++), dstLo, from, cnt);
        Vectors.ushorts(chunk.vector(c++), srcPort, from, cnt);
        Vectors.ushorts(chunk.vector(c++), dstPort, from, cnt);
        Vectors.ushorts(chunk.vector(c++), serverPort, from, cnt);
        Vectors.ubytes(chunk.vector(c++), protocol, from, cnt);
        Vectors.ubytes(chunk.vector(c++), tcpFlags, from, cnt);
        Vectors.longs(chunk.vector(c++), packets, from, cnt);
        Vectors.longs(chunk.vector(c++), bytes, from, cnt);
        Vectors.longs(chunk.vector(c++), revPackets, from, cnt);
        Vectors.longs(chunk.vector(c++), revBytes, from, cnt);
        Vectors.booleans(chunk.vector(c++), localIsSrc, from, cnt);
        Vectors.booleans(chunk.vector(c++), biflow, from, cnt);
        Vectors.booleans(chunk.vector(c++), conversation, from, cnt);
        Vectors.ubytes(chunk.vector(c++), direction, from, cnt);
        Vectors.ubytes(chunk.vector(c++), nameSource, from, cnt);
        Vectors.ubytes(chunk.vector(c++), category, from, cnt);
        Vectors.ubytes(chunk.vector(c++), origin, from, cnt);
        Vectors.ubytes(chunk.vector(c++), obfuscation, from, cnt);
        Vectors.uintsOrNull(chunk.vector(c++), remoteAsn, from, cnt);
        Vectors.uintsOrNull(chunk.vector(c++), srcAs, from, cnt);
        Vectors.uintsOrNull(chunk.vector(c++), dstAs, from, cnt);
        strings(chunk.vector(c++), uid, from, cnt, scratch);
        for (int k = 0; k < strings.length; k++) {
            Dictionary d = dictionaries[k];
            if (d.plain) strings(chunk.vector(c++), strings[k], from, cnt, scratch);
            else Vectors.ints(chunk.vector(c++), d.codes, from, cnt);
        }
        return cnt;
    }

    private static void strings(DuckDBWritableVector v, String[] a, int from, int cnt, String[] scratch) {
        String[] s = scratch.length == cnt ? scratch : new String[cnt];
        System.arraycopy(a, from, s, 0, cnt);
        v.setStrings(0, s);
    }

    /**
     * One string column's batch dictionary: codes 1…n per row (0 = NULL) and the values in code
     * order, or {@code plain} when the column goes as strings this batch: too many distinct
     * values, or a value an ENUM literal cannot carry (NUL, or lone surrogates that could collide
     * after UTF-8 conversion). The strings are kept too, for the plain case.
     */
    static final class Dictionary {
        final int[] codes;
        final List<String> values = new ArrayList<>();
        private final HashMap<String, Integer> index = new HashMap<>();
        private final int maxEntries;
        private String prev;
        private int prevCode;
        boolean plain;

        Dictionary(int capacity, int maxEntries) {
            codes = new int[capacity];
            this.maxEntries = maxEntries;
        }

        void add(String[] column, int i, String s) {
            column[i] = s;
            if (plain) return;
            int code;
            if (s == null) {
                code = 0;
            } else if (s == prev) {
                code = prevCode; // runs of one instance (input, catalogue names) skip the hash lookup
            } else {
                Integer c = index.get(s);
                if (c == null) {
                    if (values.size() == maxEntries || !enumSafe(s)) {
                        plain = true;
                        return;
                    }
                    values.add(s);
                    c = values.size();
                    index.put(s, c);
                }
                code = c;
                prev = s;
                prevCode = code;
            }
            codes[i] = code;
        }

        void clear() {
            index.clear();
            values.clear();
            prev = null;
            plain = false;
        }

        private static boolean enumSafe(String s) {
            for (int i = 0; i < s.length(); i++) {
                char ch = s.charAt(i);
                if (ch == 0 || Character.isSurrogate(ch)) return false;
            }
            return true;
        }
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
