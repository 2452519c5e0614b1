package dev.keyhole.analyses.stats;

import org.apache.commons.math3.special.Erf;

/**
 * Compares a per-day rate ratio between two periods: conversations per weekend day over
 * conversations per working day, {@code (w / wDays) / (d / dDays)}. The test is on the log of the
 * two ratios (counts as Poisson, standard error √(1/w₁ + 1/d₁ + 1/w₂ + 1/d₂), half a conversation
 * added to each count so that an empty side stays finite), two-sided. Unlike a test on the
 * weekend's share of conversations, it does not see a change when only the calendar changed (a
 * month with ten weekend days against one with eight). NaN when a period has no day of a kind.
 */
public record RateRatioTest(double z, double pValue) {

    public static RateRatioTest of(long w1, long wDays1, long d1, long dDays1, long w2, long wDays2, long d2, long dDays2) {
        if (wDays1 <= 0 || dDays1 <= 0 || wDays2 <= 0 || dDays2 <= 0) {
            return new RateRatioTest(Double.NaN, Double.NaN);
        }
        double a1 = w1 + 0.5, b1 = d1 + 0.5, a2 = w2 + 0.5, b2 = d2 + 0.5;
        double r1 = (a1 / wDays1) / (b1 / dDays1), r2 = (a2 / wDays2) / (b2 / dDays2);
        double se = Math.sqrt(1 / a1 + 1 / b1 + 1 / a2 + 1 / b2);
        double z = (Math.log(r2) - Math.log(r1)) / se;
        return new RateRatioTest(z, Erf.erfc(Math.abs(z) / Math.sqrt(2)));
    }

    /** The weekend's share of a standard week ({@code weekendDays} of 7) at per-day ratio {@code r}. */
    public static double weekShare(double r, int weekendDays) {
        return weekendDays * r / (weekendDays * r + (7 - weekendDays));
    }
}
