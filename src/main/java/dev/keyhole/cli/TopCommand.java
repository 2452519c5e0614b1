package dev.keyhole.cli;

import dev.keyhole.enrichment.scope.TargetScope;
import dev.keyhole.profile.ProfileLoader;
import dev.keyhole.profile.TargetProfile;
import dev.keyhole.query.TopQuery;
import dev.keyhole.refdata.ReferenceData;
import dev.keyhole.sources.InputFile;
import dev.keyhole.sources.InputFormat;
import dev.keyhole.sources.Inputs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** {@code keyhole top}: nfdump's {@code -s KEY/ORDER} over the flows touching the target, without enrichment. */
@Command(name = "top", mixinStandardHelpOptions = true,
        description = {"Top-N of a flow key (destination port, source port, protocol, the exporter's source or "
                + "destination AS) over the flows whose source or destination is in the target scope; the quick "
                + "question before a full analyze."})
public final class TopCommand implements Callable<Integer> {
    @Option(names = "--profile", required = true, paramLabel = "NAME|FILE",
            description = "Target profile: built-in name (dprk) or a YAML file.")
    String profile;

    @Option(names = "--in", required = true, arity = "1..*", paramLabel = "PATH",
            description = "Input files or directories (searched recursively; formats detected).")
    List<Path> inputs = new ArrayList<>();

    @Option(names = "--by", defaultValue = "dstport", paramLabel = "KEY",
            description = "dstport, srcport, proto, srcas or dstas (AS numbers as the exporter reported them, 0 when "
                    + "it did not; default ${DEFAULT-VALUE}).")
    TopQuery.Key by;

    @Option(names = "--order", defaultValue = "flows", paramLabel = "ORDER",
            description = "flows, packets or bytes (default ${DEFAULT-VALUE}).")
    TopQuery.Order order;

    @Option(names = {"-n", "--top"}, defaultValue = "10", paramLabel = "N",
            description = "Rows to print; 0 prints all (default ${DEFAULT-VALUE}).")
    int n;

    @Option(names = "--cidrs-only", description = "Scope = the profile's CIDRs only (no ASN expansion, no reference "
            + "data), exactly what an nfdump 'net A or net B' filter selects.")
    boolean cidrsOnly;

    @Option(names = "--csv", description = "Print CSV (val,fl,flP,ipkt,ipktP,ibyt,ibytP, as nfdump -o csv names them).")
    boolean csv;

    @Option(names = "--format", paramLabel = "FORMAT", description = "Assume this format for every input.")
    InputFormat format;

    @Option(names = "--threads", paramLabel = "N", description = "Worker threads (default: all cores).")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--template-lifetime", defaultValue = "90m", paramLabel = "DURATION",
            description = "Captures (pcap/pcapng) of NetFlow v9 / IPFIX: a template not sent again within this much "
                    + "capture time expires, as in keyhole collect (default 90m; 0 = never).")
    String templateLifetime;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    ReferenceOptions ref = new ReferenceOptions();

    @Mixin
    DecapOption decap = new DecapOption();

    @Override
    public Integer call() throws Exception {
        long lifetime = AnalyzeCommand.lifetimeMillis(spec, templateLifetime);
        TargetProfile p = ProfileLoader.load(profile);
        List<InputFile> files = Inputs.resolve(inputs, format, m -> System.err.println("warning: " + m));
        if (files.isEmpty()) throw new IOException("no readable input in " + inputs);
        TargetScope scope = scope(p, cidrsOnly, ref);
        TopQuery.Result r = TopQuery.run(files, scope, by, order, threads, System.err::println, lifetime,
                decap.tunnels);
        print(r, p, by, order, n, csv, System.out);
        return 0;
    }

    static TargetScope scope(TargetProfile p, boolean cidrsOnly, ReferenceOptions ref) throws IOException {
        if (cidrsOnly || p.asns().isEmpty()) return TargetScope.ofCidrs(p.cidrs());
        try (ReferenceData data = ReferenceData.open(ref.cacheDir(), ref.geo, ref.asn, System.err)) {
            TargetScope s = TargetScope.of(p, data.asn());
            s.notes().forEach(x -> System.err.println("note: " + x));
            return s;
        }
    }

    /** The nfdump filter that selects the same flows as {@code --cidrs-only}. */
    static String nfdumpFilter(TargetProfile p) {
        return p.cidrs().stream().map(c -> "net " + c).collect(Collectors.joining(" or "));
    }

    static void print(TopQuery.Result r, TargetProfile p, TopQuery.Key by, TopQuery.Order order, int n, boolean csv,
                      PrintStream out) {
        List<TopQuery.Row> rows = r.top(n);
        if (csv) {
            out.println("val,fl,flP,ipkt,ipktP,ibyt,ibytP");
            for (TopQuery.Row x : rows) {
                out.printf("%d,%d,%.1f,%d,%.1f,%d,%.1f%n", x.key(), x.flows(), pct(x.flows(), r.flowsMatched()),
                        x.packets(), pct(x.packets(), r.packets()), x.bytes(), pct(x.bytes(), r.bytes()));
            }
            return;
        }
        out.printf("Top %d %s ordered by %s, flows with src or dst in %s (%s):%n", rows.size(), by.title,
                order.name().toLowerCase(), p.name(), nfdumpFilter(p));
        out.printf("%10s %22s %22s %26s%n", by.title, "Flows(%)", "Packets(%)", "Bytes(%)");
        for (TopQuery.Row x : rows) {
            out.printf("%10d %14d(%5.1f) %14d(%5.1f) %18d(%5.1f)%n", x.key(), x.flows(), pct(x.flows(), r.flowsMatched()),
                    x.packets(), pct(x.packets(), r.packets()), x.bytes(), pct(x.bytes(), r.bytes()));
        }
        double secs = r.nanos() / 1e9;
        out.printf("%nSummary: %,d flows read, %,d in scope, %,d rejected; %.2f s, %,.0f flows/s%n", r.flowsRead(),
                r.flowsMatched(), r.rejected(), secs, r.flowsRead() / Math.max(secs, 1e-9));
    }

    private static double pct(long part, long whole) {
        return whole == 0 ? 0 : 100.0 * part / whole;
    }
}
