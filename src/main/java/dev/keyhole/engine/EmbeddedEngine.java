package dev.keyhole.engine;

import dev.keyhole.analyses.AnalysisContext;
import dev.keyhole.analyses.AnalysisSet;
import dev.keyhole.enrichment.EnrichedFlow;
import dev.keyhole.enrichment.naming.FlowNamer;
import dev.keyhole.findings.Findings.InputInfo;
import dev.keyhole.records.FlowRecord;
import dev.keyhole.records.RecordSink;
import dev.keyhole.sources.InputFile;
import dev.keyhole.sources.Plural;
import dev.keyhole.sources.Readers;
import dev.keyhole.sources.Rejects;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.zip.GZIPInputStream;

/**
 * The default engine: threads in one JVM. It only decides how input is split (one task per file)
 * and how partial results merge; parsing, enrichment and analysis code are the same for any engine.
 * Two passes: files that carry names (Zeek http/ssl/dns) are read first into a {@link FlowNamer};
 * then flow files are read in parallel, each flow named, enriched and fed to the worker's analyses.
 * A format that carries both (Suricata EVE) is read in both passes; its rejects and counts are
 * reported from the flow pass only, so nothing is counted twice.
 */
public final class EmbeddedEngine {
    /**
     * {@code templateLifetime}: how long a capture's v9/IPFIX templates stay usable without a re-send (0: always);
     * {@code tunnels}: the tunnels opened in flow exports' packet samples ({@code --decap}).
     */
    public record Options(int threads, boolean progress, Duration dnsWindow, int maxNames, int maxErrorsShown,
                          Duration templateLifetime, dev.keyhole.sources.packet.Tunnels tunnels) {
        public Options {
            if (tunnels == null) tunnels = dev.keyhole.sources.packet.Tunnels.NONE;
        }

        public Options(int threads, boolean progress, Duration dnsWindow, int maxNames, int maxErrorsShown,
                       Duration templateLifetime) {
            this(threads, progress, dnsWindow, maxNames, maxErrorsShown, templateLifetime, null);
        }

        public Options(int threads, boolean progress, Duration dnsWindow, int maxNames, int maxErrorsShown) {
            this(threads, progress, dnsWindow, maxNames, maxErrorsShown,
                    Duration.ofMillis(dev.keyhole.sources.pcap.PcapReader.DEFAULT_TEMPLATE_LIFETIME_MILLIS));
        }

        public static Options defaults() {
            return new Options(Runtime.getRuntime().availableProcessors(), true, Duration.ofHours(1), 5_000_000, 20);
        }
    }

    /** {@code cpuNanos}: CPU time of the worker threads in pass 2 (flows), a load-independent cost measure. */
    public record Result(AnalysisSet analyses, List<InputInfo> inputs, long flowRecords, long nanos, long bytesRead,
                         long namesCollected, long cpuNanos) {}

    private final Options options;
    private final Consumer<String> log;

    public EmbeddedEngine(Options options, Consumer<String> log) {
        this.options = options;
        this.log = log;
    }

    public Result run(List<InputFile> inputs, AnalysisContext ctx, Supplier<FlowEnricher> enrichers)
            throws InterruptedException {
        return run(inputs, ctx, enrichers, null);
    }

    /** @param taps makes one {@link FlowTap} per worker thread (called on that thread), or null for none */
    public Result run(List<InputFile> inputs, AnalysisContext ctx, Supplier<FlowEnricher> enrichers,
                      Supplier<FlowTap> taps) throws InterruptedException {
        long t0 = System.nanoTime();
        long totalBytes = 0, progressBytes = 0;
        List<InputFile> nameFiles = new ArrayList<>(), flowFiles = new ArrayList<>();
        // Each input's slot in the result; identity, since two entries may name the same file.
        java.util.Map<InputFile, Integer> index = new java.util.IdentityHashMap<>();
        for (int i = 0; i < inputs.size(); i++) index.put(inputs.get(i), i);
        for (InputFile f : inputs) {
            totalBytes += f.size();
            if (f.format().carriesNames()) {
                nameFiles.add(f);
                progressBytes += f.size();
            }
            if (f.format().carriesFlows()) {
                flowFiles.add(f);
                progressBytes += f.size();
            }
        }
        // Biggest files first so one large file does not start last and run alone.
        flowFiles.sort((a, b) -> Long.compare(b.size(), a.size()));

        InputInfo[] infos = new InputInfo[inputs.size()];
        AtomicLong flowCount = new AtomicLong();
        AtomicLong errorsShown = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, options.threads()));
        try (Progress progress = Progress.of("keyhole", progressBytes, options.progress())) {
            // Pass 1: names.
            List<FlowNamer> namers = Collections.synchronizedList(new ArrayList<>());
            List<Future<?>> futures = new ArrayList<>();
            for (InputFile f : nameFiles) {
                int idx = index.get(f);
                futures.add(pool.submit(() -> {
                    FlowNamer n = new FlowNamer(options.dnsWindow(), options.maxNames());
                    // A file read again for its flows reports its problems then, not twice.
                    boolean again = f.format().carriesFlows();
                    InputInfo info = readFile(f, n, progress, again ? null : errorsShown).info();
                    if (!again) infos[idx] = info;
                    namers.add(n);
                }));
            }
            await(futures);
            FlowNamer namer = new FlowNamer(options.dnsWindow(), options.maxNames());
            for (FlowNamer n : namers) namer.merge(n);
            boolean naming = namer.size() > 0;

            // Pass 2: flows.
            List<Worker> workers = Collections.synchronizedList(new ArrayList<>());
            ThreadLocal<Worker> local = ThreadLocal.withInitial(() -> {
                Worker w = new Worker(new AnalysisSet(ctx), enrichers.get(), taps == null ? null : taps.get());
                workers.add(w);
                return w;
            });
            futures.clear();
            AtomicLong cpu = new AtomicLong();
            java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
            for (InputFile f : flowFiles) {
                int idx = index.get(f);
                futures.add(pool.submit(() -> {
                    long c0 = mx.getCurrentThreadCpuTime();
                    Worker w = local.get();
                    FlowTap tap = w.tap;
                    if (tap != null) tap.file(f);
                    RecordSink sink = new RecordSink() {
                        @Override
                        public void flow(FlowRecord r) {
                            EnrichedFlow e = w.enricher.enrich(naming ? namer.name(r) : r);
                            w.analyses.accept(e);
                            if (tap != null) tap.accept(e);
                        }
                    };
                    FlowBatch batch = new FlowBatch(sink);
                    // readFile reports I/O failures itself; an exception out of it is fatal for the run.
                    FileRead read = readFile(f, batch, progress, errorsShown);
                    batch.drain();
                    infos[idx] = read.info();
                    flowCount.addAndGet(read.flows());
                    cpu.addAndGet(mx.getCurrentThreadCpuTime() - c0);
                }));
            }
            await(futures);
            AnalysisSet merged = new AnalysisSet(ctx);
            for (Worker w : workers) merged.merge(w.analyses);
            return new Result(merged, List.of(infos), flowCount.get(), System.nanoTime() - t0, totalBytes,
                    namer.size(), cpu.get());
        } finally {
            pool.shutdownNow();
            // After a failure the caller drops the store's writers: no worker may still be using one.
            if (!pool.awaitTermination(1, java.util.concurrent.TimeUnit.MINUTES)) {
                log.accept("warning: workers still running a minute after the run was stopped");
            }
        }
    }

    private record Worker(AnalysisSet analyses, FlowEnricher enricher, FlowTap tap) {}

    /** What reading one file gave: its report for findings.json and how many of its records were flows. */
    private record FileRead(InputInfo info, long flows) {}

    /** @param errorsShown null to read silently (the file's problems are reported by another pass) */
    private FileRead readFile(InputFile f, RecordSink sink, Progress progress, AtomicLong errorsShown) {
        Rejects rejects = new Rejects(f.path().toString(), errorsShown == null ? null : msg -> {
            long n = errorsShown.incrementAndGet();
            if (n <= options.maxErrorsShown()) log.accept("error: " + msg);
            else if (n == options.maxErrorsShown() + 1) log.accept("error: more errors; see findings.json inputs[].errors");
        });
        CountingSink counted = new CountingSink(sink);
        long[] fileBytes = new long[1];
        try (InputStream raw = new CountingInputStream(Files.newInputStream(f.path()), n -> {
                 fileBytes[0] += n;
                 progress.add(n);
             });
             InputStream in = f.gzip() ? new GZIPInputStream(raw, 1 << 16) : new BufferedInputStream(raw, 1 << 16)) {
            Readers.forFormat(f.format(), options.templateLifetime().toMillis(), options.tunnels())
                    .read(in, counted, rejects);
        } catch (IOException e) {
            // The stream itself failed (e.g. a truncated gzip): what was read stays, the failure is reported.
            // The records after the failure are lost and cannot be counted: one rejected at least.
            rejects.atOffset(fileBytes[0], 1, "read failed" + (f.gzip() ? " (offset in the compressed file)" : "")
                    + ": " + e.getMessage());
        }
        if (errorsShown != null && !rejects.skipped().isEmpty()) {
            StringBuilder sb = new StringBuilder();
            long total = 0;
            for (var e : rejects.skipped().entrySet()) {
                total += e.getValue();
                sb.append(sb.length() == 0 ? "" : ", ").append(e.getKey()).append(' ').append(e.getValue());
            }
            log.accept("note: " + f.path() + ": skipped " + Plural.of(total, "events") + " Keyhole does not read (" + sb + ")");
        }
        return new FileRead(new InputInfo(f.path().toString(), f.format().id(), counted.count, rejects.count(),
                rejects.messages()), counted.flows);
    }

    /**
     * Hands flows on in runs of {@link #SIZE}: a run is decoded, then enriched and analysed. (C2
     * still inlines the hand-off into the decoder, so this does not keep their compilations apart:
     * docs/benchmarks.md.) Not thread-safe.
     */
    static final class FlowBatch implements RecordSink {
        static final int SIZE = 256;
        private final RecordSink next;
        private final FlowRecord[] buf = new FlowRecord[SIZE];
        private int n;

        FlowBatch(RecordSink next) {
            this.next = next;
        }

        @Override
        public void flow(FlowRecord f) {
            buf[n++] = f;
            if (n == SIZE) drain();
        }

        /**
         * Passes on the buffered flows; called when full and after the file. If one flow fails (a bug
         * in an analysis), the others of the batch are still delivered and the first failure is
         * rethrown afterwards, so the reader reports it and nothing else is lost.
         */
        void drain() {
            int m = n;
            n = 0;
            RuntimeException failure = null;
            for (int i = 0; i < m; i++) {
                FlowRecord f = buf[i];
                buf[i] = null;
                try {
                    next.flow(f);
                } catch (RuntimeException e) {
                    if (failure == null) failure = e;
                    else failure.addSuppressed(e);
                }
            }
            if (failure != null) throw failure;
        }

        // Pass 2 uses flows only (names were collected in pass 1): other records need no draining.
        @Override
        public void http(dev.keyhole.records.HttpRecord h) {
            next.http(h);
        }

        @Override
        public void tls(dev.keyhole.records.TlsRecord t) {
            next.tls(t);
        }

        @Override
        public void dns(dev.keyhole.records.DnsRecord d) {
            next.dns(d);
        }
    }

    /** Counts what a parser emitted, so a file that fails half-way still reports its records. */
    private static final class CountingSink implements RecordSink {
        private final RecordSink next;
        long count;
        long flows;

        CountingSink(RecordSink next) {
            this.next = next;
        }

        @Override
        public void flow(FlowRecord f) {
            count++;
            flows++;
            next.flow(f);
        }

        @Override
        public void http(dev.keyhole.records.HttpRecord h) {
            count++;
            next.http(h);
        }

        @Override
        public void tls(dev.keyhole.records.TlsRecord t) {
            count++;
            next.tls(t);
        }

        @Override
        public void dns(dev.keyhole.records.DnsRecord d) {
            count++;
            next.dns(d);
        }
    }

    private static void await(List<Future<?>> futures) throws InterruptedException {
        for (Future<?> fu : futures) {
            try {
                fu.get();
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException("worker failed: " + e.getCause(), e.getCause());
            }
        }
    }
}
