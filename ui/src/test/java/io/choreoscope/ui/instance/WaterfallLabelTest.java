package io.choreoscope.ui.instance;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class WaterfallLabelTest {

    @Test
    void aSpansDurationIsPutWhereTheRowHasRoomForIt() {
        // the demo's stuck order: shipping's producer span from +23 ms to +34 ms of 34: it started before 85% of the
        // row, so its "11 ms" went after the bar, past the right edge ("11 r")
        assertThat(Waterfall.labelSide(23, 11, 34)).isEqualTo("wf-bar-label-left");
        assertThat(Waterfall.labelSide(0, 6, 34)).isEqualTo("wf-bar-label");
        assertThat(Waterfall.labelSide(30, 1, 34)).isEqualTo("wf-bar-label-left");
        // a span as long as the instance: no room on either side
        assertThat(Waterfall.labelSide(0, 34, 34)).isEqualTo("wf-bar-label-inside");
    }
}
