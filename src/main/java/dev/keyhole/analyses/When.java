package dev.keyhole.analyses;

import dev.keyhole.profile.LocalClock;

/**
 * Where a flow falls in the target's local calendar, computed once per flow and shared by every
 * analysis (mutable and reused: valid only during one accept call).
 */
public final class When {
    private final LocalClock clock;
    private final Buckets buckets;
    public long localMillis;
    public long epochDay;
    /** 0 = Monday ... 6 = Sunday. */
    public int dayOfWeek;
    public int hour;

    public When(AnalysisContext ctx) {
        this.clock = ctx.newClock();
        this.buckets = new Buckets(ctx);
    }

    public When at(long utcMillis) {
        localMillis = clock.localMillis(utcMillis);
        long day = LocalClock.epochDay(localMillis);
        if (day != epochDay || hourUnset) {
            epochDay = day;
            dayOfWeek = LocalClock.dayOfWeekIndex(day);
            buckets.day(day);
            hourUnset = false;
        }
        hour = LocalClock.hour(localMillis);
        return this;
    }

    private boolean hourUnset = true;

    /** Indexes of the explicit periods containing this day (empty in monthly mode). */
    public int[] periods() {
        return buckets.periods();
    }

    /** yyyy*12 + (mm-1) of the local month. */
    public int month() {
        return buckets.month();
    }

    public boolean monthly() {
        return buckets.monthly();
    }
}
