package dev.keyhole.cli;

import dev.keyhole.bench.HeapWatcher;
import dev.keyhole.bench.SyntheticIpfix;
import dev.keyhole.profile.ProfileLoader;
import dev.keyhole.profile.TargetProfile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code keyhole bench}: end-to-end throughput (IPFIX ingest + enrichment + all analyses + outputs)
 * and heap, on synthetic router-style IPFIX, at several input sizes so that heap growth shows.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, subcommands = {BenchNfdumpCommand.class},
        description = {"Measures flows/s of ingest + enrichment + analyses from IPFIX files and the heap it needs, "
                + "at growing input sizes. Data is generated once into --dir and reused.",
                "Subcommand: nfdump (Keyhole against nfdump on the same nfcapd files)."})
public final class BenchCommand implements Callable<Integer> {
    @Option(names = "--flows", defaultValue = "10000000", paramLabel = "N",
            description = "Flow records at size 1 (default ${DEFAULT-VALUE}).")
    long flows;

    @Option(names = "--sizes", defaultValue = "1,4", split = ",", paramLabel = "K",
            description = "Multiples of --flows to run, to show whether heap grows with input (default ${DEFAULT-VALUE}).")
    List<Integer> sizes = new ArrayList<>();

    @Option(names = "--files", defaultValue = "8", paramLabel = "N", description = "Files per size (default ${DEFAULT-VALUE}).")
    int files;

    @Option(names = "--dir", paramLabel = "DIR", description = "Where to keep generated data (default: <cache>/bench).")
    Path dir;

    @Option(names = "--threads", paramLabel = "N", description = "Worker threads (default: all cores).")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--seed", defaultValue = "1", description = "Generator seed.")
    long seed;

    @Mixin
    ReferenceOptions ref = new ReferenceOptions();

    @Override
    public Integer call() throws Exception {
        Path base = dir != null ? dir : ref.cacheDir().resolve("bench");
        TargetProfile profile = ProfileLoader.load("dprk");
        System.out.printf("keyhole bench: %d cores, max heap %d MiB, threads %d%n",
                Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20, threads);
        // Warm-up on a small set so the JIT does not bill the first size.
        Path warm = data(base, Math.min(flows, 2_000_000L), 2);
        run(profile, warm, base.resolve("out-warmup"));
        System.out.printf("%-12s %-6s %10s %9s %12s %9s %12s %9s %15s %13s %12s%n", "flows", "files", "input MiB",
                "pass s", "pass flows/s", "total s", "total flows/s", "MiB/s", "max live heap", "peak heap", "cpu ns/flow");
        for (int k : sizes) {
            long n = flows * k;
            Path d = data(base, n, files);
            long bytes = 0;
            try (var s = Files.list(d)) {
                for (Path p : s.toList()) bytes += Files.size(p);
            }
            System.gc();
            try (HeapWatcher heap = new HeapWatcher()) {
                long t0 = System.nanoTime();
                AnalysisRun.Outcome o = run(profile, d, base.resolve("out-" + n));
                double total = (System.nanoTime() - t0) / 1e9;
                double secs = o.result().nanos() / 1e9;
                long f = o.result().flowRecords();
                System.out.printf("%-12d %-6d %10.1f %9.2f %12.0f %9.2f %12.0f %9.1f %11d MiB %9d MiB %12.0f%n", f, files,
                        bytes / 1048576.0, secs, f / secs, total, f / total, bytes / 1048576.0 / total,
                        heap.maxLiveAfterGc() >> 20, HeapWatcher.peakUsed() >> 20,
                        (double) o.result().cpuNanos() / Math.max(1, f));
            }
        }
        System.out.println("pass = read + name + enrich + all analyses (the engine); total = the whole analyze run:"
                + " reference data load, pass, findings, CSV. Heap: live after GC (max) and peak incl. garbage."
                + " cpu ns/flow: worker CPU time per flow in the pass (GC and JIT threads excluded).");
        return 0;
    }

    private AnalysisRun.Outcome run(TargetProfile profile, Path in, Path out) throws Exception {
        return AnalysisRun.run(AnalysisRun.Settings.of(profile, List.of(in), out, threads, false, false, ref), m -> {});
    }

    private Path data(Path base, long n, int fileCount) throws Exception {
        Path d = base.resolve("ipfix-v3-" + n + "-" + fileCount + "-" + seed);
        Path done = d.resolve(".complete");
        if (!Files.exists(done)) {
            System.err.printf("generating %,d flows into %s ...%n", n, d);
            SyntheticIpfix.write(d, n, fileCount, seed);
            Files.writeString(done, "ok\n");
        }
        return d;
    }
}
