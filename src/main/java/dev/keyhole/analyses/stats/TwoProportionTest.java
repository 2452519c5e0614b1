package dev.keyhole.analyses.stats;

import org.apache.commons.math3.special.Erf;

/**
 * Two-proportion z-test (pooled), two-sided. Conversations are not independent draws (one user's
 * session produces many), so p-values overstate certainty; judgments also require an effect size.
 */
public record TwoProportionTest(double p1, double p2, double z, double pValue) {

    public static TwoProportionTest of(long x1, long n1, long x2, long n2) {
        if (n1 <= 0 || n2 <= 0) return new TwoProportionTest(Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        double p1 = (double) x1 / n1;
        double p2 = (double) x2 / n2;
        double pooled = (double) (x1 + x2) / (n1 + n2);
        double se = Math.sqrt(pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2));
        if (se == 0) return new TwoProportionTest(p1, p2, 0, 1);
        double z = (p2 - p1) / se;
        return new TwoProportionTest(p1, p2, z, Erf.erfc(Math.abs(z) / Math.sqrt(2)));
    }
}
