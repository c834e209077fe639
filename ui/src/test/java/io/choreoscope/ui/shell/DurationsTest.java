package io.choreoscope.ui.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DurationsTest {

    @Test
    void readsWhatPeopleType() {
        assertThat(Durations.parse("0")).isZero();
        assertThat(Durations.parse("500ms")).isEqualTo(500);
        assertThat(Durations.parse("90s")).isEqualTo(90_000);
        assertThat(Durations.parse("5m")).isEqualTo(300_000);
        assertThat(Durations.parse("5 min")).isEqualTo(300_000);
        assertThat(Durations.parse("1h30m")).isEqualTo(5_400_000);
        assertThat(Durations.parse(" 1h 30m ")).isEqualTo(5_400_000);
        assertThat(Durations.parse("2d")).isEqualTo(172_800_000);
        assertThat(Durations.parse("1.5h")).isEqualTo(5_400_000);
        assertThat(Durations.parse("10 secs")).isEqualTo(10_000);
    }

    @Test
    void refusesWhatIsNotADuration() {
        assertThatThrownBy(() -> Durations.parse("")).hasMessageContaining("Enter a duration");
        assertThatThrownBy(() -> Durations.parse("5")).hasMessageContaining("'5' is not a duration");
        assertThatThrownBy(() -> Durations.parse("5 weeks")).hasMessageContaining("is not a duration");
        assertThatThrownBy(() -> Durations.parse("m5")).hasMessageContaining("is not a duration");
    }

    @Test
    void writesBackWhatItReads() {
        for (long ms : new long[] {0, 500, 90_000, 300_000, 5_400_000, 172_800_000, 86_400_000 + 1_000}) {
            assertThat(Durations.parse(Durations.compact(ms))).isEqualTo(ms);
        }
        assertThat(Durations.compact(5_400_000)).isEqualTo("1h 30m");
        assertThat(Durations.compact(600_000)).isEqualTo("10m");
    }
}
