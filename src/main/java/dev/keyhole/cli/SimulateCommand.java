package dev.keyhole.cli;

import dev.keyhole.simulate.Simulator;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code keyhole simulate}: writes the demo world's IPFIX, Zeek logs, events.csv and truth.json. */
@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = {"Generates realistic telemetry of a simulated target (IPFIX files, Zeek conn/http/ssl/dns "
                + "logs, events.csv) and truth.json naming every planted fact. Same seed, same bytes.",
                "Layout and world model: docs/simulator.md"})
public final class SimulateCommand implements Callable<Integer> {
    @Option(names = "--profile", defaultValue = "dprk", description = "World to simulate (built in: dprk).")
    String profile;

    @Option(names = "--out", required = true, description = "Output directory (created if missing).")
    Path out;

    @Option(names = "--flows", defaultValue = "2000000",
            description = "Exact number of IPFIX flow records to write (default: ${DEFAULT-VALUE}).")
    long flows;

    @Option(names = "--seed", defaultValue = "1", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--from", description = "First local day (default: the world's, 2017-04-01 for dprk).")
    LocalDate from;

    @Option(names = "--to", description = "Last local day, inclusive (default: the world's, 2018-08-31 for dprk).")
    LocalDate to;

    @Option(names = "--gzip", description = "Gzip the Zeek logs (*.log.gz), as Zeek archives them.")
    boolean gzip;

    @Option(names = "--zeek", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Write the Zeek logs (default). --no-zeek writes IPFIX, events.csv and truth.json only.")
    boolean zeek;

    @Option(names = "--cache", description = "Keyhole's reference data cache to check server addresses against "
            + "(default: $KEYHOLE_CACHE or ~/.cache/keyhole; the bundled ranges are used when nothing is installed).")
    Path cache;

    @Option(names = {"-q", "--quiet"}, description = "Print nothing but errors.")
    boolean quiet;

    public static void main(String[] args) {
        System.exit(new CommandLine(new SimulateCommand()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Simulator.Options o = new Simulator.Options(profile, out, flows, seed, from, to, gzip, zeek, cache,
                msg -> System.err.println(msg));
        Simulator.Result r;
        try {
            r = Simulator.run(o);
        } catch (IllegalArgumentException | java.io.IOException e) {
            // Bad options or an unwritable output directory: say so without a stack trace.
            System.err.println("keyhole simulate: " + e.getMessage());
            return 2;
        }
        if (!quiet) {
            double secs = r.nanos() / 1e9;
            System.out.printf(Locale.ROOT, "wrote %,d IPFIX records (%,d conversations: %,d outbound, %,d inbound; "
                            + "%,d DNS transactions) in %.1f s, %,.0f flows/s%n", r.ipfixRecords(), r.conversations(),
                    r.outbound(), r.inbound(), r.dnsLookups(), secs, r.ipfixRecords() / Math.max(secs, 1e-9));
            System.out.printf(Locale.ROOT, "  IPFIX %,d bytes; Zeek %,d bytes (conn %,d, http %,d, ssl %,d, dns %,d lines)%n",
                    r.ipfixBytes(), r.zeekBytes(), r.zeekLines()[0], r.zeekLines()[1], r.zeekLines()[2],
                    r.zeekLines()[3]);
            System.out.println("  truth: " + r.truth());
        }
        return 0;
    }
}
