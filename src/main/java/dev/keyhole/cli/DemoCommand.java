package dev.keyhole.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keyhole.profile.Period;
import dev.keyhole.profile.ProfileLoader;
import dev.keyhole.profile.TargetProfile;
import dev.keyhole.refdata.ReferenceSetup;
import dev.keyhole.simulate.Simulator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code keyhole demo}: the whole job on the built-in demo world — set-up, simulate (once), analyse
 * with the public research's report windows as periods, print the judgments and the report path.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Runs Keyhole end to end on the simulated DPRK 2017-2018 world: fetches reference data, "
                + "simulates the world (reused if present), analyses its IPFIX flows named by its DNS logs "
                + "(or its Zeek logs with --source zeek), prints the key judgments and where report.html is."})
public final class DemoCommand implements Callable<Integer> {
    /** The report windows of the public research the demo world reproduces. */
    static final List<Period> REPORT_PERIODS = List.of(
            new Period("2017-report", LocalDate.of(2017, 4, 1), LocalDate.of(2017, 7, 6)),
            new Period("2018-early", LocalDate.of(2017, 12, 1), LocalDate.of(2018, 4, 15)),
            new Period("2018-late", LocalDate.of(2018, 3, 16), LocalDate.of(2018, 8, 30)));

    @Option(names = "--out", defaultValue = "demo-out", paramLabel = "DIR", description = "Where the world and the analysis go (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--flows", defaultValue = "2000000", paramLabel = "N", description = "Flow records to simulate (default ${DEFAULT-VALUE}).")
    long flows;

    @Option(names = "--seed", defaultValue = "1", description = "Simulation seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--source", defaultValue = "ipfix", paramLabel = "ipfix|zeek",
            description = "Analyse the IPFIX export (named by dns.log) or the Zeek logs (default ${DEFAULT-VALUE}).")
    String source;

    @Option(names = "--threads", paramLabel = "N", description = "Worker threads (default: all cores).")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--no-progress", description = "Do not show progress bars.")
    boolean noProgress;

    @Mixin
    ReferenceOptions ref = new ReferenceOptions();

    @Override
    public Integer call() throws Exception {
        new ReferenceSetup(ref.cacheDir()).ensure();
        Path world = out.resolve("world");
        if (!upToDate(world)) {
            System.err.printf("simulating the DPRK 2017-2018 world: %,d flows, seed %d, into %s%n", flows, seed, world);
            Simulator.Result r = Simulator.run(new Simulator.Options("dprk", world, flows, seed, null, null, false,
                    true, ref.cacheDir(), System.err::println));
            System.err.printf("simulated %,d IPFIX records in %.1f s%n", r.ipfixRecords(), r.nanos() / 1e9);
        } else {
            System.err.println("reusing the simulated world in " + world);
        }
        List<Path> inputs = new ArrayList<>();
        if (source.equals("zeek")) {
            inputs.add(world.resolve("zeek"));
        } else if (source.equals("ipfix")) {
            inputs.add(world.resolve("ipfix"));
            try (Stream<Path> s = Files.list(world.resolve("zeek"))) {
                s.filter(p -> p.getFileName().toString().startsWith("dns.")).sorted().forEach(inputs::add);
            }
        } else {
            throw new IllegalArgumentException("--source must be ipfix or zeek, not " + source);
        }
        TargetProfile profile = ProfileLoader.load("dprk").withPeriods(REPORT_PERIODS);
        AnalysisRun.Outcome o = AnalysisRun.run(AnalysisRun.Settings.of(profile, inputs, out.resolve("analysis"),
                threads, !noProgress, true, ref), System.err::println);
        AnalysisRun.printSummary(o, System.out);
        return 0;
    }

    /** The world is reused when its truth.json says it was made with the same flows and seed. */
    private boolean upToDate(Path world) {
        Path truth = world.resolve("truth.json");
        if (!Files.isRegularFile(truth)) return false;
        try {
            JsonNode t = new ObjectMapper().readTree(truth.toFile());
            return t.path("seed").asLong() == seed && t.path("flows").path("requested").asLong() == flows;
        } catch (Exception e) {
            return false;
        }
    }
}
