package dev.keyhole.analyses.pattern;

import dev.keyhole.analyses.Analysis;
import dev.keyhole.analyses.AnalysisContext;
import dev.keyhole.analyses.When;
import dev.keyhole.analyses.Confidence;
import dev.keyhole.analyses.stats.RateRatioTest;
import dev.keyhole.enrichment.Direction;
import dev.keyhole.enrichment.EnrichedFlow;
import dev.keyhole.findings.Findings;
import dev.keyhole.findings.Judgment;
import dev.keyhole.findings.PatternOfLife;
import dev.keyhole.findings.PatternOfLife.PeakHours;
import dev.keyhole.findings.PatternOfLife.PeriodPattern;
import dev.keyhole.findings.PatternOfLife.WeekendChange;
import dev.keyhole.profile.LocalClock;
import dev.keyhole.profile.Period;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Pattern of life: when the target's users start conversations, in the target's local time
 * (tz database, so offset changes such as Pyongyang's of 2018-05-05 are followed).
 */
public final class PatternOfLifeAnalysis implements Analysis<PatternOfLifeAnalysis> {
    /** The peak window is the shortest run of hours holding at least this share of conversations. */
    public static final double PEAK_THRESHOLD = 0.80;
    /**
     * A peak run this long (of 24 hours) is judged as no clear active hours: evenly spread activity
     * needs 19.2, and a day whose busiest hours are 1.9 times its quietest still fits in 18.
     */
    static final int FLAT_HOURS = 19;

    private final AnalysisContext ctx;
    private final When own;
    private int lastMonthKey = Integer.MIN_VALUE;
    private Grid lastMonth;
    private final Grid[] periods;
    private final TreeMap<Integer, Grid> months = new TreeMap<>();

    /** Counts of one period: weekday x hour, and the local days seen. */
    static final class Grid {
        final long[] cells = new long[7 * 24];
        long firstDay = Long.MAX_VALUE;
        long lastDay = Long.MIN_VALUE;
        final java.util.BitSet days = new java.util.BitSet();
        long dayBase = Long.MIN_VALUE;

        void add(long epochDay, int dow, int hour) {
            cells[dow * 24 + hour]++;
            if (epochDay < firstDay) firstDay = epochDay;
            if (epochDay > lastDay) lastDay = epochDay;
            if (dayBase == Long.MIN_VALUE) dayBase = epochDay - 4096;
            long off = epochDay - dayBase;
            if (off >= 0 && off < Integer.MAX_VALUE) days.set((int) off);
        }

        void merge(Grid o) {
            for (int i = 0; i < cells.length; i++) cells[i] += o.cells[i];
            firstDay = Math.min(firstDay, o.firstDay);
            lastDay = Math.max(lastDay, o.lastDay);
            if (o.dayBase == Long.MIN_VALUE) return;
            if (dayBase == Long.MIN_VALUE) dayBase = o.dayBase;
            for (int i = o.days.nextSetBit(0); i >= 0; i = o.days.nextSetBit(i + 1)) {
                long off = o.dayBase + i - dayBase;
                if (off >= 0 && off < Integer.MAX_VALUE) days.set((int) off);
            }
        }

        long total() {
            long t = 0;
            for (long c : cells) t += c;
            return t;
        }
    }

    public PatternOfLifeAnalysis(AnalysisContext ctx) {
        this.ctx = ctx;
        this.own = new When(ctx);
        this.periods = new Grid[ctx.periods().size()];
        for (int i = 0; i < periods.length; i++) periods[i] = new Grid();
    }

    @Override
    public void accept(EnrichedFlow f) {
        accept(f, own.at(f.flow().startMillis()));
    }

    @Override
    public void accept(EnrichedFlow f, When w) {
        if (f.direction() != Direction.OUTBOUND || !f.conversation()) return;
        if (w.monthly()) {
            int m = w.month();
            if (m != lastMonthKey) {
                lastMonth = months.computeIfAbsent(m, k -> new Grid());
                lastMonthKey = m;
            }
            lastMonth.add(w.epochDay, w.dayOfWeek, w.hour);
        } else {
            for (int p : w.periods()) periods[p].add(w.epochDay, w.dayOfWeek, w.hour);
        }
    }

    @Override
    public void merge(PatternOfLifeAnalysis o) {
        for (int i = 0; i < periods.length; i++) periods[i].merge(o.periods[i]);
        o.months.forEach((k, v) -> months.computeIfAbsent(k, x -> new Grid()).merge(v));
        lastMonthKey = Integer.MIN_VALUE;
    }

    @Override
    public void finish(Findings out) {
        LinkedHashMap<String, Grid> rows = new LinkedHashMap<>();
        LinkedHashMap<String, LocalDate[]> ranges = new LinkedHashMap<>();
        if (ctx.monthly()) {
            months.forEach((k, g) -> {
                String name = AnalysisContext.monthName(k);
                rows.put(name, g);
                LocalDate from = LocalDate.of(k / 12, k % 12 + 1, 1);
                ranges.put(name, new LocalDate[] {from, from.plusMonths(1).minusDays(1)});
            });
        } else {
            for (int i = 0; i < periods.length; i++) {
                Period p = ctx.periods().get(i);
                rows.put(p.name(), periods[i]);
                ranges.put(p.name(), new LocalDate[] {p.from(), p.to()});
            }
        }
        List<PeriodPattern> patterns = new ArrayList<>();
        Map<String, long[]> weekendCounts = new LinkedHashMap<>();
        rows.forEach((name, g) -> {
            long total = g.total();
            long weekend = 0;
            for (int d = 0; d < 7; d++) {
                if (!ctx.isWeekend(d)) continue;
                for (int h = 0; h < 24; h++) weekend += g.cells[d * 24 + h];
            }
            long[] days = calendarDays(g, ranges.get(name));
            weekendCounts.put(name, new long[] {weekend, total, days[0], days[1]});
            long[][] matrix = new long[7][24];
            for (int d = 0; d < 7; d++) System.arraycopy(g.cells, d * 24, matrix[d], 0, 24);
            patterns.add(new PeriodPattern(name, total, peak(g.cells), share(total - weekend, total),
                    share(weekend, total), weekendDayRatio(weekend, total, days),
                    g.days.cardinality(), matrix));
        });
        List<WeekendChange> changes = new ArrayList<>();
        List<String> names = new ArrayList<>(weekendCounts.keySet());
        for (int i = 0; i + 1 < names.size(); i++) {
            long[] a = weekendCounts.get(names.get(i)), b = weekendCounts.get(names.get(i + 1));
            if (a[1] == 0 || b[1] == 0) continue;
            // Per day, so that a month with more weekend days than the next is no change.
            RateRatioTest t = RateRatioTest.of(a[0], a[2], a[1] - a[0], a[3], b[0], b[2], b[1] - b[0], b[3]);
            double ra = patterns.get(i).weekendDayRatio(), rb = patterns.get(i + 1).weekendDayRatio();
            // Without a per-day ratio on both sides (no day of a kind, or no conversation on one) there
            // is nothing to call a change.
            boolean significant = t.pValue() < 0.01 && Double.isFinite(ra) && Double.isFinite(rb);
            changes.add(new WeekendChange(names.get(i), names.get(i + 1), share(a[0], a[1]), share(b[0], b[1]), t.z(),
                    t.pValue(), significant, ra, rb));
        }
        out.patternOfLife = new PatternOfLife(ctx.profile().zone().getId(), patterns, changes);
        judge(patterns, changes, weekendCounts, out);
    }

    private static double share(long x, long n) {
        return n == 0 ? 0 : (double) x / n;
    }

    /**
     * The weekend and working days of the period's calendar that fall between the first and last
     * day with data (so a period only half covered by the input is not diluted).
     */
    private long[] calendarDays(Grid g, LocalDate[] range) {
        long from = Math.max(range[0].toEpochDay(), g.firstDay);
        long to = Math.min(range[1].toEpochDay(), g.lastDay);
        long wkDays = 0, wdDays = 0;
        for (long d = from; d <= to; d++) {
            if (ctx.isWeekend(LocalClock.dayOfWeekIndex(d))) wkDays++;
            else wdDays++;
        }
        return new long[] {wkDays, wdDays};
    }

    /** Conversations per weekend day over conversations per working day; NaN without both kinds. */
    private static double weekendDayRatio(long weekend, long total, long[] days) {
        if (total == 0 || days[0] == 0 || days[1] == 0 || total - weekend == 0) return Double.NaN;
        return ((double) weekend / days[0]) / ((double) (total - weekend) / days[1]);
    }

    /** Shortest circular run of hours with at least PEAK_THRESHOLD of conversations; the fullest such run. */
    static PeakHours peak(long[] cells) {
        long[] hours = new long[24];
        long total = 0;
        for (int i = 0; i < cells.length; i++) {
            hours[i % 24] += cells[i];
            total += cells[i];
        }
        if (total == 0) return new PeakHours(0, 0, 0, PEAK_THRESHOLD);
        for (int len = 1; len <= 24; len++) {
            int bestStart = -1;
            long best = -1;
            for (int s = 0; s < 24; s++) {
                long sum = 0;
                for (int k = 0; k < len; k++) sum += hours[(s + k) % 24];
                if (sum > best) {
                    best = sum;
                    bestStart = s;
                }
            }
            if (best >= PEAK_THRESHOLD * total) {
                return new PeakHours(bestStart, (bestStart + len) % 24, (double) best / total, PEAK_THRESHOLD);
            }
        }
        return new PeakHours(0, 0, 1, PEAK_THRESHOLD);
    }

    private void judge(List<PeriodPattern> patterns, List<WeekendChange> changes, Map<String, long[]> counts,
                       Findings out) {
        String zone = ctx.profile().zone().getId();
        for (PeriodPattern p : patterns) {
            if (p.flows() == 0) continue;
            PeakHours ph = p.peakHours();
            String rhythm = Double.isNaN(p.weekendDayRatio()) ? ""
                    : p.weekendDayRatio() > 1.1 ? String.format("; weekend days were busier than working days (%.2f× per day)", p.weekendDayRatio())
                    : p.weekendDayRatio() < 0.9 ? String.format("; working days were busier than weekend days (weekend %.2f× per day)", p.weekendDayRatio())
                    : "; weekend and working days were about as busy";
            int hours = Math.floorMod(ph.end() - ph.start(), 24);
            if (hours == 0) hours = 24; // the whole day (end is exclusive and wraps)
            // Evenly spread activity needs 0.8 * 24 = 19.2 hours for 80 %: a run nearly that long is
            // no daily rhythm, and naming its (arbitrary) first hour would mislead.
            String text = hours >= FLAT_HOURS
                    ? String.format("In %s, conversations were spread around the clock, with no clear active hours: the"
                            + " shortest run of hours holding %.0f%% of them is %d hours long (evenly spread activity"
                            + " needs %.1f)%s.", p.period(), 100 * PEAK_THRESHOLD, hours, 24 * PEAK_THRESHOLD, rhythm)
                    : String.format("In %s, %.0f%% of conversations started between %02d:00 and %02d:00 local time (%s)%s.",
                            p.period(), 100 * ph.share(), ph.start(), ph.end(), zone, rhythm);
            out.judgments.add(new Judgment("pattern-" + p.period(), text,
                    Confidence.ofSample(p.flows()), Confidence.sampleReason(p.flows()),
                    List.of("/patternOfLife/periods?period=" + p.period())));
        }
        int k = ctx.profile().weekend().size();
        for (WeekendChange c : changes) {
            if (!c.significant() || k == 0 || k == 7) continue;
            // The change in points of a standard week's share, from the per-day ratios: calendar-neutral.
            double from = RateRatioTest.weekShare(c.weekendDayRatioFrom(), k), to = RateRatioTest.weekShare(c.weekendDayRatioTo(), k);
            double pts = 100 * (to - from);
            if (Double.isNaN(pts) || Math.abs(pts) < 5) continue;
            long n1 = counts.get(c.from())[1], n2 = counts.get(c.to())[1];
            out.judgments.add(new Judgment("weekend-shift-" + c.from() + "-" + c.to(),
                    String.format("Weekend days went from %.2f× to %.2f× as busy as working days (conversations per day)"
                                    + " between %s and %s: in a week of %d working and %d weekend days, the weekend's share"
                                    + " would have %s from %.1f%% to %.1f%%.", c.weekendDayRatioFrom(),
                            c.weekendDayRatioTo(), c.from(), c.to(), 7 - k, k, pts > 0 ? "risen" : "fallen",
                            100 * from, 100 * to),
                    Confidence.ofChange(c.pValue(), pts, n1, n2), Confidence.rateChangeReason(c.pValue(), pts, n1, n2),
                    List.of("/patternOfLife/changes?from=" + c.from())));
        }
    }
}
