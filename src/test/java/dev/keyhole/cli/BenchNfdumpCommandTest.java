package dev.keyhole.cli;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class BenchNfdumpCommandTest {
    private static long[] r(long port, long flows) {
        return new long[] {port, flows};
    }

    @Test
    void topListsMayDifferOnlyAmongPortsTiedWithTheLastCount() {
        List<long[]> nfdump = List.of(r(443, 90), r(53, 40), r(80, 7), r(22, 7));
        // 22 and 8080 tie with the cut: either tool may keep either.
        assertThat(BenchNfdumpCommand.sameUpToTies(nfdump, List.of(r(443, 90), r(53, 40), r(8080, 7), r(80, 7)))).isTrue();
        assertThat(BenchNfdumpCommand.sameUpToTies(nfdump, List.of(r(53, 40), r(443, 90), r(22, 7), r(80, 7)))).isTrue();
        // Above the cut, ports and counts must agree.
        assertThat(BenchNfdumpCommand.sameUpToTies(nfdump, List.of(r(443, 90), r(25, 40), r(80, 7), r(22, 7)))).isFalse();
        assertThat(BenchNfdumpCommand.sameUpToTies(nfdump, List.of(r(443, 90), r(53, 41), r(80, 7), r(22, 7)))).isFalse();
        assertThat(BenchNfdumpCommand.sameUpToTies(nfdump, List.of(r(443, 90), r(53, 40), r(80, 7), r(22, 6)))).isFalse();
        assertThat(BenchNfdumpCommand.sameUpToTies(nfdump, List.of(r(443, 90), r(53, 40), r(80, 7)))).isFalse();
        assertThat(BenchNfdumpCommand.sameUpToTies(nfdump, null)).isFalse();
        assertThat(BenchNfdumpCommand.sameUpToTies(List.of(), List.of())).as("two empty answers").isFalse();
    }
}
