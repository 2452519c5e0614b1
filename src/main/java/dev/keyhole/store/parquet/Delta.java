package dev.keyhole.store.parquet;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Parquet's DELTA_BINARY_PACKED encoding for INT32 and INT64 values: a header (block size 128, 4
 * miniblocks of 32, the value count, the first value zigzag-varint), then per block the smallest
 * delta (zigzag varint), one bit width per miniblock, and each miniblock's {@code delta - minDelta}
 * bit-packed from the least significant bit. Deltas wrap in the column's width (32 or 64 bits), as
 * parquet-java computes them, so every reader of parquet-java's output reads these.
 */
final class Delta {
    static final int BLOCK = 128, MINIBLOCKS = 4, MINI = BLOCK / MINIBLOCKS;
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final long[] deltas = new long[BLOCK];

    /** Encodes {@code v[from .. from + count)} (INT32 values as longs of the same low 32 bits when {@code int32}). */
    void encode(Buf out, long[] v, int from, int count, boolean int32) {
        out.varint(BLOCK);
        out.varint(MINIBLOCKS);
        out.varint(count);
        if (count == 0) {
            out.varint(0);
            return;
        }
        long prev = v[from];
        out.varint(zigzag(prev, int32));
        long[] d = deltas;
        for (int i = from + 1, end = from + count; i < end; ) {
            int m = Math.min(BLOCK, end - i);
            long min = Long.MAX_VALUE;
            for (int k = 0; k < m; k++) {
                long x = v[i + k];
                long delta = x - prev;
                if (int32) delta = (int) delta;
                d[k] = delta;
                min = Math.min(min, delta);
                prev = x;
            }
            out.varint(zigzag(min, int32));
            int widthsAt = out.n;
            out.ensure(MINIBLOCKS);
            out.n += MINIBLOCKS;
            for (int b = 0; b < MINIBLOCKS; b++) {
                int lo = b * MINI;
                if (lo >= m) {
                    out.a[widthsAt + b] = 0; // miniblocks past the values: width 0, no bytes
                    continue;
                }
                int hi = Math.min(m, lo + MINI);
                long or = 0;
                for (int k = lo; k < hi; k++) {
                    long p = d[k] - min;
                    if (int32) p &= 0xFFFFFFFFL;
                    d[k] = p;
                    or |= p;
                }
                int width = 64 - Long.numberOfLeadingZeros(or);
                out.a[widthsAt + b] = (byte) width;
                pack(out, d, lo, hi, width);
            }
            i += m;
        }
    }

    /** 32 values of {@code width} bits from {@code d[lo..hi)}, zeros past hi: 4 * width bytes. */
    private static void pack(Buf out, long[] d, int lo, int hi, int width) {
        if (width == 0) return;
        for (int k = hi; k < lo + MINI; k++) d[k] = 0; // a last, partial miniblock
        out.ensure(4 * width + 8);
        byte[] a = out.a;
        int p = out.n;
        long acc = 0;
        int bits = 0;
        for (int k = lo; k < lo + MINI; k++) {
            long x = d[k];
            acc |= x << bits;
            int total = bits + width;
            if (total >= 64) {
                LONG.set(a, p, acc);
                p += 8;
                int used = 64 - bits; // bits of x already in acc
                acc = used == 64 ? 0 : x >>> used;
                bits = total - 64;
            } else {
                bits = total;
            }
        }
        for (; bits > 0; bits -= 8) { // 32 values of any width end on a byte boundary
            a[p++] = (byte) acc;
            acc >>>= 8;
        }
        out.n = p;
    }

    private static long zigzag(long x, boolean int32) {
        if (int32) {
            int i = (int) x;
            return ((i << 1) ^ (i >> 31)) & 0xFFFFFFFFL;
        }
        return (x << 1) ^ (x >> 63);
    }
}
