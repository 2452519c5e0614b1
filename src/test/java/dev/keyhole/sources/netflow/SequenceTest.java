package dev.keyhole.sources.netflow;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SequenceTest {
    @Test
    void gapsCountAsLossAcrossTheWrap() {
        Sequence s = new Sequence(1 << 16);
        s.observe(0xffff_fff0L, 10);   // ..fff0-..fff9
        s.observe(0xffff_fffaL, 10);   // ..fffa-0003
        s.observe(10, 5);              // 4-9 missing
        assertThat(s.lost()).isEqualTo(6);
        assertThat(s.resets()).isZero();
    }

    @Test
    void lateDatagramsFillTheGapTheyLeft() {
        Sequence s = new Sequence(1 << 16);
        s.observe(0, 10);
        s.observe(30, 10);            // 10-29 missing
        s.observe(10, 10);            // late
        s.observe(20, 10);            // late
        s.observe(40, 10);            // in order
        assertThat(s.lost()).isZero();
        assertThat(s.late()).isEqualTo(2);
        assertThat(s.resets()).isZero();
    }

    @Test
    void aNumberBehindWithNoOpenGapIsARestart() {
        Sequence s = new Sequence(1 << 16);
        s.observe(5_000, 10);
        s.observe(0, 10);
        s.observe(10, 10);
        assertThat(s.resets()).isEqualTo(1);
        assertThat(s.lost()).isZero();
    }

    @Test
    void aKnownRestartIsNeverLateAndUnknownCountsResynchronise() {
        Sequence s = new Sequence(256);
        s.observe(0, 1);
        s.observe(5, 1);              // 4 lost, gap open
        s.observe(1, 1, true);        // the exporter restarted: not a late packet
        assertThat(s.resets()).isEqualTo(1);
        assertThat(s.late()).isZero();
        s.observe(2, -1);             // unknown count: no expectation
        s.observe(900, 1);
        s.observe(901, 1);
        assertThat(s.lost()).isEqualTo(4);
        s.clearCounts();
        assertThat(s.lost()).isZero();
        s.observe(903, 1);
        assertThat(s.lost()).isEqualTo(1);
    }
}
