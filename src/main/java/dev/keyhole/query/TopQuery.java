package dev.keyhole.query;

import dev.keyhole.enrichment.scope.TargetScope;
import dev.keyhole.records.FlowRecord;
import dev.keyhole.records.RecordSink;
import dev.keyhole.sources.InputFile;
import dev.keyhole.sources.InputFormat;
import dev.keyhole.sources.Inputs;
import dev.keyhole.sources.Readers;
import dev.keyhole.sources.Rejects;
import dev.keyhole.sources.nfcapd.NfcapdFlow;
import dev.keyhole.sources.nfcapd.NfcapdReader;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Top-N of one flow key over the flows that touch the target scope — what
 * {@code nfdump -R DIR 'net A or net B' -s dstport/flows} answers, without enrichment. One task per file
 * on a thread pool; each thread counts into its own arrays indexed by the key, merged at the end. nfcapd
 * files are read through {@link NfcapdReader#visit}, so no record or address object is made per flow.
 */
public final class TopQuery {
    /** What to count by; the key is a small integer, so counters are plain arrays. */
    public enum Key {
        DSTPORT("Dst Port", 65_536), SRCPORT("Src Port", 65_536), PROTO("Proto", 256);

        public final String title;
        final int size;

        Key(String title, int size) {
            this.title = title;
            this.size = size;
        }

        int of(NfcapdFlow f) {
            return this == DSTPORT ? f.dstPort : this == SRCPORT ? f.srcPort : f.protocol;
        }

        int of(FlowRecord f) {
            return (this == DSTPORT ? f.dstPort() : this == SRCPORT ? f.srcPort() : f.protocol()) & (size - 1);
        }
    }

    public enum Order { FLOWS, PACKETS, BYTES }

    /** One key's totals over the matching flows (packets and bytes: the forward/in counters, as nfdump's). */
    public record Row(int key, long flows, long packets, long bytes) {
        long metric(Order o) {
            return o == Order.FLOWS ? flows : o == Order.PACKETS ? packets : bytes;
        }
    }

    /**
     * @param rows      every key seen, best first (ties by key, ascending)
     * @param flowsRead flow records read; {@code flowsMatched}: those touching the scope (nfdump counts
     *                  aggregated records by their flow count, and so do we)
     */
    public record Result(List<Row> rows, long flowsRead, long flowsMatched, long packets, long bytes, long rejected,
                         long nanos) {
        public List<Row> top(int n) {
            return n <= 0 || n >= rows.size() ? rows : rows.subList(0, n);
        }
    }

    private TopQuery() {}

    public static Result run(List<InputFile> files, TargetScope scope, Key key, Order order, int threads,
                             Consumer<String> log) throws InterruptedException {
        long t0 = System.nanoTime();
        List<InputFile> sorted = new ArrayList<>(files);
        sorted.sort(Comparator.comparingLong(InputFile::size).reversed());
        List<Counters> all = Collections.synchronizedList(new ArrayList<>());
        ThreadLocal<Counters> local = ThreadLocal.withInitial(() -> {
            Counters c = new Counters(key.size);
            all.add(c);
            return c;
        });
        AtomicLong rejected = new AtomicLong();
        AtomicLong shown = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads));
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (InputFile f : sorted) {
                futures.add(pool.submit(() -> {
                    Rejects rejects = new Rejects(f.path().toString(), m -> {
                        if (shown.incrementAndGet() <= 20) log.accept("error: " + m);
                    });
                    try (InputStream in = new BufferedInputStream(Inputs.open(f), 1 << 16)) {
                        count(f, in, local.get(), scope, key, rejects);
                    } catch (IOException e) {
                        rejects.atOffset(0, 0, "read failed: " + e.getMessage());
                    }
                    rejected.addAndGet(rejects.count());
                }));
            }
            for (Future<?> fu : futures) {
                try {
                    fu.get();
                } catch (ExecutionException e) {
                    throw new IllegalStateException("worker failed: " + e.getCause(), e.getCause());
                }
            }
        } finally {
            pool.shutdownNow();
        }
        Counters sum = new Counters(key.size);
        for (Counters c : all) sum.add(c);
        List<Row> rows = new ArrayList<>();
        long packets = 0, bytes = 0;
        for (int k = 0; k < key.size; k++) {
            if (sum.flows[k] == 0) continue;
            rows.add(new Row(k, sum.flows[k], sum.packets[k], sum.bytes[k]));
            packets += sum.packets[k];
            bytes += sum.bytes[k];
        }
        rows.sort(Comparator.comparingLong((Row r) -> r.metric(order)).reversed().thenComparingInt(Row::key));
        return new Result(rows, sum.read, sum.matched, packets, bytes, rejected.get(), System.nanoTime() - t0);
    }

    private static void count(InputFile f, InputStream in, Counters c, TargetScope scope, Key key, Rejects rejects)
            throws IOException {
        long[] flows = c.flows, packets = c.packets, bytes = c.bytes;
        if (f.format() == InputFormat.NFCAPD) {
            NfcapdReader.visit(in, r -> {
                c.read += r.aggregatedFlows;
                boolean hit = r.v6
                        ? scope.containsV6(r.srcHi, r.srcLo) || scope.containsV6(r.dstHi, r.dstLo)
                        : scope.containsV4(r.src4) || scope.containsV4(r.dst4);
                if (!hit) return;
                int k = key.of(r);
                flows[k] += r.aggregatedFlows;
                packets[k] += r.packets;
                bytes[k] += r.bytes;
                c.matched += r.aggregatedFlows;
            }, rejects);
            return;
        }
        if (!f.format().carriesFlows()) return;
        Readers.forFormat(f.format()).read(in, new RecordSink() {
            @Override
            public void flow(FlowRecord r) {
                c.read++;
                if (!scope.contains(r.src()) && !scope.contains(r.dst())) return;
                int k = key.of(r);
                flows[k]++;
                packets[k] += r.packets();
                bytes[k] += r.bytes();
                c.matched++;
            }
        }, rejects);
    }

    private static final class Counters {
        final long[] flows, packets, bytes;
        long read, matched;

        Counters(int size) {
            flows = new long[size];
            packets = new long[size];
            bytes = new long[size];
        }

        void add(Counters o) {
            for (int i = 0; i < flows.length; i++) {
                flows[i] += o.flows[i];
                packets[i] += o.packets[i];
                bytes[i] += o.bytes[i];
            }
            read += o.read;
            matched += o.matched;
        }
    }
}
