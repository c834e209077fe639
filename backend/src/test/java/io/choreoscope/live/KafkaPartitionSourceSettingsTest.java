package io.choreoscope.live;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.util.Map;

import org.junit.jupiter.api.Test;

class KafkaPartitionSourceSettingsTest {
    private static Map<String, Object> consumer(Map<String, Object> connection) {
        return new KafkaPartitionSource(new InferenceConfig(), connection, "w1", Clock.systemUTC()).consumerProperties();
    }

    @Test
    void aKilledWorkersPartitionsMoveAfterTenSecondsNotKafkasFortyFive() {
        Map<String, Object> p = consumer(Map.of("bootstrap.servers", "localhost:9092"));
        assertThat(p).containsEntry("session.timeout.ms", 10_000)
                .containsEntry("max.poll.interval.ms", 600_000) // a recovery inside a poll is not a dead worker
                .containsEntry("enable.auto.commit", false)
                .containsEntry("bootstrap.servers", "localhost:9092");
    }

    @Test
    void aSessionTimeoutSetForTheConnectionWins() {
        assertThat(consumer(Map.of("bootstrap.servers", "localhost:9092", "session.timeout.ms", "45000")))
                .containsEntry("session.timeout.ms", "45000");
    }
}
