package dev.keyhole.analyses.mix;

import dev.keyhole.analyses.Counter2;
import dev.keyhole.enrichment.Category;
import dev.keyhole.enrichment.Origin;

import java.util.HashMap;
import java.util.Map;

/** Activity counters of one period or month. */
final class MixBucket {
    final Counter2 total = new Counter2();
    final Counter2[] categories = newCounters(Category.values().length);
    final Counter2[] origins = newCounters(Origin.values().length);
    final Map<String, Counter2> services = new HashMap<>();

    private static Counter2[] newCounters(int n) {
        Counter2[] a = new Counter2[n];
        for (int i = 0; i < n; i++) a[i] = new Counter2();
        return a;
    }

    void add(int category, int origin, String service, long flows, long bytes) {
        total.add(flows, bytes);
        categories[category].add(flows, bytes);
        origins[origin].add(flows, bytes);
        services.computeIfAbsent(service, k -> new Counter2()).add(flows, bytes);
    }

    /** Company totals, derived at finish time: a service belongs to exactly one company. */
    Map<String, Counter2> companies(java.util.function.Function<String, String> companyOf) {
        Map<String, Counter2> m = new HashMap<>();
        services.forEach((svc, c) -> m.computeIfAbsent(companyOf.apply(svc), k -> new Counter2()).add(c));
        return m;
    }

    void merge(MixBucket o) {
        total.add(o.total);
        for (int i = 0; i < categories.length; i++) categories[i].add(o.categories[i]);
        for (int i = 0; i < origins.length; i++) origins[i].add(o.origins[i]);
        o.services.forEach((k, v) -> services.computeIfAbsent(k, x -> new Counter2()).add(v));
    }
}
