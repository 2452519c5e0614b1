package dev.keyhole.cli;

import dev.keyhole.profile.Period;
import dev.keyhole.profile.ProfileLoader;
import dev.keyhole.profile.TargetProfile;
import dev.keyhole.sources.InputFormat;
import dev.keyhole.store.FlowStore;
import dev.keyhole.store.parquet.ParquetWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code keyhole analyze}: telemetry in, findings.json + report.html + CSV tables out. */
@Command(name = "analyze", mixinStandardHelpOptions = true,
        description = {"Reads flow and Zeek telemetry, enriches it, runs every analysis in one pass and writes "
                + "findings.json, report.html and csv/ into the output directory."})
public final class AnalyzeCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--profile", required = true, paramLabel = "NAME|FILE",
            description = "Target profile: built-in name (dprk) or a YAML file.")
    String profile;

    @Option(names = "--in", required = true, arity = "1..*", paramLabel = "PATH",
            description = "Input files or directories (searched recursively; gzip and formats detected).")
    List<Path> inputs = new ArrayList<>();

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
    Path out;

    @Option(names = "--period", paramLabel = "NAME=FROM..TO",
            description = "A named period of local dates (YYYY-MM-DD..YYYY-MM-DD); repeatable. Replaces the profile's periods.")
    List<String> periods = new ArrayList<>();

    @Option(names = "--format", paramLabel = "FORMAT",
            description = "Assume this format for every input instead of detecting: ${COMPLETION-CANDIDATES}.")
    InputFormat format;

    @Option(names = "--threads", paramLabel = "N", description = "Worker threads (default: all cores).")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--dns-window", paramLabel = "DURATION", defaultValue = "PT1H",
            description = "How long a DNS answer names later flows of the same client (ISO-8601, default PT1H).")
    Duration dnsWindow;

    @Option(names = "--max-names", paramLabel = "N", defaultValue = "5000000",
            description = "Cap on names kept from http/ssl/dns logs (bounds memory).")
    int maxNames;

    @Option(names = "--template-lifetime", defaultValue = "90m", paramLabel = "DURATION",
            description = "Captures (pcap/pcapng) of NetFlow v9 / IPFIX: a template not sent again within this much "
                    + "capture time expires, as in keyhole collect (default 90m; 0 = never).")
    String templateLifetime;

    @Option(names = "--no-progress", description = "Do not show the progress bar.")
    boolean noProgress;

    @Option(names = "--no-report", description = "Write findings.json and CSV only, not report.html.")
    boolean noReport;

    @Option(names = "--store", paramLabel = "DIR",
            description = "Also keep every enriched in-scope flow as Parquet in DIR, partitioned by local day "
                    + "(a new or empty directory); query it with keyhole query.")
    Path store;

    @Option(names = "--store-compression", paramLabel = "CODEC", converter = StoreCodecConverter.class,
            description = "Page compression of the store's Parquet files: snappy (default), zstd (smaller, "
                    + "slower to write) or none (larger).")
    ParquetWriter.Codec storeCodec;

    @Option(names = "--store-append",
            description = "Add this run's flows to the store in the --store DIR (same profile, zone and weekend) "
                    + "instead of requiring a new directory.")
    boolean storeAppend;

    /** {@code --template-lifetime} of analyze and top, in milliseconds; a bad value is a usage error. */
    static long lifetimeMillis(picocli.CommandLine.Model.CommandSpec spec, String value) {
        try {
            return CollectCommand.parseLifetime(value).toMillis();
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    static final class StoreCodecConverter implements picocli.CommandLine.ITypeConverter<ParquetWriter.Codec> {
        @Override
        public ParquetWriter.Codec convert(String v) {
            return switch (v.toLowerCase(java.util.Locale.ROOT)) {
                case "snappy" -> ParquetWriter.Codec.SNAPPY;
                case "zstd" -> ParquetWriter.Codec.ZSTD;
                case "none", "uncompressed" -> ParquetWriter.Codec.UNCOMPRESSED;
                default -> throw new picocli.CommandLine.TypeConversionException(
                        "'" + v + "' is not snappy, zstd or none");
            };
        }
    }

    @Mixin
    ReferenceOptions ref = new ReferenceOptions();

    @Mixin
    DecapOption decap = new DecapOption();

    @Override
    public Integer call() throws Exception {
        if (storeCodec != null && store == null) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--store-compression needs --store");
        }
        if (storeAppend && store == null) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--store-append needs --store");
        }
        Duration lifetime = Duration.ofMillis(lifetimeMillis(spec, templateLifetime));
        TargetProfile p = ProfileLoader.load(profile);
        if (!periods.isEmpty()) {
            List<Period> ps = new ArrayList<>();
            for (String s : periods) ps.add(Period.parse(s));
            p = p.withPeriods(ps);
        }
        AnalysisRun.Settings s = new AnalysisRun.Settings(p, inputs, out, format, threads, !noProgress, dnsWindow,
                maxNames, !noReport, ref, store, storeCodec == null ? FlowStore.DEFAULT_CODEC : storeCodec, storeAppend,
                lifetime, decap.tunnels);
        AnalysisRun.Outcome o = AnalysisRun.run(s, System.err::println);
        AnalysisRun.printSummary(o, System.out);
        return 0;
    }
}
