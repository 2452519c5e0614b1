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
import java.time.Duration;
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
        System.out.printf("%-12s %-8s %12s %10s %14s %12s %16s %14s%n", "flows", "files", "input MiB", "seconds",
                "flows/s", "MiB/s", "max live heap", "peak heap");
        for (int k : sizes) {
            long n = flows * k;
            Path d = data(base, n, files);
            long bytes = 0;
            try (var s = Files.list(d)) {
                for (Path p : s.toList()) bytes += Files.size(p);
            }
            System.gc();
            try (HeapWatcher heap = new HeapWatcher()) {
                AnalysisRun.Outcome o = run(profile, d, base.resolve("out-" + n));
                double secs = o.result().nanos() / 1e9;
                System.out.printf("%-12d %-8d %12.1f %10.2f %14.0f %12.1f %12d MiB %10d MiB%n", o.result().flowRecords(),
                        files, bytes / 1048576.0, secs, o.result().flowRecords() / secs, bytes / 1048576.0 / secs,
                        heap.maxLiveAfterGc() >> 20, HeapWatcher.peakUsed() >> 20);
            }
        }
        return 0;
    }

    private AnalysisRun.Outcome run(TargetProfile profile, Path in, Path out) throws Exception {
        return AnalysisRun.run(new AnalysisRun.Settings(profile, List.of(in), out, null, threads, false,
                Duration.ofHours(1), 1_000_000, false, ref), m -> {});
    }

    private Path data(Path base, long n, int fileCount) throws Exception {
        Path d = base.resolve("ipfix-" + n + "-" + fileCount + "-" + seed);
        Path done = d.resolve(".complete");
        if (!Files.exists(done)) {
            System.err.printf("generating %,d flows into %s ...%n", n, d);
            SyntheticIpfix.write(d, n, fileCount, seed);
            Files.writeString(done, "ok\n");
        }
        return d;
    }
}
