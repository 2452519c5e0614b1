package dev.keyhole.simulate;

import dev.keyhole.enrichment.catalog.Catalog;
import dev.keyhole.enrichment.catalog.Service;
import dev.keyhole.records.Ip;
import dev.keyhole.refdata.AsnInfo;
import dev.keyhole.refdata.AsnLookup;
import dev.keyhole.refdata.RefManifest;
import dev.keyhole.refdata.ReferenceSetup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * The reference data a simulation lines up with: ASN ranges to draw server addresses from and the
 * service catalogue enrichment will use to name them.
 */
final class References {
    private References() {}

    /**
     * The bundled ranges, checked against the ASN data Keyhole installed in its cache (if any), so
     * that every drawn address maps to the intended ASN in the data the analyses will use.
     */
    static AsnRanges asnRanges(Path cacheDir, Consumer<String> log) {
        AsnRanges snapshot = AsnRanges.snapshot();
        ReferenceSetup setup = new ReferenceSetup(cacheDir != null ? cacheDir : ReferenceSetup.defaultCacheDir());
        RefManifest m = setup.installed();
        Path v4 = setup.path(ReferenceSetup.Role.ASN_IPV4);
        if (m == null || !Files.isRegularFile(v4)) return snapshot;
        try {
            AsnLookup live = AsnLookup.open(List.of(v4));
            RefManifest.PackageEntry p = m.pkg(ReferenceSetup.ASN_PACKAGE);
            String source = "installed " + (p == null ? v4.toString() : p.name() + "@" + p.version());
            return AsnRanges.checked(snapshot, source, asn -> addr -> {
                AsnInfo a = live.lookup(Ip.ofV4((int) addr));
                return a != null && a.asn() == asn;
            });
        } catch (IOException | RuntimeException e) {
            log.accept("warning: cannot read installed ASN data (" + e.getMessage() + "); using the bundled ranges");
            return snapshot;
        }
    }

    /** Keyhole's built-in service catalogue, as the enrichment of the generated data will see it. */
    static CatalogView catalog() {
        Catalog c = Catalog.loadDefault();
        return new CatalogView() {
            @Override
            public String category(String serviceId) {
                Service s = c.byId(serviceId);
                return s == null ? null : s.category().id();
            }

            @Override
            public List<Long> asns(String serviceId) {
                Service s = c.byId(serviceId);
                return s == null ? List.of() : s.asns();
            }

            @Override
            public String serviceOfHost(String host) {
                Service s = c.byName(host);
                return s == null ? null : s.id();
            }

            @Override
            public boolean servicePort(int protocol, int port) {
                return c.isServicePort(protocol, port);
            }

            @Override
            public String source() {
                return c.source() + " " + c.version();
            }
        };
    }
}
