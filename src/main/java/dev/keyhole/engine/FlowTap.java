package dev.keyhole.engine;

import dev.keyhole.enrichment.EnrichedFlow;
import dev.keyhole.sources.InputFile;

/**
 * A worker's extra consumer of enriched flows, next to its analyses (the columnar store). It sees
 * every flow after the analyses did and must not change anything they see. One per worker thread.
 */
public interface FlowTap {
    /** The worker starts reading this file; the flows that follow come from it. */
    void file(InputFile f);

    void accept(EnrichedFlow f);
}
