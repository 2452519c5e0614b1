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
import java.util.Arrays;
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
 * on a thread pool; each thread counts into its own arrays indexed by the key (AS numbers, 32-bit: an
 * open-addressing table of primitive arrays), merged at the end. nfcapd files are read through
 * {@link NfcapdReader#visit}, so no record or address object is made per flow.
 */
public final class TopQuery {
    /**
     * What to count by. Ports and protocols are small integers, counted in plain arrays ({@code size});
     * AS numbers (the exporter's BGP srcAS / dstAS, 0 when not reported, as nfdump's {@code -s srcas}) are
     * 32-bit, counted in a hash table ({@code size} 0).
     */
    public enum Key {
        DSTPORT("Dst Port", 65_536), SRCPORT("Src Port", 65_536), PROTO("Proto", 256), SRCAS("Src AS", 0),
        DSTAS("Dst AS", 0);

        public final String title;
        final int size;

        Key(String title, int size) {
            this.title = title;
            this.size = size;
        }

        long of(NfcapdFlow f) {
            return switch (this) {
                case DSTPORT -> f.dstPort;
                case SRCPORT -> f.srcPort;
                case PROTO -> f.protocol;
                case SRCAS -> f.srcAs;
                case DSTAS -> f.dstAs;
            };
        }

        long of(FlowRecord f) {
            return switch (this) {
                case DSTPORT -> f.dstPort() & 0xffff;
                case SRCPORT -> f.srcPort() & 0xffff;
                case PROTO -> f.protocol() & 0xff;
                case SRCAS -> f.srcAs() & 0xffff_ffffL;
                case DSTAS -> f.dstAs() & 0xffff_ffffL;
            };
        }
    }

    public enum Order { FLOWS, PACKETS, BYTES }

    /** One key's totals over the matching flows (packets and bytes: the forward/in counters, as nfdump's). */
    public record Row(long key, long flows, long packets, long bytes) {
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
        return run(files, scope, key, order, threads, log,
                dev.keyhole.sources.pcap.PcapReader.DEFAULT_TEMPLATE_LIFETIME_MILLIS);
    }

    /** @param templateLifetimeMillis captures: how long a template lives without a re-send (0: always) */
    public static Result run(List<InputFile> files, TargetScope scope, Key key, Order order, int threads,
                             Consumer<String> log, long templateLifetimeMillis) throws InterruptedException {
        return run(files, scope, key, order, threads, log, templateLifetimeMillis,
                dev.keyhole.sources.packet.Tunnels.NONE);
    }

    /** @param tunnels the tunnels opened in flow exports' packet samples */
    public static Result run(List<InputFile> files, TargetScope scope, Key key, Order order, int threads,
                             Consumer<String> log, long templateLifetimeMillis,
                             dev.keyhole.sources.packet.Tunnels tunnels) throws InterruptedException {
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
                        count(f, in, local.get(), scope, key, rejects, templateLifetimeMillis, tunnels);
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
        for (int i = 0; i < sum.flows.length; i++) {
            if (sum.flows[i] == 0) continue;
            rows.add(new Row(sum.key(i), sum.flows[i], sum.packets[i], sum.bytes[i]));
            packets += sum.packets[i];
            bytes += sum.bytes[i];
        }
        rows.sort(Comparator.comparingLong((Row r) -> r.metric(order)).reversed().thenComparingLong(Row::key));
        return new Result(rows, sum.read, sum.matched, packets, bytes, rejected.get(), System.nanoTime() - t0);
    }

    private static void count(InputFile f, InputStream in, Counters c, TargetScope scope, Key key, Rejects rejects,
                              long templateLifetimeMillis, dev.keyhole.sources.packet.Tunnels tunnels)
            throws IOException {
        if (f.format() == InputFormat.NFCAPD) {
            NfcapdReader.visit(in, r -> {
                c.read += r.aggregatedFlows;
                boolean hit = r.v6
                        ? scope.containsV6(r.srcHi, r.srcLo) || scope.containsV6(r.dstHi, r.dstLo)
                        : scope.containsV4(r.src4) || scope.containsV4(r.dst4);
                if (!hit) return;
                c.count(key.of(r), r.aggregatedFlows, r.packets, r.bytes);
                c.matched += r.aggregatedFlows;
            }, rejects);
            return;
        }
        if (!f.format().carriesFlows()) return;
        Readers.forFormat(f.format(), templateLifetimeMillis, tunnels).read(in, new RecordSink() {
            @Override
            public void flow(FlowRecord r) {
                c.read++;
                if (!scope.contains(r.src()) && !scope.contains(r.dst())) return;
                c.count(key.of(r), 1, r.packets(), r.bytes());
                c.matched++;
            }
        }, rejects);
    }

    /**
     * Flows, packets and bytes per key. Direct: the key is the index ({@code size} slots). Hashed (size 0,
     * 32-bit AS numbers): linear probing over {@code keys}, -1 marking a free slot; a file rarely has more
     * than a few thousand distinct AS numbers, so the table stays small.
     */
    private static final class Counters {
        private static final long FREE = -1;
        final boolean hashed;
        long[] keys, flows, packets, bytes;
        int used;
        long read, matched;

        Counters(int size) {
            hashed = size == 0;
            int n = hashed ? 1024 : size;
            flows = new long[n];
            packets = new long[n];
            bytes = new long[n];
            if (hashed) {
                keys = new long[n];
                Arrays.fill(keys, FREE);
            }
        }

        long key(int slot) {
            return hashed ? keys[slot] : slot;
        }

        void count(long key, long n, long p, long b) {
            int i = hashed ? slot(key) : (int) key;
            flows[i] += n;
            packets[i] += p;
            bytes[i] += b;
        }

        private int slot(long key) {
            int mask = keys.length - 1;
            int i = (int) (key * 0x9E37_79B9_7F4A_7C15L >>> 32) & mask;
            while (true) {
                long k = keys[i];
                if (k == key) return i;
                if (k == FREE) break;
                i = (i + 1) & mask;
            }
            if (2 * (used + 1) > keys.length) {
                grow();
                return slot(key);
            }
            keys[i] = key;
            used++;
            return i;
        }

        private void grow() {
            long[] k = keys, f = flows, p = packets, b = bytes;
            keys = new long[k.length * 2];
            Arrays.fill(keys, FREE);
            flows = new long[k.length * 2];
            packets = new long[k.length * 2];
            bytes = new long[k.length * 2];
            used = 0;
            for (int i = 0; i < k.length; i++) {
                if (k[i] == FREE) continue;
                int j = slot(k[i]);
                flows[j] = f[i];
                packets[j] = p[i];
                bytes[j] = b[i];
            }
        }

        void add(Counters o) {
            for (int i = 0; i < o.flows.length; i++) {
                if (o.hashed ? o.keys[i] == FREE : o.flows[i] == 0) continue;
                count(o.key(i), o.flows[i], o.packets[i], o.bytes[i]);
            }
            read += o.read;
            matched += o.matched;
        }
    }
}
