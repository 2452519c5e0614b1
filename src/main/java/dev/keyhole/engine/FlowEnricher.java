package dev.keyhole.engine;

import dev.keyhole.enrichment.EnrichedFlow;
import dev.keyhole.records.FlowRecord;

/** One worker's enrichment step; instances are not shared between threads. */
@FunctionalInterface
public interface FlowEnricher {
    EnrichedFlow enrich(FlowRecord f);
}
