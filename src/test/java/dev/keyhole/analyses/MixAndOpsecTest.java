package dev.keyhole.analyses;

import dev.keyhole.analyses.mix.ActivityMixAnalysis;
import dev.keyhole.analyses.opsec.OpsecAnalysis;
import dev.keyhole.enrichment.Category;
import dev.keyhole.enrichment.Obfuscation;
import dev.keyhole.enrichment.Origin;
import dev.keyhole.findings.ActivityMix;
import dev.keyhole.findings.Findings;
import dev.keyhole.findings.Opsec;
import dev.keyhole.profile.Period;
import org.junit.jupiter.api.Test;

import java.time.LocalDate;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class MixAndOpsecTest {
    private static final List<Period> PERIODS = List.of(
            new Period("a", LocalDate.of(2017, 4, 1), LocalDate.of(2017, 7, 6)),
            new Period("b", LocalDate.of(2018, 3, 16), LocalDate.of(2018, 8, 30)));

    @Test
    void judgmentsNameServicesWithoutANameByTheirIdNeverNull() {
        AnalysisContext ctx = new AnalysisContext(PatternOfLifeAnalysisTest.profile(PERIODS));
        ActivityMixAnalysis mix = new ActivityMixAnalysis(ctx);
        // What enrichment gives a remote end with no ASN (service "unknown") or an AS without an
        // organisation name ("as:64511"): no service name.
        for (int k = 0; k < 600; k++) mix.accept(unnamed("2017-05-02T03:00:00Z", "unknown"));
        for (int k = 0; k < 300; k++) mix.accept(unnamed("2017-05-02T03:00:00Z", "as:64511"));
        for (int k = 0; k < 500; k++) mix.accept(unnamed("2018-05-02T03:00:00Z", "as:64511"));
        for (int k = 0; k < 100; k++) mix.accept(unnamed("2018-05-02T03:00:00Z", "unknown"));
        Findings f = new Findings();
        mix.finish(f);
        assertThat(f.judgments).allSatisfy(j -> assertThat(j.text()).doesNotContain("null"));
        assertThat(f.judgments).anySatisfy(j -> assertThat(j.text()).contains(
                "the most used service was unidentified destinations (no catalogue or ASN match) (66.7% of conversations),"
                        + " 2.0 times the next, as:64511 (33.3%)"));
        assertThat(f.judgments).anySatisfy(j -> assertThat(j.text()).contains("share of conversations with as:64511 rose"));
    }

    private static dev.keyhole.enrichment.EnrichedFlow unnamed(String utc, String service) {
        var f = Flows.out(utc, service, Category.OTHER, Origin.OTHER, Obfuscation.PLAIN, 100);
        return new dev.keyhole.enrichment.EnrichedFlow(f.flow(), f.direction(), true, f.local(), f.remote(),
                f.serverPort(), null, null, null, 0, null, service, null, null, Category.OTHER, null, Origin.OTHER,
                Obfuscation.PLAIN);
    }

    /**
     * A service gets a change row between two periods when its share is at least 1 % in either,
     * with a zero count where it is absent; the rows come sorted by service id.
     */
    @Test
    void serviceChangesCoverServicesOverTheBarInEitherPeriodSortedById() {
        AnalysisContext ctx = new AnalysisContext(PatternOfLifeAnalysisTest.profile(PERIODS));
        ActivityMixAnalysis mix = new ActivityMixAnalysis(ctx);
        String a = "2017-05-02T03:00:00Z", b = "2018-05-02T03:00:00Z";
        // Period a, 1,000 flows: zeta 900, tiny 9 (0.9 %), alpha 10 (1.0 %), 81 services of one flow each.
        for (int k = 0; k < 900; k++) mix.accept(Flows.out(a, "zeta", Category.OTHER, Origin.OTHER, Obfuscation.PLAIN, 10));
        for (int k = 0; k < 9; k++) mix.accept(Flows.out(a, "tiny", Category.OTHER, Origin.OTHER, Obfuscation.PLAIN, 10));
        for (int k = 0; k < 10; k++) mix.accept(Flows.out(a, "alpha", Category.OTHER, Origin.OTHER, Obfuscation.PLAIN, 10));
        for (int k = 0; k < 81; k++) mix.accept(Flows.out(a, "as:" + (64600 + k), Category.OTHER, Origin.OTHER, Obfuscation.PLAIN, 10));
        // Period b, 1,000 flows: zeta 950, tiny 5, middle 45 (new, 4.5 %).
        for (int k = 0; k < 950; k++) mix.accept(Flows.out(b, "zeta", Category.OTHER, Origin.OTHER, Obfuscation.PLAIN, 10));
        for (int k = 0; k < 5; k++) mix.accept(Flows.out(b, "tiny", Category.OTHER, Origin.OTHER, Obfuscation.PLAIN, 10));
        for (int k = 0; k < 45; k++) mix.accept(Flows.out(b, "middle", Category.OTHER, Origin.OTHER, Obfuscation.PLAIN, 10));
        Findings f = new Findings();
        mix.finish(f);
        List<ActivityMix.ShareChange> services = f.activityMix.changes().stream()
                .filter(c -> c.dimension().equals("service")).toList();
        assertThat(services).extracting(ActivityMix.ShareChange::key).containsExactly("alpha", "middle", "zeta");
        assertThat(services.get(0).shareFrom()).isEqualTo(0.01);
        assertThat(services.get(0).shareTo()).isEqualTo(0.0);
        assertThat(services.get(1).shareFrom()).isEqualTo(0.0);
        assertThat(services.get(1).shareTo()).isEqualTo(0.045);
        assertThat(services.get(2).shareFrom()).isEqualTo(0.9);
        assertThat(services.get(2).shareTo()).isEqualTo(0.95);
    }

    @Test
    void sharesPerPeriodAndMonthAndMergeEqualsSinglePass() {
        AnalysisContext ctx = new AnalysisContext(PatternOfLifeAnalysisTest.profile(PERIODS));
        ActivityMixAnalysis whole = new ActivityMixAnalysis(ctx);
        ActivityMixAnalysis w1 = new ActivityMixAnalysis(ctx);
        ActivityMixAnalysis w2 = new ActivityMixAnalysis(ctx);
        int i = 0;
        // Period a: 650 gaming/streaming of 1000 on western services; period b: 700 of 1000 on chinese alibaba.
        for (int k = 0; k < 1000; k++) {
            var f = k < 400 ? Flows.out("2017-05-02T03:00:00Z", "steam", Category.GAMING, Origin.WESTERN, Obfuscation.PLAIN, 1000)
                    : k < 650 ? Flows.out("2017-05-02T03:00:00Z", "youku", Category.STREAMING, Origin.CHINESE, Obfuscation.PLAIN, 3000)
                    : Flows.out("2017-06-20T03:00:00Z", "facebook", Category.SOCIAL, Origin.WESTERN, Obfuscation.PLAIN, 500);
            whole.accept(f);
            (i++ % 2 == 0 ? w1 : w2).accept(f);
        }
        for (int k = 0; k < 1000; k++) {
            var f = k < 700 ? Flows.out("2018-05-02T03:00:00Z", "alibaba", Category.SHOPPING, Origin.CHINESE, Obfuscation.PLAIN, 100)
                    : Flows.out("2018-05-02T03:00:00Z", "baidu", Category.SEARCH, Origin.CHINESE, Obfuscation.PLAIN, 100);
            whole.accept(f);
            (i++ % 2 == 0 ? w1 : w2).accept(f);
        }
        w1.merge(w2);
        Findings a = new Findings(), b = new Findings();
        whole.finish(a);
        w1.finish(b);
        assertThat(b.activityMix).usingRecursiveComparison().isEqualTo(a.activityMix);

        ActivityMix m = a.activityMix;
        assertThat(m.byCategory()).filteredOn(c -> c.period().equals("a") && c.category().equals("gaming"))
                .singleElement().satisfies(c -> {
                    assertThat(c.flows()).isEqualTo(400);
                    assertThat(c.share()).isEqualTo(0.4);
                    assertThat(c.bytes()).isEqualTo(400_000);
                    assertThat(c.byteShare()).isCloseTo(400_000.0 / (400_000 + 750_000 + 175_000), within(1e-12));
                });
        assertThat(m.byOrigin()).filteredOn(o -> o.period().equals("b")).singleElement()
                .satisfies(o -> assertThat(o.share()).isEqualTo(1.0));
        // Monthly rows: 2017-05 holds 650, 2017-06 holds 350.
        assertThat(m.monthly().byCategory()).filteredOn(c -> c.period().equals("2017-06"))
                .singleElement().satisfies(c -> assertThat(c.flows()).isEqualTo(350));
        // Top service in b is alibaba, 700/300 = 2.33x baidu.
        assertThat(m.byService().stream().filter(s -> s.period().equals("b")).findFirst().orElseThrow().service())
                .isEqualTo("alibaba");
        assertThat(a.judgments).anySatisfy(j -> assertThat(j.text()).contains("alibaba (70.0% of conversations), 2.3 times the next, baidu (30.0%)"));
        assertThat(a.judgments).anySatisfy(j -> assertThat(j.text()).contains("gaming and streaming together made up 65%"));
        // Western share fell from 75% to 0: significant, high confidence.
        ActivityMix.ShareChange west = m.changes().stream()
                .filter(c -> c.dimension().equals("origin") && c.key().equals("western")).findFirst().orElseThrow();
        assertThat(west.shareFrom()).isEqualTo(0.75);
        assertThat(west.shareTo()).isEqualTo(0.0);
        assertThat(west.significant()).isTrue();
        assertThat(a.judgments).anySatisfy(j -> {
            assertThat(j.id()).isEqualTo("shift-origin-western-a-b");
            assertThat(j.confidence()).isEqualTo("high");
        });
    }

    @Test
    void aServiceWhoseFlowsHaveDifferentOriginsShowsNoneWhateverTheOrder() {
        // bittorrent to a Chinese and to a German peer: no single origin, whichever flow a worker saw
        // first; steam is western in every flow.
        AnalysisContext ctx = new AnalysisContext(PatternOfLifeAnalysisTest.profile(List.of()));
        var cn = Flows.out("2017-05-02T03:00:00Z", "bittorrent", Category.P2P, Origin.CHINESE, Obfuscation.PLAIN, 100);
        var de = Flows.out("2017-05-02T04:00:00Z", "bittorrent", Category.P2P, Origin.WESTERN, Obfuscation.PLAIN, 100);
        var steam = Flows.out("2017-05-02T05:00:00Z", "steam", Category.GAMING, Origin.WESTERN, Obfuscation.PLAIN, 100);
        List<ActivityMix> results = new java.util.ArrayList<>();
        for (boolean cnFirst : new boolean[] {true, false}) {
            ActivityMixAnalysis single = new ActivityMixAnalysis(ctx);
            single.accept(cnFirst ? cn : de);
            single.accept(cnFirst ? de : cn);
            single.accept(steam);
            Findings f = new Findings();
            single.finish(f);
            results.add(f.activityMix);
            // Split over two workers, each seeing one origin only: the merge finds the difference.
            ActivityMixAnalysis w1 = new ActivityMixAnalysis(ctx), w2 = new ActivityMixAnalysis(ctx);
            w1.accept(cnFirst ? cn : de);
            w1.accept(steam);
            w2.accept(cnFirst ? de : cn);
            w1.merge(w2);
            Findings g = new Findings();
            w1.finish(g);
            results.add(g.activityMix);
        }
        for (ActivityMix m : results) {
            assertThat(m.byService()).filteredOn(s -> s.service().equals("bittorrent")).singleElement().satisfies(s -> {
                assertThat(s.origin()).isNull();
                assertThat(s.category()).isEqualTo("p2p");
                assertThat(s.flows()).isEqualTo(2);
            });
            assertThat(m.byService()).filteredOn(s -> s.service().equals("steam")).singleElement()
                    .satisfies(s -> assertThat(s.origin()).isEqualTo("western"));
            // Monthly periods: the monthly tables hold the same rows, one month here.
            assertThat(m.monthly().byService()).filteredOn(s -> s.service().equals("bittorrent")).singleElement()
                    .satisfies(s -> {
                        assertThat(s.period()).isEqualTo("2017-05");
                        assertThat(s.flows()).isEqualTo(2);
                        assertThat(s.origin()).isNull();
                    });
            assertThat(m.monthly().byCategory()).extracting(ActivityMix.CategoryShare::category)
                    .containsExactlyInAnyOrder("p2p", "gaming");
        }
    }

    @Test
    void smallDifferencesAreNotSignificant() {
        AnalysisContext ctx = new AnalysisContext(PatternOfLifeAnalysisTest.profile(PERIODS));
        ActivityMixAnalysis m = new ActivityMixAnalysis(ctx);
        for (int k = 0; k < 100; k++) m.accept(Flows.out("2017-05-02T03:00:00Z", k < 50 ? Category.GAMING : Category.NEWS));
        for (int k = 0; k < 100; k++) m.accept(Flows.out("2018-05-02T03:00:00Z", k < 53 ? Category.GAMING : Category.NEWS));
        Findings f = new Findings();
        m.finish(f);
        ActivityMix.ShareChange g = f.activityMix.changes().stream()
                .filter(c -> c.dimension().equals("category") && c.key().equals("gaming")).findFirst().orElseThrow();
        assertThat(g.pValue()).isGreaterThan(0.5);
        assertThat(g.significant()).isFalse();
        assertThat(f.judgments).noneMatch(j -> j.id().startsWith("shift-"));
    }

    @Test
    void opsecShareAndCompositionPerMonth() {
        AnalysisContext ctx = new AnalysisContext(PatternOfLifeAnalysisTest.profile(List.of()));
        OpsecAnalysis o = new OpsecAnalysis(ctx);
        // 2018-01: 1000 conversations, 130 obfuscated: 82 vpn, 40 tls, 6 vps, 2 tor.
        int[][] mix = {{82, Obfuscation.VPN.ordinal()}, {40, Obfuscation.TLS.ordinal()}, {6, Obfuscation.VPS.ordinal()},
                {2, Obfuscation.TOR.ordinal()}, {870, Obfuscation.PLAIN.ordinal()}};
        for (int[] m : mix) for (int k = 0; k < m[0]; k++) {
            o.accept(Flows.out("2018-01-10T03:00:00Z", "x", Category.OTHER, Origin.OTHER, Obfuscation.values()[m[1]], 10));
        }
        for (int k = 0; k < 200; k++) o.accept(Flows.out("2017-08-10T03:00:00Z", Category.GAMING));
        o.accept(Flows.out("2017-08-10T03:00:00Z", "x", Category.OTHER, Origin.OTHER, Obfuscation.VPN, 10));
        Findings f = new Findings();
        o.finish(f);
        assertThat(f.opsec.monthly()).extracting(Opsec.Row::month).containsExactly("2017-08", "2018-01");
        Opsec.Row jan = f.opsec.monthly().get(1);
        assertThat(jan.obfuscatedShare()).isEqualTo(0.13);
        assertThat(jan.composition().vpn()).isCloseTo(82 / 130.0, within(1e-12));
        assertThat(jan.composition().tls() + jan.composition().vpn() + jan.composition().vps() + jan.composition().tor())
                .isCloseTo(1.0, within(1e-12));
        assertThat(f.opsec.monthly().get(0).obfuscatedShare()).isCloseTo(1 / 201.0, within(1e-12));
        assertThat(f.judgments).singleElement().satisfies(j -> assertThat(j.text()).startsWith("Obfuscated activity peaked in 2018-01 at 13.0%"));
    }

    /** Months that differ by noise only: a steady share, no "peak" (seen on flat bench data). */
    @Test
    void aSteadyObfuscatedShareHasNoPeak() {
        AnalysisContext ctx = new AnalysisContext(PatternOfLifeAnalysisTest.profile(List.of()));
        OpsecAnalysis o = new OpsecAnalysis(ctx);
        // 2017-04: 548 of 1000 obfuscated; 2017-05: 550 of 1000; 2017-06: 552 of 1000 (the highest).
        int[][] months = {{4, 548}, {5, 550}, {6, 552}};
        for (int[] m : months) {
            for (int k = 0; k < 1000; k++) {
                o.accept(Flows.out(String.format("2017-%02d-10T03:00:00Z", m[0]), "x", Category.OTHER, Origin.OTHER,
                        k < m[1] ? Obfuscation.VPN : Obfuscation.PLAIN, 10));
            }
        }
        Findings f = new Findings();
        o.finish(f);
        assertThat(f.judgments).singleElement().satisfies(j -> {
            assertThat(j.id()).isEqualTo("opsec-steady");
            assertThat(j.text()).isEqualTo("Obfuscated activity was steady: 54.8–55.2% of conversations in each of the 3"
                    + " months with at least 100 conversations, 2017-04 to 2017-06 (VPN 100%, TLS to unidentified services"
                    + " 0%, VPS 0%, Tor 0% of it in 2017-06).");
        });
    }

    /** A rise of 8 points over the months is a peak (its last month), with the lowest month named. */
    @Test
    void aRisingShareIsAPeakWithItsLowestMonth() {
        AnalysisContext ctx = new AnalysisContext(PatternOfLifeAnalysisTest.profile(List.of()));
        OpsecAnalysis o = new OpsecAnalysis(ctx);
        int[][] months = {{4, 470}, {5, 490}, {6, 510}, {7, 530}, {8, 550}};
        for (int[] m : months) {
            for (int k = 0; k < 1000; k++) {
                o.accept(Flows.out(String.format("2017-%02d-10T03:00:00Z", m[0]), "x", Category.OTHER, Origin.OTHER,
                        k < m[1] ? Obfuscation.TOR : Obfuscation.PLAIN, 10));
            }
        }
        // One month with only 10 conversations: not enough to count.
        for (int k = 0; k < 10; k++) {
            o.accept(Flows.out("2017-09-10T03:00:00Z", "x", Category.OTHER, Origin.OTHER, Obfuscation.TOR, 10));
        }
        Findings f = new Findings();
        o.finish(f);
        assertThat(f.judgments).singleElement().satisfies(j -> assertThat(j.text()).isEqualTo(
                "Obfuscated activity peaked in 2017-08 at 55.0% of conversations (VPN 0%, TLS to unidentified services 0%,"
                        + " VPS 0%, Tor 100% of it); the lowest month was 2017-04 at 47.0%; it was 47.0% in 2017-04 and"
                        + " 55.0% in 2017-08."));
        OpsecAnalysis one = new OpsecAnalysis(ctx);
        for (int k = 0; k < 200; k++) {
            one.accept(Flows.out("2017-04-10T03:00:00Z", "x", Category.OTHER, Origin.OTHER,
                    k < 50 ? Obfuscation.VPN : Obfuscation.PLAIN, 10));
        }
        Findings g = new Findings();
        one.finish(g);
        assertThat(g.judgments).singleElement().satisfies(j -> {
            assertThat(j.id()).isEqualTo("opsec-month");
            assertThat(j.text()).startsWith("Obfuscated activity was 25.0% of conversations in 2017-04 (VPN 100%");
        });
    }
}
