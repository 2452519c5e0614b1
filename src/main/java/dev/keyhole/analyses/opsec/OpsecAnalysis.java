package dev.keyhole.analyses.opsec;

import dev.keyhole.analyses.Analysis;
import dev.keyhole.analyses.AnalysisContext;
import dev.keyhole.analyses.When;
import dev.keyhole.analyses.Confidence;
import dev.keyhole.enrichment.Direction;
import dev.keyhole.enrichment.EnrichedFlow;
import dev.keyhole.enrichment.Obfuscation;
import dev.keyhole.findings.Findings;
import dev.keyhole.findings.Judgment;
import dev.keyhole.findings.Opsec;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Operational security: how much of the target's outbound activity hides what it is (Tor, VPN,
 * VPS, TLS to unidentified services), per month and per period, and the make-up of that share.
 */
public final class OpsecAnalysis implements Analysis<OpsecAnalysis> {
    private final AnalysisContext ctx;
    private final When own;
    private final long[][] periods;
    private final TreeMap<Integer, long[]> months = new TreeMap<>();
    private int lastMonthKey = Integer.MIN_VALUE;
    private long[] lastMonth;

    // Slots: 0 = all conversations, 1 + Obfuscation.ordinal() for each class.
    private static final int SLOTS = 1 + Obfuscation.values().length;

    public OpsecAnalysis(AnalysisContext ctx) {
        this.ctx = ctx;
        this.own = new When(ctx);
        this.periods = new long[ctx.periods().size()][SLOTS];
    }

    @Override
    public void accept(EnrichedFlow f) {
        accept(f, own.at(f.flow().startMillis()));
    }

    @Override
    public void accept(EnrichedFlow f, When w) {
        if (f.direction() != Direction.OUTBOUND || !f.conversation()) return;
        int slot = 1 + f.obfuscation().ordinal();
        for (int p : w.periods()) {
            periods[p][0]++;
            periods[p][slot]++;
        }
        int m = w.month();
        if (m != lastMonthKey) {
            lastMonth = months.computeIfAbsent(m, k -> new long[SLOTS]);
            lastMonthKey = m;
        }
        lastMonth[0]++;
        lastMonth[slot]++;
    }

    @Override
    public void merge(OpsecAnalysis o) {
        for (int i = 0; i < periods.length; i++) for (int s = 0; s < SLOTS; s++) periods[i][s] += o.periods[i][s];
        o.months.forEach((k, v) -> {
            long[] t = months.computeIfAbsent(k, x -> new long[SLOTS]);
            for (int s = 0; s < SLOTS; s++) t[s] += v[s];
        });
        lastMonthKey = Integer.MIN_VALUE;
    }

    private static Opsec.Row row(String name, long[] c) {
        long vpn = c[1 + Obfuscation.VPN.ordinal()], vps = c[1 + Obfuscation.VPS.ordinal()];
        long tls = c[1 + Obfuscation.TLS.ordinal()], tor = c[1 + Obfuscation.TOR.ordinal()];
        long obf = vpn + vps + tls + tor;
        double d = obf == 0 ? 1 : obf;
        return new Opsec.Row(name, c[0], obf, c[0] == 0 ? 0 : (double) obf / c[0],
                new Opsec.Composition(obf == 0 ? 0 : vpn / d, obf == 0 ? 0 : vps / d, obf == 0 ? 0 : tls / d,
                        obf == 0 ? 0 : tor / d),
                new Opsec.Counts(vpn, vps, tls, tor));
    }

    @Override
    public void finish(Findings out) {
        List<Opsec.Row> monthly = new ArrayList<>();
        months.forEach((k, v) -> monthly.add(row(AnalysisContext.monthName(k), v)));
        List<Opsec.Row> per = new ArrayList<>();
        if (ctx.monthly()) per.addAll(monthly);
        else for (int i = 0; i < periods.length; i++) per.add(row(ctx.periods().get(i).name(), periods[i]));
        out.opsec = new Opsec(monthly, per);
        judge(monthly, out);
    }

    /** Monthly shares that stay within this many points of each other are "steady", not a peak. */
    static final double STEADY_POINTS = 5;

    private void judge(List<Opsec.Row> monthly, Findings out) {
        // Months with at least 100 conversations: the highest and lowest share, the first and last.
        Opsec.Row peak = null, low = null, first = null, last = null;
        long smallest = Long.MAX_VALUE;
        int months = 0;
        for (Opsec.Row r : monthly) {
            if (r.flows() < 100) continue;
            months++;
            if (peak == null || r.obfuscatedShare() > peak.obfuscatedShare()) peak = r;
            if (low == null || r.obfuscatedShare() < low.obfuscatedShare()) low = r;
            if (first == null) first = r;
            last = r;
            smallest = Math.min(smallest, r.flows());
        }
        if (peak == null || peak.obfuscatedFlows() == 0) return;
        Opsec.Composition c = peak.composition();
        String make = String.format("VPN %.0f%%, TLS to unidentified services %.0f%%, VPS %.0f%%, Tor %.0f%% of it",
                100 * c.vpn(), 100 * c.tls(), 100 * c.vps(), 100 * c.tor());
        if (months == 1) {
            out.judgments.add(new Judgment("opsec-month", String.format("Obfuscated activity was %.1f%% of conversations"
                            + " in %s (%s), the only month with at least 100 conversations.", 100 * peak.obfuscatedShare(),
                    peak.month(), make), Confidence.ofSample(peak.flows()), Confidence.sampleReason(peak.flows()),
                    List.of("/opsec/monthly?month=" + peak.month())));
            return;
        }
        // Naming the highest month a peak when every month is within a few points would mislead.
        if (100 * (peak.obfuscatedShare() - low.obfuscatedShare()) < STEADY_POINTS) {
            out.judgments.add(new Judgment("opsec-steady",
                    String.format("Obfuscated activity was steady: %.1f–%.1f%% of conversations in each of the %d months"
                                    + " with at least 100 conversations, %s to %s (%s in %s).", 100 * low.obfuscatedShare(),
                            100 * peak.obfuscatedShare(), months, first.month(), last.month(), make, peak.month()),
                    Confidence.ofSample(smallest), Confidence.sampleReason(smallest)
                            + " in the smallest of those months; steady: within " + (int) STEADY_POINTS + " points",
                    List.of("/opsec/monthly")));
            return;
        }
        out.judgments.add(new Judgment("opsec-peak",
                String.format("Obfuscated activity peaked in %s at %.1f%% of conversations (%s); the lowest month was %s"
                                + " at %.1f%%; it was %.1f%% in %s and %.1f%% in %s.", peak.month(),
                        100 * peak.obfuscatedShare(), make, low.month(), 100 * low.obfuscatedShare(),
                        100 * first.obfuscatedShare(), first.month(), 100 * last.obfuscatedShare(), last.month()),
                Confidence.ofSample(peak.flows()),
                Confidence.sampleReason(peak.flows()) + " in the peak month; classes follow docs/enrichment.md",
                List.of("/opsec/monthly?month=" + peak.month())));
    }
}
