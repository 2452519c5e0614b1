package dev.keyhole.analyses;

import dev.keyhole.analyses.mix.ActivityMixAnalysis;
import dev.keyhole.analyses.opsec.OpsecAnalysis;
import dev.keyhole.analyses.pattern.PatternOfLifeAnalysis;
import dev.keyhole.analyses.totals.TotalsAnalysis;
import dev.keyhole.enrichment.EnrichedFlow;
import dev.keyhole.findings.Findings;

/** Every analysis of one worker. Adding an analysis = one field here and its lines below. */
public final class AnalysisSet {
    private final TotalsAnalysis totals = new TotalsAnalysis();
    private final ActivityMixAnalysis mix;
    private final PatternOfLifeAnalysis pattern;
    private final OpsecAnalysis opsec;
    private final When when;

    public AnalysisSet(AnalysisContext ctx) {
        mix = new ActivityMixAnalysis(ctx);
        pattern = new PatternOfLifeAnalysis(ctx);
        opsec = new OpsecAnalysis(ctx);
        when = new When(ctx);
    }

    /** Every flow goes to the totals; only in-scope flows reach the other analyses. */
    public void accept(EnrichedFlow f) {
        totals.accept(f);
        if (!f.inScope()) return;
        When w = when.at(f.flow().startMillis());
        mix.accept(f, w);
        pattern.accept(f, w);
        opsec.accept(f, w);
    }

    public void merge(AnalysisSet o) {
        totals.merge(o.totals);
        mix.merge(o.mix);
        pattern.merge(o.pattern);
        opsec.merge(o.opsec);
    }

    public void finish(Findings out) {
        totals.finish(out);
        mix.finish(out);
        pattern.finish(out);
        opsec.finish(out);
    }
}
