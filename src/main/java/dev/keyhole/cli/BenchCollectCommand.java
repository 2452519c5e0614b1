package dev.keyhole.cli;

import dev.keyhole.bench.CollectorBenchmark;
import dev.keyhole.bench.ExportEncoder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code keyhole bench-collect}: the collector's throughput and loss on loopback, with a built-in load generator. */
@Command(name = "bench-collect", mixinStandardHelpOptions = true,
        description = {"Starts a collector on 127.0.0.1 (ephemeral port), sends it synthetic IPFIX or NetFlow v9 "
                + "from a load generator at a paced rate and then as fast as possible, reads the files it wrote "
                + "back, and reports flows/s and loss (sent vs written). Stops by itself."})
public final class BenchCollectCommand implements Callable<Integer> {
    @Option(names = "--flows", defaultValue = "5000000", paramLabel = "N",
            description = "Flows to send per phase (default ${DEFAULT-VALUE}).")
    long flows;

    @Option(names = "--seconds", defaultValue = "30", paramLabel = "S",
            description = "Time limit of each phase's sending (default ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--rate", defaultValue = "500000", paramLabel = "FLOWS/S",
            description = "Rate of the paced phase (default ${DEFAULT-VALUE}).")
    long rate;

    @Option(names = "--phases", defaultValue = "paced,max", split = ",", paramLabel = "PHASE",
            description = "Phases to run, in order: paced, max (default ${DEFAULT-VALUE}).")
    List<String> phases = new ArrayList<>();

    @Option(names = "--protocol", defaultValue = "ipfix", paramLabel = "ipfix|v9",
            description = "What the generator sends (default ${DEFAULT-VALUE}).")
    String protocol;

    @Option(names = "--datagram", defaultValue = "1400", paramLabel = "BYTES",
            description = "Largest datagram the generator sends (default ${DEFAULT-VALUE}, an Ethernet MTU's worth).")
    int datagram;

    @Option(names = "--rcvbuf", defaultValue = "67108864", paramLabel = "BYTES",
            description = "Collector socket receive buffer to request (default 64 MiB).")
    int receiveBuffer;

    @Option(names = "--dir", paramLabel = "DIR", description = "Where the collector writes (default: a temporary directory, deleted).")
    Path dir;

    @Override
    public Integer call() throws Exception {
        ExportEncoder.Protocol p = switch (protocol.toLowerCase(Locale.ROOT)) {
            case "ipfix", "10" -> ExportEncoder.Protocol.IPFIX;
            case "v9", "9", "netflow9" -> ExportEncoder.Protocol.V9;
            default -> throw new IllegalArgumentException("--protocol: ipfix or v9");
        };
        for (String ph : phases) {
            if (!ph.equals("paced") && !ph.equals("max")) throw new IllegalArgumentException("--phases: paced, max");
        }
        boolean temporary = dir == null;
        Path base = temporary ? Files.createTempDirectory("keyhole-bench-collect") : dir;
        try {
            CollectorBenchmark b = new CollectorBenchmark(p, datagram, receiveBuffer, System.out::println);
            b.warmUp(base.resolve("warmup"));
            for (String ph : phases) {
                long r = ph.equals("paced") ? rate : 0;
                b.phase(ph, base.resolve(ph), flows, Duration.ofSeconds(seconds), r);
            }
        } finally {
            if (temporary) CollectorBenchmark.deleteTree(base);
        }
        return 0;
    }
}
