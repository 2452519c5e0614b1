package dev.keyhole.store;

import dev.keyhole.engine.FlowTap;
import dev.keyhole.enrichment.Attribution;
import dev.keyhole.enrichment.EnrichedFlow;
import dev.keyhole.profile.LocalClock;
import dev.keyhole.records.FlowRecord;
import dev.keyhole.records.Ip;
import dev.keyhole.sources.InputFile;
import dev.keyhole.store.parquet.Field;
import dev.keyhole.store.parquet.ParquetWriter;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;

/**
 * One worker's part of the store. In-scope flows are buffered in columnar arrays; when the batch
 * is full (and at the end) the rows are grouped by local day (a counting sort of row numbers) and
 * each day's rows are written by {@link ParquetWriter} to {@code day=YYYY-MM-DD/part-<worker>-<batch>-<run>.parquet}
 * ({@code <run>} is 0 for a new store, the append's number after).
 * Low-cardinality strings are coded per batch at flush ({@link Dictionary}) and become Parquet
 * dictionary pages; the seven that come from a flow's {@link Attribution} are coded once per
 * distinct attribution, not per row. Not thread-safe: one per worker thread.
 */
public final class StoreWriter implements FlowTap {
    /** Written into every file's footer. */
    static final String CREATED_BY = "keyhole version 0.1.0";
    /** The files' columns, {@link StoreSchema#FILE} as Parquet types: the ones DuckDB writes for these types. */
    static final List<Field> FIELDS = StoreSchema.FILE.stream().map(StoreWriter::field).toList();

    private static final byte[][] DIRECTIONS = utf8(StoreSchema.DIRECTIONS), NAME_SOURCES = utf8(StoreSchema.NAME_SOURCES),
            CATEGORIES = utf8(StoreSchema.CATEGORIES), ORIGINS = utf8(StoreSchema.ORIGINS),
            OBFUSCATIONS = utf8(StoreSchema.OBFUSCATIONS);

    private final FlowStore store;
    private final int id;
    private final LocalClock clock;
    private final int capacity;
    private final ParquetWriter parquet;

    private int size;
    private int seq;
    private String input;

    /** Times in epoch microseconds. */
    final long[] startUs, endUs, localUs, srcHi, srcLo, dstHi, dstLo, packets, bytes, revPackets, revBytes;
    final int[] day, remoteAsn, srcAs, dstAs;
    final short[] srcPort, dstPort, serverPort;
    final byte[] protocol, tcpFlags, localIsSrc, biflow, conversation, direction, nameSource, category, origin, obfuscation;
    final String[] uid;
    /** The {@link StoreSchema#DICTIONARY} columns held per row: {@code name} and {@code input}. */
    final String[][] strings;
    /** Each row's attribution: the other seven {@link StoreSchema#DICTIONARY} columns. */
    final Attribution[] attributions;
    /** Per {@link StoreSchema#DICTIONARY} column; an attribution column's codes are per distinct attribution. */
    final Dictionary[] dictionaries;
    /** The batch's distinct attributions: each row's code (1-based) and the values in code order. */
    private final Dictionary attributionCodes;
    /** Per attribution column ({@link #attribute}), its value for each of the batch's distinct attributions. */
    private final String[][] attributeValues;

    /** Row numbers grouped by day, and scratch for the counting sort. */
    private final int[] order, bucket;
    private int[] counts = new int[64];
    /** One row group's column, gathered in day order; reused. */
    private final long[] longs;
    /** The row group's attribution codes, in day order: gathered once for the seven columns. */
    private final int[] groupAttributions;
    /**
     * The row group's distinct attribution codes in order of first use ({@link #groupSlots}), a
     * stamp per code marking those seen in the current group, and per code its index into an
     * attribution column's chunk dictionary (-1: NULL); sized to the batch's distinct attributions.
     */
    private int[] groupSlots = new int[1024], slotStamp = new int[1024], slotIndex = new int[1024];
    private int groupSlotCount, stamp;
    /** An attribution column's batch codes to chunk indices (-1: not yet used), and the inverse. */
    private int[] chunkIndex = unused(1024), chunkUsed = new int[1024];
    private final int[] ints;
    private final byte[] flags, defs;
    private final String[] texts;
    private final ColumnJob<?>[] columns;

    StoreWriter(FlowStore store, int id, LocalClock clock, int capacity, ParquetWriter parquet) {
        this.store = store;
        this.id = id;
        this.clock = clock;
        this.capacity = capacity;
        this.parquet = parquet;
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
        strings = new String[2][capacity];
        attributions = new Attribution[capacity];
        attributeValues = new String[ATTRIBUTE_COLUMNS][];
        dictionaries = new Dictionary[StoreSchema.DICTIONARY.size()];
        // Plain strings measured 1.7-2x slower to write than dictionary codes and 20-30 % larger,
        // with 3,000 or with 20,000 distinct values a batch (docs/store.md); past one entry per
        // 8 rows the values barely repeat.
        int maxEntries = Math.max(256, capacity / 8);
        for (int k = 0; k < dictionaries.length; k++) dictionaries[k] = new Dictionary(capacity, maxEntries);
        // Each attribution instance gets a code of its own (their columns are coded by value after);
        // the identity table grows to the batch size, so it never fills.
        attributionCodes = new Dictionary(capacity, capacity, false);
        order = new int[capacity];
        bucket = new int[capacity];
        int group = Math.min(capacity, parquet.rowGroupRows());
        longs = new long[group];
        groupAttributions = new int[group];
        ints = new int[group];
        flags = new byte[group];
        defs = new byte[group];
        texts = new String[group];
        columns = columns();
        if (columns.length != FIELDS.size()) {
            throw new IllegalStateException("store: " + columns.length + " column writers for " + FIELDS.size() + " columns");
        }
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
        // Times as epoch microseconds, the files' TIMESTAMP.
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
        // 1-based, as the dictionary columns' codes (0 would be NULL).
        direction[i] = (byte) (e.direction().ordinal() + 1);
        nameSource[i] = (byte) (f.nameSource().ordinal() + 1);
        Attribution a = e.attribution();
        category[i] = (byte) (a.category().ordinal() + 1);
        origin[i] = (byte) (a.origin().ordinal() + 1);
        obfuscation[i] = (byte) (e.obfuscation().ordinal() + 1);
        remoteAsn[i] = (int) a.remoteAsn(); // AS numbers are 32-bit; 0 = unknown
        uid[i] = f.uid();
        // Only the references here: coding them costs a cache miss on each object, which the
        // tight loops of Dictionary.code at flush overlap and this method could not.
        attributions[i] = a;
        strings[0][i] = e.name();
        strings[1][i] = input;
        if (++size == capacity) flush();
    }

    /** Writes the buffered rows, one Parquet file per local day, and empties the buffer. */
    void flush() {
        if (size == 0) return;
        long t0 = System.nanoTime();
        int n = size;
        dictionaries[NAME].code(strings[0], n, bucket);
        dictionaries[INPUT].code(strings[1], n, bucket);
        attributionCodes.code(attributions, n, bucket);
        int distinct = attributionCodes.values.size();
        for (int k = 0; k < ATTRIBUTE_COLUMNS; k++) {
            String[] col = attributeValues[k];
            if (col == null || col.length < distinct) col = attributeValues[k] = new String[Math.max(distinct, 1024)];
            attributeColumn(k, col, distinct);
            dictionaries[k + 1].code(col, distinct, bucket);
        }
        int[] days = groupByDay(n);
        int files = 0;
        for (int b = 0, from = 0; b < days.length; b++) {
            int to = counts[b + 1];
            if (to > from) {
                write(days[b], from, to);
                files++;
            }
            from = to;
        }
        seq++;
        // The string arrays keep this batch's references until the next batch overwrites them
        // (clearing 2.6 M references a batch measured as much as grouping the rows by day).
        size = 0;
        store.wrote(n, files, System.nanoTime() - t0);
    }

    /** Attribution column {@code k} of the batch's distinct attributions (its own method: a small OSR compile). */
    private void attributeColumn(int k, String[] col, int distinct) {
        List<Object> values = attributionCodes.values;
        for (int j = 0; j < distinct; j++) col[j] = attribute((Attribution) values.get(j), k);
    }

    /**
     * Sorts the row numbers by local day, stably (a counting sort: flows stay in arrival order
     * within a day): {@code order[counts[b] .. counts[b + 1])} are the rows of {@code days[b]}
     * (buckets may be empty). Buckets are day offsets from the earliest day, or, when the days
     * span too long a time for that, indices into the sorted distinct days.
     */
    private int[] groupByDay(int n) {
        int min = Integer.MAX_VALUE, max = Integer.MIN_VALUE;
        for (int i = 0; i < n; i++) {
            min = Math.min(min, day[i]);
            max = Math.max(max, day[i]);
        }
        int[] days;
        if ((long) max - min < Math.max(n, 1 << 16)) {
            days = new int[max - min + 1];
            for (int b = 0; b < days.length; b++) days[b] = min + b;
            for (int i = 0; i < n; i++) bucket[i] = day[i] - min;
        } else {
            days = Arrays.stream(day, 0, n).distinct().sorted().toArray();
            for (int i = 0; i < n; i++) bucket[i] = Arrays.binarySearch(days, day[i]);
        }
        if (counts.length < days.length + 1) counts = new int[days.length + 1];
        Arrays.fill(counts, 0, days.length + 1, 0);
        for (int i = 0; i < n; i++) counts[bucket[i] + 1]++;
        for (int b = 0; b < days.length; b++) counts[b + 1] += counts[b];
        // counts[b] is now where bucket b starts; placing the rows moves it to where b ends.
        for (int i = 0; i < n; i++) order[counts[bucket[i]]++] = i;
        // counts[b] is where b ends: shift right so counts[b] is the start again and counts[b + 1] the end.
        System.arraycopy(counts, 0, counts, 1, days.length);
        counts[0] = 0;
        return days;
    }

    /** Writes the rows {@code order[from..to)}, all of one day, as one file. */
    private void write(int epochDay, int from, int to) {
        String date = LocalDate.ofEpochDay(epochDay).toString();
        if (date.startsWith("+")) date = date.substring(1); // past 9999: DuckDB reads 10000-01-01, not +10000-01-01
        Path file = store.dir().resolve("day=" + date).resolve("part-" + id + "-" + seq + "-" + store.run() + ".parquet");
        try {
            store.directory(file.getParent());
            parquet.begin(file);
            for (int r = from; r < to; ) {
                int end = Math.min(to, r + parquet.rowGroupRows());
                parquet.rowGroup(end - r);
                rowGroup(r, end - r);
                r = end;
            }
            parquet.end();
            store.completed(file);
        } catch (IOException | RuntimeException e) {
            parquet.abort();
            throw new IllegalStateException("store: writing " + file + " failed: " + e, e);
        }
    }

    /** One row group: every column of rows {@code order[from..from + n)}, in {@link StoreSchema#FILE} order. */
    private void rowGroup(int from, int n) throws IOException {
        gatherAttributions(from, n);
        for (ColumnJob<?> c : columns) c.write(from, n);
    }

    /** The row group's attribution codes, and its distinct ones in order of first use. */
    private void gatherAttributions(int from, int n) {
        int[] a = groupAttributions, o = order, codes = attributionCodes.codes;
        int distinct = attributionCodes.values.size() + 1; // code 0: no attribution
        if (slotStamp.length < distinct) {
            int len = Math.max(distinct, slotStamp.length * 2);
            groupSlots = new int[len];
            slotStamp = new int[len];
            slotIndex = new int[len];
            stamp = 0;
        }
        if (++stamp == 0) { // wrapped: stamps from 2^32 groups ago would look current
            Arrays.fill(slotStamp, 0);
            stamp = 1;
        }
        int[] seen = slotStamp, slots = groupSlots;
        int st = stamp, count = 0;
        for (int k = 0; k < n; k++) {
            int c = codes[o[from + k]];
            a[k] = c;
            if (seen[c] != st) {
                seen[c] = st;
                slots[count++] = c;
            }
        }
        groupSlotCount = count;
    }

    /**
     * How one kind of column is written. The row group's columns call these through one call site
     * that sees nine of them (one instance per kind), so C2 compiles each kind once on its own:
     * when the 37 calls were written out, C2 inlined them all into one 65 KB method, compiled it up
     * to three times a run and spent 3.3 s of a 20 M-flow run's CPU on it (JFR; docs/store.md).
     */
    @FunctionalInterface
    private interface ColumnWrite<A> {
        void write(A values, int from, int n) throws IOException;
    }

    /** One file column: its buffered values and how they are written. */
    private record ColumnJob<A>(A values, ColumnWrite<A> how) {
        void write(int from, int n) throws IOException {
            how.write(values, from, n);
        }
    }

    /** An enum-valued column's codes and its names. */
    private record Names(byte[] codes, byte[][] names) {}

    /** The column writers in {@link StoreSchema#FILE} order. */
    private ColumnJob<?>[] columns() {
        ColumnWrite<long[]> int64 = this::int64, uint64 = this::uint64;
        ColumnWrite<short[]> uint16 = this::uint16;
        ColumnWrite<byte[]> uint8 = this::uint8, bool = this::bool;
        ColumnWrite<int[]> uint32OrNull = this::uint32OrNull;
        ColumnWrite<Names> names = this::names;
        ColumnWrite<Integer> dictionary = this::dictionary;
        ColumnWrite<String[]> strings = this::strings;
        return new ColumnJob<?>[] {
                new ColumnJob<>(startUs, int64),
                new ColumnJob<>(endUs, int64),
                new ColumnJob<>(localUs, int64),
                new ColumnJob<>(srcHi, uint64),
                new ColumnJob<>(srcLo, uint64),
                new ColumnJob<>(srcPort, uint16),
                new ColumnJob<>(dstHi, uint64),
                new ColumnJob<>(dstLo, uint64),
                new ColumnJob<>(dstPort, uint16),
                new ColumnJob<>(localIsSrc, bool),
                new ColumnJob<>(serverPort, uint16),
                new ColumnJob<>(protocol, uint8),
                new ColumnJob<>(tcpFlags, uint8),
                new ColumnJob<>(packets, int64),
                new ColumnJob<>(bytes, int64),
                new ColumnJob<>(revPackets, int64),
                new ColumnJob<>(revBytes, int64),
                new ColumnJob<>(biflow, bool),
                new ColumnJob<>(new Names(direction, DIRECTIONS), names),
                new ColumnJob<>(conversation, bool),
                new ColumnJob<>(0, dictionary),
                new ColumnJob<>(new Names(nameSource, NAME_SOURCES), names),
                new ColumnJob<>(uid, strings),
                new ColumnJob<>(1, dictionary),
                new ColumnJob<>(2, dictionary),
                new ColumnJob<>(remoteAsn, uint32OrNull),
                new ColumnJob<>(srcAs, uint32OrNull),
                new ColumnJob<>(dstAs, uint32OrNull),
                new ColumnJob<>(3, dictionary),
                new ColumnJob<>(4, dictionary),
                new ColumnJob<>(5, dictionary),
                new ColumnJob<>(6, dictionary),
                new ColumnJob<>(new Names(category, CATEGORIES), names),
                new ColumnJob<>(new Names(origin, ORIGINS), names),
                new ColumnJob<>(7, dictionary),
                new ColumnJob<>(new Names(obfuscation, OBFUSCATIONS), names),
                new ColumnJob<>(8, dictionary)};
    }

    // The gathers below also find the chunk's least and greatest value (its statistics): the loop
    // waits on its indexed loads anyway, and two more passes over the chunk took 0.5 s of CPU a
    // 20 M-flow store (docs/store.md). One loop per primitive array type on purpose: a shared one
    // would box the values or make a call per value.

    private void int64(long[] a, int from, int n) throws IOException {
        long[] v = longs;
        int[] o = order;
        long min = Long.MAX_VALUE, max = Long.MIN_VALUE;
        for (int k = 0; k < n; k++) {
            long x = a[o[from + k]];
            v[k] = x;
            min = Math.min(min, x);
            max = Math.max(max, x);
        }
        parquet.int64(v, n, null, min, max);
    }

    /** UBIGINT: compared with the sign bit flipped, which orders them as unsigned. */
    private void uint64(long[] a, int from, int n) throws IOException {
        long[] v = longs;
        int[] o = order;
        long min = Long.MAX_VALUE, max = Long.MIN_VALUE;
        for (int k = 0; k < n; k++) {
            long x = a[o[from + k]];
            v[k] = x;
            long s = x ^ Long.MIN_VALUE;
            min = Math.min(min, s);
            max = Math.max(max, s);
        }
        parquet.int64(v, n, null, min ^ Long.MIN_VALUE, max ^ Long.MIN_VALUE);
    }

    private void uint16(short[] a, int from, int n) throws IOException {
        long[] v = longs;
        int[] o = order;
        long min = Long.MAX_VALUE, max = Long.MIN_VALUE;
        for (int k = 0; k < n; k++) {
            long x = a[o[from + k]] & 0xFFFF;
            v[k] = x;
            min = Math.min(min, x);
            max = Math.max(max, x);
        }
        parquet.int32Widened(v, n, null, min, max);
    }

    private void uint8(byte[] a, int from, int n) throws IOException {
        long[] v = longs;
        int[] o = order;
        long min = Long.MAX_VALUE, max = Long.MIN_VALUE;
        for (int k = 0; k < n; k++) {
            long x = a[o[from + k]] & 0xFF;
            v[k] = x;
            min = Math.min(min, x);
            max = Math.max(max, x);
        }
        parquet.int32Widened(v, n, null, min, max);
    }

    /** Unsigned 32-bit numbers (AS numbers), 0 stored as NULL. */
    private void uint32OrNull(int[] a, int from, int n) throws IOException {
        long[] v = longs;
        int[] o = order;
        byte[] d = defs;
        int m = 0;
        long min = Long.MAX_VALUE, max = Long.MIN_VALUE;
        for (int k = 0; k < n; k++) {
            int x = a[o[from + k]];
            d[k] = (byte) (x != 0 ? 1 : 0);
            long u = x & 0xFFFFFFFFL;
            v[m] = u;
            if (x != 0) {
                min = Math.min(min, u);
                max = Math.max(max, u);
                m++;
            }
        }
        parquet.int32Widened(v, m, m == n ? null : d, min, max);
    }

    private void bool(byte[] a, int from, int n) throws IOException {
        byte[] v = flags;
        int[] o = order;
        for (int k = 0; k < n; k++) v[k] = a[o[from + k]];
        parquet.bool(v, n, null);
    }

    /** An enum-valued column: 1-based codes into a fixed list of names. */
    private void names(Names column, int from, int n) throws IOException {
        byte[] codes = column.codes();
        byte[][] names = column.names();
        int[] v = ints, o = order;
        for (int k = 0; k < n; k++) v[k] = codes[o[from + k]] - 1;
        parquet.dictionary(v, n, names, names.length, null);
    }

    /**
     * A {@link StoreSchema#DICTIONARY} column: its batch dictionary's codes, or its strings when it
     * went plain. An attribution column's codes are per distinct attribution: a row's code is
     * looked up through the row's attribution code.
     */
    private void dictionary(int column, int from, int n) throws IOException {
        Dictionary dict = dictionaries[column];
        boolean attribute = column != NAME && column != INPUT;
        if (dict.plain) {
            if (attribute) attributeStrings(attributeValues[column - 1], n);
            else strings(strings[column == NAME ? 0 : 1], from, n);
            return;
        }
        if (attribute) {
            attributeCodes(dict, n);
            return;
        }
        int[] v = ints, o = order, codes = dict.codes;
        byte[] d = defs;
        int m = 0;
        for (int k = 0; k < n; k++) {
            int c = codes[o[from + k]];
            d[k] = (byte) (c != 0 ? 1 : 0);
            v[m] = c - 1;
            m += c != 0 ? 1 : 0;
        }
        parquet.dictionary(v, m, dict.bytes, dict.values.size(), m == n ? null : d);
    }

    /**
     * An attribution column of the row group, dictionary-coded: its chunk indices are worked out
     * once per distinct attribution of the group (in the order {@link ParquetWriter#dictionary}
     * would number them per row, so the file is the same), then looked up per row.
     */
    private void attributeCodes(Dictionary dict, int n) throws IOException {
        int[] codes = dict.codes, slots = groupSlots, index = slotIndex;
        int size = dict.values.size() + 1;
        if (chunkIndex.length < size) {
            chunkIndex = unused(Math.max(size, chunkIndex.length * 2));
            chunkUsed = new int[chunkIndex.length];
        }
        int[] chunk = chunkIndex, used = chunkUsed;
        int u = 0;
        boolean nulls = false;
        for (int j = 0; j < groupSlotCount; j++) {
            int s = slots[j];
            int c = s == 0 ? 0 : codes[s - 1]; // the column's batch code, 1-based; 0 is NULL
            int x = -1;
            if (c != 0) {
                x = chunk[c];
                if (x < 0) {
                    x = chunk[c] = u;
                    used[u++] = c - 1;
                }
            } else {
                nulls = true;
            }
            index[s] = x;
        }
        for (int j = 0; j < u; j++) chunk[used[j] + 1] = -1;
        int[] v = ints, rows = groupAttributions;
        if (!nulls) { // most columns of most groups: no definition levels to work out
            for (int k = 0; k < n; k++) v[k] = index[rows[k]];
            parquet.dictionaryCoded(v, n, dict.bytes, used, u, null);
            return;
        }
        byte[] d = defs;
        int m = 0;
        for (int k = 0; k < n; k++) {
            int x = index[rows[k]];
            d[k] = (byte) (x >= 0 ? 1 : 0);
            v[m] = x;
            m += x >= 0 ? 1 : 0;
        }
        parquet.dictionaryCoded(v, m, dict.bytes, used, u, m == n ? null : d);
    }

    private void strings(String[] a, int from, int n) throws IOException {
        String[] v = texts;
        int[] o = order;
        byte[] d = defs;
        int m = 0;
        for (int k = 0; k < n; k++) {
            String s = a[o[from + k]];
            d[k] = (byte) (s != null ? 1 : 0);
            if (s != null) v[m++] = s;
        }
        parquet.strings(v, m, m == n ? null : d);
    }

    /** An attribution column of the row group as plain strings: {@code values} per distinct attribution. */
    private void attributeStrings(String[] values, int n) throws IOException {
        String[] v = texts;
        int[] slots = groupAttributions;
        byte[] d = defs;
        int m = 0;
        for (int k = 0; k < n; k++) {
            int slot = slots[k];
            String s = slot == 0 ? null : values[slot - 1];
            d[k] = (byte) (s != null ? 1 : 0);
            if (s != null) v[m++] = s;
        }
        parquet.strings(v, m, m == n ? null : d);
    }

    /** {@link StoreSchema#DICTIONARY} positions of the two columns held per row; 1 to 7 are {@link #attribute}'s. */
    private static final int NAME = 0, INPUT = 8, ATTRIBUTE_COLUMNS = 7;

    /** Attribution column {@code k}: {@link StoreSchema#DICTIONARY}'s column {@code k + 1}. */
    private static String attribute(Attribution a, int k) {
        return switch (k) {
            case 0 -> a.remoteCountry();
            case 1 -> a.remoteCity();
            case 2 -> a.remoteAsOrg();
            case 3 -> a.service();
            case 4 -> a.serviceName();
            case 5 -> a.company();
            case 6 -> a.serviceCountry();
            default -> throw new IllegalArgumentException("no attribution column " + k);
        };
    }

    private static int[] unused(int length) {
        int[] a = new int[length];
        Arrays.fill(a, -1);
        return a;
    }

    private static byte[][] utf8(List<String> names) {
        return names.stream().map(s -> s.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new);
    }

    /** The Parquet type DuckDB writes for a column of this DuckDB type (every column OPTIONAL, as DuckDB's are). */
    static Field field(StoreSchema.Column c) {
        Field.Physical p;
        Field.Annotation a;
        switch (c.type()) {
            case "TIMESTAMP" -> { p = Field.Physical.INT64; a = Field.Annotation.TIMESTAMP_MICROS; }
            case "BIGINT" -> { p = Field.Physical.INT64; a = Field.Annotation.INT_64; }
            case "UBIGINT" -> { p = Field.Physical.INT64; a = Field.Annotation.UINT_64; }
            case "UINTEGER" -> { p = Field.Physical.INT32; a = Field.Annotation.UINT_32; }
            case "USMALLINT" -> { p = Field.Physical.INT32; a = Field.Annotation.UINT_16; }
            case "UTINYINT" -> { p = Field.Physical.INT32; a = Field.Annotation.UINT_8; }
            case "BOOLEAN" -> { p = Field.Physical.BOOLEAN; a = Field.Annotation.NONE; }
            case "VARCHAR" -> { p = Field.Physical.BYTE_ARRAY; a = Field.Annotation.UTF8; }
            default -> throw new IllegalArgumentException(c.name() + ": no Parquet type for " + c.type());
        }
        return new Field(c.name(), p, a, true);
    }

    /**
     * One string column's batch dictionary: codes 1…n per row (0 = NULL) and the values in code
     * order, or {@code plain} when the column has too many distinct values this batch and goes
     * as plain strings.
     */
    static final class Dictionary {
        final int[] codes;
        /** Strings, or (for the attributions' dictionary) the distinct objects. */
        final List<Object> values = new ArrayList<>();
        /**
         * Values are Strings, coded by value, and {@link #bytes} their UTF-8; else (the attributions)
         * each instance is a value of its own: their columns are coded by value after.
         */
        private final boolean text;
        /** The values as UTF-8. */
        byte[][] bytes = new byte[0][];
        boolean plain;
        private final int maxEntries;
        private final HashMap<Object, Integer> index = new HashMap<>();
        /**
         * Instances seen (open addressing by identity hash, at most half full) and their codes:
         * most rows never touch the map. Grown as needed, so that it stays in the CPU cache.
         */
        private Object[] instances = new Object[1024];
        private int[] instanceCodes = new int[1024];
        /** The slots taken in {@link #instances}, emptied at the next batch. */
        private int[] filled = new int[512];
        private int seen;
        private final int maxInstances;

        Dictionary(int capacity, int maxEntries) {
            this(capacity, maxEntries, true);
        }

        Dictionary(int capacity, int maxEntries, boolean text) {
            codes = new int[capacity];
            this.maxEntries = maxEntries;
            this.text = text;
            maxInstances = Integer.highestOneBit(maxEntries) * 2;
        }

        /** The identity hash of each row that differs from the row before (one loop of independent loads). */
        private static void identityHashes(Object[] column, int n, int[] hashes) {
            Object prev = null;
            for (int i = 0; i < n; i++) {
                Object s = column[i];
                if (s != null && s != prev) hashes[i] = System.identityHashCode(s);
                prev = s;
            }
        }

        /** Doubles the identity table. */
        private void grow() {
            Object[] keys = new Object[instances.length * 2];
            int[] codes = new int[keys.length], slots = new int[filled.length * 2];
            int mask = keys.length - 1;
            for (int k = 0; k < seen; k++) {
                Object s = instances[filled[k]];
                int slot = System.identityHashCode(s) & mask;
                while (keys[slot] != null) slot = (slot + 1) & mask;
                keys[slot] = s;
                codes[slot] = instanceCodes[filled[k]];
                slots[k] = slot;
            }
            instances = keys;
            instanceCodes = codes;
            filled = slots;
        }

        /** Forgets the last batch's values (their references). */
        void clear() {
            values.clear();
            index.clear();
            for (int k = 0; k < seen; k++) instances[filled[k]] = null;
            seen = 0;
            Arrays.fill(bytes, null);
        }

        /**
         * Codes {@code column[0..n)}; {@code hashes} is scratch of at least n. Enrichment hands
         * out shared instances (catalogue, MMDB and ASN caches), so a row is coded by its
         * reference: the same as the row before, or found in the identity table; only a new
         * instance is looked up by value (in text mode; else each instance is a value). Identity
         * hashes are taken first, in a loop of independent loads, so the cache misses overlap.
         */
        void code(Object[] column, int n, int[] hashes) {
            clear();
            plain = false;
            identityHashes(column, n, hashes);
            int mask = instances.length - 1, prevCode = 0;
            Object prev = null;
            for (int i = 0; i < n; i++) {
                Object s = column[i];
                int code;
                if (s == null) {
                    code = 0;
                } else if (s == prev) {
                    code = prevCode;
                } else {
                    int slot = hashes[i] & mask;
                    Object k;
                    while ((k = instances[slot]) != null && k != s) slot = (slot + 1) & mask;
                    if (k != null) {
                        code = instanceCodes[slot];
                    } else {
                        Integer c = text ? index.get(s) : null;
                        if (c == null) {
                            if (values.size() == maxEntries) {
                                plain = true;
                                return;
                            }
                            values.add(s);
                            c = values.size();
                            if (text) index.put(s, c);
                        }
                        code = c;
                        if (seen == filled.length && filled.length < maxInstances) {
                            grow();
                            mask = instances.length - 1;
                            slot = hashes[i] & mask;
                            while (instances[slot] != null) slot = (slot + 1) & mask;
                        }
                        if (seen < filled.length) { // when full (instances not shared), the map alone
                            instances[slot] = s;
                            instanceCodes[slot] = code;
                            filled[seen++] = slot;
                        }
                    }
                    prev = s;
                    prevCode = code;
                }
                codes[i] = code;
            }
            if (!text) return;
            if (bytes.length < values.size()) bytes = new byte[Math.max(values.size(), bytes.length * 2)][];
            for (int k = 0; k < values.size(); k++) bytes[k] = ((String) values.get(k)).getBytes(StandardCharsets.UTF_8);
        }
    }

    /** Drops what is buffered and the file being written, if any (the run failed). */
    void abort() {
        size = 0;
        parquet.abort();
        release();
    }

    void close() {
        flush();
        release();
    }

    /** Drops the last batch's string references. */
    private void release() {
        Arrays.fill(uid, null);
        for (String[] a : strings) Arrays.fill(a, null);
        Arrays.fill(attributions, null);
        for (String[] a : attributeValues) if (a != null) Arrays.fill(a, null);
        attributionCodes.clear();
        for (Dictionary d : dictionaries) d.clear();
        Arrays.fill(texts, null);
    }
}
