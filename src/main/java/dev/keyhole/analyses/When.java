package dev.keyhole.analyses;

import dev.keyhole.profile.LocalClock;
import dev.keyhole.profile.Period;

import java.util.Arrays;
import java.util.List;

/**
 * Where a flow falls in the target's local calendar: local time, day, weekday, hour, month and the
 * periods that contain the day. Computed once per flow and shared by every analysis (mutable and
 * reused: valid only during one accept call). Day-level fields are cached because flows arrive
 * roughly in time order.
 */
public final class When {
    private final LocalClock clock;
    private final List<Period> periods;
    private final boolean monthly;
    private final int[] scratch;
    private boolean dayKnown;
    private int[] dayPeriods = new int[0];
    private int month;
    public long localMillis;
    public long epochDay;
    /** 0 = Monday ... 6 = Sunday. */
    public int dayOfWeek;
    public int hour;

    public When(AnalysisContext ctx) {
        this.clock = ctx.newClock();
        this.periods = ctx.periods();
        this.monthly = ctx.monthly();
        this.scratch = new int[periods.size()];
    }

    public When at(long utcMillis) {
        localMillis = clock.localMillis(utcMillis);
        long day = LocalClock.epochDay(localMillis);
        if (!dayKnown || day != epochDay) {
            epochDay = day;
            dayKnown = true;
            dayOfWeek = LocalClock.dayOfWeekIndex(day);
            month = AnalysisContext.monthKey(day);
            int n = 0;
            for (int i = 0; i < periods.size(); i++) if (periods.get(i).contains(day)) scratch[n++] = i;
            dayPeriods = Arrays.copyOf(scratch, n);
        }
        hour = LocalClock.hour(localMillis);
        return this;
    }

    /** Indexes into the context's periods that contain this day (empty in monthly mode). */
    public int[] periods() {
        return dayPeriods;
    }

    /** yyyy*12 + (mm-1) of the local month. */
    public int month() {
        return month;
    }

    public boolean monthly() {
        return monthly;
    }
}
