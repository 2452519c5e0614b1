package dev.keyhole.store.parquet;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * DELTA_BINARY_PACKED decoded here as the spec gives it, with int arithmetic for INT32 and long
 * arithmetic for INT64. INT32 deltas wrap in 32 bits so that no miniblock is wider than 32 bits:
 * the spec forbids wider ones for INT32 and Arrow C++ rejects them ("delta bit width larger than
 * integer bit width"); DuckDB and hyparquet, which NumberEncodingTest runs, would not notice.
 */
class DeltaTest {
    @Test
    void int32DeltasWrapAndStayWithin32Bits() {
        Random r = new Random(5);
        for (int n : new int[] {1, 2, 33, 128, 129, 1000}) {
            int[] v = new int[n];
            for (int i = 0; i < n; i++) v[i] = switch (r.nextInt(4)) { case 0 -> -1; case 1 -> 0; case 2 -> Integer.MIN_VALUE; default -> r.nextInt(); };
            long[] wide = new long[n];
            for (int i = 0; i < n; i++) wide[i] = v[i] & 0xFFFFFFFFL; // as the writer widens UINT_32
            Buf out = new Buf(16);
            new Delta().encode(out, wide, 0, n, true);
            int[] back = new int[n];
            int maxWidth = decode(out, back, null);
            assertThat(back).isEqualTo(v);
            assertThat(maxWidth).isLessThanOrEqualTo(32);
        }
    }

    @Test
    void int64DeltasRoundTripAtEveryWidth() {
        Random r = new Random(9);
        for (int bits = 0; bits <= 64; bits++) {
            int n = 300;
            long[] v = new long[n];
            long x = r.nextLong();
            for (int i = 0; i < n; i++) {
                long step = bits == 64 ? r.nextLong() : bits == 0 ? 0 : r.nextLong() >>> (64 - bits);
                x += step;
                v[i] = x;
            }
            Buf out = new Buf(16);
            new Delta().encode(out, v, 0, n, false);
            long[] back = new long[n];
            decode(out, null, back);
            assertThat(back).as("%d-bit steps", bits).isEqualTo(v);
        }
    }

    /** Decodes into ints (32-bit arithmetic) or longs; returns the widest miniblock. */
    private static int decode(Buf in, int[] ints, long[] longs) {
        int[] p = {0};
        long block = uleb(in.a, p), miniblocks = uleb(in.a, p), count = uleb(in.a, p);
        long first = unzigzag(uleb(in.a, p));
        int perMini = (int) (block / miniblocks), widest = 0;
        long prev = first;
        int prevInt = (int) first;
        put(ints, longs, 0, prevInt, prev);
        int got = 1;
        while (got < count) {
            long minDelta = unzigzag(uleb(in.a, p));
            int[] widths = new int[(int) miniblocks];
            for (int b = 0; b < miniblocks; b++) widths[b] = in.a[p[0]++] & 0xFF;
            for (int b = 0; b < miniblocks && got < count; b++) {
                int w = widths[b];
                widest = Math.max(widest, w);
                long bitPos = (long) p[0] * 8;
                for (int k = 0; k < perMini; k++) {
                    long u = 0;
                    for (int j = 0; j < w; j++, bitPos++) {
                        if ((in.a[(int) (bitPos >>> 3)] >>> (bitPos & 7) & 1) != 0) u |= 1L << j;
                    }
                    if (got < count) {
                        prevInt = prevInt + (int) minDelta + (int) u;
                        prev = prev + minDelta + u;
                        put(ints, longs, got++, prevInt, prev);
                    }
                }
                p[0] += perMini * w / 8;
            }
        }
        assertThat(p[0]).isEqualTo(in.n);
        return widest;
    }

    private static void put(int[] ints, long[] longs, int i, int asInt, long asLong) {
        if (ints != null) ints[i] = asInt;
        else longs[i] = asLong;
    }

    private static long uleb(byte[] a, int[] p) {
        long v = 0;
        for (int s = 0; ; s += 7) {
            byte b = a[p[0]++];
            v |= (long) (b & 0x7F) << s;
            if (b >= 0) return v;
        }
    }

    private static long unzigzag(long z) {
        return (z >>> 1) ^ -(z & 1);
    }
}
