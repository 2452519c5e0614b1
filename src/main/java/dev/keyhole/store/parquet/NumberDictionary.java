package dev.keyhole.store.parquet;

import java.util.Arrays;

/**
 * One column chunk's dictionary of distinct numbers, built as DuckDB's writer does for numeric
 * columns with few values (zero columns, protocols, flags, well-known ports): codes per value in
 * order of first use, or a refusal as soon as there are more distinct values than the limit. An
 * open-addressing table of at most {@link #MAX} entries, reused from chunk to chunk.
 */
final class NumberDictionary {
    /** The most distinct values a chunk's dictionary takes: 12-bit codes at most. */
    static final int MAX = 4096;
    private static final int SLOTS = MAX * 4, SHIFT = 64 - Integer.numberOfTrailingZeros(SLOTS);

    private final long[] keys = new long[SLOTS];
    private final int[] codes = new int[SLOTS];
    private final int[] filled = new int[MAX + 1];
    /** The distinct values in code order. */
    final long[] values = new long[MAX];
    int size;

    NumberDictionary() {
        Arrays.fill(codes, -1);
    }

    /**
     * Codes {@code v[0..n)} into {@code out}; returns false (and leaves out partly written) when
     * the values have more than {@code limit} (at most {@link #MAX}) distinct ones.
     */
    boolean code(long[] v, int n, int limit, int[] out) {
        clear();
        if (n == 0) return true;
        long prev = v[0];
        int prevCode = add(prev);
        out[0] = prevCode;
        for (int i = 1; i < n; i++) {
            long x = v[i];
            if (x != prev) {
                int slot = (int) ((x * 0x9E3779B97F4A7C15L) >>> SHIFT);
                int c;
                while ((c = codes[slot]) >= 0 && keys[slot] != x) slot = (slot + 1) & (SLOTS - 1);
                if (c < 0) {
                    if (size == limit) return false;
                    c = insert(slot, x);
                }
                prev = x;
                prevCode = c;
            }
            out[i] = prevCode;
        }
        return true;
    }

    private int add(long x) {
        int slot = (int) ((x * 0x9E3779B97F4A7C15L) >>> SHIFT);
        return insert(slot, x);
    }

    private int insert(int slot, long x) {
        keys[slot] = x;
        codes[slot] = size;
        filled[size] = slot;
        values[size] = x;
        return size++;
    }

    private void clear() {
        for (int k = 0; k < size; k++) codes[filled[k]] = -1;
        size = 0;
    }
}
