package dev.keyhole.analyses;

import dev.keyhole.profile.LocalClock;
import dev.keyhole.profile.Period;
import dev.keyhole.profile.TargetProfile;

import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.List;

/**
 * What every analysis needs to place a flow in time: the profile's zone, weekend and periods.
 * Without explicit periods each calendar month is a period, named YYYY-MM.
 */
public final class AnalysisContext {
    private final TargetProfile profile;
    private final List<Period> periods;
    private final boolean[] weekend = new boolean[7];

    public AnalysisContext(TargetProfile profile) {
        this.profile = profile;
        this.periods = profile.periods();
        for (DayOfWeek d : profile.weekend()) weekend[d.getValue() - 1] = true;
    }

    public TargetProfile profile() {
        return profile;
    }

    public LocalClock newClock() {
        return new LocalClock(profile.zone());
    }

    public boolean monthly() {
        return periods.isEmpty();
    }

    public List<Period> periods() {
        return periods;
    }

    public boolean isWeekend(int dayIndexMondayFirst) {
        return weekend[dayIndexMondayFirst];
    }

    /** The month key (YYYY-MM) of a local epoch day, as an int yyyy*12+(mm-1) for cheap maps. */
    public static int monthKey(long epochDay) {
        LocalDate d = LocalDate.ofEpochDay(epochDay);
        return d.getYear() * 12 + d.getMonthValue() - 1;
    }

    public static String monthName(int monthKey) {
        return YearMonth.of(monthKey / 12, monthKey % 12 + 1).toString();
    }
}
