package dev.keyhole.analyses;

import dev.keyhole.profile.Period;

import java.util.List;

/**
 * Maps a local epoch day to the period indexes it belongs to (periods may overlap) and to its
 * month key, caching the last day because flows arrive roughly in time order.
 */
public final class Buckets {
    private final AnalysisContext ctx;
    private final List<Period> periods;
    private long lastDay = Long.MIN_VALUE;
    private int[] lastPeriods = new int[0];
    private int lastMonth;

    public Buckets(AnalysisContext ctx) {
        this.ctx = ctx;
        this.periods = ctx.periods();
    }

    public void day(long epochDay) {
        if (epochDay == lastDay) return;
        lastDay = epochDay;
        lastMonth = AnalysisContext.monthKey(epochDay);
        int n = 0;
        int[] tmp = new int[periods.size()];
        for (int i = 0; i < periods.size(); i++) if (periods.get(i).contains(epochDay)) tmp[n++] = i;
        lastPeriods = java.util.Arrays.copyOf(tmp, n);
    }

    /** Indexes into ctx.periods() of the current day; empty in monthly mode. */
    public int[] periods() {
        return lastPeriods;
    }

    public int month() {
        return lastMonth;
    }

    public boolean monthly() {
        return ctx.monthly();
    }
}
