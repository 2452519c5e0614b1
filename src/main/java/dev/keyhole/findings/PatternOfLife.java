package dev.keyhole.findings;

import java.util.List;

/** Pattern of life: local hour x weekday activity per period and how the weekly rhythm changed. */
public record PatternOfLife(String timezone, List<PeriodPattern> periods, List<WeekendChange> changes) {

    /**
     * @param matrix        conversations by local weekday (7 rows, Monday first) and hour (24 columns)
     * @param peakHours     the shortest run of local hours holding at least {@code peakHours.share} of activity
     * @param weekdayShare  share of conversations on the profile's working days
     * @param weekendShare  share on the profile's weekend days
     * @param weekendDayRatio mean conversations per weekend day over mean per working day (1 = even)
     * @param activeDays    local days with at least one conversation
     */
    public record PeriodPattern(String period, long flows, PeakHours peakHours, double weekdayShare,
                                double weekendShare, double weekendDayRatio, long activeDays, long[][] matrix) {}

    /** Hours are local; {@code end} is exclusive and may be smaller than start when the run wraps midnight. */
    public record PeakHours(int start, int end, double share, double threshold) {}

    public record WeekendChange(String from, String to, double weekendShareFrom, double weekendShareTo, double z,
                                double pValue, boolean significant, double weekendDayRatioFrom,
                                double weekendDayRatioTo) {}
}
