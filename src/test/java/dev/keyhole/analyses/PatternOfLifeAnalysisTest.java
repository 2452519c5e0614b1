package dev.keyhole.analyses;

import dev.keyhole.analyses.pattern.PatternOfLifeAnalysis;
import dev.keyhole.enrichment.Category;
import dev.keyhole.enrichment.Direction;
import dev.keyhole.findings.Findings;
import dev.keyhole.findings.PatternOfLife.PeriodPattern;
import dev.keyhole.profile.Period;
import dev.keyhole.profile.TargetProfile;
import org.junit.jupiter.api.Test;

import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class PatternOfLifeAnalysisTest {
    static TargetProfile profile(List<Period> periods) {
        return new TargetProfile("t", List.of("175.45.176.0/22"), List.of(), ZoneId.of("Asia/Pyongyang"),
                Set.of(DayOfWeek.SATURDAY, DayOfWeek.SUNDAY), periods, List.of());
    }

    @Test
    void followsPyongyangOffsetChangeOf20180505() {
        // 2018-05-04 was a Friday: Pyongyang at +08:30, so 01:00Z is 09:30 local (hour 9).
        // 2018-05-06 was a Sunday: Pyongyang back at +09:00, so 01:00Z is 10:00 local (hour 10).
        AnalysisContext ctx = new AnalysisContext(profile(List.of()));
        PatternOfLifeAnalysis a = new PatternOfLifeAnalysis(ctx);
        a.accept(Flows.out("2018-05-04T01:00:00Z", Category.GAMING));
        a.accept(Flows.out("2018-05-06T01:00:00Z", Category.GAMING));
        // The switch happened at 2018-05-04T15:00Z (23:30 local became 00:00): 15:10Z is 00:10 on Saturday.
        a.accept(Flows.out("2018-05-04T15:10:00Z", Category.GAMING));
        // 14:50Z is still +08:30: 23:20 on Friday.
        a.accept(Flows.out("2018-05-04T14:50:00Z", Category.GAMING));
        Findings f = new Findings();
        a.finish(f);
        PeriodPattern may = f.patternOfLife.periods().get(0);
        assertThat(may.period()).isEqualTo("2018-05");
        long[][] m = may.matrix();
        assertThat(m[4][9]).isEqualTo(1);   // Friday 09:30
        assertThat(m[6][10]).isEqualTo(1);  // Sunday 10:00
        assertThat(m[5][0]).isEqualTo(1);   // Saturday 00:10
        assertThat(m[4][23]).isEqualTo(1);  // Friday 23:20
        assertThat(may.flows()).isEqualTo(4);
        assertThat(may.weekendShare()).isEqualTo(0.5);
    }

    @Test
    void peakWindowIsShortestRunHoldingEightyPercent() {
        long[] cells = new long[7 * 24];
        // Monday: 10 conversations each hour 08..19 (120), 5 at 03:00, 5 at 22:00.
        for (int h = 8; h < 20; h++) cells[h] = 10;
        cells[3] = 5;
        cells[22] = 5;
        AnalysisContext ctx = new AnalysisContext(profile(List.of()));
        PatternOfLifeAnalysis a = new PatternOfLifeAnalysis(ctx);
        for (int h = 8; h < 20; h++) for (int i = 0; i < 10; i++) a.accept(Flows.out(mondayLocal(h), Category.GAMING));
        for (int i = 0; i < 5; i++) a.accept(Flows.out("2018-06-03T18:00:00Z", Category.GAMING)); // 03:00 Mon
        for (int i = 0; i < 5; i++) a.accept(Flows.out("2018-06-04T13:00:00Z", Category.GAMING)); // 22:00 Mon
        Findings f = new Findings();
        a.finish(f);
        PeriodPattern p = f.patternOfLife.periods().get(0);
        assertThat(p.matrix()[0]).containsExactly(java.util.Arrays.copyOf(cells, 24));
        // 130 total, 80% = 104: 11 consecutive hours of 10 hold 110; 10 hours hold only 100.
        assertThat(p.peakHours().end() - p.peakHours().start()).isEqualTo(11);
        assertThat(p.peakHours().start()).isIn(8, 9);
        assertThat(p.peakHours().share()).isCloseTo(110.0 / 130, org.assertj.core.data.Offset.offset(1e-9));
    }

    /** Activity spread over the whole day has no active hours to name; a daytime rhythm does. */
    @Test
    void evenlySpreadActivityIsJudgedAsNoClearActiveHours() {
        AnalysisContext ctx = new AnalysisContext(profile(List.of()));
        PatternOfLifeAnalysis flat = new PatternOfLifeAnalysis(ctx);
        // 10 conversations in each hour of Monday, one hour with 12.
        for (int h = 0; h < 24; h++) {
            for (int i = 0; i < (h == 13 ? 12 : 10); i++) flat.accept(Flows.out(mondayLocal(h), Category.GAMING));
        }
        Findings f = new Findings();
        flat.finish(f);
        // 80 % of 242 = 193.6: 19 hours hold at most 192, 20 hours 202.
        assertThat(f.patternOfLife.periods().get(0).peakHours().share()).isCloseTo(202.0 / 242, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(f.judgments).singleElement().satisfies(j -> assertThat(j.text()).isEqualTo(
                "In 2018-06, conversations were spread around the clock, with no clear active hours: the shortest run"
                        + " of hours holding 80% of them is 20 hours long (evenly spread activity needs 19.2)."));

        PatternOfLifeAnalysis day = new PatternOfLifeAnalysis(ctx);
        for (int h = 6; h < 23; h++) for (int i = 0; i < 10; i++) day.accept(Flows.out(mondayLocal(h), Category.GAMING));
        day.accept(Flows.out(mondayLocal(2), Category.GAMING));
        Findings g = new Findings();
        day.finish(g);
        // 171 conversations, 80 % = 136.8: 14 hours of 10 (17 hours, 06:00-23:00, hold 170).
        assertThat(g.judgments).singleElement().satisfies(j -> assertThat(j.text())
                .matches("In 2018-06, 82% of conversations started between 0[6-9]:00 and (20|21|22|23):00 local time \\(Asia/Pyongyang\\)\\."));
    }

    /**
     * The same conversations every day: a period with more weekend days has a larger weekend share,
     * but no weekend day got busier, so there is no change to judge.
     */
    @Test
    void aDifferentCalendarIsNoWeekendChange() {
        List<Period> periods = List.of(new Period("sat-to-sun", LocalDate.of(2018, 6, 2), LocalDate.of(2018, 6, 17)),
                new Period("mon-to-fri", LocalDate.of(2018, 7, 2), LocalDate.of(2018, 7, 20)));
        AnalysisContext ctx = new AnalysisContext(profile(periods));
        PatternOfLifeAnalysis a = new PatternOfLifeAnalysis(ctx);
        for (Period p : periods) {
            for (LocalDate d = p.from(); !d.isAfter(p.to()); d = d.plusDays(1)) {
                for (int i = 0; i < 100; i++) a.accept(Flows.out(d + "T03:00:00Z", Category.GAMING));
            }
        }
        Findings f = new Findings();
        a.finish(f);
        var c = f.patternOfLife.changes().get(0);
        // 6 of 16 days against 4 of 19: shares of 37.5 % and 21.1 %, per day the same.
        assertThat(c.weekendShareFrom()).isEqualTo(0.375);
        assertThat(c.weekendShareTo()).isCloseTo(4.0 / 19, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(c.weekendDayRatioFrom()).isEqualTo(1.0);
        assertThat(c.weekendDayRatioTo()).isEqualTo(1.0);
        assertThat(c.significant()).isFalse();
        assertThat(f.judgments).noneSatisfy(j -> assertThat(j.id()).startsWith("weekend-shift"));
    }

    /** UTC instant of hour h local (UTC+9) on Monday 2018-06-04. */
    private static String mondayLocal(int h) {
        return java.time.LocalDateTime.of(2018, 6, 4, h, 0).minusHours(9) + ":00Z";
    }

    @Test
    void weekendShiftBetweenPeriodsIsTestedAndJudged() {
        List<Period> periods = List.of(new Period("p2017", LocalDate.of(2017, 6, 1), LocalDate.of(2017, 6, 30)),
                new Period("p2018", LocalDate.of(2018, 6, 1), LocalDate.of(2018, 6, 30)));
        AnalysisContext ctx = new AnalysisContext(profile(periods));
        PatternOfLifeAnalysis a = new PatternOfLifeAnalysis(ctx);
        // 2017: 600 on Saturday 2017-06-10, 400 on Monday 2017-06-12. 2018: 200 Saturday 06-09, 800 Monday 06-11.
        for (int i = 0; i < 600; i++) a.accept(Flows.out("2017-06-10T03:00:00Z", Category.GAMING));
        for (int i = 0; i < 400; i++) a.accept(Flows.out("2017-06-12T03:00:00Z", Category.GAMING));
        for (int i = 0; i < 200; i++) a.accept(Flows.out("2018-06-09T03:00:00Z", Category.GAMING));
        for (int i = 0; i < 800; i++) a.accept(Flows.out("2018-06-11T03:00:00Z", Category.GAMING));
        // Inbound traffic and response halves are not activity.
        a.accept(Flows.withDirection(Flows.out("2018-06-11T03:00:00Z", Category.GAMING), Direction.INBOUND, true));
        a.accept(Flows.withDirection(Flows.out("2018-06-11T03:00:00Z", Category.GAMING), Direction.OUTBOUND, false));
        Findings f = new Findings();
        a.finish(f);
        assertThat(f.patternOfLife.periods()).extracting(PeriodPattern::weekendShare).containsExactly(0.6, 0.2);
        assertThat(f.patternOfLife.periods().get(1).flows()).isEqualTo(1000);
        // Per-day ratio over the days between first and last seen: 2017-06-10..12 has 2 weekend days, 1 weekday.
        assertThat(f.patternOfLife.periods().get(0).weekendDayRatio()).isCloseTo((600 / 2.0) / 400, org.assertj.core.data.Offset.offset(1e-9));
        var c = f.patternOfLife.changes().get(0);
        assertThat(c.significant()).isTrue();
        assertThat(c.z()).isLessThan(-15);
        assertThat(f.judgments).anySatisfy(j -> {
            assertThat(j.id()).isEqualTo("weekend-shift-p2017-p2018");
            assertThat(j.text()).isEqualTo("Weekend days went from 0.75× to 0.13× as busy as working days (conversations"
                    + " per day) between p2017 and p2018: in a week of 5 working and 2 weekend days, the weekend's share"
                    + " would have fallen from 23.1% to 4.8%.");
            assertThat(j.confidence()).isEqualTo("high");
        });
    }
}
