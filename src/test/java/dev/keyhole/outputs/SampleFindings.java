package dev.keyhole.outputs;

import dev.keyhole.findings.ActivityMix;
import dev.keyhole.findings.ActivityMix.CategoryShare;
import dev.keyhole.findings.ActivityMix.CompanyShare;
import dev.keyhole.findings.ActivityMix.OriginShare;
import dev.keyhole.findings.ActivityMix.ServiceShare;
import dev.keyhole.findings.ActivityMix.ShareChange;
import dev.keyhole.findings.Findings;
import dev.keyhole.findings.Judgment;
import dev.keyhole.findings.Opsec;
import dev.keyhole.findings.PatternOfLife;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A realistic findings object shaped like the DPRK reference case (two report windows, monthly
 * breakdowns), seeded with hostile strings where the adversary controls the text.
 */
final class SampleFindings {
    static final String XSS = "<script>alert(1)</script>";
    static final String ATTR = "\"onmouseover=alert(2) x=\"";
    static final String END = "</script><img src=x onerror=alert(3)>";
    static final String FORMULA = "=cmd|' /C calc'!A0";
    static final String LINE_SEP = "evil\u2028name\u2029.example";
    static final String AMP = "a&b <!-- c";

    static final String P1 = "Apr–Jul 2017";
    static final String P2 = "Dec 2017–Mar 2018";
    static final List<String> MONTHS_1 = List.of("2017-04", "2017-05", "2017-06", "2017-07");
    static final List<String> MONTHS_2 = List.of("2017-12", "2018-01", "2018-02", "2018-03");

    private SampleFindings() {}

    /** Hostile strings in names and paths; set {@code hostile} false for a clean demo. */
    static Findings build(boolean hostile) {
        Findings f = new Findings();
        f.generatedAt = "2018-04-02T09:15:00Z";
        f.profile = new Findings.ProfileInfo("dprk", List.of("175.45.176.0/22", "210.52.109.0/24", "77.94.35.0/24"),
                List.of(131279L), "Asia/Pyongyang", List.of("Saturday", "Sunday"),
                List.of(new Findings.PeriodInfo(P1, "2017-04-01", "2017-07-31"),
                        new Findings.PeriodInfo(P2, "2017-12-01", "2018-03-31")), false);
        f.settings = new Findings.Settings("keyhole 0.1.0", "detected", "vxlan,gre", 3600, 5_000_000, 0);
        f.inputs.add(new Findings.InputInfo("/data/flows/2017/" + (hostile ? XSS : "apr-jul") + ".csv", "csv",
                1_204_332, 17, List.of("line 88: bad port '" + (hostile ? FORMULA : "x") + "'",
                        "line 301: " + (hostile ? END : "missing field"), "line 302: truncated", "line 303: truncated",
                        "line 304: truncated", "line 305: truncated", "line 306: truncated")));
        f.inputs.add(new Findings.InputInfo("/data/zeek/conn.log", "zeek-conn", 884_120, 0, List.of()));
        f.totals = new Findings.Totals(2_088_452, 2_071_000, 1_530_214, 1_402_877, 120_004, 7_333, 17_452,
                94_337_882_112L, new Findings.NamedBy(801_233, 120_456, 355_021, 253_504), 61, 48_812);
        f.referenceData.add(new Findings.ReferenceDataset("geoip", "/cache/GeoLite2-Country.mmdb", "MaxMind GeoLite2",
                "2018-03-27", "CC BY-SA 4.0. This report includes GeoLite2 data created by MaxMind."));
        f.referenceData.add(new Findings.ReferenceDataset("catalogue", "built-in", "Keyhole service catalogue", "0.1.0",
                "Apache-2.0"));

        String[] cats = {"gaming", "social", "search", "streaming", "news", "vpn", "other"};
        double[][] catShares = {{0.28, 0.22, 0.16, 0.12, 0.07, 0.03, 0.12}, {0.20, 0.30, 0.14, 0.16, 0.04, 0.07, 0.09}};
        long[] periodFlows = {620_000, 782_877};
        String[] periods = {P1, P2};
        List<CategoryShare> byCategory = new ArrayList<>();
        for (int p = 0; p < 2; p++) {
            for (int c = 0; c < cats.length; c++) {
                long fl = Math.round(periodFlows[p] * catShares[p][c]);
                byCategory.add(new CategoryShare(periods[p], cats[c], fl, fl * 41_000, catShares[p][c],
                        catShares[p][c] * 0.9 + 0.01));
            }
        }

        Object[][] svc = {
                {"steam", "Steam", "Valve", "gaming", "western"},
                {"qq-games", "QQ Games", "Tencent", "gaming", "chinese"},
                {"facebook", "Facebook", "Meta", "social", "western"},
                {"instagram", "Instagram", "Meta", "social", "western"},
                {"baidu", "Baidu", "Baidu", "search", "chinese"},
                {"google", "Google Search", "Alphabet", "search", "western"},
                {"youku", "Youku", "Alibaba", "streaming", "chinese"},
                {"netflix", "Netflix", "Netflix", "streaming", "western"},
                {"vk", "VKontakte", "VK", "social", "russian"},
                {"tmall", "Tmall", "Alibaba", "other", "chinese"},
                {hostile ? XSS : "unknown-1", hostile ? ATTR : "", hostile ? END : "", "other", "other"},
                {hostile ? FORMULA : "unknown-2", hostile ? LINE_SEP : "", hostile ? AMP : "", "vpn", "other"},
        };
        double[][] svcShares = {
                {0.16, 0.12, 0.13, 0.05, 0.10, 0.06, 0.07, 0.05, 0.04, 0.03, 0.045, 0.02},
                {0.10, 0.10, 0.15, 0.08, 0.08, 0.06, 0.10, 0.06, 0.07, 0.02, 0.05, 0.065}};
        List<ServiceShare> byService = new ArrayList<>();
        Map<String, double[]> companies = new LinkedHashMap<>();
        for (int p = 0; p < 2; p++) {
            for (int s = 0; s < svc.length; s++) {
                long fl = Math.round(periodFlows[p] * svcShares[p][s]);
                byService.add(new ServiceShare(periods[p], (String) svc[s][0], (String) svc[s][1],
                        (String) svc[s][2], (String) svc[s][3], (String) svc[s][4], fl, fl * 52_000,
                        svcShares[p][s], svcShares[p][s]));
                companies.computeIfAbsent((String) svc[s][2], k -> new double[2])[p] += svcShares[p][s];
            }
        }
        List<CompanyShare> byCompany = new ArrayList<>();
        for (int p = 0; p < 2; p++) {
            for (Map.Entry<String, double[]> e : companies.entrySet()) {
                double sh = e.getValue()[p];
                byCompany.add(new CompanyShare(periods[p], e.getKey(), Math.round(periodFlows[p] * sh),
                        Math.round(periodFlows[p] * sh) * 50_000, sh, sh));
            }
        }
        String[] origins = {"western", "chinese", "russian", "other"};
        double[][] originShares = {{0.45, 0.40, 0.04, 0.11}, {0.44, 0.36, 0.08, 0.12}};
        List<OriginShare> byOrigin = new ArrayList<>();
        for (int p = 0; p < 2; p++) {
            for (int o = 0; o < origins.length; o++) {
                long fl = Math.round(periodFlows[p] * originShares[p][o]);
                byOrigin.add(new OriginShare(periods[p], origins[o], fl, fl * 48_000, originShares[p][o],
                        originShares[p][o]));
            }
        }

        List<String> months = new ArrayList<>(MONTHS_1);
        months.addAll(MONTHS_2);
        List<CategoryShare> mCat = new ArrayList<>();
        List<ServiceShare> mSvc = new ArrayList<>();
        List<CompanyShare> mCom = new ArrayList<>();
        List<OriginShare> mOri = new ArrayList<>();
        List<Opsec.Row> opsecMonthly = new ArrayList<>();
        for (int i = 0; i < months.size(); i++) {
            String mo = months.get(i);
            int p = i < 4 ? 0 : 1;
            double t = (i % 4) / 3.0;
            long mf = 140_000 + 9_000L * i;
            double[] cs = catShares[p].clone();
            cs[0] -= 0.03 * t; // gaming declines through each window
            cs[1] += 0.03 * t;
            for (int c = 0; c < cats.length; c++) {
                long fl = Math.round(mf * cs[c]);
                mCat.add(new CategoryShare(mo, cats[c], fl, fl * 40_000, cs[c], cs[c]));
            }
            for (int o = 0; o < origins.length; o++) {
                double sh = originShares[p][o] + (o == 2 ? 0.01 * t : o == 0 ? -0.01 * t : 0);
                mOri.add(new OriginShare(mo, origins[o], Math.round(mf * sh), Math.round(mf * sh) * 47_000, sh, sh));
            }
            mSvc.add(new ServiceShare(mo, "facebook", "Facebook", "Meta", "social", "western",
                    Math.round(mf * 0.14), Math.round(mf * 0.14) * 50_000, 0.14, 0.14));
            mCom.add(new CompanyShare(mo, "Meta", Math.round(mf * 0.2), Math.round(mf * 0.2) * 50_000, 0.2, 0.2));
            double obf = (p == 0 ? 0.031 : 0.072) + 0.004 * i;
            long of = Math.round(mf * obf);
            long vpn = Math.round(of * (p == 0 ? 0.35 : 0.45));
            long tor = i == 0 ? 0 : Math.round(of * 0.04);
            long vps = Math.round(of * 0.2);
            long tls = of - vpn - tor - vps;
            opsecMonthly.add(new Opsec.Row(mo, mf, of, obf, new Opsec.Composition((double) vpn / of,
                    (double) vps / of, (double) tls / of, (double) tor / of), new Opsec.Counts(vpn, vps, tls, tor)));
        }
        List<Opsec.Row> opsecPeriods = new ArrayList<>();
        for (int p = 0; p < 2; p++) {
            long of = Math.round(periodFlows[p] * (p == 0 ? 0.037 : 0.08));
            long vpn = Math.round(of * (p == 0 ? 0.35 : 0.45));
            long tor = Math.round(of * 0.03);
            long vps = Math.round(of * 0.2);
            long tls = of - vpn - tor - vps;
            opsecPeriods.add(new Opsec.Row(periods[p], periodFlows[p], of, (double) of / periodFlows[p],
                    new Opsec.Composition((double) vpn / of, (double) vps / of, (double) tls / of, (double) tor / of),
                    new Opsec.Counts(vpn, vps, tls, tor)));
        }

        List<ShareChange> changes = List.of(
                new ShareChange("category", "gaming", P1, P2, 0.28, 0.20, -0.08, -33.1, 1.2e-240, true),
                new ShareChange("category", "social", P1, P2, 0.22, 0.30, 0.08, 35.2, 0.0, true),
                new ShareChange("category", "news", P1, P2, 0.07, 0.0699, -0.0001, -0.2, 0.84, false),
                new ShareChange("origin", "russian", P1, P2, 0.04, 0.08, 0.04, 31.0, 3.3e-211, true),
                new ShareChange("service", hostile ? XSS : "unknown-1", P1, P2, 0.02, 0.03, 0.01, 3.1, 0.0019, true),
                new ShareChange("service", "tmall", P1, P2, 0.0, 0.0, 0.0, Double.NaN, Double.NaN, false));
        f.activityMix = new ActivityMix(byCategory, byService, byCompany, byOrigin,
                new ActivityMix.Monthly(mCat, mSvc, mCom, mOri), changes);

        List<PatternOfLife.PeriodPattern> pps = new ArrayList<>();
        for (int p = 0; p < 2; p++) {
            long[][] m = matrix(p);
            long total = 0;
            long weekend = 0;
            for (int d = 0; d < 7; d++) {
                for (int h = 0; h < 24; h++) {
                    total += m[d][h];
                    if (d >= 5) weekend += m[d][h];
                }
            }
            double ws = (double) weekend / total;
            pps.add(new PatternOfLife.PeriodPattern(periods[p], total,
                    new PatternOfLife.PeakHours(p == 0 ? 9 : 10, p == 0 ? 23 : 1, 0.8, 0.8), 1 - ws, ws,
                    (ws / 2) / ((1 - ws) / 5), p == 0 ? 118 : 121, m));
        }
        f.patternOfLife = new PatternOfLife("Asia/Pyongyang", pps, List.of(new PatternOfLife.WeekendChange(P1, P2,
                pps.get(0).weekendShare(), pps.get(1).weekendShare(), 12.4, 2.4e-35, true, pps.get(0).weekendDayRatio(),
                pps.get(1).weekendDayRatio())));
        f.opsec = new Opsec(opsecMonthly, opsecPeriods);

        f.judgments.add(new Judgment("origin-shift", "Use of Russian services doubled between the two windows, "
                + "from 4% to 8% of conversations, while Chinese services fell from 40% to 36%.", "high",
                "Significant at p < 0.01 on over 600,000 conversations per window; origin comes from the "
                        + "catalogue for 84% of conversations.",
                List.of("/activityMix/changes?dimension=origin&key=russian", "/activityMix/byOrigin")));
        f.judgments.add(new Judgment("opsec-rise", "Obfuscation more than doubled: 8.0% of outbound conversations "
                + "were hidden behind VPNs, VPSs, Tor or unidentified TLS, up from 3.7%.", "moderate",
                "The rise is steady month by month, but unidentified TLS may include services missing from "
                        + "the catalogue.",
                List.of("/opsec/periods", "/opsec/monthly")));
        f.judgments.add(new Judgment("odd-service", "Traffic to " + (hostile ? XSS + " " + ATTR : "an unknown host")
                + " rose.", "low", hostile ? "Only " + END + " seen; " + LINE_SEP : "Few conversations.",
                List.of("/activityMix/changes?dimension=service&key=" + (hostile ? XSS : "unknown-1"))));
        return f;
    }

    /** A working-hours rhythm with late evenings (gaming) and a quieter weekend; shifted in period 2. */
    static long[][] matrix(int p) {
        long[][] m = new long[7][24];
        for (int d = 0; d < 7; d++) {
            for (int h = 0; h < 24; h++) {
                double base = h < 7 ? 40 : h < 9 ? 400 : h < 18 ? 1400 : h < 23 ? 1900 : 600;
                if (p == 1) base = (h + 23) % 24 < 7 ? 60 : base * 1.1;
                double day = d >= 5 ? (p == 0 ? 0.55 : 0.8) : 1.0;
                m[d][h] = Math.round(base * day * (1 + 0.07 * ((d * 7 + h * 3) % 5)));
            }
        }
        return m;
    }
}
