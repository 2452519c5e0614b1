package dev.keyhole.store.parquet;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Parquet's RLE / bit-packed hybrid encoding (definition levels, dictionary indices): a run of 8 or
 * more equal values is one RLE run (varint {@code count << 1}, then the value in
 * {@code ceil(width / 8)} little-endian bytes); anything else goes in bit-packed runs of groups of 8
 * values (varint {@code groups << 1 | 1}, then the values packed from the least significant bit),
 * which end where a run of 8 equal values starts at a group boundary. Only the last run may be
 * padded (with zeros) past the values.
 */
final class Hybrid {
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private Hybrid() {}

    /** Bits needed for values up to {@code max}, at least 1 (some readers mishandle width 0). */
    static int width(int max) {
        return Math.max(1, 32 - Integer.numberOfLeadingZeros(max));
    }

    static void encode(Buf out, int[] v, int from, int to, int width) {
        int i = from;
        while (i < to) {
            int x = v[i];
            int j = i + 1;
            while (j < to && v[j] == x) j++;
            if (j - i >= 8) {
                rle(out, x, j - i, width);
                i = j;
                continue;
            }
            int start = i, groups = 0;
            do {
                i += 8;
                groups++;
            } while (i < to && !runOf8(v, i, to));
            out.varint((long) groups << 1 | 1);
            pack(out, v, start, Math.min(i, to), groups * 8, width);
        }
    }

    /** One RLE run of {@code count} copies of {@code value}. */
    static void rle(Buf out, int value, int count, int width) {
        out.varint((long) count << 1);
        for (int b = 0; b < width; b += 8) out.u8(value >>> b);
    }

    private static boolean runOf8(int[] v, int i, int to) {
        if (to - i < 8) return false;
        int x = v[i];
        for (int k = i + 1; k < i + 8; k++) if (v[k] != x) return false;
        return true;
    }

    /** {@code count} values (a multiple of 8) from {@code v[from..to)}, zeros past {@code to}. */
    static void pack(Buf out, int[] v, int from, int to, int count, int width) {
        if (width > 16) {
            packWide(out, v, from, to, count, width);
            return;
        }
        // Up to 16 bits (every dictionary index and level here): 8 values make `width` bytes, built
        // as two 4-value words and stored as two little-endian longs, the second partly past the
        // group (the next group overwrites it). Byte for byte what packWide writes.
        out.ensure(count / 8 * width + 16);
        byte[] a = out.a;
        int p = out.n;
        long mask = (1L << width) - 1;
        int w1 = width, w2 = 2 * width, w3 = 3 * width, half = 4 * width;
        int end = from + count, full = from + Math.max(0, (to - from) / 8 * 8), i = from;
        for (; i < full; i += 8) {
            long lo = (v[i] & mask) | (v[i + 1] & mask) << w1 | (v[i + 2] & mask) << w2 | (v[i + 3] & mask) << w3;
            long hi = (v[i + 4] & mask) | (v[i + 5] & mask) << w1 | (v[i + 6] & mask) << w2 | (v[i + 7] & mask) << w3;
            p = put(a, p, lo, hi, half, width);
        }
        for (; i < end; i += 8) { // the last group, zeros past `to`
            long lo = 0, hi = 0;
            for (int k = 0; k < 8 && i + k < to; k++) {
                long x = v[i + k] & mask;
                if (k < 4) lo |= x << (k * width);
                else hi |= x << ((k - 4) * width);
            }
            p = put(a, p, lo, hi, half, width);
        }
        out.n = p;
    }

    /** Stores one group of 8 values ({@code lo}: the first four, {@code hi}: the last four) at p. */
    private static int put(byte[] a, int p, long lo, long hi, int half, int width) {
        if (half == 64) {
            LONG.set(a, p, lo);
            LONG.set(a, p + 8, hi);
        } else {
            LONG.set(a, p, lo | hi << half);
            LONG.set(a, p + 8, hi >>> (64 - half));
        }
        return p + width;
    }

    /** {@link #pack} for widths over 16 bits, 4 bytes at a time. */
    private static void packWide(Buf out, int[] v, int from, int to, int count, int width) {
        out.ensure(count / 8 * width + 4);
        byte[] a = out.a;
        int p = out.n;
        long mask = (1L << width) - 1, acc = 0;
        int bits = 0;
        for (int k = 0; k < count; k++) {
            int i = from + k;
            long x = i < to ? v[i] & mask : 0;
            acc |= x << bits;
            bits += width;
            if (bits >= 32) { // 4 bytes at a time; width <= 32 keeps acc within 64 bits
                a[p] = (byte) acc;
                a[p + 1] = (byte) (acc >>> 8);
                a[p + 2] = (byte) (acc >>> 16);
                a[p + 3] = (byte) (acc >>> 24);
                p += 4;
                acc >>>= 32;
                bits -= 32;
            }
        }
        for (; bits > 0; bits -= 8) { // 8 values of any width end on a byte boundary
            a[p++] = (byte) acc;
            acc >>>= 8;
        }
        out.n = p;
    }
}
