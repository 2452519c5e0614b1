package dev.keyhole.refdata;

import com.maxmind.db.CHMCache;
import com.maxmind.db.Metadata;
import com.maxmind.db.Reader;
import dev.keyhole.records.Ip;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Address to country/city from one or more MMDB files, thread-safe. Reads both record layouts:
 * MaxMind GeoIP2/GeoLite2 City ({@code country.iso_code}, {@code city.names.en},
 * {@code location.latitude}) and ip-location-db's flat one ({@code country_code}, {@code city},
 * {@code latitude}). ip-location-db ships IPv4 and IPv6 as separate files whose IPv6 file has no
 * IPv4 subtree, so IPv4 lookups try IPv4 files first and IPv6 lookups only use IPv6 files.
 */
public final class GeoLookup implements Closeable {
    private final List<Path> files;
    private final List<Reader> readers;
    private final Reader[] forV4;
    private final List<Path> v4Files; // the files of forV4, in the same order
    private final Reader[] forV6;
    private final AtomicLong errors = new AtomicLong();
    /** IPv4 answers of {@link #forV4} as flat ranges (null: the readers answer). */
    private GeoSnapshot v4Snapshot;

    private GeoLookup(List<Path> files, List<Reader> readers) {
        this.files = List.copyOf(files);
        this.readers = List.copyOf(readers);
        List<Reader> v4 = new ArrayList<>(), v6 = new ArrayList<>();
        List<Path> v4f = new ArrayList<>();
        for (int i = 0; i < readers.size(); i++) {
            if (readers.get(i).getMetadata().getIpVersion() == 4) {
                v4.add(readers.get(i));
                v4f.add(files.get(i));
            }
        }
        for (int i = 0; i < readers.size(); i++) {
            if (readers.get(i).getMetadata().getIpVersion() == 6) {
                v4.add(readers.get(i));
                v4f.add(files.get(i));
                v6.add(readers.get(i));
            }
        }
        v4Files = List.copyOf(v4f);
        forV4 = v4.toArray(new Reader[0]);
        forV6 = v6.toArray(new Reader[0]);
    }

    /** Opens one file (IPv6 databases with an IPv4 subtree, as MaxMind's) or an IPv4 + IPv6 pair. */
    public static GeoLookup open(List<Path> files) throws IOException {
        if (files.isEmpty()) throw new IllegalArgumentException("no geo database given");
        List<Reader> readers = new ArrayList<>();
        try {
            for (Path p : files) {
                try {
                    readers.add(new Reader(p.toFile(), new CHMCache()));
                } catch (IOException e) {
                    throw new IOException(p + ": not a readable MMDB file: " + e.getMessage(), e);
                }
            }
        } catch (IOException e) {
            for (Reader r : readers) r.close();
            throw e;
        }
        return new GeoLookup(files, readers);
    }

    /**
     * As {@link #open(List)}, answering IPv4 from a snapshot in {@code snapshotDir} (built there on
     * first use, about 5 s for GeoLite2 City on 2 cores; see {@link GeoSnapshot}). Without a usable
     * snapshot (a corrupt record), the readers answer.
     *
     * @param log told when the snapshot is being built
     */
    public static GeoLookup open(List<Path> files, Path snapshotDir, java.util.function.Consumer<String> log)
            throws IOException {
        GeoLookup g = open(files);
        try {
            Path f = GeoSnapshot.file(snapshotDir, g.v4Files);
            GeoSnapshot s = GeoSnapshot.read(f, g.v4Files.size());
            if (s == null && !Files.exists(GeoSnapshot.noneMarker(f))) {
                log.accept("geo: indexing " + g.v4Files.size() + " MMDB file(s) once for fast IPv4 lookups (" + f + ")");
                s = GeoSnapshot.build(g.v4Files, f);
            }
            g.v4Snapshot = s;
        } catch (IOException | RuntimeException e) {
            g.close();
            throw e;
        }
        return g;
    }

    /** Whether IPv4 lookups come from a snapshot (false: from the MMDB readers). */
    public boolean snapshotted() {
        return v4Snapshot != null;
    }

    /** The location of {@code ip}, or null when no file knows it. */
    public GeoLocation lookup(Ip ip) {
        return lookup(ip, null);
    }

    /**
     * As {@link #lookup(Ip)}; for IPv4, also stores in {@code prefixOut[0]} the IPv4 prefix length of
     * the network the answer holds for (33 when unknown), so callers can reuse it for the network.
     */
    public GeoLocation lookup(Ip ip, int[] prefixOut) {
        if (prefixOut != null) prefixOut[0] = 33;
        if (v4Snapshot != null && ip.isV4()) return fromSnapshot(ip.v4(), prefixOut);
        Reader[] rs = ip.isV4() ? forV4 : forV6;
        if (rs.length == 0) return null;
        InetAddress a = ip.toInetAddress();
        // The answer holds for the most specific network any consulted file has here: an earlier
        // file's empty /25 means its neighbours in the /24 may get another answer from it.
        int prefix = 0;
        for (Reader r : rs) {
            try {
                var rec = r.getRecord(a, Map.class);
                if (rec.getNetwork() != null) {
                    prefix = Math.max(prefix, v4Prefix(rec.getNetwork().getPrefixLength(), r.getMetadata().getIpVersion()));
                } else {
                    prefix = 33;
                }
                GeoLocation g = decode(rec.getData());
                if (g != null) {
                    if (prefixOut != null) prefixOut[0] = prefix;
                    return g;
                }
            } catch (IOException | RuntimeException e) {
                // A corrupt record must not stop a run: treat the address as unknown (and its network too)
                errors.incrementAndGet();
                prefix = 33;
            }
        }
        return null;
    }

    /** As the readers' loop below, over the snapshot's per-file ranges. */
    private GeoLocation fromSnapshot(int a, int[] prefixOut) {
        int prefix = 0;
        for (int i = 0; i < forV4.length; i++) {
            int r = v4Snapshot.find(i, a);
            prefix = Math.max(prefix, v4Snapshot.prefix(i, r, a));
            GeoLocation g = v4Snapshot.answer(i, r);
            if (g != null) {
                if (prefixOut != null) prefixOut[0] = prefix;
                return g;
            }
        }
        return null;
    }

    /** An IPv4 lookup's prefix length; IPv6 databases hold IPv4 under ::/96. */
    static int v4Prefix(int prefix, int dbIpVersion) {
        return dbIpVersion == 6 && prefix > 32 ? prefix - 96 : prefix;
    }

    /** What a record says; {@link GeoSnapshot} keeps these answers, so bump its VERSION when this changes. */
    static GeoLocation decode(Map<?, ?> m) {
        if (m == null) return null;
        String country;
        String city;
        double lat, lon;
        if (m.containsKey("country_code") || m.containsKey("latitude")) {
            // ip-location-db flat schema
            country = blankToNull(m.get("country_code"));
            city = m.get("city") instanceof String c ? blankToNull(c) : null;
            lat = number(m.get("latitude"));
            lon = number(m.get("longitude"));
        } else {
            country = isoCode(m.get("country"));
            if (country == null) country = isoCode(m.get("registered_country"));
            city = m.get("city") instanceof Map<?, ?> c && c.get("names") instanceof Map<?, ?> names
                    ? blankToNull(names.get("en")) : null;
            Map<?, ?> loc = m.get("location") instanceof Map<?, ?> l ? l : Map.of();
            lat = number(loc.get("latitude"));
            lon = number(loc.get("longitude"));
        }
        if (country == null && city == null && Double.isNaN(lat)) return null;
        return new GeoLocation(country, city, lat, lon);
    }

    private static String isoCode(Object o) {
        return o instanceof Map<?, ?> c ? blankToNull(c.get("iso_code")) : null;
    }

    private static String blankToNull(Object o) {
        if (o == null) return null;
        String s = o.toString();
        return s.isBlank() ? null : s;
    }

    private static double number(Object o) {
        return o instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    public List<Path> files() {
        return files;
    }

    public List<Metadata> metadata() {
        return readers.stream().map(Reader::getMetadata).toList();
    }

    /** Lookups that failed on a corrupt record. */
    public long errors() {
        return errors.get();
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (Reader r : readers) {
            try {
                r.close();
            } catch (IOException e) {
                if (first == null) first = e;
            }
        }
        if (first != null) throw first;
    }
}
