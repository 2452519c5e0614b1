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
        return mmdb.isEmpty() ? CsvAsnLookup.load(csv) : MmdbAsnLookup.open(mmdb.get(0));
    }
}
