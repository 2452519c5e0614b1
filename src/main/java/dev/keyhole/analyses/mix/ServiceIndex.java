package dev.keyhole.analyses.mix;

import java.util.ArrayList;
import java.util.List;

/**
 * Dense ids for service ids, one table per analysis instance, so per-flow counting is an array
 * index instead of a hash-map lookup per period and month. Keys are compared by identity first:
 * enrichment hands out the same String instances over and over.
 */
final class ServiceIndex {
    private String[] keys = new String[256];
    private int[] ids = new int[256];
    private final List<String> names = new ArrayList<>();
    private String last;
    private int lastId;

    /** The id of {@code s}, giving it the next id when new (ids count up from 0). */
    int id(String s) {
        if (s == last) return lastId;
        int mask = keys.length - 1;
        int h = s.hashCode();
        int slot = (h ^ (h >>> 16)) & mask;
        while (true) {
            String k = keys[slot];
            if (k == null) break;
            if (k == s || k.hashCode() == h && k.equals(s)) {
                last = s;
                return lastId = ids[slot];
            }
            slot = (slot + 1) & mask;
        }
        int id = names.size();
        names.add(s);
        keys[slot] = s;
        ids[slot] = id;
        if (names.size() * 2 > keys.length) grow();
        last = s;
        return lastId = id;
    }

    /** The service id of {@code id}. */
    String name(int id) {
        return names.get(id);
    }

    int size() {
        return names.size();
    }

    private void grow() {
        String[] ok = keys;
        int[] oi = ids;
        keys = new String[ok.length * 2];
        ids = new int[ok.length * 2];
        int mask = keys.length - 1;
        for (int i = 0; i < ok.length; i++) {
            if (ok[i] == null) continue;
            int h = ok[i].hashCode();
            int slot = (h ^ (h >>> 16)) & mask;
            while (keys[slot] != null) slot = (slot + 1) & mask;
            keys[slot] = ok[i];
            ids[slot] = oi[i];
        }
    }
}
