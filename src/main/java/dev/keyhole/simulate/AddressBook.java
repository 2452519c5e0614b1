package dev.keyhole.simulate;

import dev.keyhole.enrichment.scope.Cidr;

import dev.keyhole.records.Ip;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Hands out IPv4 addresses from ASN ranges, each address at most once, so that no address serves
 * two services (naming by destination would otherwise be ambiguous). Picks depend only on the
 * random stream and the ranges, never on hash order.
 */
final class AddressBook {
    /** Ranges larger than this count as this big when choosing one, so /10s do not swallow all picks. */
    private static final long RANGE_CAP = 4096;

    private final AsnRanges ranges;
    private final Set<Integer> used = new HashSet<>();
    private final Map<Long, double[]> cumulative = new HashMap<>();

    AddressBook(AsnRanges ranges) {
        this.ranges = ranges;
    }

    /** Marks addresses (the target's own, for instance) as never to be handed out. */
    void reserve(int addr) {
        used.add(addr);
    }

    /**
     * {@code count} distinct addresses; the first ASN of the list gets about half of them, the
     * others share the rest. ASNs without ranges are skipped.
     *
     * @throws IllegalStateException when none of the ASNs has usable ranges
     */
    int[] pick(List<Long> asns, int count, SplittableRandom rng, String what) {
        long[] usable = asns.stream().filter(a -> !ranges.rangesOf(a).isEmpty()).mapToLong(Long::longValue).toArray();
        if (usable.length == 0) throw new IllegalStateException("no address ranges for " + what + " (ASNs " + asns + ")");
        int[] out = new int[count];
        for (int i = 0; i < count; i++) {
            long asn = usable.length == 1 || rng.nextDouble() < 0.5 ? usable[0] : usable[rng.nextInt(usable.length)];
            out[i] = pickOne(asn, rng, what);
        }
        return out;
    }

    int pickOne(long asn, SplittableRandom rng, String what) {
        List<long[]> rs = ranges.rangesOf(asn);
        double[] cum = cumulative.computeIfAbsent(asn, a -> {
            double[] c = new double[rs.size()];
            double t = 0;
            for (int i = 0; i < c.length; i++) {
                t += Math.min(RANGE_CAP, rs.get(i)[1] - rs.get(i)[0] + 1);
                c[i] = t;
            }
            return c;
        });
        for (int attempt = 0; attempt < 1000; attempt++) {
            double u = rng.nextDouble() * cum[cum.length - 1];
            int idx = 0;
            while (cum[idx] <= u) idx++;
            long[] r = rs.get(idx);
            long span = r[1] - r[0] + 1;
            long a = r[0] + (span <= 1 ? 0 : rng.nextLong(span));
            int last = (int) (a & 0xff);
            // Network and broadcast-looking addresses are rarely servers.
            if (last == 0 || last == 255) continue;
            int v = (int) a;
            if (used.add(v)) return v;
        }
        throw new IllegalStateException("could not find a free address in AS" + asn + " for " + what);
    }

    static int parse(String dotted) {
        Ip ip = Ip.parse(dotted);
        if (!ip.isV4()) throw new IllegalArgumentException("not an IPv4 address: " + dotted);
        return ip.v4();
    }

    static String format(int a) {
        return Ip.ofV4(a).toString();
    }

    /** [first, last] of an IPv4 CIDR block as unsigned longs. */
    static long[] cidr(String c) {
        Cidr block = Cidr.parse(c);
        if (!block.isV4()) throw new IllegalArgumentException("not an IPv4 block: " + c);
        return new long[] {block.first().longValue() & 0xffff_ffffL, block.last().longValue() & 0xffff_ffffL};
    }
}
