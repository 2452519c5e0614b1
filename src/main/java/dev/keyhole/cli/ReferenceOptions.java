package dev.keyhole.cli;

import dev.keyhole.refdata.ReferenceSetup;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Options shared by every command that needs reference data. */
public final class ReferenceOptions {
    @Option(names = "--cache", paramLabel = "DIR",
            description = "Reference data cache (default: $KEYHOLE_CACHE or ~/.cache/keyhole).")
    Path cache;

    @Option(names = "--geo", paramLabel = "MMDB",
            description = "Your own city MMDB (MaxMind GeoIP2/GeoLite2 City, or ip-location-db's); repeat for separate IPv4 and IPv6 files.")
    List<Path> geo = new ArrayList<>();

    @Option(names = "--asn", paramLabel = "FILE",
            description = "Your own ASN data: a MaxMind GeoLite2/GeoIP2 ASN MMDB, or ip-location-db CSV ranges (repeat for IPv4 and IPv6).")
    List<Path> asn = new ArrayList<>();

    @Option(names = "--catalog", paramLabel = "DIR",
            description = "A service catalogue directory to use instead of the built-in one (docs/catalog.md).")
    Path catalog;

    Path cacheDir() {
        return cache != null ? cache : ReferenceSetup.defaultCacheDir();
    }
}
