package dev.keyhole.analyses.mix;

import dev.keyhole.analyses.Counter2;
import dev.keyhole.enrichment.Category;
import dev.keyhole.enrichment.Origin;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/** Activity counters of one period or month. Services are counted by their {@link ServiceIndex} id. */
final class MixBucket {
    final Counter2 total = new Counter2();
    final Counter2[] categories = newCounters(Category.values().length);
    final Counter2[] origins = newCounters(Origin.values().length);
    private final ServiceIndex index;
    // By service id, flows at 2*id and bytes at 2*id+1: one array line per flow instead of a
    // reference then a counter object (the per-service write is the bucket's only cache miss).
    private long[] byService = new long[128];
    // Services that occurred, even with 0 flows and 0 bytes (a server-to-client half of 0 bytes).
    private final java.util.BitSet seen = new java.util.BitSet();
    // services() built once; a new flow invalidates it
    private Map<String, Counter2> servicesView;

    MixBucket(ServiceIndex index) {
        this.index = index;
    }

    private static Counter2[] newCounters(int n) {
        Counter2[] a = new Counter2[n];
        for (int i = 0; i < n; i++) a[i] = new Counter2();
        return a;
    }

    void add(int category, int origin, int service, long flows, long bytes) {
        total.add(flows, bytes);
        categories[category].add(flows, bytes);
        origins[origin].add(flows, bytes);
        addService(service, flows, bytes);
    }

    private void addService(int service, long flows, long bytes) {
        int i = 2 * service;
        if (i >= byService.length) byService = Arrays.copyOf(byService, Math.max(i + 2, byService.length * 2));
        long[] c = byService;
        if (c[i] == 0 && c[i + 1] == 0) seen.set(service);
        c[i] += flows;
        c[i + 1] += bytes;
        servicesView = null;
    }

    /** Service id to counters, for the findings (built when asked; not on the per-flow path). */
    Map<String, Counter2> services() {
        if (servicesView != null) return servicesView;
        Map<String, Counter2> m = new HashMap<>();
        for (int i = seen.nextSetBit(0); i >= 0; i = seen.nextSetBit(i + 1)) {
            Counter2 c = new Counter2();
            c.add(byService[2 * i], byService[2 * i + 1]);
            m.put(index.name(i), c);
        }
        return servicesView = java.util.Collections.unmodifiableMap(m);
    }

    /** Company totals, derived at finish time: a service belongs to exactly one company. */
    Map<String, Counter2> companies(java.util.function.Function<String, String> companyOf) {
        Map<String, Counter2> m = new HashMap<>();
        services().forEach((svc, c) -> m.computeIfAbsent(companyOf.apply(svc), k -> new Counter2()).add(c));
        return m;
    }

    /** Adds {@code o}'s counts; {@code o} may number services with another index, so ids are mapped by name. */
    void merge(MixBucket o) {
        total.add(o.total);
        for (int i = 0; i < categories.length; i++) categories[i].add(o.categories[i]);
        for (int i = 0; i < origins.length; i++) origins[i].add(o.origins[i]);
        for (int i = o.seen.nextSetBit(0); i >= 0; i = o.seen.nextSetBit(i + 1)) {
            addService(o.index == index ? i : index.id(o.index.name(i)), o.byService[2 * i], o.byService[2 * i + 1]);
        }
    }
}
