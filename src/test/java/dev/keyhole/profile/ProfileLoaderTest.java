package dev.keyhole.profile;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.ZoneId;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProfileLoaderTest {
    @Test
    void builtInDprk() throws Exception {
        TargetProfile p = ProfileLoader.load("dprk");
        assertThat(p.cidrs()).containsExactly("175.45.176.0/22", "210.52.109.0/24", "77.94.35.0/24");
        assertThat(p.asns()).containsExactly(131279L);
        assertThat(p.upstreamAsns()).containsExactly(4837L, 20485L);
        assertThat(p.zone()).isEqualTo(ZoneId.of("Asia/Pyongyang"));
        assertThat(p.weekend()).containsExactlyInAnyOrder(DayOfWeek.SATURDAY, DayOfWeek.SUNDAY);
        assertThat(p.monthlyPeriods()).isTrue();
    }

    @Test
    void userYamlWithWeekendAndPeriods(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("acme.yaml");
        Files.writeString(f, """
                name: acme
                cidrs: [192.0.2.0/24, "2001:db8::/32"]
                asns: [64500, AS64501]
                timezone: Asia/Tehran
                weekend: [Friday]
                periods:
                  before: 2019-01-01..2019-06-30
                  after: {from: 2019-07-01, to: 2019-12-31}
                """);
        TargetProfile p = ProfileLoader.load(f.toString());
        assertThat(p.asns()).containsExactly(64500L, 64501L);
        assertThat(p.weekend()).containsExactly(DayOfWeek.FRIDAY);
        assertThat(p.periods()).containsExactly(new Period("before", LocalDate.of(2019, 1, 1), LocalDate.of(2019, 6, 30)),
                new Period("after", LocalDate.of(2019, 7, 1), LocalDate.of(2019, 12, 31)));
    }

    @Test
    void errorsNameTheProblem(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("bad.yaml");
        Files.writeString(f, "name: x\ncidrs: [10.0.0.0/8]\ntimezone: Mars/Olympus\n");
        assertThatThrownBy(() -> ProfileLoader.load(f.toString())).hasMessageContaining("Mars/Olympus");
        assertThatThrownBy(() -> ProfileLoader.load("nope")).hasMessageContaining("no built-in profile 'nope'");
        assertThatThrownBy(() -> Period.parse("x=2019-02-01..2019-01-01")).hasMessageContaining("ends before");
        assertThat(Period.parse("q1=2019-01-01..2019-03-31").to()).isEqualTo(LocalDate.of(2019, 3, 31));
    }

    @Test
    void localClockFollowsOffsetChanges() {
        LocalClock c = new LocalClock(ZoneId.of("Asia/Pyongyang"));
        long before = java.time.Instant.parse("2018-05-04T14:59:00Z").toEpochMilli();
        long after = java.time.Instant.parse("2018-05-04T15:00:00Z").toEpochMilli();
        assertThat(LocalClock.hour(c.localMillis(before))).isEqualTo(23); // 23:29 at +08:30
        assertThat(LocalClock.hour(c.localMillis(after))).isEqualTo(0);   // 00:00 at +09:00
        assertThat(LocalClock.dayOfWeekIndex(LocalClock.epochDay(c.localMillis(after)))).isEqualTo(5); // Saturday
    }
}
