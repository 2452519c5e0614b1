package dev.keyhole.profile;

import java.time.DayOfWeek;
import java.time.ZoneId;
import java.util.List;
import java.util.Set;

/**
 * What Keyhole looks at: the target's address space and ASNs, its time zone and weekend, the
 * periods to compare, and the upstream ASNs expected in its routes.
 * An empty period list means "each calendar month is a period".
 */
public record TargetProfile(String name, List<String> cidrs, List<Long> asns, ZoneId zone,
                            Set<DayOfWeek> weekend, List<Period> periods, List<Long> upstreamAsns) {
    public TargetProfile {
        cidrs = List.copyOf(cidrs);
        asns = List.copyOf(asns);
        weekend = Set.copyOf(weekend);
        periods = List.copyOf(periods);
        upstreamAsns = List.copyOf(upstreamAsns);
    }

    public TargetProfile withPeriods(List<Period> p) {
        return new TargetProfile(name, cidrs, asns, zone, weekend, p, upstreamAsns);
    }

    public boolean monthlyPeriods() {
        return periods.isEmpty();
    }
}
