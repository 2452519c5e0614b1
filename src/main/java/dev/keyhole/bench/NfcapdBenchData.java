package dev.keyhole.bench;

import dev.keyhole.records.FlowRecord;
import dev.keyhole.records.RecordSink;
import dev.keyhole.sources.Rejects;
import dev.keyhole.sources.ipfix.IpfixReader;
import dev.keyhole.sources.nfcapd.Compression;
import dev.keyhole.sources.nfcapd.NfcapdWriter;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * nfcapd files for the nfdump comparison, written by nfdump itself: the {@link SyntheticIpfix} workload
 * is converted record for record into an uncompressed nfcapd file, which {@code nfdump -r tmp -w out}
 * rewrites with the chosen compression; nfdump's own count ({@code -I}) must equal the flows generated.
 */
public final class NfcapdBenchData {
    private NfcapdBenchData() {}

    /** Returns the directory holding {@code files} nfcapd files with {@code flows} flows in total. */
    public static Path prepare(Path base, String nfdump, long flows, int files, long seed, Compression compression,
                               java.util.function.Consumer<String> log) throws IOException, InterruptedException {
        Path d = base.resolve("nfcapd-v2-" + flows + "-" + files + "-" + seed + "-" + compression.name().toLowerCase());
        // The marker sits beside the directory: nfdump -R reads every file in it, dot files too.
        Path done = base.resolve(d.getFileName() + ".complete");
        if (Files.exists(done)) return d;
        Path ipfix = base.resolve("tmp-ipfix-v2-" + flows + "-" + files + "-" + seed);
        log.accept(String.format("generating %,d flows (SyntheticIpfix) into %s ...", flows, ipfix));
        CollectorBenchmark.deleteTree(ipfix);
        Path[] sources = SyntheticIpfix.write(ipfix, flows, files, seed);
        CollectorBenchmark.deleteTree(d);
        Files.createDirectories(d);
        long total = 0;
        for (int i = 0; i < sources.length; i++) {
            // nfcapd.YYYYMMDDhhmm names: what nfdump -R expects of a directory of captures.
            Path out = d.resolve(String.format("nfcapd.20170401%04d", i));
            Path plain = base.resolve("tmp-" + out.getFileName());
            long n = convert(sources[i], plain);
            log.accept(String.format("  %s: %,d flows; nfdump rewrites it %s", out.getFileName(), n,
                    compression == Compression.NONE ? "uncompressed" : compression.name()));
            List<String> cmd = new ArrayList<>(List.of(nfdump, "-r", plain.toString(), "-w", out.toString()));
            String opt = nfdumpOption(compression);
            if (opt != null) cmd.add(opt);
            run(cmd, base.resolve("nfdump-rewrite.log"));
            Files.delete(plain);
            long counted = nfdumpCount(nfdump, out, base.resolve("nfdump-count.log"));
            if (counted != n) throw new IOException(out + ": nfdump counts " + counted + " flows, " + n + " were written");
            total += counted;
        }
        CollectorBenchmark.deleteTree(ipfix);
        if (total != flows) throw new IOException(d + ": nfdump counts " + total + " flows, expected " + flows);
        Files.writeString(done, "ok\n");
        return d;
    }

    /** nfdump 1.7.1's compression switches for -w; null for none. ZSTD: nfdump 1.7.1 has none. */
    static String nfdumpOption(Compression c) {
        switch (c) {
            case NONE:
                return null;
            case LZO:
                return "-z";
            case LZ4:
                return "-y";
            case BZ2:
                return "-j";
            default:
                throw new IllegalArgumentException("nfdump 1.7.1 cannot write " + c + " files");
        }
    }

    private static long convert(Path ipfix, Path nfcapd) throws IOException {
        return convert(ipfix, nfcapd, Compression.NONE);
    }

    /** Writes an IPFIX file's flows, record for record, as an nfcapd file; returns how many. */
    public static long convert(Path ipfix, Path nfcapd, Compression compression) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(ipfix), 1 << 20);
             NfcapdWriter w = new NfcapdWriter(nfcapd, compression, "keyhole-bench")) {
            Rejects rejects = new Rejects(ipfix.toString(), null);
            new IpfixReader().read(in, new RecordSink() {
                @Override
                public void flow(FlowRecord f) {
                    try {
                        w.write(f);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            }, rejects);
            if (rejects.count() > 0) throw new IOException(ipfix + ": " + rejects.messages());
            return w.records();
        }
    }

    private static final Pattern FLOWS = Pattern.compile("(?m)^Flows: (\\d+)$");

    /** The flow count nfdump keeps in the file's stat record ({@code nfdump -I}). */
    public static long nfdumpCount(String nfdump, Path file, Path log) throws IOException, InterruptedException {
        String out = run(List.of(nfdump, "-I", "-r", file.toString()), log);
        Matcher m = FLOWS.matcher(out);
        if (!m.find()) throw new IOException("nfdump -I printed no flow count: " + out);
        return Long.parseLong(m.group(1));
    }

    /** Runs a command, output into {@code log}; throws unless it exits 0. Returns the output. */
    public static String run(List<String> cmd, Path log) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(30, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", cmd) + ": timed out");
        }
        String out = Files.readString(log);
        if (p.exitValue() != 0) throw new IOException(String.join(" ", cmd) + " exited " + p.exitValue() + ": " + out);
        return out;
    }
}
