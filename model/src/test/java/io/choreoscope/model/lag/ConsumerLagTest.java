package io.choreoscope.model.lag;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Set;

import io.choreoscope.model.flow.DependencyMap;
import org.junit.jupiter.api.Test;

class ConsumerLagTest {
    private static final Instant NOW = Instant.parse("2026-12-02T20:00:00Z");

    @Test
    void recordsAddUpOverPartitionsAndTheAgeIsTheOldestFirstUnconsumedRecords() {
        List<ConsumerLag> lags = ConsumerLag.ofKafka(List.of(
                new ConsumerLag.PartitionPosition("archive", "orders", 0, 10, 25, NOW.minusSeconds(40)),
                new ConsumerLag.PartitionPosition("archive", "orders", 1, 7, 12, NOW.minusSeconds(90)),
                new ConsumerLag.PartitionPosition("archive", "orders", 2, 30, 30, null),
                new ConsumerLag.PartitionPosition("billing", "orders", 0, 25, 25, null),
                new ConsumerLag.PartitionPosition("archive", "payments", 0, 3, 4, null)), NOW);
        assertThat(lags).containsExactly(
                new ConsumerLag("kafka", "orders", "archive", null, Set.of(), 20, 90.0),
                new ConsumerLag("kafka", "payments", "archive", null, Set.of(), 1, null), // behind, age not read
                new ConsumerLag("kafka", "orders", "billing", null, Set.of(), 0, 0.0));
    }

    @Test
    void aRecordStampedInTheFutureAndACommitPastTheEndCountAsZero() {
        List<ConsumerLag> lags = ConsumerLag.ofKafka(List.of(
                new ConsumerLag.PartitionPosition("g", "t", 0, 5, 6, NOW.plusSeconds(30)),
                new ConsumerLag.PartitionPosition("h", "t", 0, 9, 6, null)), NOW);
        assertThat(lags.get(0).records()).isEqualTo(1);
        assertThat(lags.get(0).seconds()).isZero();
        assertThat(lags.get(1).records()).isZero();
        assertThat(lags.get(1).seconds()).isZero();
    }

    @Test
    void aQueuesLagIsItsDepthAndItsHeadMessagesAge() {
        ConsumerLag q = ConsumerLag.ofQueue("rabbitmq:orders", "billing-in", Set.of("billing"), 4, 2,
                NOW.minusSeconds(12), NOW);
        assertThat(q.records()).isEqualTo(6);
        assertThat(q.seconds()).isEqualTo(12.0);
        assertThat(q.bus()).isEqualTo("rabbitmq");
        assertThat(ConsumerLag.ofQueue("rabbitmq:orders", "q", Set.of(), 3, 0, null, NOW).seconds()).isNull();
        assertThat(ConsumerLag.ofQueue("rabbitmq:orders", "q", Set.of(), 0, 0, null, NOW).seconds()).isZero();
    }

    @Test
    void lagsSumRecordsAndKeepTheLargestKnownAge() {
        DependencyMap.Lag a = new DependencyMap.Lag(5, 3.0);
        assertThat(a.plus(new DependencyMap.Lag(7, 9.5))).isEqualTo(new DependencyMap.Lag(12, 9.5));
        assertThat(a.plus(new DependencyMap.Lag(1, null))).isEqualTo(new DependencyMap.Lag(6, 3.0));
        assertThat(new DependencyMap.Lag(1, null).plus(new DependencyMap.Lag(2, null)).seconds()).isNull();
        assertThat(a.plus(null)).isEqualTo(a);
    }
}
