package dev.keyhole.cli;

import dev.keyhole.bench.CollectorBenchmark;
import dev.keyhole.bench.NfcapdBenchData;
import dev.keyhole.bench.SyntheticIpfix;
import dev.keyhole.sources.nfcapd.Compression;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code keyhole train-jvm}: the training run of the launcher's AOT cache (JDK 25+, docs/cli.md).
 * A JVM started with {@code -XX:AOTCacheOutput} records the classes this loads and the profiles of
 * the methods it runs; a later JVM given that cache starts with them instead of learning them again.
 * So this runs what users run, on a small synthetic workload: analyze (report and store) over nfcapd
 * LZO files and over IPFIX, top, and a query.
 */
@Command(name = "train-jvm", hidden = true, mixinStandardHelpOptions = true,
        description = {"Runs Keyhole's main commands on a small synthetic workload in a temporary directory "
                + "(analyze with report and store over nfcapd LZO and IPFIX files, top, query), for a JVM that "
                + "records an AOT cache (-XX:AOTCacheOutput). The launcher runs it once per build on JDK 25 or later."})
public final class TrainJvmCommand implements Callable<Integer> {
    @Option(names = "--flows", defaultValue = "2000000", paramLabel = "N",
            description = "Flows in the workload (default: ${DEFAULT-VALUE}), in two files.")
    long flows;

    @Option(names = "--tmp", paramLabel = "DIR", description = "Where the temporary workload goes (default: the system's temporary directory).")
    Path work = Path.of(System.getProperty("java.io.tmpdir"));

    @Mixin
    ReferenceOptions ref = new ReferenceOptions();

    @Override
    public Integer call() throws Exception {
        Path dir = Files.createTempDirectory(work, "keyhole-train-jvm");
        try {
            // Seed 7: not the benchmark's data (seed 1), so that `keyhole bench` does not time a JVM trained on its own input.
            Path[] ipfix = SyntheticIpfix.write(dir.resolve("ipfix"), flows, 2, 7);
            Path nfcapd = Files.createDirectories(dir.resolve("nfcapd"));
            for (int i = 0; i < ipfix.length; i++) {
                NfcapdBenchData.convert(ipfix[i], nfcapd.resolve(String.format("nfcapd.20170401%04d", i)), Compression.LZO);
            }
            List<List<String>> steps = List.of(
                    withReference("analyze", "--profile", "dprk", "--in", nfcapd.toString(), "--out", dir.resolve("out").toString(),
                            "--store", dir.resolve("store").toString(), "--no-progress"),
                    withReference("analyze", "--profile", "dprk", "--in", ipfix[0].toString(), "--out", dir.resolve("out-ipfix").toString(),
                            "--no-report", "--no-progress"),
                    withReference("top", "--profile", "dprk", "--cidrs-only", "--in", nfcapd.toString(), "--by", "dstport", "--csv"),
                    List.of("query", "--store", dir.resolve("store").toString(), "--format", "csv",
                            "SELECT dst_port, count(*) AS flows FROM flows GROUP BY dst_port ORDER BY flows DESC LIMIT 10"));
            for (List<String> step : steps) {
                String[] args = step.toArray(String[]::new);
                int rc = KeyholeCli.commandLine(args).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
                if (rc != 0) {
                    System.err.println("keyhole train-jvm: " + String.join(" ", step) + " exited " + rc);
                    return rc;
                }
            }
            System.err.printf("keyhole train-jvm: %,d flows through analyze (nfcapd LZO with store and report; IPFIX), top and query%n", flows);
            return 0;
        } finally {
            CollectorBenchmark.deleteTree(dir);
        }
    }

    /** The command with this command's reference data options. */
    private List<String> withReference(String... args) {
        List<String> a = new ArrayList<>(List.of(args));
        if (ref.cache != null) a.addAll(List.of("--cache", ref.cache.toString()));
        for (Path g : ref.geo) a.addAll(List.of("--geo", g.toString()));
        for (Path g : ref.asn) a.addAll(List.of("--asn", g.toString()));
        if (ref.catalog != null) a.addAll(List.of("--catalog", ref.catalog.toString()));
        return a;
    }
}
