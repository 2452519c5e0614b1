package dev.keyhole.sources.nfcapd;

import dev.keyhole.records.FlowRecord;

import dev.keyhole.sources.Rejects;

import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * One read of one nfcapd file: nfdump 1.7 file layout 2 (V3 records), or layout 1 of nfdump 1.6
 * (common records described by extension maps). The file is read sequentially through a
 * window of big reads; each data block is decompressed into a reused buffer and its V3 records are
 * decoded element by element into one reused {@link NfcapdFlow}. A block is trusted when its records
 * chain exactly to its (decompressed) length; damage is reported with the block's file offset and
 * reading resumes at the next block that validates. See docs/formats/nfcapd.md.
 */
final class NfcapdDecoder {
    static final int FILE_HEADER = 40;
    static final int BLOCK_HEADER = 12;
    static final int MAGIC = 0xA50C;
    /** nfdump's BUFFSIZE: it treats larger blocks as corrupt, and so do we. */
    static final int MAX_BLOCK = 5 << 20;
    static final int V3_RECORD = 11;
    static final int V3_HEADER = 12;
    static final int FLAG_BLOCK_UNCOMPRESSED = 1;
    /** Layout 1: 140-byte header (magic, version, flags, block count, ident) and a 136-byte stat record. */
    static final int FILE_HEADER_V1 = 140 + 136;
    static final int COMMON_RECORD = 10, EXTENSION_MAP = 2, COMMON_HEADER = 32;
    static final int V1_LZO = 0x1, V1_BZ2 = 0x8, V1_LZ4 = 0x10;

    // Extension element ids (nfxV3.h) and the length (with its 4-byte header) up to the last field read.
    static final int EX_GENERIC = 1, EX_IPV4 = 2, EX_IPV6 = 3, EX_CNT = 5, EX_AS = 7, EX_NSEL = 19, EX_NEL = 25;
    static final int LEN_GENERIC = 4 + 46, LEN_IPV4 = 4 + 8, LEN_IPV6 = 4 + 32, LEN_CNT = 4 + 24, LEN_AS = 4 + 8,
            LEN_EVENT = 4 + 8;

    private static final VarHandle I16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /** Buffers and codecs one thread reuses across files. */
    static final class Buffers {
        byte[] window = new byte[2 << 20];
        final byte[] out = new byte[MAX_BLOCK];
        final Compression.Codecs codecs = new Compression.Codecs();
        Prefetch.Slot[] slots;
    }

    private final InputStream in;
    private final Rejects rejects;
    private final FlowVisitor visitor;
    private final Buffers buffers;
    private final NfcapdFlow flow = new NfcapdFlow();
    /** Asked before each prefetch: are cores idle? Null: never prefetch. */
    private final java.util.function.BooleanSupplier spareCores;
    private Prefetch prefetch;

    private byte[] buf;
    private int lim;     // valid bytes in buf
    private long base;   // file offset of buf[0]
    private boolean eof;

    private Compression compression;
    private int compressionCode;
    private int encryption;
    private long emitted;

    NfcapdDecoder(InputStream in, Rejects rejects, FlowVisitor visitor, Buffers buffers,
                  java.util.function.BooleanSupplier spareCores) {
        this.in = in;
        this.rejects = rejects;
        this.visitor = visitor;
        this.buffers = buffers;
        this.buf = buffers.window;
        this.spareCores = spareCores;
    }

    long run() throws IOException {
        try {
            return file();
        } finally {
            if (prefetch != null) prefetch.drain();
            rejects.skipped(NO_ADDRESSES, noAddresses);
        }
    }

    /**
     * V3 records without an address element: nfdump prints them as 0.0.0.0 flows (and counts them
     * in {@code -I}'s "Flows:"), Keyhole cannot place them, so they are counted here instead.
     */
    public static final String NO_ADDRESSES = "nfcapd records without addresses";
    private long noAddresses;

    private long file() throws IOException {
        int p = ensure(0, FILE_HEADER);
        if (lim < FILE_HEADER) {
            rejects.atOffset(0, 0, lim == 0 ? "empty file" : "file ends after " + lim
                    + " bytes, inside the 40-byte nfcapd file header");
            return 0;
        }
        int magic = u16(buf, 0);
        if (magic != MAGIC) {
            rejects.atOffset(0, 0, magic == 0x0CA5 ? "big-endian nfcapd file (written on a big-endian host): not supported"
                    : String.format("not an nfcapd file: magic 0x%04X, expected 0xA50C", magic));
            return 0;
        }
        int version = u16(buf, 2);
        if (version == 1) {
            p = ensure(0, FILE_HEADER_V1);
            if (lim < FILE_HEADER_V1) {
                rejects.atOffset(0, 0, "file ends after " + lim + " bytes, inside the " + FILE_HEADER_V1
                        + "-byte header and stat record of nfcapd layout 1");
                return 0;
            }
            // Layout 1 keeps compression as flag bits; nfdump 1.7 maps them to the layout-2 codes.
            compressionCode = (int) u32(buf, 4) & (V1_LZO | V1_BZ2 | V1_LZ4);
            compression = compressionCode == 0 ? Compression.NONE : compressionCode == V1_LZO ? Compression.LZO
                    : compressionCode == V1_BZ2 ? Compression.BZ2 : compressionCode == V1_LZ4 ? Compression.LZ4 : null;
            if (compression == null) {
                rejects.atOffset(4, 0, "layout-1 header flags 0x" + Integer.toHexString(compressionCode)
                        + " name several compressions: only blocks flagged uncompressed can be read");
            }
            return blocks(FILE_HEADER_V1);
        }
        if (version != 2) {
            rejects.atOffset(2, 0, "unknown nfcapd file layout version " + version);
            return 0;
        }
        compressionCode = buf[16] & 0xff;
        compression = Compression.of(compressionCode);
        encryption = buf[17] & 0xff;
        if (compression == null) {
            rejects.atOffset(16, 0, "unknown compression " + compressionCode
                    + " in the file header: only blocks flagged uncompressed can be read");
        }
        if (encryption != 0) {
            rejects.atOffset(17, 0, "encrypted file (encryption " + encryption
                    + "): only blocks flagged unencrypted can be read");
        }
        return blocks(FILE_HEADER);
    }

    private long blocks(int first) throws IOException {
        int p = first;
        while (true) {
            p = ensure(p, BLOCK_HEADER);
            if (p >= lim) return emitted;
            if (lim - p < BLOCK_HEADER) {
                rejects.atOffset(base + p, 0, "file ends " + (lim - p) + " bytes into a block header (truncated)");
                return emitted;
            }
            p = idx(block(base + p));
        }
    }

    // ---------------------------------------------------------------- blocks

    /** Reads the block whose header is at file offset {@code off}; returns the offset of what follows. */
    private long block(long off) throws IOException {
        int p = idx(off);
        long n = u32(buf, p);
        int size = (int) I32.get(buf, p + 4);
        int type = u16(buf, p + 8);
        int flags = u16(buf, p + 10);
        if (!saneHeader(n, size, type, flags)) {
            long next = resync(off + 1);
            rejects.atOffset(off, 1, "corrupt block header (records " + n + ", size " + (size & 0xffff_ffffL)
                    + ", type " + type + ", flags 0x" + Integer.toHexString(flags) + "); skipped " + (next - off)
                    + " bytes" + resumed(next) + "; records lost: unknown, counted as 1");
            return next;
        }
        p = ensure(p, BLOCK_HEADER + size);
        off = base + p;
        if (lim - p < BLOCK_HEADER + size) { // only at end of file
            long end = base + lim;
            long next = resync(off + BLOCK_HEADER);
            if (next < end) {
                rejects.atOffset(off, n, "block size " + size + " runs past the end of file, but a valid block starts at"
                        + " offset " + next + ": block header damaged; records lost: " + n);
                return next;
            }
            p = idx(off);
            long read = 0;
            if (recordBlock(type) && blockCompression(flags) == Compression.NONE && encryption == 0) {
                read = records(buf, p + BLOCK_HEADER, lim, off, true).emitted;
            }
            rejects.atOffset(off, Math.max(0, n - read), "block truncated: its header says " + size
                    + " bytes but the file ends after " + (end - off - BLOCK_HEADER) + " (at offset " + end + ");"
                    + " records lost: " + Math.max(0, n - read) + (read > 0 ? ", the " + read + " before the cut were read" : ""));
            return end;
        }
        long next = off + BLOCK_HEADER + size;
        prefetch(next);
        String problem = decodeBlock(p, n, size, type, flags);
        if (problem == null) return next;
        if (!contentDamaged) {
            rejects.atOffset(off, lostInFailedBlock, problem);
            return next;
        }
        // The content is damaged. If a block (or the end of file) follows where the header says, only
        // this block is lost; otherwise the size may be what is damaged, so look for the next block.
        if (!blockOrEndAt(next)) next = resync(off + 1);
        rejects.atOffset(off, lostInFailedBlock, problem + (next == off + BLOCK_HEADER + size ? ""
                : "; the block's size does not lead to another block: skipped " + (next - off) + " bytes" + resumed(next)));
        return next;
    }

    /** Records lost in the block {@link #decodeBlock} last reported as failed. */
    private long lostInFailedBlock;
    /** Whether that failure was in the content (else the header says the block cannot be read here). */
    private boolean contentDamaged;

    /**
     * Decodes the whole block at {@code p}; returns null when it was clean, else what was wrong (records
     * before the damage of an uncompressed or decompressed block are still emitted).
     */
    private String decodeBlock(int p, long n, int size, int type, int flags) {
        Compression c = blockCompression(flags);
        contentDamaged = false;
        if (c == null) {
            lostInFailedBlock = n;
            return "block compressed with unknown compression " + compressionCode + "; records lost: " + n;
        }
        if (encryption != 0 && (flags & 2) == 0) {
            lostInFailedBlock = n;
            return "block encrypted; records lost: " + n;
        }
        if (!recordBlock(type)) {
            lostInFailedBlock = n;
            return "data block type " + type + " is not supported; records lost: " + n;
        }
        contentDamaged = true;
        byte[] data;
        int from, len;
        if (c == Compression.NONE) {
            data = buf;
            from = p + BLOCK_HEADER;
            len = size;
        } else {
            Prefetch.Slot slot = prefetch == null ? null : prefetch.take(base + p);
            from = 0;
            RuntimeException error = null;
            if (slot != null) {
                data = slot.out;
                len = slot.len;
                error = slot.error;
            } else {
                data = buffers.out;
                try {
                    len = c.decompress(buffers.codecs, buf, p + BLOCK_HEADER, size, data);
                } catch (RuntimeException e) {
                    len = -1;
                    error = e;
                }
            }
            try {
                if (error != null) {
                    lostInFailedBlock = n;
                    // The library's own offsets are into its buffer, not the file: left out.
                    String why = error.getMessage() == null ? "" : error.getMessage().replaceAll(":? ?offset=-?\\d+", "");
                    return c + " decompression failed (" + error.getClass().getSimpleName()
                            + (why.isEmpty() ? "" : ": " + why) + "); records lost: " + n;
                }
                if (len < 0) {
                    lostInFailedBlock = n;
                    return c + " block decompresses to more than " + MAX_BLOCK + " bytes; records lost: " + n;
                }
                return checkRecords(data, from, len, p, n, c);
            } finally {
                if (slot != null) prefetch.release(slot);
            }
        }
        return checkRecords(data, from, len, p, n, c);
    }

    /** Decodes the records of a (decompressed) block and says what was wrong, or null. */
    private String checkRecords(byte[] data, int from, int len, int p, long n, Compression c) {
        Walk w = records(data, from, from + len, base + p, true);
        if (w.end == from + len && w.count == n && w.badRecords == 0) return null;
        if (w.end == from + len) {
            lostInFailedBlock = w.badRecords + Math.max(0, n - w.count);
            // Chained to the end: the records are sound, only counts disagree or single records were malformed.
            if (w.count != n) {
                rejects.atOffset(base + p, Math.max(0, n - w.count), "block header says " + n + " records but the block"
                        + " holds " + w.count + "; all " + w.count + " read");
            }
            return null;
        }
        lostInFailedBlock = Math.max(1, n - w.count) + w.badRecords;
        return "record " + (w.count + 1) + " of the block (byte " + (w.end - from) + " of " + len
                + (c == Compression.NONE ? "" : " decompressed") + ") overruns the block or has size < 4; the "
                + w.count + " records before it were read; records lost: " + Math.max(1, n - w.count);
    }

    /**
     * Queues decompression of the compressed blocks wholly in the window after {@code from}, up to
     * {@link Prefetch#DEPTH}, when cores are idle.
     */
    private void prefetch(long from) {
        if (spareCores == null || compression == null || compression == Compression.NONE || encryption != 0) return;
        if (prefetch == null) {
            if (!spareCores.getAsBoolean()) return;
            if (buffers.slots == null) buffers.slots = Prefetch.newSlots();
            prefetch = new Prefetch(buffers.slots);
        }
        if (prefetch.full() || !spareCores.getAsBoolean()) return;
        long q = from;
        while (!prefetch.full()) {
            int i = idx(q);
            if (lim - i < BLOCK_HEADER) return;
            long n = u32(buf, i);
            int size = (int) I32.get(buf, i + 4);
            int type = u16(buf, i + 8);
            int flags = u16(buf, i + 10);
            if (!saneHeader(n, size, type, flags) || !recordBlock(type) || lim - i - BLOCK_HEADER < size) return;
            Compression c = blockCompression(flags);
            if (c != Compression.NONE && !prefetch.has(q)) prefetch.submit(q, c, buf, i + BLOCK_HEADER, size);
            q += BLOCK_HEADER + size;
        }
    }

    /** Block types 2 (nfdump 1.6) and 3 (1.7) hold records, each with its own header; nfdump reads both alike. */
    private static boolean recordBlock(int type) {
        return type == 2 || type == 3;
    }

    private Compression blockCompression(int flags) {
        return (flags & FLAG_BLOCK_UNCOMPRESSED) != 0 ? Compression.NONE : compression;
    }

    private static boolean saneHeader(long n, int size, int type, int flags) {
        // Compressed blocks can hold far more records than size / 4, so only the decompressed size bounds n.
        return size > 0 && size <= MAX_BLOCK && n > 0 && n <= MAX_BLOCK / 4 && type >= 1 && type <= 4 && flags <= 7;
    }

    private String resumed(long next) {
        return next >= base + lim && eof ? " to end of file" : ", resumed at offset " + next;
    }

    // ---------------------------------------------------------------- records

    /** Outcome of walking a block's records. */
    private static final class Walk {
        int end;        // where the chain stopped
        long count;     // records chained
        long emitted;   // flows sent
        long badRecords;
    }

    private final Walk walk = new Walk();

    /**
     * Walks the records in [from, to), decoding V3 records when {@code emit}; stops at the first record
     * header that does not fit.
     */
    private Walk records(byte[] b, int from, int to, long blockOffset, boolean emit) {
        Walk w = walk;
        w.count = 0;
        w.emitted = 0;
        w.badRecords = 0;
        int r = from;
        while (to - r >= 4) {
            int rtype = u16(b, r);
            int rsize = u16(b, r + 2);
            if (rsize < 4 || rsize > to - r) break;
            if (emit) {
                int v = rtype == V3_RECORD ? v3(b, r, rsize)
                        : rtype == COMMON_RECORD ? common(b, r, rsize)
                        : rtype == EXTENSION_MAP ? extensionMap(b, r, rsize) : 0;
                if (v > 0) {
                    w.emitted++;
                } else if (v < 0) {
                    w.badRecords++;
                    rejects.atOffset(blockOffset, v == BAD_MAP ? 0 : 1, "record " + (w.count + 1) + " of the block: "
                            + malformed(v, b, r, rsize) + (v == BAD_MAP ? "" : "; record skipped"));
                }
            }
            w.count++;
            r += rsize;
        }
        w.end = r;
        return w;
    }

    /** Decodes one V3 record: 1 = a flow was emitted, 0 = not a flow (no addresses), -1 = malformed. */
    private int v3(byte[] b, int r, int rsize) {
        if (rsize < V3_HEADER) return -1;
        NfcapdFlow f = flow;
        f.clear();
        int elements = u16(b, r + 4);
        f.exporterId = u16(b, r + 8);
        f.nfVersion = b[r + 11] & 0xff;
        int end = r + rsize;
        int e = r + V3_HEADER;
        boolean addresses = false;
        long event = 0;
        for (int i = 0; i < elements; i++) {
            if (end - e < 4) return -1;
            int et = u16(b, e);
            int el = u16(b, e + 2);
            if (el < 4 || el > end - e) return -1;
            int d = e + 4;
            switch (et) {
                case EX_GENERIC:
                    if (el < LEN_GENERIC) return -1;
                    f.startMillis = (long) I64.get(b, d);
                    f.endMillis = (long) I64.get(b, d + 8);
                    f.packets = (long) I64.get(b, d + 24);
                    f.bytes = (long) I64.get(b, d + 32);
                    f.srcPort = u16(b, d + 40);
                    f.dstPort = u16(b, d + 42);
                    f.protocol = b[d + 44] & 0xff;
                    f.tcpFlags = b[d + 45] & 0xff;
                    break;
                case EX_IPV4:
                    if (el < LEN_IPV4) return -1;
                    f.src4 = (int) I32.get(b, d);
                    f.dst4 = (int) I32.get(b, d + 4);
                    f.v6 = false;
                    addresses = true;
                    break;
                case EX_IPV6:
                    if (el < LEN_IPV6) return -1;
                    f.srcHi = (long) I64.get(b, d);
                    f.srcLo = (long) I64.get(b, d + 8);
                    f.dstHi = (long) I64.get(b, d + 16);
                    f.dstLo = (long) I64.get(b, d + 24);
                    f.v6 = true;
                    addresses = true;
                    break;
                case EX_CNT:
                    if (el < LEN_CNT) return -1;
                    long flows = (long) I64.get(b, d);
                    f.aggregatedFlows = flows == 0 ? 1 : flows;
                    f.outPackets = (long) I64.get(b, d + 8);
                    f.outBytes = (long) I64.get(b, d + 16);
                    break;
                case EX_AS:
                    if (el < LEN_AS) return -1;
                    f.srcAs = (int) I32.get(b, d) & 0xffff_ffffL;
                    f.dstAs = (int) I32.get(b, d + 4) & 0xffff_ffffL;
                    break;
                case EX_NSEL:
                case EX_NEL:
                    if (el < LEN_EVENT) return -1;
                    event = (long) I64.get(b, d);
                    break;
                default:
                    break; // elements Keyhole does not use
            }
            e += el;
        }
        if (!addresses) {
            noAddresses++;
            return 0;
        }
        if (f.startMillis == 0 && f.endMillis == 0 && event != 0) {
            // NSEL/NEL event records may carry only the event time.
            f.startMillis = event;
            f.endMillis = event;
        }
        if (!FlowRecord.plausibleCounters(f.packets, f.bytes, f.outPackets, f.outBytes)) return IMPLAUSIBLE;
        visitor.flow(f);
        emitted++;
        return 1;
    }

    // ---------------------------------------------------------------- layout 1 (nfdump 1.6)

    static final int BAD_ELEMENT = -1, NO_MAP = -2, SHORT_FOR_MAP = -3, BAD_MAP = -4, IMPLAUSIBLE = -5;

    private String malformed(int code, byte[] b, int r, int rsize) {
        switch (code) {
            case BAD_ELEMENT:
                return "V3 record of " + rsize + " bytes has a malformed extension element";
            case NO_MAP:
                return "nfdump 1.6 record refers to extension map " + u16(b, r + 6) + ", which the file has not defined";
            case SHORT_FOR_MAP:
                return "nfdump 1.6 record of " + rsize + " bytes is shorter than its extension map "
                        + u16(b, r + 6) + " says";
            case IMPLAUSIBLE:
                return FlowRecord.implausibleCounters(flow.packets, flow.bytes, flow.outPackets, flow.outBytes);
            default:
                return "extension map record of " + rsize + " bytes is malformed (unknown extension id or"
                        + " size mismatch); records using it will be skipped";
        }
    }

    /** Bytes of each optional 1.6 extension by id (nfx.c's extension_descriptor); -1 = not defined. */
    private static final int[] EXTENSION_SIZE = new int[49];

    static {
        java.util.Arrays.fill(EXTENSION_SIZE, -1);
        int[][] sizes = {{4, 4}, {5, 8}, {6, 4}, {7, 8}, {8, 4}, {9, 4}, {10, 16}, {11, 4}, {12, 16}, {13, 4},
                {14, 4}, {15, 8}, {16, 4}, {17, 8}, {18, 4}, {19, 8}, {20, 16}, {21, 16}, {22, 40}, {23, 4},
                {24, 16}, {25, 4}, {26, 8}, {27, 8}, {37, 20}, {38, 4}, {39, 8}, {40, 32}, {41, 24}, {42, 24},
                {43, 72}, {45, 24}, {46, 12}, {47, 0}, {48, 8}};
        for (int[] x : sizes) EXTENSION_SIZE[x[0]] = x[1];
    }

    /** Where an extension map puts the fields Keyhole reads, relative to the end of the required part. */
    private static final class ExtMap {
        int size;
        int as = -1, asWidth;
        int outPackets = -1, outPacketsWidth;
        int outBytes = -1, outBytesWidth;
        int flows = -1, flowsWidth;
        int event = -1;
    }

    private ExtMap[] maps;

    /** An extension map record: id, declared size, extension ids up to a 0. */
    private int extensionMap(byte[] b, int r, int rsize) {
        if (rsize < 8) return BAD_MAP;
        int id = u16(b, r + 4);
        int declared = u16(b, r + 6);
        if (maps == null) maps = new ExtMap[65_536];
        maps[id] = null;
        ExtMap m = new ExtMap();
        int off = 0;
        for (int q = r + 8; q + 2 <= r + rsize; q += 2) {
            int ext = u16(b, q);
            if (ext == 0) break;
            if (ext <= 3) continue; // the required extensions are implied, never listed
            int size = ext < EXTENSION_SIZE.length ? EXTENSION_SIZE[ext] : -1;
            if (size < 0) return BAD_MAP;
            switch (ext) {
                case 6, 7 -> {
                    m.as = off;
                    m.asWidth = ext == 6 ? 2 : 4;
                }
                case 14, 15 -> {
                    m.outPackets = off;
                    m.outPacketsWidth = ext == 14 ? 4 : 8;
                }
                case 16, 17 -> {
                    m.outBytes = off;
                    m.outBytesWidth = ext == 16 ? 4 : 8;
                }
                case 18, 19 -> {
                    m.flows = off;
                    m.flowsWidth = ext == 18 ? 4 : 8;
                }
                case 37 -> m.event = off;
                default -> { }
            }
            off += size;
        }
        if (off != declared) return BAD_MAP;
        m.size = off;
        maps[id] = m;
        return 0;
    }

    /** A layout-1 common record (type 10) read through its extension map. */
    private int common(byte[] b, int r, int rsize) {
        if (rsize < COMMON_HEADER) return SHORT_FOR_MAP;
        ExtMap m = maps == null ? null : maps[u16(b, r + 6)];
        if (m == null) return NO_MAP;
        int flags = b[r + 4] & 0xff;
        boolean v6 = (flags & 1) != 0, pkts64 = (flags & 2) != 0, bytes64 = (flags & 4) != 0;
        int required = (v6 ? 32 : 8) + (pkts64 ? 8 : 4) + (bytes64 ? 8 : 4);
        if (COMMON_HEADER + required + m.size > rsize) return SHORT_FOR_MAP;
        NfcapdFlow f = flow;
        f.clear();
        f.nfVersion = b[r + 5] & 0xff;
        f.startMillis = u32(b, r + 12) * 1000 + u16(b, r + 8);
        f.endMillis = u32(b, r + 16) * 1000 + u16(b, r + 10);
        f.tcpFlags = b[r + 21] & 0xff;
        f.protocol = b[r + 22] & 0xff;
        f.srcPort = u16(b, r + 24);
        f.dstPort = u16(b, r + 26);
        f.exporterId = u16(b, r + 28);
        int d = r + COMMON_HEADER;
        if (v6) {
            f.v6 = true;
            f.srcHi = (long) I64.get(b, d);
            f.srcLo = (long) I64.get(b, d + 8);
            f.dstHi = (long) I64.get(b, d + 16);
            f.dstLo = (long) I64.get(b, d + 24);
            d += 32;
        } else {
            f.src4 = (int) I32.get(b, d);
            f.dst4 = (int) I32.get(b, d + 4);
            d += 8;
        }
        f.packets = pkts64 ? (long) I64.get(b, d) : u32(b, d);
        d += pkts64 ? 8 : 4;
        f.bytes = bytes64 ? (long) I64.get(b, d) : u32(b, d);
        d += bytes64 ? 8 : 4;
        if (m.as >= 0) {
            f.srcAs = m.asWidth == 2 ? u16(b, d + m.as) : u32(b, d + m.as);
            f.dstAs = m.asWidth == 2 ? u16(b, d + m.as + 2) : u32(b, d + m.as + 4);
        }
        if (m.outPackets >= 0) f.outPackets = m.outPacketsWidth == 4 ? u32(b, d + m.outPackets) : (long) I64.get(b, d + m.outPackets);
        if (m.outBytes >= 0) f.outBytes = m.outBytesWidth == 4 ? u32(b, d + m.outBytes) : (long) I64.get(b, d + m.outBytes);
        if (m.flows >= 0) {
            long n = m.flowsWidth == 4 ? u32(b, d + m.flows) : (long) I64.get(b, d + m.flows);
            f.aggregatedFlows = n == 0 ? 1 : n;
        }
        if (m.event >= 0 && f.startMillis == 0 && f.endMillis == 0) {
            f.startMillis = f.endMillis = (long) I64.get(b, d + m.event);
        }
        if (!FlowRecord.plausibleCounters(f.packets, f.bytes, f.outPackets, f.outBytes)) return IMPLAUSIBLE;
        visitor.flow(f);
        emitted++;
        return 1;
    }

    // ---------------------------------------------------------------- resynchronisation

    /** True when a block that validates starts at {@code off}, or {@code off} is exactly the end of file. */
    private boolean blockOrEndAt(long off) throws IOException {
        int i = ensure(idx(off), BLOCK_HEADER);
        if (i >= lim && eof) return true;
        return validBlockAt(off);
    }

    /** The first offset at or after {@code from} where a valid block starts, or the end of file. */
    private long resync(long from) throws IOException {
        long x = from;
        while (true) {
            int i = ensure(idx(x), BLOCK_HEADER);
            if (lim - i < BLOCK_HEADER) return base + lim; // only at end of file
            for (; lim - i >= BLOCK_HEADER; i++) {
                byte[] b = buf;
                if (b[i + 9] != 0 || (b[i + 8] & 0xff) == 0 || (b[i + 8] & 0xff) > 4 || b[i + 11] != 0) continue;
                long abs = base + i;
                if (validBlockAt(abs)) return abs;
                i = idx(abs);
            }
            x = base + i;
            if (eof) return base + lim;
        }
    }

    /** A sane header whose whole block is present and whose content decompresses and chains exactly. */
    private boolean validBlockAt(long off) throws IOException {
        int p = ensure(idx(off), BLOCK_HEADER);
        if (lim - p < BLOCK_HEADER) return false;
        long n = u32(buf, p);
        int size = (int) I32.get(buf, p + 4);
        int type = u16(buf, p + 8);
        int flags = u16(buf, p + 10);
        if (!saneHeader(n, size, type, flags)) return false;
        p = ensure(p, BLOCK_HEADER + size);
        if (lim - p < BLOCK_HEADER + size) return false;
        Compression c = blockCompression(flags);
        // A block this reader cannot decode (unknown compression, encrypted, other type) cannot be checked
        // by its content; its sane header, wholly present, has to do.
        if (c == null || !recordBlock(type) || (encryption != 0 && (flags & 2) == 0)) return true;
        byte[] data = buf;
        int from = p + BLOCK_HEADER, len = size;
        if (c != Compression.NONE) {
            try {
                len = c.decompress(buffers.codecs, buf, from, size, buffers.out);
            } catch (RuntimeException e) {
                return false;
            }
            if (len < 0) return false;
            data = buffers.out;
            from = 0;
        }
        Walk w = records(data, from, from + len, off, false);
        return w.end == from + len && w.count == n;
    }

    // ---------------------------------------------------------------- window

    private int idx(long off) {
        return (int) (off - base);
    }

    /**
     * Makes {@code n} bytes from index {@code p} available (fewer only at end of file), compacting or
     * growing the window; returns p's new index.
     */
    private int ensure(int p, int n) throws IOException {
        if (lim - p >= n || (eof && p <= lim)) return p;
        if (p > lim) { // a skip past what was read: drop the window and read from the stream
            long skip = p - lim;
            base += lim;
            lim = 0;
            while (skip > 0 && !eof) {
                long s = in.skip(skip);
                if (s <= 0) {
                    if (in.read() < 0) eof = true;
                    else s = 1;
                }
                skip -= Math.max(0, s);
                base += Math.max(0, s);
            }
            p = 0;
            if (eof) return p;
        }
        if (n > buf.length) {
            byte[] bigger = new byte[Math.max(n, Math.min(buf.length * 2, MAX_BLOCK + BLOCK_HEADER))];
            System.arraycopy(buf, p, bigger, 0, lim - p);
            buf = bigger;
            buffers.window = bigger;
            base += p;
            lim -= p;
            p = 0;
        } else if (p + n > buf.length) {
            System.arraycopy(buf, p, buf, 0, lim - p);
            base += p;
            lim -= p;
            p = 0;
        }
        while (lim - p < n) {
            int r = in.read(buf, lim, buf.length - lim);
            if (r < 0) {
                eof = true;
                break;
            }
            lim += r;
        }
        return p;
    }

    // ---------------------------------------------------------------- bytes

    private static int u16(byte[] b, int o) {
        return (short) I16.get(b, o) & 0xffff;
    }

    private static long u32(byte[] b, int o) {
        return (int) I32.get(b, o) & 0xffff_ffffL;
    }
}
