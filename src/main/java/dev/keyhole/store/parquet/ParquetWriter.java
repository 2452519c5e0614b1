package dev.keyhole.store.parquet;

import io.airlift.compress.Compressor;
import io.airlift.compress.snappy.SnappyCompressor;
import io.airlift.compress.zstd.ZstdCompressor;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A small Parquet writer for flat schemas, written for the flow store (docs/store.md): format
 * version 1 files, data pages V1, compressed with the chosen {@link Codec} (except where it did not
 * pay: {@link #RAW_CHUNKS}); numbers as a dictionary
 * page plus RLE_DICTIONARY data pages when they have few distinct values, else DELTA_BINARY_PACKED;
 * booleans PLAIN; strings either a dictionary page plus RLE_DICTIONARY data pages or PLAIN; definition levels for
 * OPTIONAL columns in the RLE hybrid; per column chunk the null count and min/max in the column's
 * sort order (unsigned for UINT_*, unsigned bytes for strings) with TypeDefinedOrder, so readers
 * can skip row groups.
 *
 * <p>Usage: {@link #begin} a file, then per row group {@link #rowGroup} and one call per column in
 * schema order ({@link #int64}, {@link #int32}, {@link #bool}, {@link #dictionary}, {@link #strings}),
 * then {@link #end}. Values are passed compacted (NULLs left out) with a definition per row
 * ({@code defs[r] != 0}: row r has a value), or {@code defs == null} when every row has one. The
 * file is written under a hidden temporary name and renamed when complete, so no reader sees a
 * partial file. One writer per thread; its buffers are reused from file to file.
 */
public final class ParquetWriter {
    /** DuckDB's default row group size. */
    public static final int ROW_GROUP_ROWS = 122_880;
    /** Uncompressed size a data page aims at (string pages estimate it from the strings' lengths). */
    public static final int PAGE_BYTES = 1 << 20;
    /** Longer string extremes are left out of the statistics rather than kept in every footer. */
    static final int MAX_STAT_BYTES = 256;
    /**
     * After a column chunk (of 4 KiB or more) that the codec shrank by less than its
     * {@link Codec#minGainPercent}, this many chunks of the same column are written uncompressed,
     * then the codec is tried again: delta-coded addresses, ports and byte counts do not compress,
     * and compressing them was CPU for nothing.
     */
    static final int RAW_CHUNKS = 16;

    private static final byte[] MAGIC = "PAR1".getBytes(StandardCharsets.US_ASCII);
    private static final int PLAIN = 0, RLE = 3, DELTA_BINARY_PACKED = 5, RLE_DICTIONARY = 8;
    private static final int DATA_PAGE = 0, DICTIONARY_PAGE = 2;

    private final List<Field> fields;
    private final String createdBy;
    private final int rowGroupRows, pageBytes;
    private final Codec codec;
    /** Null for UNCOMPRESSED. */
    private final Compressor compressor;
    private final Buf body = new Buf(1 << 16), header = new Buf(128), footer = new Buf(1 << 14);
    private final Thrift headerThrift = new Thrift(header);
    /** The footer's parts that are the same in every file, encoded once (writing them was most of the footer's code). */
    private final byte[] footerHead, footerTail;
    private final byte[][] paths;
    private byte[] compressed = new byte[0];
    private final byte[] outBuffer = new byte[1 << 16];
    private int buffered;
    private int[] levels = new int[0], mapped = new int[0], remap = new int[0], used = new int[0];
    private long[] wide = new long[0];
    private final NumberDictionary numberDictionary = new NumberDictionary();
    /** Per column: how many more chunks go uncompressed ({@link #RAW_CHUNKS}); kept from file to file. */
    private final int[] rawChunks;
    private final Delta delta = new Delta();

    private Path path, tmp;
    private OutputStream out;
    private long pos, fileRows;
    private final List<Group> groups = new ArrayList<>();
    private Group group;
    private int col;

    /** What the footer needs of one column chunk. */
    private static final class Chunk {
        long values, uncompressed, compressed, dataPage = -1, dictionaryPage = -1, nulls;
        int dataPages, dataEncoding;
        /** The pages go through the codec (else UNCOMPRESSED, for this chunk only). */
        boolean compress;
        int[] encodings;
        byte[] min, max;
    }

    private static final class Group {
        final int rows;
        final Chunk[] chunks;

        Group(int rows, int columns) {
            this.rows = rows;
            this.chunks = new Chunk[columns];
        }
    }

    /**
     * Page compression, with its Parquet CompressionCodec number and the least it must shrink a
     * column chunk by to be kept on for the column's next chunks (in percent). Snappy is the
     * speed codec: on the 20 M-flow benchmark the dictionary codes of organisations, services and
     * cities, 12-26 % smaller through it, took 1.6 s of CPU for 65 MiB (docs/store.md); ZSTD is
     * chosen for size and keeps what saves a tenth.
     */
    public enum Codec {
        UNCOMPRESSED(0, 0), SNAPPY(1, 30), ZSTD(6, 10);

        final int thrift;
        final int minGainPercent;

        Codec(int thrift, int minGainPercent) {
            this.thrift = thrift;
            this.minGainPercent = minGainPercent;
        }
    }

    public ParquetWriter(List<Field> fields, String createdBy, Codec codec) {
        this(fields, createdBy, codec, ROW_GROUP_ROWS, PAGE_BYTES);
    }

    /** With other row group and page sizes (tests use small ones to get many of each). */
    public ParquetWriter(List<Field> fields, String createdBy, Codec codec, int rowGroupRows, int pageBytes) {
        if (fields.isEmpty()) throw new IllegalArgumentException("no columns");
        if (rowGroupRows < 1 || pageBytes < 8) throw new IllegalArgumentException("row group or page too small");
        this.fields = List.copyOf(fields);
        this.createdBy = createdBy;
        this.codec = codec;
        this.compressor = switch (codec) {
            case UNCOMPRESSED -> null;
            case SNAPPY -> new SnappyCompressor();
            case ZSTD -> new ZstdCompressor();
        };
        this.rowGroupRows = rowGroupRows;
        this.pageBytes = pageBytes;
        footerHead = footerHead(this.fields);
        footerTail = footerTail(this.fields, createdBy);
        paths = this.fields.stream().map(ParquetWriter::path).toArray(byte[][]::new);
        rawChunks = new int[this.fields.size()];
    }

    /** The most rows {@link #rowGroup} takes. */
    public int rowGroupRows() {
        return rowGroupRows;
    }

    /** Starts a file; it appears at {@code file} only when {@link #end} succeeds. */
    public void begin(Path file) throws IOException {
        if (out != null) throw new IllegalStateException("the previous file was neither ended nor aborted");
        path = file;
        tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        out = Files.newOutputStream(tmp);
        buffered = 0;
        pos = 0;
        fileRows = 0;
        groups.clear();
        group = null;
        write(MAGIC, MAGIC.length);
    }

    /** Starts a row group of {@code rows} rows (1 to {@link #rowGroupRows}); the previous one must be complete. */
    public void rowGroup(int rows) {
        if (out == null) throw new IllegalStateException("no file begun");
        completeGroup();
        if (rows < 1 || rows > rowGroupRows) throw new IllegalArgumentException("row group of " + rows + " rows");
        group = new Group(rows, fields.size());
        groups.add(group);
        col = 0;
        fileRows += rows;
    }

    /** The next column, INT64: {@code n} values. */
    public void int64(long[] v, int n, byte[] defs) throws IOException {
        boolean unsigned = next(Field.Physical.INT64).unsigned();
        long min = 0, max = 0;
        if (n > 0 && n <= v.length) { // a wrong n is reported by chunk(), not as an index error here
            min = unsigned ? extremeUnsigned(v, n, -1) : extreme(v, n, -1);
            max = unsigned ? extremeUnsigned(v, n, 1) : extreme(v, n, 1);
        }
        int64(v, n, defs, min, max);
    }

    /**
     * {@link #int64} with the values' least and greatest (in the column's order, unsigned for
     * UINT_64) already known: a caller that gathers the values anyway finds them in the same loop,
     * instead of two more passes over the chunk here.
     */
    public void int64(long[] v, int n, byte[] defs, long min, long max) throws IOException {
        Field f = next(Field.Physical.INT64);
        numbers(f, chunk(f, n, defs), v, n, defs, false, min, max);
    }

    /** The next column, INT32: {@code n} values (UINT_32 ones as the int of the same bits). */
    public void int32(int[] v, int n, byte[] defs) throws IOException {
        boolean unsigned = next(Field.Physical.INT32).unsigned();
        long min = 0, max = 0;
        if (n > 0 && n <= v.length) { // a wrong n is reported by chunk(), not as an index error here
            if (wide.length < n) wide = new long[Math.max(n, rowGroupRows)];
            long[] w = wide;
            // Unsigned ones widened as unsigned, so one signed comparison gives min and max for both.
            if (unsigned) for (int i = 0; i < n; i++) w[i] = v[i] & 0xFFFFFFFFL;
            else for (int i = 0; i < n; i++) w[i] = v[i];
            min = extreme(w, n, -1);
            max = extreme(w, n, 1);
        }
        int32Widened(wide, n, defs, min, max);
    }

    /**
     * {@link #int32} from values already widened to longs (UINT_32 ones zero-extended), with their
     * least and greatest known: the caller's gather loop does the widening and finds both.
     */
    public void int32Widened(long[] w, int n, byte[] defs, long min, long max) throws IOException {
        Field f = next(Field.Physical.INT32);
        numbers(f, chunk(f, n, defs), w, n, defs, true, min, max);
    }

    /**
     * A numeric column chunk: a dictionary page and RLE_DICTIONARY codes when it has at most
     * {@link NumberDictionary#MAX} distinct values (and no more than one per 8 rows), else
     * DELTA_BINARY_PACKED. Both take far fewer bytes than PLAIN for flow data (constant columns,
     * small counters, times in arrival order), so there is less to compress and write.
     * {@code min} and {@code max} (ignored when n is 0) are the statistics.
     */
    private void numbers(Field f, Chunk c, long[] v, int n, byte[] defs, boolean int32, long min, long max) throws IOException {
        int bytes = int32 ? 4 : 8;
        if (n > 0) {
            c.min = le(min, bytes);
            c.max = le(max, bytes);
        }
        if (mapped.length < n) mapped = new int[Math.max(n, rowGroupRows)];
        int limit = Math.min(NumberDictionary.MAX, Math.max(1, n / 8));
        if (n > 0 && numberDictionary.code(v, n, limit, mapped)) {
            int u = numberDictionary.size;
            body.reset();
            long[] values = numberDictionary.values;
            if (int32) for (int j = 0; j < u; j++) body.i32((int) values[j]);
            else body.i64s(values, 0, u);
            page(c, DICTIONARY_PAGE, u, PLAIN);
            codes(f, c, defs, mapped, n, u);
            return;
        }
        int rows = group.rows, perPage = Math.max(1, pageBytes / bytes), k = 0;
        for (int r = 0; r < rows; ) {
            int end = Math.min(rows, r + perPage);
            int cnt = levels(f, defs, r, end);
            delta.encode(body, v, k, cnt, int32);
            k += cnt;
            dataPage(c, end - r, DELTA_BINARY_PACKED);
            r = end;
        }
        done(f, c, k, n, DELTA_BINARY_PACKED);
    }

    // The statistics' loops are methods of their own so that C2 compiles them small (as OSR while a
    // first chunk runs) instead of compiling all of numbers() from inside a loop.

    /** The least ({@code sign} -1) or greatest ({@code sign} 1) of {@code v[0..n)}, n > 0. */
    private static long extreme(long[] v, int n, int sign) {
        long e = v[0];
        if (sign < 0) for (int i = 1; i < n; i++) e = Math.min(e, v[i]);
        else for (int i = 1; i < n; i++) e = Math.max(e, v[i]);
        return e;
    }

    /** {@link #extreme} in unsigned order. */
    private static long extremeUnsigned(long[] v, int n, int sign) {
        long e = v[0];
        for (int i = 1; i < n; i++) if (Long.compareUnsigned(v[i], e) * sign > 0) e = v[i];
        return e;
    }

    /** The data pages of a dictionary-encoded chunk: {@code values[0..n)}, codes below u. */
    private void codes(Field f, Chunk c, byte[] defs, int[] values, int n, int u) throws IOException {
        int width = Hybrid.width(u - 1);
        int rows = group.rows, perPage = Math.max(1, pageBytes / 4), k = 0;
        for (int r = 0; r < rows; ) {
            int end = Math.min(rows, r + perPage);
            int cnt = levels(f, defs, r, end);
            body.u8(width);
            Hybrid.encode(body, values, k, k + cnt, width);
            k += cnt;
            dataPage(c, end - r, RLE_DICTIONARY);
            r = end;
        }
        done(f, c, k, n, RLE_DICTIONARY);
    }

    /** The next column, BOOLEAN: {@code n} values, 0 false, anything else true. */
    public void bool(byte[] v, int n, byte[] defs) throws IOException {
        Field f = next(Field.Physical.BOOLEAN);
        Chunk c = chunk(f, n, defs);
        if (n > 0) {
            boolean anyFalse = false, anyTrue = false;
            for (int i = 0; i < n; i++) {
                if (v[i] == 0) anyFalse = true;
                else anyTrue = true;
            }
            c.min = new byte[] {(byte) (anyFalse ? 0 : 1)};
            c.max = new byte[] {(byte) (anyTrue ? 1 : 0)};
        }
        int rows = group.rows, perPage = pageBytes * 8, k = 0;
        for (int r = 0; r < rows; ) {
            int end = (int) Math.min(rows, (long) r + perPage);
            int cnt = levels(f, defs, r, end);
            // PLAIN booleans: one bit each, from the least significant bit of each byte.
            body.ensure((cnt + 7) / 8);
            byte[] a = body.a;
            int p = body.n, acc = 0, bits = 0;
            for (int i = k; i < k + cnt; i++) {
                if (v[i] != 0) acc |= 1 << bits;
                if (++bits == 8) {
                    a[p++] = (byte) acc;
                    acc = 0;
                    bits = 0;
                }
            }
            if (bits > 0) a[p++] = (byte) acc;
            body.n = p;
            k += cnt;
            dataPage(c, end - r, PLAIN);
            r = end;
        }
        done(f, c, k, n, PLAIN);
    }

    /**
     * The next column, BYTE_ARRAY, dictionary-encoded: {@code n} values as indices into
     * {@code dictionary[0..size)} (UTF-8 bytes, for strings). The chunk's dictionary page holds
     * only the entries used, in order of first use.
     */
    public void dictionary(int[] idx, int n, byte[][] dictionary, int size, byte[] defs) throws IOException {
        if (n == 0) {
            strings(new String[0], 0, defs);
            return;
        }
        Field f = next(Field.Physical.BYTE_ARRAY);
        Chunk c = chunk(f, n, defs);
        if (remap.length < size) {
            remap = new int[size];
            Arrays.fill(remap, -1);
        }
        if (mapped.length < n) mapped = new int[n];
        if (used.length < Math.min(size, n)) used = new int[Math.min(size, n)];
        int u = 0;
        try {
            for (int i = 0; i < n; i++) {
                int d = idx[i];
                if (Integer.compareUnsigned(d, size) >= 0) {
                    throw new IllegalArgumentException(f.name() + ": index " + d + " outside a dictionary of " + size);
                }
                int m = remap[d];
                if (m < 0) {
                    m = u;
                    remap[d] = u;
                    used[u++] = d;
                }
                mapped[i] = m;
            }
        } finally {
            for (int j = 0; j < u; j++) remap[used[j]] = -1;
        }
        dictionaryPage(c, dictionary, used, u);
        codes(f, c, defs, mapped, n, u);
    }

    /**
     * {@link #dictionary} for a caller that has made the chunk's codes itself: {@code codes[0..n)}
     * below {@code u}, code j standing for {@code dictionary[used[j]]}, numbered in order of first use
     * as {@link #dictionary} numbers them (the files come out the same). The store codes its
     * attribution columns once per distinct attribution this way rather than once per row.
     */
    public void dictionaryCoded(int[] codes, int n, byte[][] dictionary, int[] used, int u, byte[] defs) throws IOException {
        if (n == 0) {
            strings(new String[0], 0, defs);
            return;
        }
        Field f = next(Field.Physical.BYTE_ARRAY);
        Chunk c = chunk(f, n, defs);
        dictionaryPage(c, dictionary, used, u);
        codes(f, c, defs, codes, n, u);
    }

    /** The dictionary page of entries {@code dictionary[used[0..u)]}, and the chunk's statistics. */
    private void dictionaryPage(Chunk c, byte[][] dictionary, int[] used, int u) throws IOException {
        byte[] min = dictionary[used[0]], max = min;
        body.reset();
        for (int j = 0; j < u; j++) {
            byte[] b = dictionary[used[j]];
            body.i32(b.length);
            body.bytes(b, 0, b.length);
            if (Arrays.compareUnsigned(b, min) < 0) min = b;
            if (Arrays.compareUnsigned(b, max) > 0) max = b;
        }
        stringStats(c, min, max);
        page(c, DICTIONARY_PAGE, u, PLAIN);
    }

    /** The next column, BYTE_ARRAY, PLAIN: {@code n} non-null strings, written as UTF-8. */
    public void strings(String[] v, int n, byte[] defs) throws IOException {
        Field f = next(Field.Physical.BYTE_ARRAY);
        Chunk c = chunk(f, n, defs);
        byte[] min = null, max = null;
        int rows = group.rows, k = 0;
        for (int r = 0; r < rows; ) {
            // The page ends when its strings reach about pageBytes (chars counted; exact for ASCII).
            int end = r;
            long size = 0;
            for (int i = k; end < rows && size < pageBytes; end++) {
                if (defs == null || defs[end] != 0) size += 4 + v[i++].length();
            }
            int cnt = levels(f, defs, r, end);
            for (int i = k; i < k + cnt; i++) {
                int at = utf8(v[i]);
                byte[] a = body.a;
                int from = at + 4, to = body.n;
                if (min == null || Arrays.compareUnsigned(a, from, to, min, 0, min.length) < 0) {
                    min = Arrays.copyOfRange(a, from, to);
                }
                if (max == null || Arrays.compareUnsigned(a, from, to, max, 0, max.length) > 0) {
                    max = Arrays.copyOfRange(a, from, to);
                }
            }
            k += cnt;
            dataPage(c, end - r, PLAIN);
            r = end;
        }
        if (min != null) stringStats(c, min, max);
        done(f, c, k, n, PLAIN);
    }

    /** Writes the footer, closes the file and gives it its name. */
    public void end() throws IOException {
        if (out == null) throw new IllegalStateException("no file begun");
        completeGroup();
        footer.reset();
        Thrift t = new Thrift(footer);
        // FileMetaData: version and schema (the same in every file), rows, row groups, then
        // created_by and column orders (the same too).
        t.begin();
        t.raw(footerHead, 2);
        t.i64(3, fileRows);
        t.list(4, Thrift.STRUCT, groups.size());
        for (Group g : groups) {
            t.begin();
            t.list(1, Thrift.STRUCT, g.chunks.length);
            long uncompressed = 0, compressedTotal = 0;
            for (int i = 0; i < g.chunks.length; i++) {
                Chunk c = g.chunks[i];
                uncompressed += c.uncompressed;
                compressedTotal += c.compressed;
                chunkMeta(t, c, i);
            }
            t.i64(2, uncompressed);
            t.i64(3, g.rows);
            Chunk first = g.chunks[0];
            t.i64(5, first.dictionaryPage >= 0 ? first.dictionaryPage : first.dataPage);
            t.i64(6, compressedTotal);
            t.end();
        }
        t.raw(footerTail, 7);
        t.end();
        write(footer.a, footer.n);
        byte[] len = le(footer.n, 4);
        write(len, 4);
        write(MAGIC, 4);
        drain();
        OutputStream o = out;
        out = null;
        o.close();
        Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE);
        tmp = null;
        groups.clear();
        group = null;
    }

    /** One ColumnChunk of a row group's list: where column {@code i}'s pages are, their encodings and statistics. */
    private void chunkMeta(Thrift t, Chunk c, int i) {
        Field f = fields.get(i);
        t.begin();
        t.i64(2, 0); // file_offset: deprecated, 0 (no metadata outside the footer)
        t.struct(3);
        t.i32(1, f.physical().thrift);
        t.list(2, Thrift.I32, c.encodings.length);
        for (int e : c.encodings) t.element(e);
        t.raw(paths[i], 3); // path_in_schema: the column's name
        t.i32(4, c.compress ? codec.thrift : Codec.UNCOMPRESSED.thrift);
        t.i64(5, c.values);
        t.i64(6, c.uncompressed);
        t.i64(7, c.compressed);
        t.i64(9, c.dataPage);
        if (c.dictionaryPage >= 0) t.i64(11, c.dictionaryPage);
        t.struct(12);
        t.i64(3, c.nulls);
        if (c.min != null) {
            t.binary(5, c.max);
            t.binary(6, c.min);
            t.bool(7, true);
            t.bool(8, true);
        }
        t.end();
        // encoding_stats: lets parquet-java (Spark) see that every data page is dictionary-coded
        // and prune row groups by the dictionary.
        t.list(13, Thrift.STRUCT, c.dictionaryPage >= 0 ? 2 : 1);
        if (c.dictionaryPage >= 0) {
            t.begin();
            t.i32(1, DICTIONARY_PAGE);
            t.i32(2, PLAIN);
            t.i32(3, 1);
            t.end();
        }
        t.begin();
        t.i32(1, DATA_PAGE);
        t.i32(2, c.dataEncoding);
        t.i32(3, c.dataPages);
        t.end();
        t.end();
        t.end();
    }

    /** FileMetaData's fields 1 (version) and 2 (schema), from the start of the struct. */
    private static byte[] footerHead(List<Field> fields) {
        Buf b = new Buf(4096);
        Thrift t = new Thrift(b);
        t.begin();
        t.i32(1, 1);
        t.list(2, Thrift.STRUCT, fields.size() + 1);
        t.begin(); // the root, as DuckDB writes it: REQUIRED, its columns as children
        t.i32(3, 0);
        t.string(4, "schema");
        t.i32(5, fields.size());
        t.end();
        for (Field f : fields) {
            t.begin();
            t.i32(1, f.physical().thrift);
            t.i32(3, f.optional() ? 1 : 0);
            t.string(4, f.name());
            if (f.annotation() != Field.Annotation.NONE) t.i32(6, f.annotation().thrift);
            if (f.annotation() == Field.Annotation.TIMESTAMP_MICROS) {
                t.struct(10); // LogicalType
                t.struct(8); // TIMESTAMP
                t.bool(1, false); // isAdjustedToUTC
                t.struct(2); // unit
                t.struct(2); // MICROS
                t.end();
                t.end();
                t.end();
                t.end();
            }
            t.end();
        }
        return Arrays.copyOf(b.a, b.n);
    }

    /** FileMetaData's fields 6 (created_by) and 7 (column orders), after field 4. */
    private static byte[] footerTail(List<Field> fields, String createdBy) {
        Buf b = new Buf(256);
        Thrift t = new Thrift(b);
        t.begin();
        t.raw(new byte[0], 4);
        t.string(6, createdBy);
        t.list(7, Thrift.STRUCT, fields.size());
        for (int i = 0; i < fields.size(); i++) {
            t.begin();
            t.struct(1); // TYPE_ORDER: TypeDefinedOrder
            t.end();
            t.end();
        }
        return Arrays.copyOf(b.a, b.n);
    }

    /** ColumnMetaData's field 3 (path_in_schema: a list of the one name), after field 2. */
    private static byte[] path(Field f) {
        Buf b = new Buf(64);
        Thrift t = new Thrift(b);
        t.begin();
        t.raw(new byte[0], 2);
        t.list(3, Thrift.BINARY, 1);
        t.element(f.name());
        return Arrays.copyOf(b.a, b.n);
    }

    /** Drops the file being written, if any (after a failure); never throws. */
    public void abort() {
        OutputStream o = out;
        out = null;
        groups.clear();
        group = null;
        if (o != null) {
            try {
                o.close();
            } catch (IOException ignored) {
                // the failure that led here is the one to report
            }
        }
        // Also after a failed rename, when the stream is already closed.
        if (tmp == null) return;
        try {
            Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
            // a hidden .tmp file does not look like part of the store
        }
        tmp = null;
    }

    /** The file being written (its final name). */
    public Path path() {
        return path;
    }

    private Field next(Field.Physical type) {
        if (group == null) throw new IllegalStateException("no row group begun");
        if (col >= fields.size()) throw new IllegalStateException("all columns of the row group written");
        Field f = fields.get(col);
        if (f.physical() != type) throw new IllegalArgumentException(f.name() + " is " + f.physical() + ", not " + type);
        return f;
    }

    private Chunk chunk(Field f, int n, byte[] defs) {
        if (n < 0 || n > group.rows) throw new IllegalArgumentException(f.name() + ": " + n + " values for " + group.rows + " rows");
        if (defs == null ? n != group.rows : defs.length < group.rows) {
            throw new IllegalArgumentException(f.name() + ": " + (defs == null ? n + " values and no definitions for "
                    : "definitions shorter than ") + group.rows + " rows");
        }
        if (!f.optional() && n != group.rows) throw new IllegalArgumentException(f.name() + " is REQUIRED but has NULLs");
        Chunk c = new Chunk();
        c.values = group.rows;
        c.nulls = group.rows - n;
        c.compress = compressor != null && rawChunks[col] == 0;
        if (compressor != null && !c.compress) rawChunks[col]--;
        return c;
    }

    private void done(Field f, Chunk c, int written, int n, int encoding) {
        if (written != n) throw new IllegalArgumentException(f.name() + ": the definitions give " + written + " values, not " + n);
        c.dataEncoding = encoding;
        // A chunk of a few pages' headers says nothing about the column.
        if (c.compress && c.uncompressed >= 4096 && c.compressed * 100 > c.uncompressed * (100 - codec.minGainPercent)) {
            rawChunks[col] = RAW_CHUNKS;
        }
        // The chunk's encodings: the dictionary page's PLAIN, RLE for definition levels, the values'.
        c.encodings = encoding == RLE_DICTIONARY ? (f.optional() ? new int[] {PLAIN, RLE, RLE_DICTIONARY} : new int[] {PLAIN, RLE_DICTIONARY})
                : encoding == DELTA_BINARY_PACKED ? (f.optional() ? new int[] {RLE, DELTA_BINARY_PACKED} : new int[] {DELTA_BINARY_PACKED})
                : f.optional() ? new int[] {PLAIN, RLE} : new int[] {PLAIN};
        group.chunks[col++] = c;
    }

    private void completeGroup() {
        if (group != null && col != fields.size()) {
            throw new IllegalStateException("row group incomplete: " + col + " of " + fields.size() + " columns written");
        }
    }

    private static void stringStats(Chunk c, byte[] min, byte[] max) {
        if (min.length <= MAX_STAT_BYTES && max.length <= MAX_STAT_BYTES) {
            c.min = min;
            c.max = max;
        }
    }

    /**
     * Starts a data page in {@link #body}: for an OPTIONAL column the definition levels of rows
     * {@code [from, to)} (RLE hybrid, width 1, after their 4-byte length); returns how many of the
     * rows have a value.
     */
    private int levels(Field f, byte[] defs, int from, int to) {
        body.reset();
        int rows = to - from;
        if (!f.optional()) {
            if (defs != null) throw new IllegalArgumentException(f.name() + " is REQUIRED: no definitions");
            return rows;
        }
        int at = body.n;
        body.i32(0);
        int present = rows;
        if (defs == null) {
            Hybrid.rle(body, 1, rows, 1);
        } else {
            if (levels.length < rows) levels = new int[rows];
            present = 0;
            for (int i = 0; i < rows; i++) {
                int d = defs[from + i] != 0 ? 1 : 0;
                levels[i] = d;
                present += d;
            }
            Hybrid.encode(body, levels, 0, rows, 1);
        }
        body.i32At(at, body.n - at - 4);
        return present;
    }

    /** Appends s to {@link #body} as a PLAIN BYTE_ARRAY (length, UTF-8); returns where it starts. */
    private int utf8(String s) {
        int len = s.length(), at = body.n;
        body.ensure(4 + len);
        byte[] a = body.a;
        int p = at + 4;
        for (int i = 0; i < len; i++) {
            char ch = s.charAt(i);
            if (ch >= 0x80) {
                byte[] b = s.getBytes(StandardCharsets.UTF_8); // not ASCII: the JDK's encoder
                body.i32(b.length);
                body.bytes(b, 0, b.length);
                return at;
            }
            a[p++] = (byte) ch;
        }
        body.i32At(at, len);
        body.n = p;
        return at;
    }

    private void dataPage(Chunk c, int values, int encoding) throws IOException {
        page(c, DATA_PAGE, values, encoding);
    }

    /** Compresses {@link #body} and writes it as one page with its header. */
    private void page(Chunk c, int type, int values, int encoding) throws IOException {
        int len = body.n, clen;
        byte[] data;
        if (!c.compress) {
            data = body.a;
            clen = len;
        } else {
            int max = compressor.maxCompressedLength(len);
            if (compressed.length < max) compressed = new byte[Math.max(max, compressed.length * 2)];
            clen = compressor.compress(body.a, 0, len, compressed, 0, compressed.length);
            data = compressed;
        }
        header.reset();
        Thrift t = headerThrift;
        t.begin();
        t.i32(1, type);
        t.i32(2, len);
        t.i32(3, clen);
        if (type == DATA_PAGE) {
            t.struct(5);
            t.i32(1, values);
            t.i32(2, encoding);
            t.i32(3, RLE);
            t.i32(4, RLE);
            t.end();
            if (c.dataPage < 0) c.dataPage = pos;
            c.dataPages++;
        } else {
            t.struct(7);
            t.i32(1, values);
            t.i32(2, encoding);
            t.end();
            c.dictionaryPage = pos;
        }
        t.end();
        write(header.a, header.n);
        write(data, clen);
        c.uncompressed += header.n + len;
        c.compressed += header.n + clen;
    }

    /** Small writes (headers, footer) gather in a buffer reused across files; pages go straight out. */
    private void write(byte[] b, int len) throws IOException {
        if (buffered + len > outBuffer.length) drain();
        if (len >= outBuffer.length) {
            out.write(b, 0, len);
        } else {
            System.arraycopy(b, 0, outBuffer, buffered, len);
            buffered += len;
        }
        pos += len;
    }

    private void drain() throws IOException {
        if (buffered > 0) out.write(outBuffer, 0, buffered);
        buffered = 0;
    }

    private static byte[] le(long v, int bytes) {
        byte[] b = new byte[bytes];
        for (int i = 0; i < bytes; i++) b[i] = (byte) (v >>> (8 * i));
        return b;
    }
}
