package dev.keyhole.analyses;

import dev.keyhole.enrichment.EnrichedFlow;
import dev.keyhole.findings.Findings;

/**
 * A mergeable accumulator. The engine gives each worker its own instance, feeds it every enriched
 * in-scope flow once, merges the workers' instances, and calls {@link #finish} once on the result.
 * Memory must not grow with the number of flows.
 */
public interface Analysis<A extends Analysis<A>> {
    /** {@code w} is the flow's local time, computed once for all analyses by {@link AnalysisSet}. */
    void accept(EnrichedFlow f, When w);

    /** For callers without a {@link When}; computes it (tests, single analyses). */
    void accept(EnrichedFlow f);

    void merge(A other);

    /** Writes this analysis' section (and any judgments it supports) into the findings. */
    void finish(Findings out);
}
