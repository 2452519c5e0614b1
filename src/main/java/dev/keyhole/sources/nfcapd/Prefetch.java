package dev.keyhole.sources.nfcapd;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Decompresses the blocks after the current one on helper threads while the reading thread decodes, so
 * that one large file uses more than one core. Only used while cores are idle (fewer files being read
 * than cores): otherwise one task per file already fills them. The reading thread takes a block's job
 * back and runs it itself if no helper has started it, so waiting never costs more than not prefetching.
 */
final class Prefetch {
    /** Blocks decompressed ahead of the reader. */
    static final int DEPTH = 2;

    private static final int CORES = Runtime.getRuntime().availableProcessors();
    private static volatile ExecutorService helpers;

    /** One block being decompressed ahead: its own input copy, output and codecs (ZSTD's are stateful). */
    static final class Slot {
        long offset = -1;
        byte[] in = new byte[1 << 20];
        final byte[] out = new byte[NfcapdDecoder.MAX_BLOCK];
        final Compression.Codecs codecs = new Compression.Codecs();
        int len;
        RuntimeException error;
        FutureTask<Void> task;
    }

    private final Slot[] slots;

    Prefetch(Slot[] slots) {
        this.slots = slots;
    }

    static Slot[] newSlots() {
        Slot[] s = new Slot[DEPTH];
        for (int i = 0; i < s.length; i++) s[i] = new Slot();
        return s;
    }

    static boolean spareCores(int activeReaders) {
        return CORES > 1 && activeReaders < CORES;
    }

    private static ExecutorService helpers() {
        ExecutorService h = helpers;
        if (h == null) {
            synchronized (Prefetch.class) {
                h = helpers;
                if (h == null) {
                    int n = Math.max(1, CORES - 1);
                    h = new ThreadPoolExecutor(n, n, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
                        Thread t = new Thread(r, "nfcapd-decompress");
                        t.setDaemon(true);
                        return t;
                    });
                    ((ThreadPoolExecutor) h).allowCoreThreadTimeOut(true);
                    helpers = h;
                }
            }
        }
        return h;
    }

    boolean full() {
        for (Slot s : slots) {
            if (s.offset < 0) return false;
        }
        return true;
    }

    boolean has(long offset) {
        for (Slot s : slots) {
            if (s.offset == offset) return true;
        }
        return false;
    }

    /** Copies the compressed block (the window moves on) and queues its decompression. */
    void submit(long offset, Compression c, byte[] buf, int from, int size) {
        for (Slot s : slots) {
            if (s.offset >= 0) continue;
            if (s.in.length < size) s.in = new byte[Math.max(size, s.in.length * 2)];
            System.arraycopy(buf, from, s.in, 0, size);
            s.offset = offset;
            s.error = null;
            s.task = new FutureTask<>(() -> {
                try {
                    s.len = c.decompress(s.codecs, s.in, 0, size, s.out);
                } catch (RuntimeException e) {
                    s.error = e;
                }
                return null;
            });
            helpers().execute(s.task);
            return;
        }
    }

    /**
     * The finished slot for the block at {@code offset}, or null if it was not prefetched. Slots of blocks
     * before it (skipped by damage handling) are finished and freed.
     */
    Slot take(long offset) {
        Slot found = null;
        for (Slot s : slots) {
            if (s.offset < 0) continue;
            if (s.offset == offset) found = s;
            else if (s.offset < offset) release(finish(s));
        }
        return found == null ? null : finish(found);
    }

    void release(Slot s) {
        s.offset = -1;
        s.task = null;
    }

    /** Finishes every outstanding job: the slots' buffers are reused by the next file of this thread. */
    void drain() {
        for (Slot s : slots) {
            if (s.offset >= 0) release(finish(s));
        }
    }

    private static Slot finish(Slot s) {
        s.task.run(); // runs it here unless a helper has started or finished it
        boolean interrupted = false;
        while (true) {
            try {
                s.task.get();
                break;
            } catch (InterruptedException e) {
                interrupted = true; // the job writes into our buffers: it must end before we go on
            } catch (ExecutionException e) {
                s.error = new IllegalStateException(e.getCause());
                break;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
        return s;
    }
}
