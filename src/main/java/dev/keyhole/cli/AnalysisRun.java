package dev.keyhole.cli;

import dev.keyhole.analyses.AnalysisContext;
import dev.keyhole.engine.EmbeddedEngine;
import dev.keyhole.enrichment.Enricher;
import dev.keyhole.enrichment.catalog.Catalog;
import dev.keyhole.enrichment.scope.TargetScope;
import dev.keyhole.findings.Findings;
import dev.keyhole.findings.Judgment;
import dev.keyhole.outputs.CsvTables;
import dev.keyhole.outputs.FindingsJson;
import dev.keyhole.outputs.HtmlReport;
import dev.keyhole.profile.Period;
import dev.keyhole.profile.TargetProfile;
import dev.keyhole.refdata.ReferenceData;
import dev.keyhole.refdata.ReferenceSetup;
import dev.keyhole.sources.InputFile;
import dev.keyhole.sources.InputFormat;
import dev.keyhole.sources.Inputs;
import dev.keyhole.sources.Plural;
import dev.keyhole.store.FlowStore;
import dev.keyhole.store.parquet.ParquetWriter;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/** Wires one analysis run: inputs → reference data → engine → findings → outputs. Used by analyze, demo and bench. */
public final class AnalysisRun {
    /**
     * @param store directory for the columnar flow store, or null for none
     * @param storeCodec the store's page compression
     * @param storeAppend add to the complete store in {@code store} instead of creating one
     * @param templateLifetime how long a capture's v9/IPFIX templates stay usable without a re-send (0: always)
     */
    public record Settings(TargetProfile profile, List<Path> inputs, Path out, InputFormat format, int threads,
                           boolean progress, Duration dnsWindow, int maxNames, boolean report, ReferenceOptions ref,
                           Path store, ParquetWriter.Codec storeCodec, boolean storeAppend, Duration templateLifetime,
                           dev.keyhole.sources.packet.Tunnels tunnels) {
        public Settings {
            if (tunnels == null) tunnels = dev.keyhole.sources.packet.Tunnels.NONE;
        }

        public Settings(TargetProfile profile, List<Path> inputs, Path out, InputFormat format, int threads,
                        boolean progress, Duration dnsWindow, int maxNames, boolean report, ReferenceOptions ref,
                        Path store, ParquetWriter.Codec storeCodec, boolean storeAppend, Duration templateLifetime) {
            this(profile, inputs, out, format, threads, progress, dnsWindow, maxNames, report, ref, store, storeCodec,
                    storeAppend, templateLifetime, null);
        }

        public Settings(TargetProfile profile, List<Path> inputs, Path out, InputFormat format, int threads,
                        boolean progress, Duration dnsWindow, int maxNames, boolean report, ReferenceOptions ref,
                        Path store, ParquetWriter.Codec storeCodec, boolean storeAppend) {
            this(profile, inputs, out, format, threads, progress, dnsWindow, maxNames, report, ref, store, storeCodec,
                    storeAppend, Duration.ofMillis(dev.keyhole.sources.pcap.PcapReader.DEFAULT_TEMPLATE_LIFETIME_MILLIS));
        }

        public Settings(TargetProfile profile, List<Path> inputs, Path out, InputFormat format, int threads,
                        boolean progress, Duration dnsWindow, int maxNames, boolean report, ReferenceOptions ref,
                        Path store) {
            this(profile, inputs, out, format, threads, progress, dnsWindow, maxNames, report, ref, store,
                    FlowStore.DEFAULT_CODEC, false);
        }

        public Settings(TargetProfile profile, List<Path> inputs, Path out, InputFormat format, int threads,
                        boolean progress, Duration dnsWindow, int maxNames, boolean report, ReferenceOptions ref) {
            this(profile, inputs, out, format, threads, progress, dnsWindow, maxNames, report, ref, null);
        }

        /** Detected formats, the engine's default naming window and name cap, no store. */
        public static Settings of(TargetProfile profile, List<Path> inputs, Path out, int threads, boolean progress,
                                  boolean report, ReferenceOptions ref) {
            EmbeddedEngine.Options d = EmbeddedEngine.Options.defaults();
            return new Settings(profile, inputs, out, null, threads, progress, d.dnsWindow(), d.maxNames(), report,
                    ref);
        }
    }

    /** @param store what the flow store holds, or null when there is none */
    public record Outcome(Findings findings, EmbeddedEngine.Result result, Path findingsJson, Path report,
                          List<Path> csv, FlowStore.Summary store) {
        Outcome withStore(FlowStore.Summary s) {
            return new Outcome(findings, result, findingsJson, report, csv, s);
        }
    }

    private AnalysisRun() {}

    public static Outcome run(Settings s, Consumer<String> log) throws IOException, InterruptedException {
        List<Findings.InputInfo> skipped = new ArrayList<>();
        List<InputFile> files = Inputs.resolveEach(s.inputs(), s.format(), (path, reason) -> {
            String msg = path + ": " + reason;
            skipped.add(new Findings.InputInfo(path.toString(), "unknown", 0, 0, List.of(msg)));
            log.accept("warning: " + msg);
        });
        if (files.isEmpty()) throw new IOException("no readable input in " + s.inputs());
        // The report needs ECharts from the cache even when --geo and --asn spare the rest of set-up:
        // check before the run, not after it.
        Path echarts = null;
        if (s.report()) {
            ReferenceSetup setup = new ReferenceSetup(s.ref().cacheDir());
            echarts = setup.path(ReferenceSetup.Role.ECHARTS);
            if (!Files.isRegularFile(echarts)) setup.ensure();
        }

        ReferenceOptions r = s.ref();
        // A wrong --catalog is reported before reference-data set-up (which may first fetch packages).
        if (r.catalog != null) Catalog.checkDirectory(r.catalog);
        // Before the engine starts and after it ends only one core is busy: loading the catalogue,
        // readying the JSON writer (class loading) and writing the outputs run side by side.
        ExecutorService side = Executors.newFixedThreadPool(2, task -> {
            Thread t = new Thread(task, "keyhole-side");
            t.setDaemon(true);
            return t;
        });
        try {
            Future<Catalog> catalogJob = side.submit(() -> r.catalog == null ? Catalog.loadDefault() : Catalog.load(r.catalog));
            side.submit(FindingsJson::warmUp);
            return run(s, log, r, skipped, files, echarts, side, catalogJob);
        } finally {
            // On a failure an output job may still be writing: stop it and wait, so nothing writes
            // into --out after the run has returned.
            side.shutdownNow();
            side.awaitTermination(1, java.util.concurrent.TimeUnit.MINUTES);
        }
    }

    private static Outcome run(Settings s, Consumer<String> log, ReferenceOptions r, List<Findings.InputInfo> skipped,
                               List<InputFile> files, Path echarts, ExecutorService side, Future<Catalog> catalogJob)
            throws IOException, InterruptedException {
        try (ReferenceData ref = ReferenceData.open(r.cacheDir(), r.geo, r.asn, System.err)) {
            Catalog catalog = join(catalogJob);
            TargetScope scope = TargetScope.of(s.profile(), ref.asn());
            scope.notes().forEach(n -> log.accept("note: " + n));
            if (s.tunnels().any()) {
                log.accept("note: packet samples inside " + s.tunnels() + " tunnels count as the inner packet (--decap)");
            }
            AnalysisContext ctx = new AnalysisContext(s.profile());
            EmbeddedEngine engine = new EmbeddedEngine(new EmbeddedEngine.Options(s.threads(), s.progress(),
                    s.dnsWindow(), s.maxNames(), 20, s.templateLifetime(), s.tunnels()), log);
            FlowStore store = s.store() == null ? null
                    : s.storeAppend() ? FlowStore.append(s.store(), s.profile(), FlowStore.DEFAULT_BATCH_ROWS, s.storeCodec())
                    : FlowStore.create(s.store(), s.profile(), FlowStore.DEFAULT_BATCH_ROWS, s.storeCodec());
            if (store != null && !store.removedLeftovers().isEmpty()) {
                log.accept("note: store: removed " + Plural.of(store.removedLeftovers().size(), "files") + " of an earlier append "
                        + "that did not complete (its rows were never in the store)");
            }
            // The store is committed (store.json) only after the outputs are written: if anything
            // fails before, an append leaves the store as it was, so running it again stores no row twice.
            try (store) {
                Enricher.SharedBlocks blocks = new Enricher.SharedBlocks();
                EmbeddedEngine.Result result = engine.run(files, ctx,
                        () -> new Enricher(scope, ref.geo(), ref.asn(), catalog, blocks)::enrich,
                        store == null ? null : store::newWriter);
                if (store != null) store.flush();
                Outcome o = outputs(s, log, ref, catalog, result, skipped, echarts, side);
                return store == null ? o : o.withStore(store.commit());
            }
        }
    }

    private static Outcome outputs(Settings s, Consumer<String> log, ReferenceData ref, Catalog catalog,
                                   EmbeddedEngine.Result result, List<Findings.InputInfo> skipped, Path echarts,
                                   ExecutorService side) throws IOException, InterruptedException {
        Findings f = new Findings();
        f.generatedAt = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        f.profile = profileInfo(s.profile());
        f.settings = new Findings.Settings(KeyholeCli.VERSION, s.format() == null ? "detected" : s.format().id(),
                s.tunnels().toString(), s.dnsWindow().toSeconds(), s.maxNames(), s.templateLifetime().toSeconds());
        f.inputs.addAll(result.inputs());
        f.inputs.addAll(skipped);
        f.referenceData.addAll(ref.datasets());
        f.referenceData.add(new Findings.ReferenceDataset("catalog", catalog.source(), "keyhole catalogue",
                catalog.version(), "Apache-2.0"));
        result.analyses().finish(f);
        long geoErrors = ref.geo() == null ? 0 : ref.geo().errors();
        long asnErrors = ref.asn() instanceof dev.keyhole.refdata.MmdbAsnLookup m ? m.errors() : 0;
        if (geoErrors + asnErrors > 0) {
            log.accept("warning: " + geoErrors + " geo and " + asnErrors
                    + " ASN lookups hit corrupt MMDB records; those addresses were treated as unknown");
        }

        Files.createDirectories(s.out());
        Path json = s.out().resolve("findings.json");
        // The three outputs only read the findings: written side by side.
        Future<List<Path>> csvJob = side.submit(() -> CsvTables.write(f, s.out().resolve("csv")));
        Path report = s.report() ? s.out().resolve("report.html") : null;
        Future<?> reportJob = report == null ? null : side.submit(() -> {
            HtmlReport.write(f, report, echarts);
            return null;
        });
        FindingsJson.write(f, json);
        List<Path> csv = join(csvJob);
        if (reportJob != null) join(reportJob);
        return new Outcome(f, result, json, report, csv, null);
    }

    /** The job's result, its failure rethrown as it was thrown (not wrapped). */
    private static <T> T join(Future<T> job) throws IOException, InterruptedException {
        try {
            return job.get();
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) throw io;
            if (c instanceof RuntimeException re) throw re;
            if (c instanceof Error err) throw err;
            throw new IOException(c);
        }
    }

    static Findings.ProfileInfo profileInfo(TargetProfile p) {
        List<Findings.PeriodInfo> periods = new ArrayList<>();
        for (Period x : p.periods()) periods.add(new Findings.PeriodInfo(x.name(), x.from().toString(), x.to().toString()));
        List<String> weekend = p.weekend().stream().sorted().map(DayOfWeek::toString).toList();
        return new Findings.ProfileInfo(p.name(), p.cidrs(), p.asns(), p.zone().getId(), weekend, periods,
                p.monthlyPeriods());
    }

    /** What a person wants on the terminal after a run: counts, speed, judgments, where the files are. */
    static void printSummary(Outcome o, PrintStream out) {
        EmbeddedEngine.Result r = o.result();
        long rejected = o.findings().inputs.stream().mapToLong(Findings.InputInfo::rejected).sum();
        double secs = r.nanos() / 1e9;
        int inputs = o.findings().inputs.size();
        out.printf("%d input%s, %,d flow records (%,d rejected), %,d names collected, %.1f s, %,.0f flows/s%n",
                inputs, inputs == 1 ? "" : "s", r.flowRecords(), rejected, r.namesCollected(), secs,
                r.flowRecords() / Math.max(secs, 1e-9));
        var t = o.findings().totals;
        out.printf("in scope: %,d records (%,d outbound, %,d inbound, %,d internal), %,d out of scope%n",
                t.inScopeRecords(), t.outbound(), t.inbound(), t.internal(), t.outOfScope());
        out.println();
        out.println("Key judgments:");
        for (Judgment j : o.findings().judgments) out.printf("  [%s] %s%n", j.confidence(), j.text());
        out.println();
        out.println("findings: " + o.findingsJson().toAbsolutePath());
        if (o.report() != null) out.println("report:   " + o.report().toAbsolutePath());
        out.println("tables:   " + o.findingsJson().toAbsolutePath().getParent().resolve("csv"));
        FlowStore.Summary st = o.store();
        if (st != null) {
            out.printf("store:    %s (%,d flows in %,d files, written at %,.0f rows/s)%n", st.dir().toAbsolutePath(),
                    st.rows(), st.files(), st.rowsPerSecond());
        }
    }
}
