package io.choreoscope.ui.shell;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import org.junit.jupiter.api.Test;

class FormatsTest {

    // The units of each range: HumanDurationTest (model), which Formats.duration writes with.

    @Test
    void aCountTakesItsNounInTheRightNumber() {
        assertThat(Formats.count(1, "record", "records")).isEqualTo("1 record");
        assertThat(Formats.count(0, "record", "records")).isEqualTo("0 records");
        assertThat(Formats.count(12_345, "replay", "replays")).isEqualTo("12,345 replays");
    }

    @Test
    void durationsTakeWhateverNumberTheApiRecordsCarry() {
        assertThat(Formats.duration(1_200L)).isEqualTo("1.2 s");
        assertThat(Formats.duration(Long.valueOf(1_200))).isEqualTo("1.2 s");
        assertThat(Formats.duration(1_200.0)).isEqualTo("1.2 s");
        assertThat(Formats.duration(Double.valueOf(12.4))).isEqualTo("12 ms");
    }

    @Test
    void noValueIsADashAndANegativeDurationIsZero() {
        assertThat(Formats.duration((Long) null)).isEqualTo("–");
        assertThat(Formats.duration(Double.NaN)).isEqualTo("–");
        assertThat(Formats.duration(Double.POSITIVE_INFINITY)).isEqualTo("–");
        assertThat(Formats.duration(-5)).isEqualTo("0 ms");
    }

    @Test
    void betweenIsTheDurationFromOneInstantToAnother() {
        Instant t = Instant.parse("2026-11-22T10:00:00Z");
        assertThat(Formats.between(t, t.plusMillis(4_200))).isEqualTo("4.2 s");
        assertThat(Formats.between(null, t)).isEqualTo("–");
        assertThat(Formats.between(t, null)).isEqualTo("–");
    }

    @Test
    void anEventsTimeKeepsItsMillisecondsARefreshTimeDoesNot() {
        Instant t = Instant.parse("2026-12-06T22:01:30.158Z");
        assertThat(Formats.time(t)).isEqualTo("22:01:30.158");
        assertThat(Formats.clock(t)).isEqualTo("22:01:30");
        assertThat(Formats.clock(null)).isEqualTo("–");
    }
}
