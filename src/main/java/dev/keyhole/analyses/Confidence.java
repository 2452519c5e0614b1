package dev.keyhole.analyses;

/**
 * How sure a judgment is, from the evidence size and (for changes) the test and effect size.
 * The thresholds are deliberately simple so that an analyst can restate them.
 */
public final class Confidence {
    public static final String HIGH = "high";
    public static final String MODERATE = "moderate";
    public static final String LOW = "low";

    private Confidence() {}

    /** For a share measured over {@code n} conversations. */
    public static String ofSample(long n) {
        if (n >= 10_000) return HIGH;
        if (n >= 1_000) return MODERATE;
        return LOW;
    }

    public static String sampleReason(long n) {
        return String.format("measured over %,d conversations (high ≥ 10,000, moderate ≥ 1,000)", n);
    }

    /** For a change between two shares: p-value, absolute change in percentage points and both sample sizes. */
    public static String ofChange(double pValue, double deltaPoints, long n1, long n2) {
        long n = Math.min(n1, n2);
        double d = Math.abs(deltaPoints);
        if (pValue < 0.001 && d >= 10 && n >= 1_000) return HIGH;
        if (pValue < 0.01 && d >= 5 && n >= 300) return MODERATE;
        return LOW;
    }

    public static String changeReason(double pValue, double deltaPoints, long n1, long n2) {
        return String.format("two-proportion z-test p %s, change %.1f percentage points, %,d and %,d conversations "
                        + "(high: p < 0.001, ≥ 10 points, ≥ 1,000 each; moderate: p < 0.01, ≥ 5 points, ≥ 300 each)",
                formatP(pValue), deltaPoints, n1, n2);
    }

    /** As {@link #changeReason}, for a per-day rate ratio test whose change is given in points of a standard week. */
    public static String rateChangeReason(double pValue, double deltaPoints, long n1, long n2) {
        return String.format("per-day rate ratio test p %s, change %.1f percentage points of a standard week, %,d and"
                        + " %,d conversations (high: p < 0.001, ≥ 10 points, ≥ 1,000 each; moderate: p < 0.01, ≥ 5"
                        + " points, ≥ 300 each)", formatP(pValue), deltaPoints, n1, n2);
    }

    public static String formatP(double p) {
        if (Double.isNaN(p)) return "n/a";
        if (p < 1e-6) return "< 0.000001";
        return String.format("= %.4f", p);
    }

    /** Lowers a confidence one step (e.g. when most conversations could not be attributed). */
    public static String lower(String c) {
        return HIGH.equals(c) ? MODERATE : LOW;
    }
}
