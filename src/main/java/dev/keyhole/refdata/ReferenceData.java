package dev.keyhole.refdata;

import com.maxmind.db.Metadata;
import dev.keyhole.findings.Findings.ReferenceDataset;

import java.io.Closeable;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.stream.Collectors;

/**
 * The geo and ASN data of a run, opened from the user's files (--geo, --asn) or else from the npm
 * cache (installing it first if incomplete), plus a description of each data set for findings.json.
 * Lookups are thread-safe; one instance serves all workers.
 */
public final class ReferenceData implements Closeable {
    private final GeoLookup geo;
    private final AsnLookup asn;
    private final List<ReferenceDataset> datasets;

    public ReferenceData(GeoLookup geo, AsnLookup asn, List<ReferenceDataset> datasets) {
        this.geo = geo;
        this.asn = asn;
        this.datasets = List.copyOf(datasets);
    }

    /**
     * @param cacheDir null for {@link ReferenceSetup#defaultCacheDir()}
     * @param geoFiles the user's geo MMDB file(s); empty to use the cache
     * @param asnFiles the user's ASN CSV file(s) or MMDB; empty to use the cache
     * @param log      where installation progress goes
     */
    public static ReferenceData open(Path cacheDir, List<Path> geoFiles, List<Path> asnFiles, PrintStream log)
            throws IOException {
        ReferenceSetup setup = new ReferenceSetup(cacheDir, ReferenceSetup.defaultNpm(), log);
        return open(setup, geoFiles, asnFiles);
    }

    public static ReferenceData open(ReferenceSetup setup, List<Path> geoFiles, List<Path> asnFiles) throws IOException {
        RefManifest manifest = geoFiles.isEmpty() || asnFiles.isEmpty() ? setup.ensure() : null;
        List<Path> asnPaths = asnFiles.isEmpty()
                ? List.of(setup.path(ReferenceSetup.Role.ASN_IPV4), setup.path(ReferenceSetup.Role.ASN_IPV6)) : asnFiles;
        // The ASN tables load on their own thread while the geo files open on this one.
        Path snapshots = setup.cacheDir().resolve("snapshots");
        FutureTask<AsnLookup> asnJob = new FutureTask<>(() -> AsnLookup.open(asnPaths, snapshots));
        Thread asnThread = new Thread(asnJob, "keyhole-asn-open");
        asnThread.setDaemon(true);
        asnThread.start();
        List<ReferenceDataset> ds = new ArrayList<>();
        GeoLookup geo = null;
        AsnLookup asn = null;
        try {
            if (geoFiles.isEmpty()) {
                List<Path> files = List.of(setup.path(ReferenceSetup.Role.GEO_IPV4), setup.path(ReferenceSetup.Role.GEO_IPV6));
                geo = GeoLookup.open(files, snapshots, setup.log()::println);
                ds.add(fromPackage("geo", files, manifest.pkg(ReferenceSetup.GEO_PACKAGE), geoLicence(manifest)));
            } else {
                geo = GeoLookup.open(geoFiles, snapshots, setup.log()::println);
                ds.add(userMmdb("geo", geoFiles, geo.metadata()));
            }
            asn = joinAsn(asnJob);
            if (asnFiles.isEmpty()) {
                ds.add(fromPackage("asn", asnPaths, manifest.pkg(ReferenceSetup.ASN_PACKAGE), asnLicence(manifest)));
            } else {
                ds.add(asn instanceof MmdbAsnLookup m ? userMmdb("asn", asnFiles, List.of(m.metadata()))
                        : userCsv(asnFiles));
            }
        } catch (Throwable e) {
            try {
                if (geo != null) geo.close();
            } catch (IOException | RuntimeException ce) {
                e.addSuppressed(ce);
            } finally {
                if (asn == null) asn = awaitQuietly(asnJob);
                if (asn != null) {
                    try {
                        asn.close();
                    } catch (IOException | RuntimeException ce) {
                        e.addSuppressed(ce);
                    }
                }
            }
            throw e;
        }
        return new ReferenceData(geo, asn, ds);
    }

    /** The ASN job's lookup, its failure rethrown as thrown. */
    private static AsnLookup joinAsn(FutureTask<AsnLookup> job) throws IOException {
        try {
            return job.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while loading ASN data", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) throw io;
            if (e.getCause() instanceof RuntimeException re) throw re;
            if (e.getCause() instanceof Error err) throw err;
            throw new IOException(e.getCause());
        }
    }

    /** After a failure: the ASN lookup once loaded, so it can be closed; null if it failed too. Waits through interrupts. */
    private static AsnLookup awaitQuietly(FutureTask<AsnLookup> job) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return job.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    return null;
                }
            }
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    private static ReferenceDataset fromPackage(String kind, List<Path> files, RefManifest.PackageEntry p, String licence) {
        return new ReferenceDataset(kind, join(files), "npm:" + p.name() + "@" + p.version(), p.version(), licence);
    }

    static String geoLicence(RefManifest m) {
        RefManifest.PackageEntry p = m.pkg(ReferenceSetup.GEO_PACKAGE);
        return "GeoLite2 data created by MaxMind, available from https://www.maxmind.com; use is subject to the "
                + "MaxMind GeoLite2 End User License Agreement (package licence: " + p.license() + "; shipped: "
                + String.join(", ", p.licenseFiles()) + ")";
    }

    static String asnLicence(RefManifest m) {
        RefManifest.PackageEntry p = m.pkg(ReferenceSetup.ASN_PACKAGE);
        return "CC-BY-4.0: IP to AS number data by Route Views (https://www.routeviews.org) and DB-IP "
                + "(https://db-ip.com), merged with modifications by ip-location-db (package licence: " + p.license()
                + "; shipped: " + String.join(", ", p.licenseFiles()) + ")";
    }

    static ReferenceDataset userMmdb(String kind, List<Path> files, List<Metadata> meta) {
        String version = meta.stream().map(md -> md.getDatabaseType() + " built "
                        + md.getBuildDate().toInstant().atOffset(ZoneOffset.UTC).toLocalDate())
                .distinct().collect(Collectors.joining("; "));
        String type = meta.stream().map(Metadata::getDatabaseType).collect(Collectors.joining(" "));
        String licence;
        if (type.contains("GeoLite2")) {
            licence = "GeoLite2 data created by MaxMind, available from https://www.maxmind.com; MaxMind GeoLite2 EULA";
        } else if (type.contains("GeoIP2")) {
            licence = "MaxMind GeoIP2 commercial database, under the user's MaxMind licence";
        } else if (type.toLowerCase(Locale.ROOT).contains("dbip") || type.toLowerCase(Locale.ROOT).contains("db-ip")) {
            licence = "DB-IP database (https://db-ip.com), under its licence";
        } else {
            licence = "supplied by the user; the file does not state a licence";
        }
        return new ReferenceDataset(kind, join(files), "user file", version, licence);
    }

    static ReferenceDataset userCsv(List<Path> files) throws IOException {
        List<String> dates = new ArrayList<>();
        for (Path p : files) {
            Instant t = Files.getLastModifiedTime(p).toInstant();
            dates.add(p.getFileName() + " modified " + t.atOffset(ZoneOffset.UTC).toLocalDate());
        }
        return new ReferenceDataset("asn", join(files), "user file", String.join("; ", dates),
                "supplied by the user; the file does not state a licence");
    }

    private static String join(List<Path> files) {
        return files.stream().map(Path::toString).collect(Collectors.joining(", "));
    }

    public GeoLookup geo() {
        return geo;
    }

    public AsnLookup asn() {
        return asn;
    }

    /** One entry per data set for findings.json's referenceData. */
    public List<ReferenceDataset> datasets() {
        return datasets;
    }

    @Override
    public void close() throws IOException {
        try {
            geo.close();
        } finally {
            asn.close();
        }
    }
}
