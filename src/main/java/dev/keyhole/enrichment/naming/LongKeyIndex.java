package dev.keyhole.enrichment.naming;

import java.util.Arrays;

/**
 * Maps fixed-width keys of {@code width} longs to dense ids 0..size-1 (open addressing, linear
 * probing), so the values can live in plain parallel arrays. No boxing, no per-entry objects.
 * Not thread-safe for writes; concurrent {@link #find} calls are safe once writing has stopped
 * and been published.
 */
final class LongKeyIndex {
    private final int width;
    private long[] keys;   // width longs per id
    private int[] table;   // id + 1 per bucket, 0 = empty
    private int size;

    LongKeyIndex(int width, int expected) {
        this.width = width;
        int cap = Integer.highestOneBit(Math.max(16, expected * 2) - 1) << 1;
        table = new int[cap];
        keys = new long[Math.max(16, expected) * width];
    }

    int size() {
        return size;
    }

    /** The key longs of an id, into {@code out}. */
    void key(int id, long[] out) {
        System.arraycopy(keys, id * width, out, 0, width);
    }

    private static long mix(long h) {
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    private int bucket(long a, long b, long c, long d) {
        long h = mix(a * 0x9E3779B97F4A7C15L + b);
        if (width > 2) h = mix(h ^ (c * 0x9E3779B97F4A7C15L + d));
        return (int) h & (table.length - 1);
    }

    private boolean matches(int id, long a, long b, long c, long d) {
        int o = id * width;
        if (keys[o] != a || keys[o + 1] != b) return false;
        return width == 2 || (keys[o + 2] == c && keys[o + 3] == d);
    }

    /** The id of a key, or -1. */
    int find(long a, long b, long c, long d) {
        int mask = table.length - 1;
        for (int i = bucket(a, b, c, d); ; i = (i + 1) & mask) {
            int v = table[i];
            if (v == 0) return -1;
            if (matches(v - 1, a, b, c, d)) return v - 1;
        }
    }

    /** The id of a key, adding it if new (then the id equals the previous {@link #size()}). */
    int add(long a, long b, long c, long d) {
        int mask = table.length - 1;
        int i = bucket(a, b, c, d);
        for (; ; i = (i + 1) & mask) {
            int v = table[i];
            if (v == 0) break;
            if (matches(v - 1, a, b, c, d)) return v - 1;
        }
        int id = size++;
        if ((id + 1) * width > keys.length) keys = Arrays.copyOf(keys, keys.length * 2);
        int o = id * width;
        keys[o] = a;
        keys[o + 1] = b;
        if (width > 2) {
            keys[o + 2] = c;
            keys[o + 3] = d;
        }
        table[i] = id + 1;
        if (size * 2 > table.length) rehash();
        return id;
    }

    private void rehash() {
        int[] bigger = new int[table.length * 2];
        table = bigger;
        int mask = bigger.length - 1;
        for (int id = 0; id < size; id++) {
            int o = id * width;
            int i = bucket(keys[o], keys[o + 1], width > 2 ? keys[o + 2] : 0, width > 2 ? keys[o + 3] : 0);
            while (bigger[i] != 0) i = (i + 1) & mask;
            bigger[i] = id + 1;
        }
    }
}
