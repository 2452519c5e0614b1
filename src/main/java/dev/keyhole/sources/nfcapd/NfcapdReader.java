package dev.keyhole.sources.nfcapd;

import dev.keyhole.records.RecordSink;
import dev.keyhole.sources.RecordReader;
import dev.keyhole.sources.Rejects;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * Reads nfcapd files as nfdump 1.7 writes them (file layout 2, V3 records) and as nfdump 1.6 wrote them
 * (layout 1, common records with extension maps), uncompressed or with LZO, BZ2, LZ4 or ZSTD blocks. Damaged blocks are reported to {@link Rejects} with their file offset and
 * skipped; see docs/formats/nfcapd.md.
 */
public final class NfcapdReader implements RecordReader {
    /** Window and decompression buffers (about 7 MiB) are kept per thread: nfcapd rotates into many small files. */
    private static final ThreadLocal<NfcapdDecoder.Buffers> BUFFERS = ThreadLocal.withInitial(NfcapdDecoder.Buffers::new);

    @Override
    public long read(InputStream in, RecordSink sink, Rejects rejects) throws IOException {
        return visit(in, f -> sink.flow(f.toFlowRecord()), rejects);
    }

    /**
     * Sends every flow to {@code visitor} as a reused {@link NfcapdFlow}: the allocation-free path for
     * queries that only count. Returns the number of flows.
     */
    public static long visit(InputStream in, FlowVisitor visitor, Rejects rejects) throws IOException {
        ACTIVE.incrementAndGet();
        try {
            return new NfcapdDecoder(in, rejects, visitor, BUFFERS.get(), SPARE_CORES).run();
        } finally {
            ACTIVE.decrementAndGet();
        }
    }

    /** Files being read right now, in this JVM: blocks are decompressed ahead only while cores are left over. */
    private static final AtomicInteger ACTIVE = new AtomicInteger();
    private static final BooleanSupplier SPARE_CORES = () -> Prefetch.spareCores(ACTIVE.get());

    /** {@link #visit} with block prefetching on or off regardless of load (tests compare both). */
    static long visit(InputStream in, FlowVisitor visitor, Rejects rejects, boolean prefetch) throws IOException {
        return new NfcapdDecoder(in, rejects, visitor, BUFFERS.get(), prefetch ? () -> true : null).run();
    }

    /** True when {@code head} starts like an nfcapd file (magic 0xA50C, little-endian, layout 1 or 2). */
    public static boolean sniff(byte[] head) {
        return head.length >= 4 && (head[0] & 0xff) == 0x0C && (head[1] & 0xff) == 0xA5
                && (head[2] == 1 || head[2] == 2) && head[3] == 0;
    }
}
