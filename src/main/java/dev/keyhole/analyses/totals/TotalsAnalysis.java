package dev.keyhole.analyses.totals;

import dev.keyhole.analyses.Analysis;
import dev.keyhole.enrichment.EnrichedFlow;
import dev.keyhole.findings.Findings;
import dev.keyhole.records.Ip;
import org.apache.datasketches.hll.HllSketch;
import org.apache.datasketches.hll.TgtHllType;
import org.apache.datasketches.hll.Union;

/**
 * Scope and naming counts over every flow record, and distinct host counts (HyperLogLog, about
 * 1.6% standard error at lgK 12) so memory stays fixed however many hosts there are.
 */
public final class TotalsAnalysis implements Analysis<TotalsAnalysis> {
    private static final int LG_K = 12;
    long records, inScope, conversations, outbound, inbound, internal, outOfScope, bytes;
    long sni, http, dns, none;
    private HllSketch localHosts = new HllSketch(LG_K, TgtHllType.HLL_4);
    private HllSketch remoteHosts = new HllSketch(LG_K, TgtHllType.HLL_4);
    private final long[] pair = new long[2];
    // Direct-mapped memory of recently added addresses: a sketch update is idempotent, so skipping
    // an address just added changes nothing and saves most of the hashing on busy hosts.
    private static final int RECENT = 1 << 12;
    private final long[] recentLocal = new long[2 * RECENT];
    private final long[] recentRemote = new long[2 * RECENT];

    @Override
    public void accept(EnrichedFlow f, dev.keyhole.analyses.When w) {
        accept(f);
    }

    @Override
    public void accept(EnrichedFlow f) {
        records++;
        switch (f.direction()) {
            case OUT_OF_SCOPE -> {
                outOfScope++;
                return;
            }
            case OUTBOUND -> outbound++;
            case INBOUND -> inbound++;
            case INTERNAL -> internal++;
        }
        inScope++;
        bytes += f.flow().totalBytes();
        update(localHosts, f.local(), recentLocal);
        update(remoteHosts, f.remote(), recentRemote);
        if (!f.conversation()) return;
        conversations++;
        switch (f.flow().nameSource()) {
            case SNI -> sni++;
            case HTTP_HOST -> http++;
            case DNS -> dns++;
            case NONE -> none++;
        }
    }

    private void update(HllSketch s, Ip ip, long[] recent) {
        if (ip == null) return;
        long hi = ip.hi(), lo = ip.lo();
        long h = (lo ^ hi * 0x9E3779B97F4A7C15L) * 0xC2B2AE3D27D4EB4FL;
        int slot = 2 * (int) ((h >>> 40) & (RECENT - 1));
        // Slot {0, 0} means empty; the address :: never reaches here as a real host.
        if (recent[slot] == hi && recent[slot + 1] == lo && (hi | lo) != 0) return;
        recent[slot] = hi;
        recent[slot + 1] = lo;
        pair[0] = hi;
        pair[1] = lo;
        s.update(pair);
    }

    /** Records that never reached enrichment (e.g. a parser emitted them before a fatal stop) are not counted. */
    @Override
    public void merge(TotalsAnalysis o) {
        records += o.records;
        inScope += o.inScope;
        conversations += o.conversations;
        outbound += o.outbound;
        inbound += o.inbound;
        internal += o.internal;
        outOfScope += o.outOfScope;
        bytes += o.bytes;
        sni += o.sni;
        http += o.http;
        dns += o.dns;
        none += o.none;
        localHosts = union(localHosts, o.localHosts);
        remoteHosts = union(remoteHosts, o.remoteHosts);
    }

    private static HllSketch union(HllSketch a, HllSketch b) {
        Union u = new Union(LG_K);
        u.update(a);
        u.update(b);
        return u.getResult(TgtHllType.HLL_4);
    }

    @Override
    public void finish(Findings out) {
        out.totals = new Findings.Totals(records, inScope, conversations, outbound, inbound, internal, outOfScope,
                bytes, new Findings.NamedBy(sni, http, dns, none), Math.round(localHosts.getEstimate()),
                Math.round(remoteHosts.getEstimate()));
    }
}
