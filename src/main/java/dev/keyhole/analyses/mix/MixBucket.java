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
    // by service id; null = the service never occurred in this bucket
    private Counter2[] byService = new Counter2[64];
    // services() built once; its values are the live counters, so only a new service invalidates it
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
        counter(service).add(flows, bytes);
    }

    private Counter2 counter(int service) {
        if (service >= byService.length) byService = Arrays.copyOf(byService, Math.max(service + 1, byService.length * 2));
        Counter2 c = byService[service];
        if (c == null) {
            byService[service] = c = new Counter2();
            servicesView = null;
        }
        return c;
    }

    /** Service id to counters, for the findings (built when asked; not on the per-flow path). */
    Map<String, Counter2> services() {
        if (servicesView != null) return servicesView;
        Map<String, Counter2> m = new HashMap<>();
        for (int i = 0; i < byService.length; i++) if (byService[i] != null) m.put(index.name(i), byService[i]);
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
        for (int i = 0; i < o.byService.length; i++) {
            Counter2 c = o.byService[i];
            if (c != null) counter(o.index == index ? i : index.id(o.index.name(i))).add(c);
        }
    }
}
