package dev.keyhole.simulate;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.keyhole.enrichment.Category;
import dev.keyhole.simulate.Population.Device;
import dev.keyhole.simulate.Population.User;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the simulator planted, counted from exactly what it wrote, and written as truth.json
 * (schema keyhole.truth/1). Counting follows the analyses' definitions: activity = outbound
 * conversations (one per conversation, not per uni-directional record), bucketed by the target's
 * local time; obfuscated = VPN, VPS, TLS to unidentified services, Tor.
 */
final class Truth {
    static final String SCHEMA = "keyhole.truth/1";
    private static final String[] OBF = {"plain", "vpn", "vps", "tls", "tor"};

    private final World w;
    private final int firstMonth, months;
    private final long[] mOut, mIn;
    private final long[][] mCat, mSvc, mObf, mGrid;
    private final long[] dayOut, dayLinkedin;
    private final boolean[] torGuardDay;
    private final long[] firstDay;
    private final boolean[] deviceHttp;
    private final Set<String> agentsSeen = new LinkedHashSet<>();
    private final List<Map<String, Object>> files = new ArrayList<>();
    private final long[] zeekLines = new long[4];
    private long ipfixBytes, zeekBytes;

    Truth(World w) {
        this.w = w;
        firstMonth = World.monthKey(YearMonth.from(w.from));
        months = World.monthKey(YearMonth.from(w.to)) - firstMonth + 1;
        int nSvc = w.services.length;
        mOut = new long[months];
        mIn = new long[months];
        mCat = new long[months][Category.values().length];
        mSvc = new long[months][nSvc];
        mObf = new long[months][OBF.length];
        mGrid = new long[months][7 * 24];
        dayOut = new long[w.days];
        dayLinkedin = new long[w.days];
        torGuardDay = new boolean[w.days];
        firstDay = new long[nSvc];
        java.util.Arrays.fill(firstDay, Long.MAX_VALUE);
        deviceHttp = new boolean[w.population.devices.length];
    }

    void outbound(Conv c, int day, int monthKey, int hour) {
        int m = monthKey - firstMonth;
        if (m < 0 || m >= months || day < 0 || day >= w.days) return;
        mOut[m]++;
        World.Svc hosted = c.obf == Conv.PLAIN && c.service >= 0 ? w.services[c.service] : null;
        if (hosted != null && hosted.category == Category.HOSTING_VPS) {
            // Enrichment reads a named cloud/hosting service as rented infrastructure: VPS.
            mObf[m][Conv.VPS]++;
        } else if (c.obf == Conv.PLAIN && c.service >= 0) {
            World.Svc s = w.services[c.service];
            mCat[m][s.category.ordinal()]++;
            mSvc[m][s.index]++;
            if (firstDay[s.index] == Long.MAX_VALUE) firstDay[s.index] = day;
            if (s.id.equals("linkedin")) dayLinkedin[day]++;
        } else {
            mObf[m][c.obf]++;
        }
        if (c.obf == Conv.TOR && c.user >= 0 && c.dst == w.population.users[c.user].torGuard) torGuardDay[day] = true;
        int dow = w.from.plusDays(day).getDayOfWeek().getValue() - 1;
        mGrid[m][dow * 24 + hour]++;
        dayOut[day]++;
    }

    void inbound(int monthKey) {
        int m = monthKey - firstMonth;
        if (m >= 0 && m < months) mIn[m]++;
    }

    void httpSeen(int device, String ua) {
        deviceHttp[device] = true;
        if (ua != null) agentsSeen.add(ua);
    }

    void file(String path, String kind, long records, long bytes) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("path", path.replace('\\', '/'));
        f.put("kind", kind);
        f.put("records", records);
        f.put("bytes", bytes);
        files.add(f);
        if (kind.equals("ipfix")) ipfixBytes += bytes;
        if (kind.startsWith("zeek-")) {
            zeekBytes += bytes;
            for (int i = 0; i < 4; i++) if (kind.equals("zeek-" + ZeekLogs.NAMES[i])) zeekLines[i] += records;
        }
    }

    long[] zeekLines() {
        return zeekLines.clone();
    }

    long ipfixBytes() {
        return ipfixBytes;
    }

    long zeekBytes() {
        return zeekBytes;
    }

    // ---------------------------------------------------------------- aggregation helpers

    private String monthName(int m) {
        int key = firstMonth + m;
        return String.format("%04d-%02d", key / 12, key % 12 + 1);
    }

    /** Month indexes of the window between two YYYY-MM months, inclusive. */
    private int[] monthsBetween(String a, String b) {
        int lo = Math.max(0, World.monthKey(YearMonth.parse(a)) - firstMonth);
        int hi = Math.min(months - 1, World.monthKey(YearMonth.parse(b)) - firstMonth);
        if (hi < lo) return new int[0];
        int[] r = new int[hi - lo + 1];
        for (int i = 0; i < r.length; i++) r[i] = lo + i;
        return r;
    }

    private long out(int[] ms) {
        long t = 0;
        for (int m : ms) t += mOut[m];
        return t;
    }

    private long cats(int[] ms, Category... cs) {
        long t = 0;
        for (int m : ms) for (Category c : cs) t += mCat[m][c.ordinal()];
        return t;
    }

    private long svc(int[] ms, String... ids) {
        long t = 0;
        for (int m : ms) {
            for (String id : ids) {
                int i = w.serviceIndex(id);
                if (i >= 0) t += mSvc[m][i];
            }
        }
        return t;
    }

    private long obf(int[] ms, int cls) {
        long t = 0;
        for (int m : ms) t += mObf[m][cls];
        return t;
    }

    private long obfAll(int[] ms) {
        return obf(ms, Conv.VPN) + obf(ms, Conv.VPS) + obf(ms, Conv.TLS) + obf(ms, Conv.TOR);
    }

    private static double ratio(long a, long b) {
        return b == 0 ? 0 : (double) a / b;
    }

    static double round(double x) {
        return Double.isFinite(x) ? Math.round(x * 1e6) / 1e6 : 0;
    }

    /** Same definition as the pattern-of-life analysis: per-day means over calendar days with data. */
    private double weekendDayRatio(int[] ms) {
        if (ms.length == 0) return 0;
        long weekend = 0, total = 0;
        for (int m : ms) {
            for (int d = 0; d < 7; d++) {
                for (int h = 0; h < 24; h++) {
                    long v = mGrid[m][d * 24 + h];
                    total += v;
                    if (d >= 5) weekend += v;
                }
            }
        }
        LocalDate from = YearMonth.parse(monthName(ms[0])).atDay(1);
        LocalDate to = YearMonth.parse(monthName(ms[ms.length - 1])).atEndOfMonth();
        if (from.isBefore(w.from)) from = w.from;
        if (to.isAfter(w.to)) to = w.to;
        long wk = 0, wd = 0;
        for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
            if (World.weekend(d)) wk++;
            else wd++;
        }
        if (wk == 0 || wd == 0 || total - weekend == 0) return 0;
        return ((double) weekend / wk) / ((double) (total - weekend) / wd);
    }

    private long[] hours(int[] ms) {
        long[] h = new long[24];
        for (int m : ms) for (int i = 0; i < 7 * 24; i++) h[i % 24] += mGrid[m][i];
        return h;
    }

    /** Same as the pattern-of-life analysis: shortest circular run of hours holding 80% of conversations. */
    static int[] peak(long[] hours) {
        long total = 0;
        for (long v : hours) total += v;
        if (total == 0) return new int[] {0, 0};
        for (int len = 1; len <= 24; len++) {
            int bestStart = -1;
            long best = -1;
            for (int s = 0; s < 24; s++) {
                long sum = 0;
                for (int k = 0; k < len; k++) sum += hours[(s + k) % 24];
                if (sum > best) {
                    best = sum;
                    bestStart = s;
                }
            }
            if (best >= 0.8 * total) return new int[] {bestStart, (bestStart + len) % 24};
        }
        return new int[] {0, 0};
    }

    private Map<String, Object> monthlyShares(int[] ms, java.util.function.IntToDoubleFunction f) {
        Map<String, Object> r = new LinkedHashMap<>();
        for (int m : ms) r.put(monthName(m), round(f.applyAsDouble(m)));
        return r;
    }

    // ---------------------------------------------------------------- facts

    private static Map<String, Object> fact(String id, String description, String metric, Object expected,
                                            Double tolerance) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("id", id);
        f.put("description", description);
        f.put("metric", metric);
        f.put("expected", expected instanceof Double d ? round(d) : expected);
        f.put("tolerance", tolerance);
        return f;
    }

    private List<Map<String, Object>> facts() {
        List<Map<String, Object>> facts = new ArrayList<>();
        int[] y2017 = monthsBetween("2017-01", "2017-12");
        int[] y2017pre = monthsBetween("2017-01", "2017-11");
        int[] q1 = monthsBetween("2018-01", "2018-03");
        int[] y2018 = monthsBetween("2018-03", "2018-12");
        int[] aug = monthsBetween("2018-08", "2018-08");
        int[] jul17 = monthsBetween("2017-07", "2017-07");
        int[] all = monthsBetween(monthName(0), monthName(months - 1));

        if (y2017.length > 0 && out(y2017) > 0) {
            long ent = cats(y2017, Category.GAMING, Category.STREAMING, Category.P2P);
            Map<String, Object> f = fact("entertainment-share-2017",
                    "About 65% of 2017 activity was gaming and content streaming (Youku, iTunes, BitTorrent/P2P, "
                            + "World of Tanks, Steam).",
                    "activityMix.monthly.byCategory: sum of flows of categories gaming+streaming+p2p over the "
                            + "2017 months / sum of flows of all categories over the same months",
                    ratio(ent, out(y2017)), 0.03);
            f.put("planned", 0.65);
            f.put("categories", List.of("gaming", "streaming", "p2p"));
            f.put("monthly", monthlyShares(y2017, m -> ratio(cats(new int[] {m}, Category.GAMING,
                    Category.STREAMING, Category.P2P), mOut[m])));
            f.put("gamingStreamingOnly", round(ratio(cats(y2017, Category.GAMING, Category.STREAMING), out(y2017))));
            facts.add(f);
        }
        if (out(all) > 0) {
            int[] p = peak(hours(all));
            Map<String, Object> f = fact("daily-rhythm",
                    "Activity ran mostly from about 08:00 to 20:00-21:00 local time (Asia/Pyongyang).",
                    "patternOfLife.periods[].peakHours (start, end) of each month: start within 1 h of "
                            + "expected.start, end within 1 h of expected.end; expected here is over the whole window",
                    Map.of("start", p[0], "end", p[1]), 1.0);
            f.put("planned", Map.of("start", 8, "end", 21));
            Map<String, Object> perMonth = new LinkedHashMap<>();
            for (int m : all) {
                int[] pm = peak(hours(new int[] {m}));
                if (mOut[m] > 0) perMonth.put(monthName(m), List.of(pm[0], pm[1]));
            }
            f.put("monthly", perMonth);
            facts.add(f);
        }
        if (y2017pre.length > 0 && out(y2017pre) > 0) {
            Map<String, Object> f = fact("weekend-heavy-2017",
                    "In 2017 weekends were the busiest days (Saturday night / Sunday morning gaming and streaming).",
                    "patternOfLife weekendDayRatio over the 2017 months before the shift (to 2017-11): "
                            + "weekend conversations per weekend day / weekday conversations per weekday",
                    weekendDayRatio(y2017pre), 0.15);
            f.put("lowerBound", 1.1);
            f.put("monthly", monthlyShares(y2017pre, m -> weekendDayRatio(new int[] {m})));
            long sat = 0, all17 = 0;
            for (int m : y2017pre) {
                for (int i = 0; i < 168; i++) all17 += mGrid[m][i];
                for (int h = 19; h < 24; h++) sat += mGrid[m][5 * 24 + h];
                for (int h = 0; h < 3; h++) sat += mGrid[m][6 * 24 + h];
            }
            f.put("saturdayNightSundayEarlyShare", round(ratio(sat, all17)));
            facts.add(f);
        }
        if (y2018.length > 0 && out(y2018) > 0) {
            Map<String, Object> f = fact("weekday-heavy-2018",
                    "In 2018 workday use grew and weekend use fell: working days were the busier days.",
                    "patternOfLife weekendDayRatio over 2018-03..2018-08: weekend conversations per weekend day "
                            + "/ weekday conversations per weekday",
                    weekendDayRatio(y2018), 0.12);
            f.put("upperBound", 0.9);
            f.put("monthly", monthlyShares(y2018, m -> weekendDayRatio(new int[] {m})));
            facts.add(f);
        }
        if (jul17.length > 0 && y2018.length > 0 && out(jul17) > 0 && out(y2018) > 0) {
            String[] west = {"facebook", "instagram", "google"};
            String[] china = {"alibaba", "baidu", "tencent"};
            Map<String, Object> f = fact("migration-to-chinese-services",
                    "From late 2017 to early 2018 (about six months) users moved from Facebook, Google and Instagram "
                            + "to Alibaba, Baidu and Tencent, and stayed there.",
                    "activityMix.monthly.byService: share of flows of facebook+instagram+google and of "
                            + "alibaba+baidu+tencent per month; expected = the 2018-03..08 values",
                    Map.of("westernShare2018", round(ratio(svc(y2018, west), out(y2018))),
                            "chineseShare2018", round(ratio(svc(y2018, china), out(y2018))),
                            "westernShare2017-07", round(ratio(svc(jul17, west), out(jul17))),
                            "chineseShare2017-07", round(ratio(svc(jul17, china), out(jul17)))), 0.03);
            f.put("monthlyWestern", monthlyShares(all, m -> ratio(svc(new int[] {m}, west), mOut[m])));
            f.put("monthlyChinese", monthlyShares(all, m -> ratio(svc(new int[] {m}, china), mOut[m])));
            f.put("transition", Map.of("from", "2017-10", "to", "2018-03"));
            facts.add(f);
        }
        if (y2018.length > 0 && out(y2018) > 0) {
            double minRatio = Double.MAX_VALUE;
            Map<String, Object> perMonth = new LinkedHashMap<>();
            int ali = w.serviceIndex("alibaba");
            for (int m : y2018) {
                long a = mSvc[m][ali], second = 0;
                String secondId = null;
                for (World.Svc s : w.services) {
                    if (s.index == ali || !s.catalogued) continue;
                    if (mSvc[m][s.index] > second) {
                        second = mSvc[m][s.index];
                        secondId = s.id;
                    }
                }
                double r = second == 0 ? 0 : (double) a / second;
                minRatio = Math.min(minRatio, r);
                perMonth.put(monthName(m), Map.of("ratio", round(r), "second", secondId == null ? "" : secondId));
            }
            Map<String, Object> f = fact("alibaba-dominance-2018",
                    "From March 2018 Alibaba was used more than twice as much as any other service.",
                    "activityMix.monthly.byService: for each month 2018-03..2018-08, flows of service alibaba / "
                            + "flows of the next largest identified service; expected = the smallest monthly ratio",
                    minRatio, 0.5);
            f.put("lowerBound", 2.0);
            f.put("monthly", perMonth);
            facts.add(f);
        }
        int li = w.serviceIndex("linkedin");
        if (li >= 0 && y2018.length > 0) {
            long before = 0, after = 0;
            LocalDate start = LocalDate.of(2018, 4, 1);
            int weeks = 0, weeksWith = 0;
            LocalDate monday = start.with(DayOfWeek.MONDAY).plusWeeks(1);
            for (LocalDate d = monday; !d.plusDays(6).isAfter(w.to); d = d.plusWeeks(1)) {
                weeks++;
                long n = 0;
                for (int k = 0; k < 7; k++) {
                    int di = (int) (d.plusDays(k).toEpochDay() - w.from.toEpochDay());
                    if (di >= 0 && di < w.days) n += dayLinkedin[di];
                }
                if (n > 0) weeksWith++;
            }
            for (int di = 0; di < w.days; di++) {
                if (w.from.plusDays(di).isBefore(start)) before += dayLinkedin[di];
                else after += dayLinkedin[di];
            }
            Map<String, Object> f = fact("linkedin-from-april-2018",
                    "LinkedIn: none before April 2018, then low-volume but regular use to the end of the data, "
                            + "below Facebook's or Instagram's level of July 2017.",
                    "activityMix.monthly.byService service linkedin: flows before 2018-04 = 0; share of flows "
                            + "per month 2018-04..08 (expected = share over those months); present in most weeks",
                    ratio(after, out(monthsBetween("2018-04", "2018-12"))), 0.004);
            f.put("flowsBefore", before);
            f.put("weeksWithActivity", weeksWith);
            f.put("weeks", weeks);
            f.put("facebookShare2017-07", round(ratio(svc(jul17, "facebook"), out(jul17))));
            f.put("instagramShare2017-07", round(ratio(svc(jul17, "instagram"), out(jul17))));
            facts.add(f);
        }
        if (y2017pre.length > 0 && out(y2017pre) > 0) {
            double max = 0;
            for (int m : y2017pre) max = Math.max(max, ratio(obfAll(new int[] {m}), mOut[m]));
            Map<String, Object> f = fact("obfuscation-2017",
                    "Less than 1% of 2017 activity was obfuscated (VPN, VPS, TLS to unidentified services, Tor).",
                    "opsec.monthly[].obfuscatedShare for the 2017 months to 2017-11; expected = the share over "
                            + "those months",
                    ratio(obfAll(y2017pre), out(y2017pre)), 0.004);
            f.put("upperBound", 0.01);
            f.put("maxMonthly", round(max));
            f.put("monthly", monthlyShares(y2017pre, m -> ratio(obfAll(new int[] {m}), mOut[m])));
            facts.add(f);
        }
        if (q1.length > 0 && out(q1) > 0) {
            Map<String, Object> f = fact("obfuscation-early-2018",
                    "In early 2018 (January-March) about 13% of activity was obfuscated, VPN about 63% of it.",
                    "opsec.monthly[] for 2018-01..03: sum obfuscatedFlows / sum flows",
                    ratio(obfAll(q1), out(q1)), 0.015);
            f.put("planned", 0.13);
            f.put("composition", composition(q1));
            f.put("compositionTolerance", 0.05);
            f.put("monthly", monthlyShares(q1, m -> ratio(obfAll(new int[] {m}), mOut[m])));
            facts.add(f);
        }
        if (aug.length > 0 && out(aug) > 0) {
            Map<String, Object> f = fact("obfuscation-august-2018",
                    "By August 2018 obfuscated activity had fallen to about 5%: VPN about 50% of it, HTTPS to "
                            + "unidentified services (TLS) about 49%.",
                    "opsec.monthly[month=2018-08]: obfuscatedShare; composition.vpn and composition.tls",
                    ratio(obfAll(aug), out(aug)), 0.012);
            f.put("planned", 0.052);
            f.put("composition", composition(aug));
            f.put("compositionTolerance", 0.06);
            facts.add(f);
        }
        if (out(all) > 0) {
            Map<String, Object> f = fact("obfuscation-monthly",
                    "Obfuscated share and its composition for every month (rise in early 2018, then decline).",
                    "opsec.monthly[]: obfuscatedShare and composition per month",
                    null, 0.02);
            Map<String, Object> perMonth = new LinkedHashMap<>();
            for (int m : all) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("share", round(ratio(obfAll(new int[] {m}), mOut[m])));
                row.put("composition", composition(new int[] {m}));
                row.put("flows", mOut[m]);
                perMonth.put(monthName(m), row);
            }
            f.put("monthly", perMonth);
            facts.add(f);
        }
        if (w.population.torUsers.length > 0) {
            int u = w.population.torUsers[0];
            int days = 0, first = -1, last = -1;
            for (int d = 0; d < w.days; d++) {
                if (!torGuardDay[d]) continue;
                days++;
                if (first < 0) first = d;
                last = d;
            }
            Map<String, Object> f = fact("tor-same-relay",
                    "One Tor user connected to the same relay day after day for months.",
                    "flows to port " + w.torOrPort + " from one local address to one relay address: distinct local "
                            + "days (expected), first and last day",
                    (double) days, Math.max(1.0, days * 0.05));
            f.put("relay", AddressBook.format(w.population.users[u].torGuard));
            f.put("localAddress", AddressBook.format(w.population.devices[w.population.users[u].devices[0]].addr));
            f.put("firstDay", first < 0 ? null : w.from.plusDays(first).toString());
            f.put("lastDay", last < 0 ? null : w.from.plusDays(last).toString());
            facts.add(f);
        }
        for (String[] coin : new String[][] {{"bitcoin", "8333"}, {"monero", "18080"}, {"hold-coin", "10130/10131"}}) {
            int s = w.serviceIndex(coin[0]);
            if (s < 0) continue;
            World.Svc svc = w.services[s];
            String planned = w.spec.activities().get(coin[0]).from();
            Map<String, Object> f = fact(coin[0] + "-onset",
                    "Cryptocurrency activity (" + coin[0] + ", TCP " + coin[1] + ") starts from nothing on "
                            + planned + ".",
                    "flows to TCP port " + coin[1] + ": first local day with any (expected, a date); none before",
                    firstDay[s] == Long.MAX_VALUE ? null : w.from.plusDays(firstDay[s]).toString(), 3.0);
            f.put("planned", planned);
            f.put("miners", java.util.Arrays.stream(w.population.miners)
                    .mapToObj(m -> AddressBook.format(w.population.devices[w.population.users[m].devices[0]].addr))
                    .toList());
            f.put("seeds", java.util.Arrays.stream(svc.endpoints).flatMapToInt(e -> java.util.Arrays.stream(e.seeds))
                    .distinct().mapToObj(w.domains::get).toList());
            facts.add(f);
        }
        {
            List<String> zero = new ArrayList<>();
            for (int d = 0; d < w.days; d++) if (dayOut[d] == 0) zero.add(w.from.plusDays(d).toString());
            List<String> planned = new ArrayList<>();
            for (Calendar.Outage o : w.calendar.outages) if (o.fullDay()) planned.add(o.date().toString());
            Map<String, Object> f = fact("outage-days",
                    "Days with no traffic at all (network outages).",
                    "patternOfLife: local days without conversations; expected = every such day in the output",
                    zero, 0.0);
            f.put("planned", planned);
            facts.add(f);
        }
        {
            // Each event day against the same weekday of the four weeks before and after it, so the
            // weekend-heavy rhythm of 2017 does not pass for a reaction to events.
            double sumRatio = 0, onEvent = 0, other = 0;
            int nEvent = 0, nOther = 0, used = 0;
            Set<LocalDate> events = new java.util.HashSet<>();
            for (WorldSpec.Event e : w.spec.calendar().events()) events.add(LocalDate.parse(e.date()));
            for (int d = 0; d < w.days; d++) {
                if (dayOut[d] == 0) continue;
                if (events.contains(w.from.plusDays(d))) {
                    onEvent += dayOut[d];
                    nEvent++;
                    double ref = 0;
                    int n = 0;
                    for (int k = -4; k <= 4; k++) {
                        int x = d + 7 * k;
                        if (k == 0 || x < 0 || x >= w.days || dayOut[x] == 0) continue;
                        ref += dayOut[x];
                        n++;
                    }
                    if (n > 0) {
                        sumRatio += dayOut[d] / (ref / n);
                        used++;
                    }
                } else {
                    other += dayOut[d];
                    nOther++;
                }
            }
            if (used > 0 && nOther > 0) {
                Map<String, Object> f = fact("no-event-correlation",
                        "Activity does not react to missile or nuclear tests (events.csv).",
                        "event correlation: conversations on each event day / mean of the same weekday in the "
                                + "4 weeks before and after, averaged over event days; not significant",
                        sumRatio / used, 0.2);
                f.put("eventDays", nEvent);
                f.put("rawRatio", round((onEvent / nEvent) / (other / nOther)));
                facts.add(f);
            }
        }
        {
            long in = 0, outAll = out(all);
            for (long v : mIn) in += v;
            facts.add(fact("inbound-share",
                    "Conversations started from the internet towards the target (site visitors, scanners) are "
                            + "not activity.",
                    "totals.inbound / (totals.inbound + totals.outbound) counted in conversations",
                    ratio(in, in + outAll), 0.01));
        }
        {
            Map<String, Integer> models = new TreeMap<>();
            for (Device d : w.population.devices) {
                if (!w.population.users[d.user].role.equals("user")) continue;
                models.merge(d.spec.brand() + " " + d.spec.model() + " (" + d.spec.os() + ")", 1, Integer::sum);
            }
            Map<String, Object> f = fact("device-inventory",
                    "Devices behind the target's addresses: Apple iPhone/iPad/Mac, Windows 7/8.1/10/XP PCs, "
                            + "Samsung and Huawei Android phones, Chinese browsers.",
                    "technology inventory: device brands/OS seen in http.log User-Agents of outbound requests; "
                            + "expected = the User-Agent strings that appear in http.log",
                    new ArrayList<>(agentsSeen), null);
            f.put("devices", models);
            long visible = 0;
            for (boolean b : deviceHttp) if (b) visible++;
            f.put("devicesWithClearTextHttp", visible);
            facts.add(f);
        }
        return facts;
    }

    private Map<String, Object> composition(int[] ms) {
        long all = obfAll(ms);
        Map<String, Object> c = new LinkedHashMap<>();
        for (int k = 1; k < OBF.length; k++) c.put(OBF[k], round(ratio(obf(ms, k), all)));
        return c;
    }

    // ---------------------------------------------------------------- output

    void write(Path file, Simulator.Options o, long records, long conversations, long outbound, long inbound,
               long dns) throws IOException {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("schema", SCHEMA);
        t.put("generator", Map.of("command", "keyhole simulate", "profile", o.profile(), "world", w.spec.name()));
        t.put("seed", o.seed());
        Map<String, Object> window = new LinkedHashMap<>();
        window.put("from", w.from.toString());
        window.put("to", w.to.toString());
        window.put("timezone", w.zone.getId());
        window.put("note", "dates are local (Asia/Pyongyang) and inclusive; files rotate on UTC days");
        t.put("window", window);
        Map<String, Object> flows = new LinkedHashMap<>();
        flows.put("requested", o.flows());
        flows.put("ipfixRecords", records);
        flows.put("conversations", conversations);
        flows.put("outbound", outbound);
        flows.put("inbound", inbound);
        flows.put("dnsTransactions", dns);
        flows.put("zeekConnLines", zeekLines[0]);
        flows.put("zeekHttpLines", zeekLines[1]);
        flows.put("zeekSslLines", zeekLines[2]);
        flows.put("zeekDnsLines", zeekLines[3]);
        t.put("flows", flows);
        Map<String, Object> layout = new LinkedHashMap<>();
        layout.put("ipfix", "ipfix/YYYY/MM/DD/keyhole.YYYYMMDD.ipfix (one file per UTC day, RFC 5655)");
        layout.put("zeek", "zeek/{conn,http,ssl,dns}.YYYY-MM-DD.log" + (o.gzip() ? ".gz" : "")
                + " (Zeek 6 TSV, one file per UTC day)");
        layout.put("events", "events.csv (date,label,kind)");
        layout.put("ipfixBytes", ipfixBytes);
        layout.put("zeekBytes", zeekBytes);
        layout.put("consistency", "every IPFIX conversation is one conn.log line (same 5-tuple, start, packets, IP "
                + "bytes); http.log/ssl.log share the conn uid; DNS transactions go to the target's own resolvers, "
                + "so they are in conn.log/dns.log but not in the border IPFIX");
        t.put("output", layout);
        Map<String, Object> ref = new LinkedHashMap<>();
        ref.put("asnRanges", w.addressSource);
        ref.put("catalog", w.catalogSource);
        ref.put("catalogWarnings", w.catalogWarnings);
        t.put("referenceData", ref);
        t.put("population", population());
        t.put("target", target());
        Map<String, Object> cal = new LinkedHashMap<>();
        cal.put("holidays", w.calendar.holidays.stream().map(LocalDate::toString).toList());
        cal.put("outages", w.calendar.outages.stream().map(x -> Map.of("date", x.date().toString(),
                "fromHour", x.fromHour(), "toHour", x.toHour())).toList());
        cal.put("bursts", w.calendar.bursts.stream().map(x -> Map.of("date", x.date().toString(),
                "service", x.service(), "factor", round(x.factor()))).toList());
        cal.put("events", w.spec.calendar().events());
        t.put("calendar", cal);
        t.put("facts", facts());
        t.put("monthly", monthly());
        t.put("services", services());
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("mix", w.spec.mix());
        params.put("obfuscationSchedule", w.spec.obfuscationSchedule());
        params.put("rhythm", w.spec.rhythm());
        params.put("inbound", w.spec.inbound());
        params.put("population", w.spec.population());
        params.put("calendar", Map.of("dayNoise", w.spec.calendar().dayNoise(), "growth", w.spec.calendar().growth(),
                "outages", w.spec.calendar().outages(), "bursts", w.spec.calendar().bursts()));
        t.put("parameters", params);
        t.put("files", files);
        ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        Files.write(file, m.writeValueAsBytes(t));
    }

    private Map<String, Object> population() {
        Population p = w.population;
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("users", p.regularUsers);
        r.put("machines", p.users.length - p.regularUsers);
        r.put("devices", p.devices.length);
        long natUsers = 0;
        long[] perNat = new long[w.nat.length];
        for (int i = 0; i < p.regularUsers; i++) {
            User u = p.users[i];
            if (u.natIndex >= 0) {
                natUsers++;
                perNat[u.natIndex]++;
            }
        }
        r.put("usersBehindNat", natUsers);
        List<Map<String, Object>> nats = new ArrayList<>();
        for (int i = 0; i < w.nat.length; i++) {
            long devs = 0;
            for (Device d : p.devices) if (d.nat && d.addr == w.nat[i]) devs++;
            nats.add(Map.of("address", AddressBook.format(w.nat[i]), "users", perNat[i], "devices", devs));
        }
        r.put("nat", nats);
        Map<String, Integer> byFamily = new TreeMap<>(), byBrand = new TreeMap<>(), byModel = new TreeMap<>(),
                byOs = new TreeMap<>(), byKind = new TreeMap<>();
        for (Device d : p.devices) {
            byFamily.merge(Population.FAMILIES[d.family], 1, Integer::sum);
            byBrand.merge(d.spec.brand(), 1, Integer::sum);
            byModel.merge(d.spec.brand() + " " + d.spec.model(), 1, Integer::sum);
            byOs.merge(d.spec.os(), 1, Integer::sum);
            byKind.merge(d.spec.kind(), 1, Integer::sum);
        }
        r.put("devicesByKind", byKind);
        r.put("devicesByFamily", byFamily);
        r.put("devicesByBrand", byBrand);
        r.put("devicesByModel", byModel);
        r.put("devicesByOs", byOs);
        r.put("gamers", java.util.Arrays.stream(p.users).filter(u -> u.gamer).count());
        r.put("vpnUsers", p.vpnUsers.length);
        r.put("vpsUsers", p.vpsUsers.length);
        r.put("torUsers", p.torUsers.length);
        r.put("linkedinUsers", java.util.Arrays.stream(p.users).filter(u -> u.linkedin).count());
        List<Map<String, Object>> agents = new ArrayList<>();
        Map<String, Integer> uaCount = new LinkedHashMap<>();
        for (Device d : p.devices) uaCount.merge(d.ua[Population.UA_BROWSER], 1, Integer::sum);
        uaCount.forEach((k, v) -> agents.add(Map.of("userAgent", k, "devices", v)));
        r.put("browserUserAgents", agents);
        return r;
    }

    private Map<String, Object> target() {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("ranges", w.spec.target().ranges());
        r.put("resolvers", w.spec.target().resolvers());
        r.put("nat", w.spec.target().nat());
        r.put("sites", w.spec.target().sites());
        return r;
    }

    private List<Map<String, Object>> monthly() {
        List<Map<String, Object>> l = new ArrayList<>();
        for (int m = 0; m < months; m++) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("month", monthName(m));
            row.put("outbound", mOut[m]);
            row.put("inbound", mIn[m]);
            Map<String, Object> cats = new LinkedHashMap<>();
            for (Category c : Category.values()) if (mCat[m][c.ordinal()] > 0) cats.put(c.id(), mCat[m][c.ordinal()]);
            row.put("plainByCategory", cats);
            Map<String, Object> svcs = new LinkedHashMap<>();
            for (World.Svc s : w.services) if (mSvc[m][s.index] > 0) svcs.put(s.id, mSvc[m][s.index]);
            row.put("plainByService", svcs);
            Map<String, Object> ob = new LinkedHashMap<>();
            for (int k = 1; k < OBF.length; k++) ob.put(OBF[k], mObf[m][k]);
            row.put("obfuscated", ob);
            row.put("obfuscatedShare", round(ratio(obfAll(new int[] {m}), mOut[m])));
            long[][] matrix = new long[7][24];
            for (int i = 0; i < 168; i++) matrix[i / 24][i % 24] = mGrid[m][i];
            row.put("weekdayHour", matrix);
            l.add(row);
        }
        return l;
    }

    private List<Map<String, Object>> services() {
        List<Map<String, Object>> l = new ArrayList<>();
        for (World.Svc s : w.services) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("id", s.id);
            r.put("catalogued", s.catalogued);
            r.put("category", s.category.id());
            r.put("asns", s.asns);
            List<String> hosts = new ArrayList<>();
            for (World.Ep e : s.endpoints) if (e.domain >= 0 && !hosts.contains(w.domains.get(e.domain))) hosts.add(w.domains.get(e.domain));
            r.put("hosts", hosts);
            List<String> ports = new ArrayList<>();
            for (World.Ep e : s.endpoints) {
                String p = (e.proto == 17 ? "udp/" : "tcp/") + (e.portLo == e.portHi ? e.portLo : e.portLo + "-" + e.portHi);
                if (!ports.contains(p)) ports.add(p);
            }
            r.put("ports", ports);
            r.put("servers", java.util.Arrays.stream(s.servers).mapToObj(AddressBook::format).toList());
            if (s.pool != null) r.put("peerPool", s.pool.length);
            long n = 0;
            for (int m = 0; m < months; m++) n += mSvc[m][s.index];
            r.put("plainConversations", n);
            l.add(r);
        }
        Map<String, Object> vpn = new LinkedHashMap<>();
        for (int i = 0; i < w.vpnProviderIds.length; i++) {
            List<String> names = new ArrayList<>();
            for (int k = 0; k < w.vpnServers[i].length; k++) {
                names.add(w.domains.get(w.vpnServerDomain[i][k]) + "=" + AddressBook.format(w.vpnServers[i][k]));
            }
            vpn.put(w.vpnProviderIds[i], names);
        }
        l.add(Map.of("id", "obfuscation", "vpnServers", vpn,
                "vpnProtocols", java.util.Arrays.stream(w.vpnProtocols).map(p -> p.name() + " " + (p.proto() == 17 ? "udp/" : "tcp/") + p.port()).toList(),
                "torRelays", java.util.Arrays.stream(w.relayPool).mapToObj(AddressBook::format).toList(),
                "vpsHosts", java.util.Arrays.stream(w.population.vpsUsers).mapToObj(u -> AddressBook.format(w.population.users[u].vpsAddr)).toList()));
        return l;
    }
}
