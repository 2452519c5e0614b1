package dev.keyhole.cli;

import dev.keyhole.bench.CollectorBenchmark;
import dev.keyhole.bench.HeapWatcher;
import dev.keyhole.bench.NfcapdBenchData;
import dev.keyhole.engine.EmbeddedEngine;
import dev.keyhole.enrichment.scope.TargetScope;
import dev.keyhole.profile.ProfileLoader;
import dev.keyhole.profile.TargetProfile;
import dev.keyhole.query.TopQuery;
import dev.keyhole.sources.InputFile;
import dev.keyhole.sources.Inputs;
import dev.keyhole.sources.nfcapd.Compression;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code keyhole bench nfdump}: the same nfcapd files (written by nfdump) answered by nfdump and by Keyhole
 * on this machine. (a) the target's top destination ports by flows — {@code nfdump -R DIR 'net …' -s
 * dstport/flows} against {@code keyhole top}, which must give the same ports and counts; (b) the full
 * {@code keyhole analyze} on the same files. At two or more sizes, so heap growth shows.
 */
@Command(name = "nfdump", mixinStandardHelpOptions = true,
        description = {"Times nfdump and Keyhole on the same nfcapd files: top destination ports of the target "
                + "(nfdump -s dstport/flows vs keyhole top) and the full keyhole analyze; checks both top lists are equal."})
public final class BenchNfdumpCommand implements Callable<Integer> {
    @Option(names = "--flows", defaultValue = "20000000", paramLabel = "N",
            description = "Flow records at size 1 (default ${DEFAULT-VALUE}).")
    long flows;

    @Option(names = "--sizes", defaultValue = "1,2", split = ",", paramLabel = "K",
            description = "Multiples of --flows to run (default ${DEFAULT-VALUE}).")
    List<Integer> sizes = new ArrayList<>();

    @Option(names = "--files", defaultValue = "8", paramLabel = "N", description = "Files per size (default ${DEFAULT-VALUE}).")
    int files;

    @Option(names = "--compression", defaultValue = "lzo", paramLabel = "C",
            description = "Compression nfdump writes the files with: none, lzo, lz4, bz2 (default ${DEFAULT-VALUE}).")
    Compression compression;

    @Option(names = "--runs", defaultValue = "5", paramLabel = "N",
            description = "Timed runs of each query and of analyze, interleaved; medians are reported, and ratios as the median"
                    + " of runs paired one after the other (default ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--store", description = "Also time analyze --store (the Parquet flow store, Snappy) in a new and"
            + " a warm JVM, against analyze without it.")
    boolean store;

    @Option(names = "--no-analyze", description = "Only the top-N comparison, not keyhole analyze.")
    boolean noAnalyze;

    @Option(names = "--nfdump", paramLabel = "PATH", description = "nfdump binary (default: nfdump on PATH).")
    String nfdump;

    @Option(names = "--dir", paramLabel = "DIR", description = "Where to keep generated data (default: <cache>/bench).")
    Path dir;

    @Option(names = "--threads", paramLabel = "N", description = "Keyhole worker threads (default: all cores).")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--seed", defaultValue = "1", description = "Generator seed.")
    long seed;

    @Mixin
    ReferenceOptions ref = new ReferenceOptions();

    @Override
    public Integer call() throws Exception {
        if (store && noAnalyze) throw new IllegalArgumentException("--store times analyze --store: it cannot go with --no-analyze");
        String nf = nfdump != null ? nfdump : onPath("nfdump");
        Path base = dir != null ? dir : ref.cacheDir().resolve("bench");
        Files.createDirectories(base);
        TargetProfile profile = ProfileLoader.load("dprk");
        String filter = TopCommand.nfdumpFilter(profile);
        TargetScope scope = TargetScope.ofCidrs(profile.cidrs());
        String version = NfcapdBenchData.run(List.of(nf, "-V"), base.resolve("nfdump-version.log")).lines().findFirst().orElse("").trim();
        System.out.printf("keyhole bench nfdump: %d cores, max heap %d MiB, threads %d, %s, files %s-compressed,"
                        + " load average %s%n", Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() >> 20, threads, version, compression.name(), load());
        System.out.printf("(a) nfdump -R DIR '%s' -s dstport/flows -q -o csv%n    vs keyhole top --profile dprk"
                + " --cidrs-only --in DIR --by dstport --csv%n", filter);

        // Warm-up for the warm top: the JIT compiles the reader before it is timed (analyze warms up on
        // the timed files themselves, below).
        Path warm = NfcapdBenchData.prepare(base, nf, Math.min(flows, 2_000_000L), 2, seed, compression,
                System.err::println);
        List<InputFile> warmInputs = Inputs.resolve(List.of(warm), null, m -> {});
        TopQuery.run(warmInputs, scope, TopQuery.Key.DSTPORT, TopQuery.Order.FLOWS, threads, System.err::println);
        if (!noAnalyze) {
            // Set-up, not timed: installs the reference data and builds its snapshots (ASN ranges,
            // geo IPv4 ranges) as a user's first run does once.
            dev.keyhole.refdata.ReferenceData.open(ref.cacheDir(), ref.geo, ref.asn, System.err).close();
        }

        List<String> rows = new ArrayList<>();
        for (int k : sizes) {
            long n = flows * k;
            Path d = NfcapdBenchData.prepare(base, nf, n, files, seed, compression, System.err::println);
            List<InputFile> inputs = Inputs.resolve(List.of(d), null, m -> {});
            long bytes = 0;
            for (InputFile f : inputs) bytes += f.size();
            String loadBefore = load();

            // The three are interleaved, run by run, so that a change in the machine's load hits all alike.
            List<Double> nfSecs = new ArrayList<>(), nfCpu = new ArrayList<>();
            List<Double> warmSecs = new ArrayList<>(), warmCpu = new ArrayList<>();
            List<Double> coldSecs = new ArrayList<>(), coldCpu = new ArrayList<>();
            List<String> nfCmd = List.of(nf, "-R", d.toString(), filter, "-s", "dstport/flows", "-q", "-o", "csv");
            NfcapdBenchData.run(nfCmd, base.resolve("nfdump-top.log")); // warms the page cache, not counted
            String nfOut = null;
            TopQuery.Result top = null;
            List<long[]> coldTop = null;
            for (int r = 0; r < runs; r++) {
                long t = System.nanoTime();
                double c = childCpu();
                nfOut = NfcapdBenchData.run(nfCmd, base.resolve("nfdump-top.log"));
                nfSecs.add((System.nanoTime() - t) / 1e9);
                nfCpu.add(childCpu() - c);

                t = System.nanoTime();
                c = childCpu();
                String out = NfcapdBenchData.run(coldCommand(d), base.resolve("keyhole-top.log"));
                coldSecs.add((System.nanoTime() - t) / 1e9);
                coldCpu.add(childCpu() - c);
                coldTop = parseTop(out, 0, 1);

                c = processCpu();
                top = TopQuery.run(inputs, scope, TopQuery.Key.DSTPORT, TopQuery.Order.FLOWS, threads, System.err::println);
                warmSecs.add(top.nanos() / 1e9);
                warmCpu.add(processCpu() - c);
            }
            List<long[]> nfTop = parseTop(nfOut, 4, 5);
            if (nfTop.isEmpty()) throw new IOException("nfdump found no flows in " + d + ":\n" + nfOut);
            List<long[]> khTop = new ArrayList<>();
            for (TopQuery.Row x : top.top(10)) khTop.add(new long[] {x.key(), x.flows()});
            boolean equal = same(nfTop, khTop) && same(nfTop, coldTop);
            double nfMedian = median(nfSecs), coldMedian = median(coldSecs), warmMedian = median(warmSecs);
            double nfCpuMedian = median(nfCpu), coldCpuMedian = median(coldCpu), warmCpuMedian = median(warmCpu);
            System.out.printf("%n== %,d flows in %d files, %.1f MiB on disk; load average before: %s%n", n, inputs.size(),
                    bytes / 1048576.0, loadBefore);
            System.out.printf("(a) nfdump %.2f s wall (%s), %.2f s CPU (%,.0f flows/s) | keyhole top, new JVM: %.2f s wall"
                            + " (%s), %.2f s CPU (%,.0f flows/s); warm JVM: %.2f s wall, %.2f s CPU%n"
                            + "    ratio keyhole/nfdump, paired runs: wall %.2f (warm %.2f), CPU %.2f (warm %.2f) | top-10 ports and"
                            + " flow counts %s%n",
                    nfMedian, range(nfSecs), nfCpuMedian, n / nfMedian, coldMedian, range(coldSecs), coldCpuMedian,
                    n / coldMedian, warmMedian,
                    warmCpuMedian, pairedRatio(coldSecs, nfSecs), pairedRatio(warmSecs, nfSecs),
                    pairedRatio(coldCpu, nfCpu), pairedRatio(warmCpu, nfCpu), equal ? "identical" : "DIFFER");
            if (!equal) {
                System.out.println("    nfdump:  " + show(nfTop));
                System.out.println("    keyhole: " + show(khTop) + " / new JVM: " + show(coldTop));
            }
            String row = String.format("%,d | %.2f / %.2f | %.2f / %.2f | %.2f / %.2f | %.2f / %.2f", n, nfMedian,
                    nfCpuMedian, coldMedian, coldCpuMedian, warmMedian, warmCpuMedian, pairedRatio(coldSecs, nfSecs),
                    pairedRatio(coldCpu, nfCpu));
            if (!noAnalyze) {
                row += analyzeRuns(profile, d, base, n, nfCmd, nf, nfMedian, nfCpuMedian, nfTop);
            }
            System.out.println("    load average after: " + load());
            rows.add(row);
        }
        System.out.println();
        System.out.println("flows | nfdump s wall / CPU | keyhole top s, new JVM | keyhole top s, warm | ratio (a) wall / CPU"
                + (noAnalyze ? "" : " | analyze s, new JVM, wall / CPU | ratio (b) wall / CPU | analyze s, warm, wall / CPU"
                + " | ratio (b) warm wall / CPU | max live heap MiB | peak heap MiB"
                + (store ? " | analyze --store s, new JVM, wall / CPU | warm, wall / CPU | store MiB"
                + " | (q) top-10 from the store s, ratio | (q) one host: nfdump s, query s, ratio | (q) host's ports: nfdump s, query s, ratio" : "")));
        rows.forEach(System.out::println);
        return 0;
    }

    /**
     * (b) analyze, and with {@code --store} (s) analyze --store, as a user runs them (new JVM) and
     * at steady state (warm: one untimed run of each first). Every timed run is paired: each (b) run
     * right after an nfdump run of (a), each (s) run right after its (b) run, so that the ratios
     * are the median of the pairs' own ratios and a change in the machine's speed during the
     * benchmark (measured at ±25 % on the reference VM) hits both sides of a pair alike. Returns the
     * summary table's columns; with --store the last warm run's store is kept for {@link #drillDown}.
     */
    private String analyzeRuns(TargetProfile profile, Path d, Path base, long n, List<String> nfCmd, String nf,
                               double nfMedian, double nfCpuMedian, List<long[]> nfTop) throws Exception {
        Path storeDir = base.resolve("store-nfdump-" + n);
        Runs nfB = new Runs(), cold = new Runs(), coldStore = new Runs();
        long bytes = 0;
        for (int r = 0; r < runs; r++) {
            long t = System.nanoTime();
            double c = childCpu();
            NfcapdBenchData.run(nfCmd, base.resolve("nfdump-top.log"));
            nfB.add(t, c, true);
            // As a user runs it: a new JVM, reference data loaded and code compiled inside the time.
            t = System.nanoTime();
            c = childCpu();
            NfcapdBenchData.run(analyzeCommand(d, base.resolve("out-nfdump-cold-" + n)), base.resolve("keyhole-analyze.log"));
            cold.add(t, c, true);
            if (store) {
                CollectorBenchmark.deleteTree(storeDir);
                List<String> cmd = analyzeCommand(d, base.resolve("out-nfdump-store-" + n));
                cmd.addAll(List.of("--store", storeDir.toString()));
                t = System.nanoTime();
                c = childCpu();
                NfcapdBenchData.run(cmd, base.resolve("keyhole-analyze-store.log"));
                coldStore.add(t, c, true);
                bytes = treeBytes(storeDir);
            }
        }
        System.out.printf("(b) keyhole analyze, new JVM: %.2f s wall (%s), %.2f s CPU (%,.0f flows/s) | ratio"
                        + " analyze/nfdump(a), paired runs: wall %.2f, CPU %.2f (nfdump in those pairs %.2f s, %s)%n",
                cold.wall(), cold.range(), cold.cpu(), n / cold.wall(), cold.wallRatio(nfB), cold.cpuRatio(nfB),
                nfB.wall(), nfB.range());
        String row = String.format(" | %.2f / %.2f | %.2f / %.2f", cold.wall(), cold.cpu(), cold.wallRatio(nfB),
                cold.cpuRatio(nfB));
        if (store) {
            System.out.printf("(s) keyhole analyze --store, new JVM: %.2f s wall (%s), %.2f s CPU | paired with (b):"
                            + " %.2fx the wall and %.2fx the CPU | %,.0f flows/s | store %.1f MiB%n",
                    coldStore.wall(), coldStore.range(), coldStore.cpu(), coldStore.wallRatio(cold),
                    coldStore.cpuRatio(cold), n / coldStore.wall(), bytes / 1048576.0);
        }

        // Warm = steady state: one untimed run of each on the same files first, so that the timed
        // runs measure throughput, not JIT compilation (the new-JVM runs above include that).
        analyze(profile, d, base.resolve("out-nfdump-" + n));
        if (store) {
            CollectorBenchmark.deleteTree(storeDir);
            analyze(profile, d, base.resolve("out-nfdump-store-" + n), storeDir);
        }
        Runs nfW = new Runs(), warm = new Runs(), warmStore = new Runs();
        List<Double> engine = new ArrayList<>(), busy = new ArrayList<>();
        long liveMax = 0, storeRows = 0, records = 0;
        for (int r = 0; r < runs; r++) {
            long t = System.nanoTime();
            double c = childCpu();
            NfcapdBenchData.run(nfCmd, base.resolve("nfdump-top.log"));
            nfW.add(t, c, true);
            System.gc();
            try (HeapWatcher heap = new HeapWatcher()) {
                c = processCpu();
                t = System.nanoTime();
                AnalysisRun.Outcome o = analyze(profile, d, base.resolve("out-nfdump-" + n));
                warm.add(t, c, false);
                engine.add(o.result().nanos() / 1e9);
                records = o.result().flowRecords();
                liveMax = Math.max(liveMax, heap.maxLiveAfterGc());
            }
            if (store) {
                CollectorBenchmark.deleteTree(storeDir);
                System.gc();
                double cs = processCpu();
                long ts = System.nanoTime();
                AnalysisRun.Outcome o = analyze(profile, d, base.resolve("out-nfdump-store-" + n), storeDir);
                warmStore.add(ts, cs, false);
                busy.add(o.store().nanos() / 1e9);
                storeRows = o.store().rows();
            }
        }
        System.out.printf("(b) keyhole analyze, warm JVM: %.2f s wall (%s, engine %.2f s), %.2f s CPU, %,.0f flows/s, %,d"
                        + " records | ratio analyze/nfdump(a), paired runs: wall %.2f, CPU %.2f (nfdump in those pairs"
                        + " %.2f s, %s) | max live heap after GC %d MiB, peak heap %d MiB%n", warm.wall(), warm.range(),
                median(engine), warm.cpu(), records / warm.wall(), records, warm.wallRatio(nfW), warm.cpuRatio(nfW),
                nfW.wall(), nfW.range(), liveMax >> 20, HeapWatcher.peakUsed() >> 20);
        row += String.format(" | %.2f / %.2f | %.2f / %.2f | %d | %d", warm.wall(), warm.cpu(), warm.wallRatio(nfW),
                warm.cpuRatio(nfW), liveMax >> 20, HeapWatcher.peakUsed() >> 20);
        if (store) {
            System.out.printf("(s) warm JVM: %.2f s wall (%s), %.2f s CPU | paired with (b) warm: %.2fx the wall and"
                            + " %.2fx the CPU | %,d rows, writers busy %.2f s in all%n", warmStore.wall(),
                    warmStore.range(), warmStore.cpu(), warmStore.wallRatio(warm), warmStore.cpuRatio(warm), storeRows,
                    median(busy));
            row += String.format(" | %.2f / %.2f | %.2f / %.2f | %.1f", coldStore.wall(), coldStore.cpu(), warmStore.wall(),
                    warmStore.cpu(), bytes / 1048576.0);
            // The last warm run's store stays for the questions of drillDown, which removes it.
            row += drillDown(nf, d, base, n, nfMedian, nfCpuMedian, nfTop);
        }
        return row;
    }

    /**
     * Timed runs of one command: wall and CPU seconds, in run order, so that run i can be paired
     * with run i of another.
     */
    private static final class Runs {
        final List<Double> wall = new ArrayList<>(), cpu = new ArrayList<>();

        /** Ends a run begun at {@code nanos} with {@code cpuBefore}: of the children when {@code child}, else this JVM's. */
        void add(long nanos, double cpuBefore, boolean child) {
            wall.add((System.nanoTime() - nanos) / 1e9);
            cpu.add((child ? childCpu() : processCpu()) - cpuBefore);
        }

        double wall() {
            return median(wall);
        }

        double cpu() {
            return median(cpu);
        }

        String range() {
            return BenchNfdumpCommand.range(wall);
        }

        /** The median of run i's wall time over {@code o}'s run i. */
        double wallRatio(Runs o) {
            return pairedRatio(wall, o.wall);
        }

        double cpuRatio(Runs o) {
            return pairedRatio(cpu, o.cpu);
        }
    }

    static double pairedRatio(List<Double> a, List<Double> b) {
        if (a.size() != b.size() || a.isEmpty()) throw new IllegalArgumentException("unpaired runs: " + a.size() + " and " + b.size());
        List<Double> r = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) r.add(a.get(i) / b.get(i));
        return median(r);
    }

    /**
     * (q) Questions asked again after the store is written, each in a new process as a user asks them:
     * the top-10 destination ports from the store (against nfdump's (a) on the nfcapd files; the
     * lists must be equal), and one remote host's flows listed as CSV, by nfdump ({@code 'host X'})
     * and by {@code keyhole query} with the numeric filter docs/store.md recommends and with the
     * text one (the row counts must be equal). The host is the store's tenth busiest remote address.
     * Removes the store after.
     */
    private String drillDown(String nf, Path d, Path base, long n, double nfTopSecs, double nfTopCpu,
                             List<long[]> nfTop) throws Exception {
        Path storeDir = base.resolve("store-nfdump-" + n); // written by analyzeRuns
        String host;
        try (java.sql.Connection c = dev.keyhole.store.StoreQuery.open(storeDir);
             java.sql.Statement st = c.createStatement();
             java.sql.ResultSet rs = st.executeQuery("SELECT remote FROM flows GROUP BY remote"
                     + " ORDER BY count(*) DESC, remote LIMIT 1 OFFSET 9")) {
            if (!rs.next()) throw new IOException("the store at " + storeDir + " has fewer than 10 remote addresses");
            host = rs.getString(1);
        }
        if (!host.matches("[0-9.]+")) throw new IOException("(q) needs an IPv4 host, the store's tenth is " + host);
        List<String> nfCmd = List.of(nf, "-R", d.toString(), "host " + host, "-q", "-o", "csv");
        List<String> byNumber = queryCommand(storeDir, "SELECT * FROM flows WHERE remote_v4 = ip4('" + host + "')");
        List<String> byText = queryCommand(storeDir, "SELECT * FROM flows WHERE remote = '" + host + "'");
        List<String> top = queryCommand(storeDir, "SELECT dst_port, count(*) AS flows FROM flows"
                + " GROUP BY dst_port ORDER BY flows DESC, dst_port LIMIT 10");
        // An analyst's first question about one host: its busiest destination ports.
        List<String> nfHostTop = List.of(nf, "-R", d.toString(), "host " + host, "-s", "dstport/flows", "-q", "-o", "csv");
        List<String> hostTop = queryCommand(storeDir, "SELECT dst_port, count(*) AS flows FROM flows WHERE remote_v4 = ip4('"
                + host + "') GROUP BY dst_port ORDER BY flows DESC, dst_port LIMIT 10");
        List<Double> nfSecs = new ArrayList<>(), nfCpu = new ArrayList<>(), numSecs = new ArrayList<>(),
                numCpu = new ArrayList<>(), textSecs = new ArrayList<>(), topSecs = new ArrayList<>(), topCpu = new ArrayList<>(),
                nfHostSecs = new ArrayList<>(), hostSecs = new ArrayList<>();
        List<long[]> nfHostPorts = null, hostPorts = null;
        long nfRows = -1, numRows = -1, textRows = -1;
        List<long[]> storeTop = null;
        NfcapdBenchData.run(nfCmd, base.resolve("nfdump-host.log")); // page cache, not counted
        for (int r = 0; r < runs; r++) {
            double[] t = timed(nfCmd, base.resolve("nfdump-host.log"));
            nfSecs.add(t[0]);
            nfCpu.add(t[1]);
            nfRows = nfdumpRecords(base.resolve("nfdump-host.log"));
            t = timed(byNumber, base.resolve("keyhole-query-host.log"));
            numSecs.add(t[0]);
            numCpu.add(t[1]);
            numRows = lines(base.resolve("keyhole-query-host.log")) - 1; // the header
            t = timed(byText, base.resolve("keyhole-query-host-text.log"));
            textSecs.add(t[0]);
            textRows = lines(base.resolve("keyhole-query-host-text.log")) - 1;
            t = timed(top, base.resolve("keyhole-query-top.log"));
            topSecs.add(t[0]);
            topCpu.add(t[1]);
            storeTop = parseTop(Files.readString(base.resolve("keyhole-query-top.log")), 0, 1);
            t = timed(nfHostTop, base.resolve("nfdump-host-top.log"));
            nfHostSecs.add(t[0]);
            nfHostPorts = parseTop(Files.readString(base.resolve("nfdump-host-top.log")), 4, 5);
            t = timed(hostTop, base.resolve("keyhole-query-host-top.log"));
            hostSecs.add(t[0]);
            hostPorts = parseTop(Files.readString(base.resolve("keyhole-query-host-top.log")), 0, 1);
        }
        CollectorBenchmark.deleteTree(storeDir);
        double nfm = median(nfSecs), num = median(numSecs), text = median(textSecs), tm = median(topSecs);
        boolean topEqual = same(nfTop, storeTop), rowsEqual = nfRows == numRows && numRows == textRows;
        System.out.printf("(q) from the store, new JVM each: top-10 destination ports %.2f s wall (%s), %.2f s CPU |"
                        + " ratio to nfdump (a): wall %.2f, CPU %.2f | top-10 %s%n", tm, range(topSecs), median(topCpu),
                tm / nfTopSecs, median(topCpu) / nfTopCpu, topEqual ? "identical" : "DIFFER: " + show(storeTop));
        System.out.printf("(q) one host's flows as CSV (%s, the store's 10th busiest remote; %,d rows): nfdump 'host …'"
                        + " %.2f s wall (%s), %.2f s CPU | keyhole query, remote_v4 = ip4(…): %.2f s wall (%s), %.2f s CPU,"
                        + " ratio %.2f | remote = '…' (text): %.2f s wall (%s), ratio %.2f | rows %s%n",
                host, nfRows, nfm, range(nfSecs), median(nfCpu), num, range(numSecs), median(numCpu), num / nfm, text,
                range(textSecs), text / nfm, rowsEqual ? "equal" : "DIFFER: nfdump " + nfRows + ", query " + numRows
                        + " / " + textRows);
        double nfh = median(nfHostSecs), kh = median(hostSecs);
        System.out.printf("(q) the same host's top-10 destination ports: nfdump 'host …' -s dstport/flows %.2f s wall (%s) |"
                        + " keyhole query, remote_v4 = ip4(…) … GROUP BY dst_port: %.2f s wall (%s), ratio %.2f | top-10 %s%n",
                nfh, range(nfHostSecs), kh, range(hostSecs), kh / nfh,
                sameUpToTies(nfHostPorts, hostPorts) ? "identical" : "DIFFER: nfdump " + show(nfHostPorts) + ", query " + show(hostPorts));
        return String.format(" | %.2f, %.2f | %.2f, %.2f, %.2f | %.2f, %.2f, %.2f", tm, tm / nfTopSecs, nfm, num, num / nfm,
                nfh, kh, kh / nfh);
    }

    /** Runs a command to its log; wall and CPU seconds. */
    private static double[] timed(List<String> cmd, Path log) throws IOException, InterruptedException {
        long t = System.nanoTime();
        double c = childCpu();
        NfcapdBenchData.run(cmd, log);
        return new double[] {(System.nanoTime() - t) / 1e9, childCpu() - c};
    }

    /** Records in nfdump's CSV: lines that start with a date (nfdump 1.7.8 prints a header even with -q, 1.7.1 none). */
    static long nfdumpRecords(Path f) throws IOException {
        try (java.util.stream.Stream<String> s = Files.lines(f)) {
            return s.filter(l -> !l.isEmpty() && Character.isDigit(l.charAt(0))).count();
        }
    }

    private static long lines(Path f) throws IOException {
        try (java.util.stream.Stream<String> s = Files.lines(f)) {
            return s.filter(l -> !l.isBlank()).count();
        }
    }

    /** keyhole query in a new JVM with this JVM's options, CSV, every row. */
    private List<String> queryCommand(Path storeDir, String sql) {
        List<String> cmd = keyholeInNewJvm("query");
        cmd.addAll(List.of("--store", storeDir.toString(), "--format", "csv", "--limit", "0", sql));
        return cmd;
    }

    /** {@code java <this JVM's heap, GC and compiler options> -cp … KeyholeCli <command>}, to add arguments to. */
    private static List<String> keyholeInNewJvm(String command) {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java")));
        cmd.addAll(launcherHeapOptions());
        cmd.addAll(launcherCompilerOptions());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), KeyholeCli.class.getName(), command));
        return cmd;
    }

    private static long treeBytes(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return 0;
        try (java.util.stream.Stream<Path> st = Files.walk(dir)) {
            return st.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    /** min–max of the runs, so the spread behind a median shows. */
    private static String range(List<Double> v) {
        return String.format("runs %.2f–%.2f", java.util.Collections.min(v), java.util.Collections.max(v));
    }

    /** analyze in this JVM, no report; into a new store at {@code storeDir} unless it is null. */
    private AnalysisRun.Outcome analyze(TargetProfile profile, Path in, Path out, Path storeDir) throws Exception {
        EmbeddedEngine.Options o = EmbeddedEngine.Options.defaults();
        return AnalysisRun.run(new AnalysisRun.Settings(profile, List.of(in), out, null, threads, false, o.dnsWindow(),
                o.maxNames(), false, ref, storeDir), m -> {});
    }

    private AnalysisRun.Outcome analyze(TargetProfile profile, Path in, Path out) throws Exception {
        return analyze(profile, in, out, null);
    }

    /** keyhole top in a new JVM, as a user runs it (JVM start-up included). */
    private List<String> coldCommand(Path d) {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java));
        List<String> heap = launcherHeapOptions();
        cmd.addAll(heap);
        // The launcher's collector, or ParallelGC when this JVM was started without one.
        if (heap.stream().noneMatch(a -> a.startsWith("-XX:+Use"))) cmd.add("-XX:+UseParallelGC");
        cmd.addAll(launcherCompilerOptions());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"),
                KeyholeCli.class.getName(), "top", "--profile", "dprk", "--cidrs-only", "--in", d.toString(),
                "--by", "dstport", "--csv", "--threads", String.valueOf(threads)));
        return cmd;
    }

    /**
     * This JVM's heap and GC settings (the launcher's or KEYHOLE_JAVA_OPTS'), for the new JVMs: no
     * agents, recordings or dump paths of this JVM.
     */
    private static List<String> launcherHeapOptions() {
        return java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.matches("-Xm[sxn].*|-XX:[+-]Use\\w*GC")).toList();
    }

    /**
     * This JVM's compiler settings (the launcher's or KEYHOLE_JAVA_OPTS'), for the new JVMs; on JDK
     * 25+ also the launcher's AOT cache, access and logging options, so a new JVM starts as the
     * launcher starts one.
     */
    private static List<String> launcherCompilerOptions() {
        return java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(BenchNfdumpCommand::passedToNewJvms).toList();
    }

    static boolean passedToNewJvms(String arg) {
        return arg.matches("-XX:[+-]?Tiered\\w*(=\\d+)?|-XX:PerMethodTrapLimit=\\d+|-XX:CompileCommand=.*|-XX:AOTCache=.*|-XX:SharedArchiveFile=.*"
                + "|--sun-misc-unsafe-memory-access=\\w+|--enable-native-access=\\S+|-Xlog:disable|-Xlog:all=warning:stderr");
    }

    /** keyhole analyze in a new JVM with this JVM's heap and GC options (the launcher's), no report. */
    private List<String> analyzeCommand(Path d, Path out) {
        List<String> cmd = keyholeInNewJvm("analyze");
        cmd.addAll(List.of("--profile", "dprk", "--in", d.toString(), "--out", out.toString(), "--no-report", "--no-progress",
                "--threads", String.valueOf(threads), "--cache", ref.cacheDir().toString()));
        // The same reference data as the warm run.
        for (Path g : ref.geo) cmd.addAll(List.of("--geo", g.toString()));
        for (Path a : ref.asn) cmd.addAll(List.of("--asn", a.toString()));
        if (ref.catalog != null) cmd.addAll(List.of("--catalog", ref.catalog.toString()));
        return cmd;
    }

    /** (port, flows) rows from CSV output: nfdump's (val, fl at columns 4, 5) or keyhole top's (0, 1). */
    private static List<long[]> parseTop(String csv, int keyCol, int flowsCol) {
        List<long[]> rows = new ArrayList<>();
        for (String line : csv.split("\n")) {
            String[] f = line.split(",");
            if (f.length <= flowsCol || !f[keyCol].trim().matches("\\d+")) continue;
            rows.add(new long[] {Long.parseLong(f[keyCol].trim()), Long.parseLong(f[flowsCol].trim())});
        }
        return rows;
    }

    /** Same ports with the same counts; ports with equal counts may come in either order. */
    private static boolean same(List<long[]> a, List<long[]> b) {
        if (a == null || b == null || a.size() != b.size()) return false;
        List<String> x = new ArrayList<>(), y = new ArrayList<>();
        for (long[] r : a) x.add(r[1] + ":" + r[0]);
        for (long[] r : b) y.add(r[1] + ":" + r[0]);
        x.sort(null);
        y.sort(null);
        return x.equals(y);
    }

    /**
     * As {@link #same}, except that ports tied with the last one's count may differ: a top-N cut
     * through a tie keeps whichever of them the tool met first. Empty lists never agree.
     */
    static boolean sameUpToTies(List<long[]> a, List<long[]> b) {
        if (a == null || b == null || a.size() != b.size() || a.isEmpty()) return false;
        long last = Long.MAX_VALUE;
        for (long[] r : a) last = Math.min(last, r[1]);
        List<long[]> x = new ArrayList<>(), y = new ArrayList<>();
        for (long[] r : a) x.add(r[1] > last ? r : new long[] {-1, r[1]});
        for (long[] r : b) y.add(r[1] > last ? r : new long[] {-1, r[1]});
        return same(x, y);
    }

    private static String show(List<long[]> rows) {
        if (rows == null) return "-";
        StringBuilder sb = new StringBuilder();
        for (long[] r : rows) sb.append(r[0]).append('=').append(r[1]).append(' ');
        return sb.toString().trim();
    }

    private static double median(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        s.sort(null);
        return s.get(s.size() / 2);
    }

    /** CPU seconds of the children this JVM has waited for (/proc/self/stat cutime + cstime). */
    private static double childCpu() {
        try {
            String st = Files.readString(Path.of("/proc/self/stat"));
            String[] f = st.substring(st.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[13]) + Long.parseLong(f[14])) / CLOCK_TICKS;
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /** USER_HZ: 100 on every Linux architecture Keyhole runs on. */
    private static final double CLOCK_TICKS = 100.0;

    /** CPU seconds of this JVM, every thread (GC included). */
    private static double processCpu() {
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean s ? s.getProcessCpuTime() / 1e9 : Double.NaN;
    }

    private static String load() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static String onPath(String name) throws IOException {
        List<String> path = new ArrayList<>(Arrays.asList(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)));
        path.addAll(List.of("/usr/bin", "/usr/local/bin"));
        for (String d : path) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, name))) return Path.of(d, name).toString();
        }
        throw new IOException(name + " not found on PATH; install nfdump (Debian: apt-get install nfdump) or pass --nfdump");
    }
}
