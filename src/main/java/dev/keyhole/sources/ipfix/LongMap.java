package dev.keyhole.sources.ipfix;

import java.util.function.Predicate;

/** Open-addressing map from long keys to values: lookups on the read path neither box nor allocate. */
final class LongMap<V> {
    private long[] keys = new long[16];
    private Object[] vals = new Object[16];
    private int size;

    int size() {
        return size;
    }

    @SuppressWarnings("unchecked")
    V get(long key) {
        int mask = keys.length - 1;
        for (int i = mix(key) & mask; ; i = (i + 1) & mask) {
            Object v = vals[i];
            if (v == null) return null;
            if (keys[i] == key) return (V) v;
        }
    }

    void put(long key, V value) {
        if (value == null) throw new NullPointerException("value");
        if ((size + 1) * 2 > keys.length) grow();
        int mask = keys.length - 1;
        for (int i = mix(key) & mask; ; i = (i + 1) & mask) {
            if (vals[i] == null) {
                keys[i] = key;
                vals[i] = value;
                size++;
                return;
            }
            if (keys[i] == key) {
                vals[i] = value;
                return;
            }
        }
    }

    /** Sum of a value property over all entries (rare: after removals). */
    @SuppressWarnings("unchecked")
    long sum(java.util.function.ToLongFunction<V> f) {
        long n = 0;
        for (Object v : vals) {
            if (v != null) n += f.applyAsLong((V) v);
        }
        return n;
    }

    void remove(long key) {
        removeIf(k -> k == key, v -> true);
    }

    /** Removes every entry whose key and value match; rare (withdrawals), so it simply rebuilds. */
    @SuppressWarnings("unchecked")
    void removeIf(java.util.function.LongPredicate keyTest, Predicate<V> valueTest) {
        long[] oldKeys = keys;
        Object[] oldVals = vals;
        boolean any = false;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldVals[i] != null && keyTest.test(oldKeys[i]) && valueTest.test((V) oldVals[i])) {
                any = true;
                break;
            }
        }
        if (!any) return;
        keys = new long[oldKeys.length];
        vals = new Object[oldVals.length];
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldVals[i] != null && !(keyTest.test(oldKeys[i]) && valueTest.test((V) oldVals[i]))) {
                put(oldKeys[i], (V) oldVals[i]);
            }
        }
    }

    private void grow() {
        long[] oldKeys = keys;
        Object[] oldVals = vals;
        keys = new long[oldKeys.length * 2];
        vals = new Object[oldVals.length * 2];
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldVals[i] != null) put(oldKeys[i], uncheckedCast(oldVals[i]));
        }
    }

    @SuppressWarnings("unchecked")
    private static <V> V uncheckedCast(Object o) {
        return (V) o;
    }

    private static int mix(long key) {
        long h = key * 0x9E37_79B9_7F4A_7C15L;
        return (int) (h ^ (h >>> 32));
    }
}
