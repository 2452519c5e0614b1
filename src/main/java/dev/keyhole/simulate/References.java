package dev.keyhole.simulate;

import java.util.function.Consumer;

/**
 * The reference data a simulation lines up with: ASN ranges to draw server addresses from and the
 * service catalogue enrichment will use to name them.
 */
final class References {
    private References() {}

    static AsnRanges asnRanges(Consumer<String> log) {
        return AsnRanges.snapshot();
    }

    static CatalogView catalog(Consumer<String> log) {
        return CatalogView.NONE;
    }
}
