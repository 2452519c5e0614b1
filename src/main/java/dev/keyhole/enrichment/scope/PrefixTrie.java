package dev.keyhole.enrichment.scope;

import dev.keyhole.records.Ip;

import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Longest-prefix match from IPv4 and IPv6 CIDRs to values, immutable and thread-safe.
 *
 * <p>The builder flattens the (possibly nested) prefixes into disjoint sorted address ranges, each
 * carrying the value of its longest covering prefix. A lookup is then one binary search over
 * primitive arrays: no pointers to chase and no allocation, a few ns for the handful of ranges a
 * target profile has and about 20 probes for a million.
 */
public final class PrefixTrie<V> {
    private final long[] v4Start;
    private final long[] v4End;
    private final Object[] v4Value;
    // Two-level table in front of the binary search (whose unpredictable branches cost more than
    // the search's few probes): per /16, 0 when no range touches it, r + 1 when range r covers all of
    // it, SEARCH, or -(c + 1) for chunk c of v4Chunks: per /24 of that /16, 0, r + 1 or -1 (search).
    // So a lookup is one or two array reads unless a /24 is split between ranges.
    private static final int SEARCH = Integer.MIN_VALUE;
    /** /16s with a chunk at most (1 KiB each); past that they fall back to the search. */
    static final int MAX_CHUNKS = 4096;
    private final int[] v4Top = new int[1 << 16];
    private final int[] v4Chunks;
    // IPv6 bounds with the sign bit flipped so that signed comparison orders them as unsigned
    private final long[] v6StartHi;
    private final long[] v6StartLo;
    private final long[] v6EndHi;
    private final long[] v6EndLo;
    private final Object[] v6Value;
    private final int prefixes;

    private PrefixTrie(List<Interval> v4, List<Interval> v6, int prefixes) {
        this.prefixes = prefixes;
        v4Start = new long[v4.size()];
        v4End = new long[v4.size()];
        v4Value = new Object[v4.size()];
        for (int i = 0; i < v4.size(); i++) {
            v4Start[i] = v4.get(i).first.longValue();
            v4End[i] = v4.get(i).last.longValue();
            v4Value[i] = v4.get(i).value;
        }
        int[] chunks = new int[256 * 16];
        int used = 0;
        for (int b = 0; b < 1 << 16; b++) {
            long first = (long) b << 16;
            int c = cover(first, first | 0xffff);
            if (c >= 0) {
                v4Top[b] = c;
                continue;
            }
            if (used == MAX_CHUNKS) {
                v4Top[b] = SEARCH;
                continue;
            }
            if ((used + 1) * 256 > chunks.length) chunks = java.util.Arrays.copyOf(chunks, chunks.length * 2);
            for (int k = 0; k < 256; k++) chunks[used * 256 + k] = cover(first | k << 8, first | k << 8 | 0xff);
            v4Top[b] = -(used + 1);
            used++;
        }
        v4Chunks = java.util.Arrays.copyOf(chunks, used * 256);
        int n = v6.size();
        v6StartHi = new long[n];
        v6StartLo = new long[n];
        v6EndHi = new long[n];
        v6EndLo = new long[n];
        v6Value = new Object[n];
        for (int i = 0; i < n; i++) {
            Interval iv = v6.get(i);
            v6StartHi[i] = iv.first.shiftRight(64).longValue() ^ Long.MIN_VALUE;
            v6StartLo[i] = iv.first.longValue() ^ Long.MIN_VALUE;
            v6EndHi[i] = iv.last.shiftRight(64).longValue() ^ Long.MIN_VALUE;
            v6EndLo[i] = iv.last.longValue() ^ Long.MIN_VALUE;
            v6Value[i] = iv.value;
        }
    }

    public static <V> Builder<V> builder() {
        return new Builder<>();
    }

    /** The value of the longest prefix containing {@code ip}, or null. */
    public V get(Ip ip) {
        return ip.isV4() ? getV4(ip.v4()) : getV6(ip.hi(), ip.lo());
    }

    public boolean contains(Ip ip) {
        return get(ip) != null;
    }

    /** For the IPv4 block [first, last]: 0 if no range touches it, r + 1 if range r covers it all, else -1. */
    private int cover(long first, long last) {
        int lo = 0, hi = v4Start.length - 1;
        while (lo <= hi) { // hi ends as the last range starting at or before first
            int mid = (lo + hi) >>> 1;
            if (v4Start[mid] <= first) lo = mid + 1;
            else hi = mid - 1;
        }
        if (hi >= 0 && v4End[hi] >= last) return hi + 1;
        boolean touched = hi >= 0 && v4End[hi] >= first || hi + 1 < v4Start.length && v4Start[hi + 1] <= last;
        return touched ? -1 : 0;
    }

    @SuppressWarnings("unchecked")
    public V getV4(int address) {
        int t = v4Top[address >>> 16];
        if (t > 0) return (V) v4Value[t - 1];
        if (t == 0) return null;
        if (t != SEARCH) {
            int e = v4Chunks[(-t - 1) << 8 | (address >>> 8) & 0xff];
            if (e > 0) return (V) v4Value[e - 1];
            if (e == 0) return null;
        }
        return searchV4(address);
    }

    @SuppressWarnings("unchecked")
    private V searchV4(int address) {
        long x = address & 0xffff_ffffL;
        long[] s = v4Start;
        int lo = 0, hi = s.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (s[mid] <= x) lo = mid + 1;
            else hi = mid - 1;
        }
        return hi >= 0 && x <= v4End[hi] ? (V) v4Value[hi] : null;
    }

    @SuppressWarnings("unchecked")
    public V getV6(long addrHi, long addrLo) {
        long h = addrHi ^ Long.MIN_VALUE, l = addrLo ^ Long.MIN_VALUE;
        int lo = 0, hi = v6StartHi.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long sh = v6StartHi[mid];
            if (sh < h || sh == h && v6StartLo[mid] <= l) lo = mid + 1;
            else hi = mid - 1;
        }
        if (hi < 0) return null;
        long eh = v6EndHi[hi];
        return h < eh || h == eh && l <= v6EndLo[hi] ? (V) v6Value[hi] : null;
    }

    /** Number of distinct prefixes put in. */
    public int prefixCount() {
        return prefixes;
    }

    /** Number of disjoint ranges after flattening (IPv4 + IPv6). */
    public int rangeCount() {
        return v4Start.length + v6StartHi.length;
    }

    public boolean isEmpty() {
        return rangeCount() == 0;
    }

    private record Interval(BigInteger first, BigInteger last, Object value) {}

    private record Entry(BigInteger first, BigInteger last, int length, Object value) {}

    /** Collects prefixes; a prefix put twice keeps the last value. Not thread-safe. */
    public static final class Builder<V> {
        private final Map<Cidr, V> v4 = new LinkedHashMap<>();
        private final Map<Cidr, V> v6 = new LinkedHashMap<>();

        public Builder<V> put(String cidr, V value) {
            return put(Cidr.parse(cidr), value);
        }

        public Builder<V> put(Cidr cidr, V value) {
            Objects.requireNonNull(value, "value");
            (cidr.isV4() ? v4 : v6).put(cidr, value);
            return this;
        }

        /** Adds the fewest prefixes that cover [first, last] exactly; both ends in the same family. */
        public Builder<V> putRange(Ip first, Ip last, V value) {
            if (first.isV4() != last.isV4()) throw new IllegalArgumentException("range mixes IPv4 and IPv6");
            for (Cidr c : Cidr.fromRange(Cidr.toBig(first), Cidr.toBig(last), first.isV4())) put(c, value);
            return this;
        }

        public PrefixTrie<V> build() {
            return new PrefixTrie<>(flatten(v4), flatten(v6), v4.size() + v6.size());
        }

        private static <V> List<Interval> flatten(Map<Cidr, V> prefixes) {
            List<Entry> entries = new ArrayList<>(prefixes.size());
            prefixes.forEach((c, v) -> entries.add(new Entry(c.first(), c.last(), c.prefixLength(), v)));
            // Broader prefixes first at the same start, so the stack below holds the nesting chain
            entries.sort(Comparator.comparing(Entry::first).thenComparingInt(Entry::length));
            List<Interval> out = new ArrayList<>();
            Deque<Entry> stack = new ArrayDeque<>();
            BigInteger cur = BigInteger.ZERO;
            for (Entry p : entries) {
                while (!stack.isEmpty() && stack.peek().last.compareTo(p.first) < 0) {
                    cur = emitRest(stack.pop(), cur, out);
                }
                if (!stack.isEmpty() && cur.compareTo(p.first) < 0) {
                    emit(out, cur, p.first.subtract(BigInteger.ONE), stack.peek().value);
                }
                cur = p.first;
                stack.push(p);
            }
            while (!stack.isEmpty()) cur = emitRest(stack.pop(), cur, out);
            return out;
        }

        private static BigInteger emitRest(Entry top, BigInteger cur, List<Interval> out) {
            if (cur.compareTo(top.last) <= 0) {
                emit(out, cur, top.last, top.value);
                return top.last.add(BigInteger.ONE);
            }
            return cur;
        }

        private static void emit(List<Interval> out, BigInteger first, BigInteger last, Object value) {
            if (!out.isEmpty()) {
                Interval prev = out.get(out.size() - 1);
                // Merge touching pieces with the same value: fewer ranges, shorter searches
                if (prev.value.equals(value) && prev.last.add(BigInteger.ONE).equals(first)) {
                    out.set(out.size() - 1, new Interval(prev.first, last, value));
                    return;
                }
            }
            out.add(new Interval(first, last, value));
        }
    }
}
