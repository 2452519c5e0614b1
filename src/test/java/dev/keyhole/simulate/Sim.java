package dev.keyhole.simulate;

import dev.keyhole.records.DnsRecord;
import dev.keyhole.records.FlowRecord;
import dev.keyhole.records.HttpRecord;
import dev.keyhole.records.RecordSink;
import dev.keyhole.records.TlsRecord;
import dev.keyhole.sources.InputFormat;
import dev.keyhole.sources.Rejects;
import dev.keyhole.sources.ipfix.IpfixReader;
import dev.keyhole.sources.zeek.ZeekReader;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.io.InputStreamReader;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Test helpers: run the simulator in-process and read back what it wrote with Keyhole's own readers. */
final class Sim {
    private Sim() {}

    /**
     * Runs a simulation. The reference cache is an empty directory, so the bundled ASN ranges are
     * used whatever is installed on the machine and results do not depend on it.
     */
    static Simulator.Result run(Path out, long flows, long seed, LocalDate from, LocalDate to, boolean zeek)
            throws IOException {
        Path cache = Files.createDirectories(out.resolveSibling(out.getFileName() + "-cache"));
        return Simulator.run(new Simulator.Options("dprk", out, flows, seed, from, to, false, zeek, cache, s -> {}));
    }

    static List<Path> files(Path dir, String suffix) throws IOException {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).filter(p -> p.getFileName().toString().endsWith(suffix)).sorted()
                    .toList();
        }
    }

    /** Every record of every IPFIX file under dir/ipfix, in file order; fails on any rejected byte. */
    static List<FlowRecord> ipfix(Path out) throws IOException {
        List<FlowRecord> l = new ArrayList<>();
        for (Path f : files(out.resolve("ipfix"), ".ipfix")) l.addAll(ipfixFile(f));
        return l;
    }

    static List<FlowRecord> ipfixFile(Path f) throws IOException {
        List<FlowRecord> l = new ArrayList<>();
        read(f, new IpfixReader(), new RecordSink() {
            @Override
            public void flow(FlowRecord r) {
                l.add(r);
            }
        });
        return l;
    }

    /** Reads Zeek logs of one kind ("conn", "http", "ssl", "dns") with the Zeek reader. */
    static void zeek(Path out, String kind, RecordSink sink) throws IOException {
        InputFormat fmt = switch (kind) {
            case "conn" -> InputFormat.ZEEK_CONN;
            case "http" -> InputFormat.ZEEK_HTTP;
            case "ssl" -> InputFormat.ZEEK_SSL;
            case "dns" -> InputFormat.ZEEK_DNS;
            default -> throw new IllegalArgumentException(kind);
        };
        for (Path f : files(out.resolve("zeek"), ".log")) {
            if (f.getFileName().toString().startsWith(kind + ".")) read(f, new ZeekReader(fmt), sink);
        }
    }

    static List<FlowRecord> conns(Path out) throws IOException {
        List<FlowRecord> l = new ArrayList<>();
        zeek(out, "conn", new RecordSink() {
            @Override
            public void flow(FlowRecord r) {
                l.add(r);
            }
        });
        return l;
    }

    static List<HttpRecord> http(Path out) throws IOException {
        List<HttpRecord> l = new ArrayList<>();
        zeek(out, "http", new RecordSink() {
            @Override
            public void http(HttpRecord r) {
                l.add(r);
            }
        });
        return l;
    }

    static List<TlsRecord> ssl(Path out) throws IOException {
        List<TlsRecord> l = new ArrayList<>();
        zeek(out, "ssl", new RecordSink() {
            @Override
            public void tls(TlsRecord r) {
                l.add(r);
            }
        });
        return l;
    }

    static List<DnsRecord> dns(Path out) throws IOException {
        List<DnsRecord> l = new ArrayList<>();
        zeek(out, "dns", new RecordSink() {
            @Override
            public void dns(DnsRecord r) {
                l.add(r);
            }
        });
        return l;
    }

    private static void read(Path f, dev.keyhole.sources.RecordReader reader, RecordSink sink) throws IOException {
        List<String> errors = new ArrayList<>();
        Rejects rejects = new Rejects(f.toString(), errors::add);
        try (InputStream in = new BufferedInputStream(Files.newInputStream(f), 1 << 16)) {
            reader.read(in, sink, rejects);
        }
        if (rejects.count() > 0) throw new AssertionError(f + ": " + rejects.count() + " rejected: " + errors);
    }

    static String sha256(Path f) {
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f));
            return java.util.HexFormat.of().formatHex(d);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The simulator's bundled ASN excerpt as an ip-location-db style CSV, for offline enrichment. */
    static Path snapshotAsCsv(Path tmp) throws Exception {
        Path csv = tmp.resolve("asn-ipv4.csv");
        StringBuilder sb = new StringBuilder();
        try (InputStream in = AsnRanges.class.getResourceAsStream("/dev/keyhole/simulate/asn-snapshot.csv");
             BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("#")) continue;
                String[] p = line.split(",");
                sb.append(AddressBook.format((int) Long.parseLong(p[0]))).append(',')
                        .append(AddressBook.format((int) Long.parseLong(p[1]))).append(',').append(p[2])
                        .append(",AS").append(p[2]).append('\n');
            }
        }
        Files.writeString(csv, sb.toString());
        return csv;
    }
}
