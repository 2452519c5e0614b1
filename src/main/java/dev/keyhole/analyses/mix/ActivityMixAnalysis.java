package dev.keyhole.analyses.mix;

import dev.keyhole.analyses.Analysis;
import dev.keyhole.analyses.AnalysisContext;
import dev.keyhole.analyses.When;
import dev.keyhole.analyses.Confidence;
import dev.keyhole.analyses.Counter2;
import dev.keyhole.analyses.stats.TwoProportionTest;
import dev.keyhole.enrichment.Category;
import dev.keyhole.enrichment.Direction;
import dev.keyhole.enrichment.EnrichedFlow;
import dev.keyhole.enrichment.Enricher;
import dev.keyhole.enrichment.Origin;
import dev.keyhole.findings.ActivityMix;
import dev.keyhole.findings.ActivityMix.CategoryShare;
import dev.keyhole.findings.ActivityMix.CompanyShare;
import dev.keyhole.findings.ActivityMix.OriginShare;
import dev.keyhole.findings.ActivityMix.ServiceShare;
import dev.keyhole.findings.ActivityMix.ShareChange;
import dev.keyhole.findings.Findings;
import dev.keyhole.findings.Judgment;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Activity mix: what the target's users do, counted over outbound traffic. A conversation is
 * counted once (its opening record); bytes of both halves count. Per period and per month.
 */
public final class ActivityMixAnalysis implements Analysis<ActivityMixAnalysis> {
    /** Services below this share in both periods are not tested for change (too many small tests). */
    static final double MIN_SERVICE_SHARE_FOR_CHANGE = 0.01;
    static final double SIGNIFICANCE = 0.01;
    /** Rows kept per period for services and companies; the rest are summed into one "other" row. */
    public static final int TOP_ROWS = 200;
    public static final String REST = ActivityMix.REST;

    private final AnalysisContext ctx;
    private final When own;
    private final MixBucket[] periods;
    private final TreeMap<Integer, MixBucket> months = new TreeMap<>();
    private final Map<String, ServiceMeta> meta = new HashMap<>();
    /** {@link #meta} by the index's dense id, so each flow checks its service's category and origin cheaply. */
    private ServiceMeta[] metaById = new ServiceMeta[256];
    private final ServiceIndex index = new ServiceIndex();
    private int lastMonthKey = Integer.MIN_VALUE;
    private MixBucket lastMonth;
    private dev.keyhole.enrichment.Attribution lastAttribution;
    private int lastService;

    /**
     * A service's name, company, category and origin group as its flows showed them. Category and
     * origin can differ between flows of one service (the origin of {@code unknown} or of a port-only
     * service follows each destination's country): then they are "mixed" and the tables leave them
     * empty, instead of showing whichever flow happened to come first.
     */
    static final class ServiceMeta {
        final String name, company;
        final Category category;
        final Origin origin;
        boolean mixedCategory, mixedOrigin;

        ServiceMeta(String name, String company, Category category, Origin origin) {
            this.name = name;
            this.company = company;
            this.category = category;
            this.origin = origin;
        }

        void see(Category c, Origin o) {
            if (c != category) mixedCategory = true;
            if (o != origin) mixedOrigin = true;
        }

        void merge(ServiceMeta o) {
            see(o.category, o.origin);
            mixedCategory |= o.mixedCategory;
            mixedOrigin |= o.mixedOrigin;
        }

        ServiceMeta copy() {
            ServiceMeta m = new ServiceMeta(name, company, category, origin);
            m.merge(this);
            return m;
        }

        String name() {
            return name;
        }

        String company() {
            return company;
        }

        String categoryId() {
            return mixedCategory ? null : category.id();
        }

        String originId() {
            return mixedOrigin ? null : origin.id();
        }
    }

    public ActivityMixAnalysis(AnalysisContext ctx) {
        this.ctx = ctx;
        this.own = new When(ctx);
        this.periods = new MixBucket[ctx.periods().size()];
        for (int i = 0; i < periods.length; i++) periods[i] = new MixBucket(index);
    }

    @Override
    public void accept(EnrichedFlow f) {
        accept(f, own.at(f.flow().startMillis()));
    }

    @Override
    public void accept(EnrichedFlow f, When w) {
        if (f.direction() != Direction.OUTBOUND) return;
        long flows = f.conversation() ? 1 : 0;
        long bytes = f.flow().totalBytes();
        int cat = f.category().ordinal();
        int origin = f.origin().ordinal();
        dev.keyhole.enrichment.Attribution a = f.attribution();
        int service;
        // Flows share Attribution instances (both halves of a conversation, a remote network's
        // flows): the same one again has the same service, category and origin.
        if (a == lastAttribution) {
            service = lastService;
        } else {
            String name = f.service();
            service = index.id(name);
            if (service >= metaById.length) metaById = java.util.Arrays.copyOf(metaById, metaById.length * 2);
            ServiceMeta sm = metaById[service];
            if (sm == null) {
                sm = meta.computeIfAbsent(name, k -> new ServiceMeta(f.serviceName(), f.company(), f.category(), f.origin()));
                metaById[service] = sm;
            }
            sm.see(f.category(), f.origin());
            lastAttribution = a;
            lastService = service;
        }
        for (int p : w.periods()) periods[p].add(cat, origin, service, flows, bytes);
        int m = w.month();
        if (m != lastMonthKey) {
            lastMonth = months.computeIfAbsent(m, k -> new MixBucket(index));
            lastMonthKey = m;
        }
        lastMonth.add(cat, origin, service, flows, bytes);
    }

    @Override
    public void merge(ActivityMixAnalysis o) {
        for (int i = 0; i < periods.length; i++) periods[i].merge(o.periods[i]);
        o.months.forEach((k, v) -> months.computeIfAbsent(k, x -> new MixBucket(index)).merge(v));
        o.meta.forEach((k, m) -> {
            ServiceMeta mine = meta.get(k);
            if (mine == null) meta.put(k, m.copy());
            else mine.merge(m);
        });
        lastMonthKey = Integer.MIN_VALUE;
    }

    /** Period rows: the explicit periods in profile order, or the months when there are none. */
    private LinkedHashMap<String, MixBucket> periodRows() {
        LinkedHashMap<String, MixBucket> rows = new LinkedHashMap<>();
        if (ctx.monthly()) {
            months.forEach((k, v) -> rows.put(AnalysisContext.monthName(k), v));
        } else {
            for (int i = 0; i < periods.length; i++) rows.put(ctx.periods().get(i).name(), periods[i]);
        }
        return rows;
    }

    @Override
    public void finish(Findings out) {
        LinkedHashMap<String, MixBucket> rows = periodRows();
        // Unmodifiable: with monthly periods, the monthly tables are the same lists.
        List<CategoryShare> categories = Collections.unmodifiableList(categories(rows));
        List<ServiceShare> services = Collections.unmodifiableList(services(rows));
        List<CompanyShare> companies = Collections.unmodifiableList(companies(rows));
        List<OriginShare> origins = Collections.unmodifiableList(origins(rows));
        ActivityMix.Monthly monthly;
        if (ctx.monthly()) {
            // The periods are the months: the same buckets, so the same rows (half of finish's time).
            monthly = new ActivityMix.Monthly(categories, services, companies, origins);
        } else {
            LinkedHashMap<String, MixBucket> monthRows = new LinkedHashMap<>();
            months.forEach((k, v) -> monthRows.put(AnalysisContext.monthName(k), v));
            monthly = new ActivityMix.Monthly(categories(monthRows), services(monthRows), companies(monthRows),
                    origins(monthRows));
        }
        List<ShareChange> changes = changes(rows);
        out.activityMix = new ActivityMix(categories, services, companies, origins, monthly, changes);
        judge(rows, changes, out);
    }

    private static double share(long x, long n) {
        return n == 0 ? 0 : (double) x / n;
    }

    private List<CategoryShare> categories(Map<String, MixBucket> rows) {
        List<CategoryShare> l = new ArrayList<>();
        rows.forEach((p, b) -> {
            for (Category c : Category.values()) {
                Counter2 v = b.categories[c.ordinal()];
                if (v.flows == 0 && v.bytes == 0) continue;
                l.add(new CategoryShare(p, c.id(), v.flows, v.bytes, share(v.flows, b.total.flows),
                        share(v.bytes, b.total.bytes)));
            }
        });
        return l;
    }

    private List<OriginShare> origins(Map<String, MixBucket> rows) {
        List<OriginShare> l = new ArrayList<>();
        rows.forEach((p, b) -> {
            for (Origin o : Origin.values()) {
                Counter2 v = b.origins[o.ordinal()];
                if (v.flows == 0 && v.bytes == 0) continue;
                l.add(new OriginShare(p, o.id(), v.flows, v.bytes, share(v.flows, b.total.flows),
                        share(v.bytes, b.total.bytes)));
            }
        });
        return l;
    }

    private List<ServiceShare> services(Map<String, MixBucket> rows) {
        List<ServiceShare> l = new ArrayList<>();
        rows.forEach((p, b) -> {
            Top all = top(b.services(), TOP_ROWS);
            for (Map.Entry<String, Counter2> e : all.rows()) {
                ServiceMeta m = meta.get(e.getKey());
                Counter2 v = e.getValue();
                l.add(new ServiceShare(p, e.getKey(), m.name(), m.company(), m.categoryId(), m.originId(),
                        v.flows, v.bytes, share(v.flows, b.total.flows), share(v.bytes, b.total.bytes)));
            }
            Counter2 rest = all.rest();
            if (rest != null) {
                l.add(new ServiceShare(p, REST, all.restCount() + " more services", null, null, null,
                        rest.flows, rest.bytes, share(rest.flows, b.total.flows), share(rest.bytes, b.total.bytes)));
            }
        });
        return l;
    }

    private String companyOf(String service) {
        ServiceMeta m = meta.get(service);
        return m.company() != null ? m.company() : m.name() != null ? m.name() : service;
    }

    private List<CompanyShare> companies(Map<String, MixBucket> rows) {
        List<CompanyShare> l = new ArrayList<>();
        rows.forEach((p, b) -> {
            Top all = top(b.companies(this::companyOf), TOP_ROWS);
            for (Map.Entry<String, Counter2> e : all.rows()) {
                l.add(new CompanyShare(p, e.getKey(), e.getValue().flows, e.getValue().bytes,
                        share(e.getValue().flows, b.total.flows), share(e.getValue().bytes, b.total.bytes)));
            }
            Counter2 rest = all.rest();
            if (rest != null) {
                l.add(new CompanyShare(p, REST, rest.flows, rest.bytes, share(rest.flows, b.total.flows),
                        share(rest.bytes, b.total.bytes)));
            }
        });
        return l;
    }

    /** Rows in findings order: most conversations, then most bytes, then by id. */
    private static final Comparator<Map.Entry<String, Counter2>> ORDER = (x, y) -> {
        int c = Long.compare(y.getValue().flows, x.getValue().flows);
        if (c == 0) c = Long.compare(y.getValue().bytes, x.getValue().bytes);
        return c != 0 ? c : x.getKey().compareTo(y.getKey());
    };

    /** The first {@code k} rows in {@link #ORDER}, and the others summed (null when there are none). */
    record Top(List<Map.Entry<String, Counter2>> rows, Counter2 rest, int restCount) {}

    /** A bounded heap, not a full sort: buckets can hold thousands of ASN-named services. */
    static Top top(Map<String, Counter2> m, int k) {
        java.util.PriorityQueue<Map.Entry<String, Counter2>> worstFirst = new java.util.PriorityQueue<>(k + 1,
                ORDER.reversed());
        for (Map.Entry<String, Counter2> e : m.entrySet()) {
            if (worstFirst.size() < k) {
                worstFirst.add(e);
            } else if (ORDER.compare(e, worstFirst.peek()) < 0) {
                worstFirst.poll();
                worstFirst.add(e);
            }
        }
        List<Map.Entry<String, Counter2>> rows = new ArrayList<>(worstFirst);
        rows.sort(ORDER);
        if (rows.size() == m.size()) return new Top(rows, null, 0);
        Counter2 rest = new Counter2();
        for (Counter2 c : m.values()) rest.add(c);
        for (Map.Entry<String, Counter2> e : rows) rest.add(-e.getValue().flows, -e.getValue().bytes);
        return new Top(rows, rest, m.size() - rows.size());
    }

    /** Share changes between each period and the next, for categories, origin groups and larger services. */
    private List<ShareChange> changes(LinkedHashMap<String, MixBucket> rows) {
        List<ShareChange> l = new ArrayList<>();
        List<Map.Entry<String, MixBucket>> e = new ArrayList<>(rows.entrySet());
        for (int i = 0; i + 1 < e.size(); i++) {
            String a = e.get(i).getKey(), b = e.get(i + 1).getKey();
            MixBucket x = e.get(i).getValue(), y = e.get(i + 1).getValue();
            if (x.total.flows == 0 || y.total.flows == 0) continue;
            for (Category c : Category.values()) {
                long f1 = x.categories[c.ordinal()].flows, f2 = y.categories[c.ordinal()].flows;
                if (f1 + f2 > 0) l.add(change("category", c.id(), a, b, f1, x.total.flows, f2, y.total.flows));
            }
            for (Origin o : Origin.values()) {
                long f1 = x.origins[o.ordinal()].flows, f2 = y.origins[o.ordinal()].flows;
                if (f1 + f2 > 0) l.add(change("origin", o.id(), a, b, f1, x.total.flows, f2, y.total.flows));
            }
            Map<String, Counter2> xs = x.services(), ys = y.services();
            // Only services over the bar in either period, sorted by id: a bucket can hold thousands
            // of ASN-named services, and sorting all of them for each pair of periods was most of finish().
            java.util.TreeSet<String> svc = new java.util.TreeSet<>();
            xs.forEach((s, c) -> { if (share(c.flows, x.total.flows) >= MIN_SERVICE_SHARE_FOR_CHANGE) svc.add(s); });
            ys.forEach((s, c) -> { if (share(c.flows, y.total.flows) >= MIN_SERVICE_SHARE_FOR_CHANGE) svc.add(s); });
            for (String s : svc) {
                Counter2 c1 = xs.get(s), c2 = ys.get(s);
                long f1 = c1 == null ? 0 : c1.flows, f2 = c2 == null ? 0 : c2.flows;
                l.add(change("service", s, a, b, f1, x.total.flows, f2, y.total.flows));
            }
        }
        return l;
    }

    private static String originLabel(String id) {
        return id.equals("other") ? "other" : Character.toUpperCase(id.charAt(0)) + id.substring(1);
    }

    private static ShareChange change(String dim, String key, String a, String b, long x1, long n1, long x2, long n2) {
        TwoProportionTest t = TwoProportionTest.of(x1, n1, x2, n2);
        return new ShareChange(dim, key, a, b, t.p1(), t.p2(), t.p2() - t.p1(), t.z(), t.pValue(),
                t.pValue() < SIGNIFICANCE);
    }

    private void judge(LinkedHashMap<String, MixBucket> rows, List<ShareChange> changes, Findings out) {
        rows.forEach((p, b) -> {
            if (b.total.flows == 0) return;
            List<Category> cats = new ArrayList<>(List.of(Category.values()));
            cats.sort(Comparator.comparingLong(c -> -b.categories[c.ordinal()].flows));
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < 3 && i < cats.size(); i++) {
                long f = b.categories[cats.get(i).ordinal()].flows;
                if (f == 0) break;
                if (i > 0) sb.append(i == 2 ? " and " : ", ");
                sb.append(cats.get(i).id()).append(String.format(" (%.0f%%)", 100 * share(f, b.total.flows)));
            }
            long gs = b.categories[Category.GAMING.ordinal()].flows + b.categories[Category.STREAMING.ordinal()].flows;
            long other = b.categories[Category.OTHER.ordinal()].flows;
            String conf = Confidence.ofSample(b.total.flows);
            String reason = Confidence.sampleReason(b.total.flows);
            if (share(other, b.total.flows) > 0.5) {
                conf = Confidence.lower(conf);
                reason += String.format("; lowered: %.0f%% of conversations went to destinations outside the catalogue",
                        100 * share(other, b.total.flows));
            }
            out.judgments.add(new Judgment("activity-mix-" + p,
                    String.format("In %s the largest activity categories were %s of %,d conversations; gaming and "
                            + "streaming together made up %.0f%%.", p, sb, b.total.flows, 100 * share(gs, b.total.flows)),
                    conf, reason, List.of("/activityMix/byCategory?period=" + p)));

            List<Map.Entry<String, Counter2>> top = top(b.services(), 2).rows();
            if (!top.isEmpty()) {
                Map.Entry<String, Counter2> first = top.get(0);
                String name = label(first.getKey());
                String text;
                if (top.size() > 1) {
                    Map.Entry<String, Counter2> second = top.get(1);
                    text = String.format("In %s the most used service was %s (%.1f%% of conversations), %.1f times the "
                                    + "next, %s (%.1f%%).", p, name, 100 * share(first.getValue().flows, b.total.flows),
                            (double) first.getValue().flows / Math.max(1, second.getValue().flows),
                            label(second.getKey()), 100 * share(second.getValue().flows, b.total.flows));
                } else {
                    text = String.format("In %s the only service seen was %s.", p, name);
                }
                out.judgments.add(new Judgment("top-service-" + p, text, Confidence.ofSample(b.total.flows),
                        Confidence.sampleReason(b.total.flows), List.of("/activityMix/byService?period=" + p)));
            }
        });
        for (ShareChange c : changes) {
            if (!c.significant() || !c.dimension().equals("origin") && !c.dimension().equals("service")) continue;
            double pts = 100 * c.delta();
            if (Math.abs(pts) < 5) continue;
            long n1 = rows.get(c.from()).total.flows, n2 = rows.get(c.to()).total.flows;
            String what = c.dimension().equals("origin") ? originLabel(c.key()) + " services"
                    : label(c.key());
            out.judgments.add(new Judgment("shift-" + c.dimension() + "-" + c.key() + "-" + c.from() + "-" + c.to(),
                    String.format("Between %s and %s the share of conversations with %s %s from %.1f%% to %.1f%%.",
                            c.from(), c.to(), what, pts > 0 ? "rose" : "fell", 100 * c.shareFrom(), 100 * c.shareTo()),
                    Confidence.ofChange(c.pValue(), pts, n1, n2), Confidence.changeReason(c.pValue(), pts, n1, n2),
                    List.of("/activityMix/changes?dimension=" + c.dimension() + "&key=" + c.key() + "&from=" + c.from())));
        }
    }

    /**
     * A service as judgments name it: its name; without one (no catalogue entry, no AS organisation)
     * its id, and for flows nothing identified, a phrase that says so rather than "unknown".
     */
    private String label(String service) {
        if (Enricher.UNKNOWN_SERVICE.equals(service)) return "unidentified destinations (no catalogue or ASN match)";
        String name = meta.get(service).name();
        return name != null ? name : service;
    }
}
