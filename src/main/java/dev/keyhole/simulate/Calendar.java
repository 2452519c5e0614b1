package dev.keyhole.simulate;

import dev.keyhole.simulate.WorldSpec.CalendarSpec;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The irregular side of the window, per local day: holidays, outages (whole days or hours with no
 * traffic at all), bursts (one service suddenly used much more), day-to-day noise and slow growth.
 */
final class Calendar {
    record Outage(LocalDate date, int fromHour, int toHour) {
        boolean fullDay() {
            return fromHour == 0 && toHour == 24;
        }
    }

    record Burst(LocalDate date, String service, double factor) {}

    final double[] factor;
    /** Bit h set: local hour h of the day has no traffic. */
    final int[] outageHours;
    final boolean[] holiday;
    final int[] burstService;
    final double[] burstFactor;
    final List<Outage> outages = new ArrayList<>();
    final List<Burst> bursts = new ArrayList<>();
    final List<LocalDate> holidays = new ArrayList<>();

    Calendar(World w, CalendarSpec c, SplittableRandom r) {
        int n = w.days;
        factor = new double[n];
        outageHours = new int[n];
        holiday = new boolean[n];
        burstService = new int[n];
        burstFactor = new double[n];
        java.util.Arrays.fill(burstService, -1);
        for (int d = 0; d < n; d++) {
            LocalDate date = w.from.plusDays(d);
            String md = String.format("%02d-%02d", date.getMonthValue(), date.getDayOfMonth());
            holiday[d] = c.holidays().contains(md);
            if (holiday[d]) holidays.add(date);
            double growth = Math.pow(c.growth(), n <= 1 ? 0 : (double) d / (n - 1));
            factor[d] = growth * Rand.logNormal(r, 1.0, c.dayNoise());
        }
        // Outages and bursts avoid the first and last week so short windows keep a clean edge.
        int lo = Math.min(7, n / 4), hi = Math.max(lo + 1, n - Math.min(7, n / 4));
        boolean[] taken = new boolean[n];
        for (int k = 0; k < c.outages().fullDays() && n > 14; k++) {
            int d = freeDay(r, lo, hi, taken);
            if (d < 0) break;
            outageHours[d] = 0xffffff;
            outages.add(new Outage(w.from.plusDays(d), 0, 24));
        }
        for (int k = 0; k < c.outages().partialDays() && n > 14; k++) {
            int d = freeDay(r, lo, hi, taken);
            if (d < 0) break;
            int len = c.outages().partialHours()[0] + r.nextInt(c.outages().partialHours()[1] - c.outages().partialHours()[0] + 1);
            int start = 6 + r.nextInt(Math.max(1, 18 - len));
            for (int h = start; h < start + len && h < 24; h++) outageHours[d] |= 1 << h;
            outages.add(new Outage(w.from.plusDays(d), start, Math.min(24, start + len)));
        }
        List<Integer> candidates = new ArrayList<>();
        for (World.Svc s : w.services) if (s.entertainment) candidates.add(s.index);
        for (int k = 0; k < c.bursts().days() && n > 14 && !candidates.isEmpty(); k++) {
            int d = freeDay(r, lo, hi, taken);
            if (d < 0) break;
            int s = candidates.get(r.nextInt(candidates.size()));
            double f = c.bursts().factor()[0] + r.nextDouble() * (c.bursts().factor()[1] - c.bursts().factor()[0]);
            burstService[d] = s;
            burstFactor[d] = f;
            bursts.add(new Burst(w.from.plusDays(d), w.services[s].id, f));
        }
        outages.sort((a, b) -> a.date().compareTo(b.date()));
        bursts.sort((a, b) -> a.date().compareTo(b.date()));
    }

    private static int freeDay(SplittableRandom r, int lo, int hi, boolean[] taken) {
        for (int attempt = 0; attempt < 1000; attempt++) {
            int d = lo + r.nextInt(hi - lo);
            if (!taken[d]) {
                taken[d] = true;
                return d;
            }
        }
        return -1;
    }
}
