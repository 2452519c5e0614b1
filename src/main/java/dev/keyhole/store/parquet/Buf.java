package dev.keyhole.store.parquet;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/** A growable byte buffer with the little-endian and varint writes Parquet needs; reused, never shrunk. */
final class Buf {
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    byte[] a;
    int n;

    Buf(int capacity) {
        a = new byte[capacity];
    }

    void reset() {
        n = 0;
    }

    void ensure(int extra) {
        if (extra > a.length - n) {
            long want = Math.max((long) a.length * 2, (long) n + extra);
            if (want > Integer.MAX_VALUE - 16) throw new IllegalStateException("Parquet page over 2 GiB");
            a = Arrays.copyOf(a, (int) want);
        }
    }

    void u8(int v) {
        ensure(1);
        a[n++] = (byte) v;
    }

    void i32(int v) {
        ensure(4);
        INT.set(a, n, v);
        n += 4;
    }

    /** Overwrites 4 bytes at {@code at} (a length written before its content). */
    void i32At(int at, int v) {
        INT.set(a, at, v);
    }

    void i64(long v) {
        ensure(8);
        LONG.set(a, n, v);
        n += 8;
    }

    /** {@code count} longs, PLAIN. */
    void i64s(long[] v, int from, int count) {
        ensure(count * 8);
        byte[] b = a;
        int p = n;
        for (int i = from, end = from + count; i < end; i++, p += 8) LONG.set(b, p, v[i]);
        n = p;
    }

    void bytes(byte[] b, int off, int len) {
        ensure(len);
        System.arraycopy(b, off, a, n, len);
        n += len;
    }

    /** Unsigned LEB128, as Thrift's compact protocol and the RLE hybrid's run headers use. */
    void varint(long v) {
        ensure(10);
        while ((v & ~0x7FL) != 0) {
            a[n++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        a[n++] = (byte) v;
    }
}
