package io.choreoscope.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HumanDurationTest {
    @Test
    void eachRangeUsesTheLargestUnitThatFitsAndTheNextOne() {
        assertThat(HumanDuration.of(-5)).isEqualTo("0 ms");
        assertThat(HumanDuration.of(840)).isEqualTo("840 ms");
        assertThat(HumanDuration.of(999.4)).isEqualTo("999 ms");
        assertThat(HumanDuration.of(1_000)).isEqualTo("1.0 s");
        assertThat(HumanDuration.of(5_000)).isEqualTo("5.0 s");
        assertThat(HumanDuration.of(59_949)).isEqualTo("59.9 s");
        assertThat(HumanDuration.of(60_000)).isEqualTo("1 min 0 s");
        assertThat(HumanDuration.of(1_192_122)).isEqualTo("19 min 52 s");
        assertThat(HumanDuration.of(3_600_000)).isEqualTo("1 h 0 min");
        assertThat(HumanDuration.of(11_100_000)).isEqualTo("3 h 5 min");
        assertThat(HumanDuration.of(187_200_000)).isEqualTo("2 d 4 h");
    }
}
