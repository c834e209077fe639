package io.choreoscope.samples.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import io.choreoscope.samples.Flow;
import org.junit.jupiter.api.Test;

class LoadGeneratorTest {

    @Test
    void flowsArePickedInProportionToTheirWeightAndZeroWeightsNever() {
        Map<Flow, Double> mix = new LinkedHashMap<>();
        mix.put(Flow.ORDERS, 3.0);
        mix.put(Flow.SIGNUP, 0.0);
        mix.put(Flow.CONTENT, 1.0);
        try (LoadGenerator g = new LoadGenerator(1, Duration.ZERO, mix, f -> { })) {
            assertThat(g.pick(0.0)).isEqualTo(Flow.ORDERS);
            assertThat(g.pick(0.74)).isEqualTo(Flow.ORDERS);
            assertThat(g.pick(0.76)).isEqualTo(Flow.CONTENT);
            assertThat(g.pick(0.999)).isEqualTo(Flow.CONTENT);
        }
    }

    @Test
    void zeroRateIsRejected() {
        assertThatThrownBy(() -> new LoadGenerator(0, Duration.ZERO, Map.of(Flow.ORDERS, 1.0), f -> { }))
                .hasMessageContaining("rate must be > 0");
    }
}
