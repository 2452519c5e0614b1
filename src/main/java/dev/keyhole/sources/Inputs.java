package dev.keyhole.sources;

import dev.keyhole.sources.csv.CsvFlowReader;
import dev.keyhole.sources.suricata.EveReader;
import dev.keyhole.sources.pcap.PcapReader;
import dev.keyhole.sources.nfcapd.NfcapdReader;
import dev.keyhole.sources.zeek.ZeekReader;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * Finds input files under the paths a user gives and recognises each one's format by content,
 * not by name: the first bytes (after gzip, if any) decide. Files nothing recognises are reported
 * and skipped rather than guessed at.
 */
public final class Inputs {
    private static final int HEAD = 8192;
    /** Suffix of {@code keyhole collect}'s statistics files; skipped when walking a directory. */
    public static final String COLLECTOR_STATS = ".stats.json";

    private Inputs() {}

    /**
     * @param forced     a format to assume for every file, or null to detect
     * @param unreadable told about each file that is skipped, and why
     */
    public static List<InputFile> resolve(List<Path> paths, InputFormat forced, Consumer<String> unreadable)
            throws IOException {
        return resolveEach(paths, forced, (path, reason) -> unreadable.accept(path + ": " + reason));
    }

    /** As above, telling the skipped file and the reason apart. */
    public static List<InputFile> resolveEach(List<Path> paths, InputFormat forced,
                                              java.util.function.BiConsumer<Path, String> unreadable) throws IOException {
        List<Path> files = new ArrayList<>();
        for (Path p : paths) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.walk(p)) {
                    s.filter(Files::isRegularFile)
                            .filter(f -> !f.getFileName().toString().startsWith("."))
                            // the collector's per-file statistics, next to the IPFIX files it writes
                            .filter(f -> !f.getFileName().toString().endsWith(COLLECTOR_STATS))
                            .sorted(Comparator.comparing(Path::toString))
                            .forEach(files::add);
                }
            } else if (Files.isRegularFile(p)) {
                files.add(p);
            } else {
                throw new IOException("no such file or directory: " + p);
            }
        }
        List<InputFile> out = new ArrayList<>();
        for (Path f : files) {
            boolean[] gzip = new boolean[1];
            byte[] head = head(f, gzip);
            boolean gz = gzip[0];
            InputFormat fmt = forced;
            if (fmt == null) {
                Optional<InputFormat> d = detect(head);
                if (d.isEmpty()) {
                    unreadable.accept(f, "format not recognised (not IPFIX, nfcapd, NetFlow/IPFIX/sFlow capture, Zeek conn/http/ssl/dns, Suricata EVE, or Keyhole CSV); skipped");
                    continue;
                }
                fmt = d.get();
            }
            out.add(new InputFile(f, fmt, gz, Files.size(f)));
        }
        return out;
    }

    public static Optional<InputFormat> detect(byte[] head) {
        if (head.length >= 16 && head[0] == 0 && head[1] == 10) {
            int len = ((head[2] & 0xff) << 8) | (head[3] & 0xff);
            if (len >= 16) return Optional.of(InputFormat.IPFIX);
        }
        if (NfcapdReader.sniff(head)) return Optional.of(InputFormat.NFCAPD);
        // Before Zeek: an EVE line is JSON too, and its nested keys must not pass for a Zeek log's.
        if (EveReader.sniff(head)) return Optional.of(InputFormat.SURICATA_EVE);
        Optional<InputFormat> capture = PcapReader.sniff(head);
        if (capture.isPresent()) return capture;
        Optional<InputFormat> z = ZeekReader.sniff(head);
        if (z.isPresent()) return z;
        return CsvFlowReader.sniff(head);
    }

    /** Opens the file for reading, decompressing gzip; the caller closes it. */
    public static InputStream open(InputFile f) throws IOException {
        InputStream raw = Files.newInputStream(f.path());
        return f.gzip() ? new GZIPInputStream(raw, 1 << 16) : raw;
    }

    /** The first bytes of the file, decompressed when it is gzip ({@code gzip[0]} says so): one open per file. */
    private static byte[] head(Path f, boolean[] gzip) throws IOException {
        try (BufferedInputStream raw = new BufferedInputStream(Files.newInputStream(f))) {
            raw.mark(2);
            gzip[0] = raw.read() == 0x1f && raw.read() == 0x8b;
            raw.reset();
            if (!gzip[0]) return raw.readNBytes(HEAD);
            try (InputStream in = new GZIPInputStream(raw)) {
                return in.readNBytes(HEAD);
            } catch (java.io.EOFException | java.util.zip.ZipException e) {
                return new byte[0];
            }
        }
    }
}
