package dev.keyhole.sources.nfcapd;

import dev.keyhole.records.FlowRecord;

import java.io.Closeable;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Writes nfcapd files (layout 2, little-endian, V3 records) that nfdump 1.7 reads: the benchmark's
 * data and the tests' hand-made files. Each record carries EXgenericFlow and EXipv4Flow or EXipv6Flow,
 * plus EXcntFlow when it has out counters or aggregates flows, and EXasRouting when it has AS numbers.
 * Blocks hold up to 1 MiB of records (nfdump's WRITE_BUFFSIZE); the appendix holds the ident and the
 * stat record, as nfdump writes them. Not thread-safe.
 */
public final class NfcapdWriter implements Closeable {
    static final int BLOCK_DATA = 1 << 20;
    private static final int TYPE_IDENT = 0x8001, TYPE_STAT = 0x8002;

    private static final VarHandle I16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final FileChannel ch;
    private final Compression compression;
    private final String ident;
    private final byte[] block;
    private final NfcapdFlow scratch = new NfcapdFlow();
    private int used;
    private int recordsInBlock;
    private int blocks;
    private long records;
    // stat_record_t
    private final long[] flows = new long[4], bytes = new long[4], packets = new long[4];
    private long first = Long.MAX_VALUE, last = Long.MIN_VALUE;

    public NfcapdWriter(Path file, Compression compression) throws IOException {
        this(file, compression, "keyhole");
    }

    public NfcapdWriter(Path file, Compression compression, String ident) throws IOException {
        this(file, compression, ident, BLOCK_DATA);
    }

    /** With blocks of at most {@code blockBytes} of records (tests use small blocks to get many). */
    NfcapdWriter(Path file, Compression compression, String ident, int blockBytes) throws IOException {
        this.block = new byte[blockBytes];
        this.ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        this.compression = compression;
        this.ident = ident;
        ch.write(ByteBuffer.allocate(NfcapdDecoder.FILE_HEADER), 0);
        ch.position(NfcapdDecoder.FILE_HEADER);
    }

    public void write(FlowRecord f) throws IOException {
        write(scratch.set(f));
    }

    public void write(NfcapdFlow f) throws IOException {
        boolean cnt = f.outPackets != 0 || f.outBytes != 0 || f.aggregatedFlows != 1;
        boolean as = f.srcAs != 0 || f.dstAs != 0;
        int size = NfcapdDecoder.V3_HEADER + 52 + (f.v6 ? 36 : 12) + (cnt ? 28 : 0) + (as ? 12 : 0);
        if (used + size > block.length) flush();
        byte[] b = block;
        int r = used;
        I16.set(b, r, (short) NfcapdDecoder.V3_RECORD);
        I16.set(b, r + 2, (short) size);
        I16.set(b, r + 4, (short) (2 + (cnt ? 1 : 0) + (as ? 1 : 0)));
        b[r + 6] = 0; // engine type
        b[r + 7] = 0; // engine id
        I16.set(b, r + 8, (short) f.exporterId);
        b[r + 10] = 0; // flags
        b[r + 11] = (byte) f.nfVersion;
        int e = r + NfcapdDecoder.V3_HEADER;
        e = element(b, e, NfcapdDecoder.EX_GENERIC, 52);
        I64.set(b, e, f.startMillis);
        I64.set(b, e + 8, f.endMillis);
        I64.set(b, e + 16, f.endMillis); // msecReceived
        I64.set(b, e + 24, f.packets);
        I64.set(b, e + 32, f.bytes);
        I16.set(b, e + 40, (short) f.srcPort);
        I16.set(b, e + 42, (short) f.dstPort);
        b[e + 44] = (byte) f.protocol;
        b[e + 45] = (byte) f.tcpFlags;
        b[e + 46] = 0;
        b[e + 47] = 0;
        e += 48;
        if (f.v6) {
            e = element(b, e, NfcapdDecoder.EX_IPV6, 36);
            I64.set(b, e, f.srcHi);
            I64.set(b, e + 8, f.srcLo);
            I64.set(b, e + 16, f.dstHi);
            I64.set(b, e + 24, f.dstLo);
            e += 32;
        } else {
            e = element(b, e, NfcapdDecoder.EX_IPV4, 12);
            I32.set(b, e, f.src4);
            I32.set(b, e + 4, f.dst4);
            e += 8;
        }
        if (cnt) {
            e = element(b, e, NfcapdDecoder.EX_CNT, 28);
            I64.set(b, e, f.aggregatedFlows);
            I64.set(b, e + 8, f.outPackets);
            I64.set(b, e + 16, f.outBytes);
            e += 24;
        }
        if (as) {
            e = element(b, e, NfcapdDecoder.EX_AS, 12);
            I32.set(b, e, (int) f.srcAs);
            I32.set(b, e + 4, (int) f.dstAs);
            e += 8;
        }
        used = e;
        recordsInBlock++;
        records++;
        int k = f.protocol == 6 ? 0 : f.protocol == 17 ? 1 : f.protocol == 1 || f.protocol == 58 ? 2 : 3;
        flows[k] += f.aggregatedFlows;
        bytes[k] += f.bytes + f.outBytes;
        packets[k] += f.packets + f.outPackets;
        first = Math.min(first, f.startMillis);
        last = Math.max(last, f.endMillis);
    }

    private static int element(byte[] b, int e, int type, int length) {
        I16.set(b, e, (short) type);
        I16.set(b, e + 2, (short) length);
        return e + 4;
    }

    public long records() {
        return records;
    }

    private void flush() throws IOException {
        if (recordsInBlock == 0) return;
        writeBlock(recordsInBlock, block, used);
        blocks++;
        used = 0;
        recordsInBlock = 0;
    }

    private void writeBlock(int n, byte[] data, int len) throws IOException {
        byte[] payload = compression.compress(data, len);
        ByteBuffer h = ByteBuffer.allocate(NfcapdDecoder.BLOCK_HEADER).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(n).putInt(payload.length).putShort((short) 3).putShort((short) 0).flip();
        writeFully(h);
        writeFully(ByteBuffer.wrap(payload));
    }

    private void writeFully(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }

    @Override
    public void close() throws IOException {
        try {
            flush();
            long appendix = ch.position();
            byte[] id = (ident + "\0").getBytes(StandardCharsets.US_ASCII);
            ByteBuffer a = ByteBuffer.allocate(4 + id.length + 4 + 18 * 8).order(ByteOrder.LITTLE_ENDIAN);
            a.putShort((short) TYPE_IDENT).putShort((short) (4 + id.length)).put(id);
            a.putShort((short) TYPE_STAT).putShort((short) (4 + 18 * 8));
            long allFlows = 0, allBytes = 0, allPackets = 0;
            for (int k = 0; k < 4; k++) {
                allFlows += flows[k];
                allBytes += bytes[k];
                allPackets += packets[k];
            }
            a.putLong(allFlows).putLong(allBytes).putLong(allPackets);
            for (long v : flows) a.putLong(v);
            for (long v : bytes) a.putLong(v);
            for (long v : packets) a.putLong(v);
            a.putLong(records == 0 ? 0 : first).putLong(records == 0 ? 0 : last).putLong(0);
            writeBlock(2, a.array(), a.position());
            ByteBuffer h = ByteBuffer.allocate(NfcapdDecoder.FILE_HEADER).order(ByteOrder.LITTLE_ENDIAN);
            h.putShort((short) NfcapdDecoder.MAGIC).putShort((short) 2).putInt(0)
                    .putLong(System.currentTimeMillis() / 1000)
                    .put((byte) compression.code).put((byte) 0).putShort((short) 1).putInt(0)
                    .putLong(appendix).putInt(0).putInt(blocks).flip();
            while (h.hasRemaining()) ch.write(h, h.position());
        } finally {
            ch.close();
        }
    }
}
