package dev.keyhole.simulate;

import java.util.SplittableRandom;

/** Small sampling helpers over SplittableRandom (deterministic for a seed, no shared state). */
final class Rand {
    private Rand() {}

    static double logNormal(SplittableRandom r, double median, double sigma) {
        return sigma <= 0 ? median : median * Math.exp(sigma * r.nextGaussian());
    }

    /** Index into a cumulative weight array (last element = total); -1 when the total is 0. */
    static int pick(SplittableRandom r, double[] cum, int n) {
        double total = cum[n - 1];
        if (total <= 0) return -1;
        double u = r.nextDouble() * total;
        int lo = 0, hi = n - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cum[mid] > u) hi = mid;
            else lo = mid + 1;
        }
        return lo;
    }

    static double[] cumulative(double[] w) {
        double[] c = new double[w.length];
        double t = 0;
        for (int i = 0; i < w.length; i++) {
            t += Math.max(0, w[i]);
            c[i] = t;
        }
        return c;
    }

    /** A SplittableRandom for one purpose, derived from the seed and a label so streams do not overlap. */
    static SplittableRandom stream(long seed, String label) {
        long h = seed;
        for (int i = 0; i < label.length(); i++) h = mix(h ^ label.charAt(i));
        return new SplittableRandom(mix(h));
    }

    /** SplitMix64 finaliser. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
