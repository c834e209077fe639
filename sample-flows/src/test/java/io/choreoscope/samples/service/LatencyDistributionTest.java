package io.choreoscope.samples.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import java.util.stream.LongStream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

class LatencyDistributionTest {

    @ParameterizedTest
    @EnumSource(LatencyDistribution.Shape.class)
    void samplesAverageToTheConfiguredMeanAndStayUnderTheCap(LatencyDistribution.Shape shape) {
        LatencyDistribution d = new LatencyDistribution(shape, 300);
        SplittableRandom rnd = new SplittableRandom(42);

        long[] samples = LongStream.range(0, 50_000).map(i -> d.sampleMs(rnd)).toArray();

        // the cap trims a little of the tail, so the mean may come out slightly low
        assertThat(LongStream.of(samples).average().orElseThrow()).isBetween(270.0, 315.0);
        assertThat(LongStream.of(samples).max().orElseThrow()).isLessThanOrEqualTo(3_000);
        assertThat(LongStream.of(samples).min().orElseThrow()).isGreaterThanOrEqualTo(0);
    }

    @Test
    void zeroMeanMeansNoDelayAndNegativeMeanIsRejected() {
        assertThat(LatencyDistribution.NONE.sampleMs(new SplittableRandom(1))).isZero();
        assertThatThrownBy(() -> new LatencyDistribution(LatencyDistribution.Shape.EXPONENTIAL, -1))
                .hasMessageContaining("mean latency must be a finite number >= 0 ms");
    }
}
