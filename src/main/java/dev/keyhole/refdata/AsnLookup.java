package dev.keyhole.refdata;

import dev.keyhole.records.Ip;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Address to autonomous system. Implementations are immutable after opening and safe to share
 * between threads.
 */
public interface AsnLookup extends Closeable {
    /** The AS announcing {@code ip}, or null when the data has no entry for it. */
    AsnInfo lookup(Ip ip);

    /**
     * True when every address of the aligned IPv4 block of {@code prefixLen} bits that holds
     * {@code v4} has the same answer, so one lookup may serve the whole block. False when unsure.
     */
    default boolean uniformV4Block(int v4, int prefixLen) {
        return false;
    }

    /** IPv4 ranges of an AS as {first, last} unsigned 32-bit values in longs, sorted, adjacent ones merged. */
    List<long[]> rangesOf(long asn);

    /** IPv6 ranges of an AS as {firstHi, firstLo, lastHi, lastLo}, sorted. */
    List<long[]> rangesOfV6(long asn);

    /** The files this lookup was opened from. */
    List<Path> files();

    @Override
    default void close() throws IOException {}

    /**
     * Opens ASN data: files ending in .mmdb are read as MaxMind GeoLite2-ASN style databases, all
     * others as ip-location-db CSV ranges (several CSV files, e.g. IPv4 and IPv6, are merged).
     */
    static AsnLookup open(List<Path> files) throws IOException {
        return open(files, null);
    }

    /** As {@link #open(List)}; CSV tables are kept as a snapshot in {@code snapshotDir} (may be null). */
    static AsnLookup open(List<Path> files, Path snapshotDir) throws IOException {
        if (files.isEmpty()) throw new IllegalArgumentException("no ASN data file given");
        List<Path> mmdb = new ArrayList<>();
        List<Path> csv = new ArrayList<>();
        for (Path p : files) {
            (p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".mmdb") ? mmdb : csv).add(p);
        }
        if (!mmdb.isEmpty() && !csv.isEmpty()) {
            throw new IllegalArgumentException("give ASN data either as MMDB or as CSV files, not both: " + files);
        }
        if (mmdb.size() > 1) throw new IllegalArgumentException("give at most one ASN MMDB file: " + files);
        return mmdb.isEmpty() ? CsvAsnLookup.load(csv, snapshotDir) : MmdbAsnLookup.open(mmdb.get(0));
    }
}
