package io.choreoscope.model.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

/** The sketch's bookkeeping; that its percentiles equal the engine's DDSketch is shown in inference's LatencyMergeTest. */
class LatencySketchTest {
    private static final double GAMMA = LatencySketch.cubicGamma(0.01);

    @Test
    void mergeAddsCountsPerBinIndex() {
        LatencySketch a = new LatencySketch(GAMMA, 0, 8, 1, 10, new long[] {1, 0, 2});
        LatencySketch b = new LatencySketch(GAMMA, 0, 8, 0, 11, new long[] {3, 4});

        assertThat(a.merge(b)).isEqualTo(new LatencySketch(GAMMA, 0, 8, 1, 10, new long[] {1, 3, 6}));
        assertThat(a.merge(b).count()).isEqualTo(a.count() + b.count());
    }

    @Test
    void theLowestBinsCollapseIntoOneAboveTheBoundAsTheStoreDoes() {
        LatencySketch low = new LatencySketch(GAMMA, 0, 4, 0, 0, new long[] {5, 1});
        LatencySketch high = new LatencySketch(GAMMA, 0, 4, 0, 5, new long[] {2, 3});

        // indexes 0..6 kept to the highest four (3..6): 0 and 1 land on 3
        assertThat(low.merge(high)).isEqualTo(new LatencySketch(GAMMA, 0, 4, 0, 3, new long[] {6, 0, 2, 3}));
        // a stored row longer than its bound is collapsed on reading, never kept longer
        assertThat(new LatencySketch(GAMMA, 0, 2, 0, 0, new long[] {1, 1, 1, 1}).counts()).containsExactly(3, 1);
    }

    @Test
    void emptyBinsAtTheEndsAreTrimmedSoEqualSamplesGiveEqualSketches() {
        assertThat(new LatencySketch(GAMMA, 0, 8, 0, 3, new long[] {0, 2, 0}))
                .isEqualTo(new LatencySketch(GAMMA, 0, 8, 0, 4, new long[] {2}));
        assertThat(LatencySketch.mergeAll(List.of())).isNull();
    }

    @Test
    void quantilesWalkTheZeroBinThenTheBinsUpwards() {
        LatencySketch s = new LatencySketch(GAMMA, 0, 1024, 2, 300, new long[] {1, 0, 1});

        assertThat(s.quantile(0)).isZero();
        assertThat(s.quantile(0.25)).isZero();
        assertThat(s.quantile(0.5)).isZero(); // rank 1.5 of 0..3: the second zero
        assertThat(s.quantile(0.7)).isEqualTo(s.value(300));
        assertThat(s.quantile(1)).isEqualTo(s.value(302));
        assertThat(s.value(302)).isGreaterThan(s.value(300));
        assertThat(LatencySketch.empty(GAMMA, 0, 1024).quantile(0.5)).isNaN();
    }

    @Test
    void aBinsValueIsWithinOnePercentOfEveryValueItHolds() {
        // gamma^i is in bin i (offset 0); its value is within 1% of it
        for (int i : new int[] {1, 50, 347, 700}) {
            double v = Math.pow(2, i / (Math.log(2) / Math.log(GAMMA))); // somewhere inside bin i
            LatencySketch s = new LatencySketch(GAMMA, 0, 1024, 0, i, new long[] {1});
            assertThat(Math.abs(s.quantile(0.5) - v) / v).isLessThan(0.0201);
        }
    }

    @Test
    void badInputIsRejected() {
        assertThatThrownBy(() -> new LatencySketch(1, 0, 8, 0, 0, new long[0])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LatencySketch(Double.NaN, 0, 8, 0, 0, new long[0])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LatencySketch(GAMMA, 0, 0, 0, 0, new long[0])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LatencySketch(GAMMA, 0, 1 << 20, 0, 0, new long[0])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LatencySketch(GAMMA, 0, 8, -1, 0, new long[0])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LatencySketch(GAMMA, 0, 8, 0, 0, new long[] {-1})).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LatencySketch(GAMMA, 0, 8, 0, Integer.MAX_VALUE, new long[] {1, 1}))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LatencySketch(GAMMA, 0, 8, 0, 0, new long[0])
                .merge(new LatencySketch(GAMMA, 1, 8, 0, 0, new long[0]))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LatencySketch.empty(GAMMA, 0, 8).quantile(1.5)).isInstanceOf(IllegalArgumentException.class);
    }
}
