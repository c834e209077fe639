package io.choreoscope.faults;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LoopStageLinesTest {
    @Test
    void summarisesTheStagesAWorkerExposes() {
        String text = """
                # HELP choreoscope_inference_stage_seconds One insert of instance rows into ClickHouse
                # TYPE choreoscope_inference_stage_seconds summary
                choreoscope_inference_stage_seconds{quantile="0.5",stage="write"} 0.07
                choreoscope_inference_stage_seconds{quantile="0.95",stage="write"} 0.18
                choreoscope_inference_stage_seconds_count{stage="write"} 400
                choreoscope_inference_stage_seconds_sum{stage="write"} 34.0
                choreoscope_inference_stage_seconds_max{stage="write"} 0.32
                choreoscope_inference_stage_seconds{stage="apply",quantile="0.5"} 0.002
                choreoscope_inference_stage_seconds{stage="apply",quantile="0.95"} 0.01
                choreoscope_inference_stage_seconds_count{stage="apply"} 10
                choreoscope_inference_stage_seconds_sum{stage="apply"} 0.03
                choreoscope_inference_stage_seconds_max{stage="apply"} 0.02
                choreoscope_inference_stage_seconds_count{stage="queued"} 0
                jvm_threads_live_threads 40
                """;
        assertThat(LoopStageLines.summary(text)).isEqualTo(
                "(apply: 10, mean 3 ms, p50 2 / p95 10 ms, max 20 ms; write: 400, mean 85 ms, p50 70 / p95 180 ms, max 320 ms)");
        assertThat(LoopStageLines.summary("jvm_threads_live_threads 40\n")).isEqualTo("(none timed)");
    }
}
