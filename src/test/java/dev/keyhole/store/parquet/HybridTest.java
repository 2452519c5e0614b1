package dev.keyhole.store.parquet;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The RLE / bit-packed hybrid read back as the Parquet spec gives it, one bit at a time, at every
 * width from 1 to 32: the word-at-a-time packer for widths up to 16 and the 4-byte one above must
 * give values a reader decodes back, in runs that end where the spec says.
 */
class HybridTest {
    @Test
    void everyWidthDecodesBackWithRunsAndPartialGroups() {
        Random r = new Random(11);
        for (int width = 1; width <= 32; width++) {
            long max = (1L << width) - 1;
            for (int n : new int[] {1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 1000}) {
                int[] v = new int[n];
                for (int i = 0; i < n; ) {
                    // Runs of 1 to 20 equal values: some long enough for RLE, most not.
                    int x = (int) (r.nextInt(4) == 0 ? max : Math.floorMod(r.nextLong(), max + 1));
                    int len = 1 + r.nextInt(r.nextBoolean() ? 3 : 20);
                    for (int k = 0; k < len && i < n; k++) v[i++] = x;
                }
                Buf out = new Buf(4);
                out.u8(0xAB); // something before the runs, as a page's levels or width byte
                Hybrid.encode(out, v, 0, n, width);
                assertThat(out.a[0]).isEqualTo((byte) 0xAB);
                assertThat(decode(out.a, 1, out.n, width, n)).as("width %d, %d values", width, n).isEqualTo(v);
            }
        }
    }

    @Test
    void packWritesExactlyTheGroupsBytesAndZerosPastTheValues() {
        Random r = new Random(3);
        for (int width = 1; width <= 32; width++) {
            for (int values = 1; values <= 24; values++) {
                int groups = (values + 7) / 8;
                int[] v = new int[values + 5];
                for (int i = 0; i < v.length; i++) v[i] = (int) (r.nextLong() & ((1L << width) - 1));
                Buf out = new Buf(1);
                out.u8(7);
                // From offset 2 of the array: values past `to` in the array must not leak in.
                Hybrid.pack(out, v, 2, 2 + values, groups * 8, width);
                assertThat(out.n).isEqualTo(1 + groups * width);
                int[] back = unpack(out.a, 1, width, groups * 8);
                for (int k = 0; k < groups * 8; k++) {
                    assertThat(back[k]).as("width %d, value %d of %d", width, k, values).isEqualTo(k < values ? v[2 + k] : 0);
                }
            }
        }
    }

    /** The spec's decoder: run headers, RLE values in ceil(width / 8) bytes, bit-packed groups LSB first. */
    static int[] decode(byte[] a, int from, int to, int width, int n) {
        int[] v = new int[n];
        int i = 0, p = from;
        while (i < n) {
            assertThat(p).isLessThan(to);
            long header = 0;
            for (int shift = 0; ; shift += 7) {
                int b = a[p++] & 0xFF;
                header |= (long) (b & 0x7F) << shift;
                if (b < 0x80) break;
            }
            if ((header & 1) == 0) {
                int count = (int) (header >>> 1), x = 0;
                for (int b = 0; b < (width + 7) / 8; b++) x |= (a[p++] & 0xFF) << (8 * b);
                assertThat(count).isGreaterThan(0);
                for (int k = 0; k < count; k++) v[i++] = x;
            } else {
                int count = (int) (header >>> 1) * 8;
                int[] group = unpack(a, p, width, count);
                p += count / 8 * width;
                // Only the last run may be padded past the values.
                for (int k = 0; k < count && i < n; k++) v[i++] = group[k];
            }
        }
        assertThat(p).isEqualTo(to);
        return v;
    }

    private static int[] unpack(byte[] a, int from, int width, int count) {
        int[] v = new int[count];
        long bit = (long) from * 8;
        for (int k = 0; k < count; k++) {
            long x = 0;
            for (int b = 0; b < width; b++, bit++) {
                if ((a[(int) (bit >>> 3)] >>> (bit & 7) & 1) != 0) x |= 1L << b;
            }
            v[k] = (int) x;
        }
        return v;
    }
}
