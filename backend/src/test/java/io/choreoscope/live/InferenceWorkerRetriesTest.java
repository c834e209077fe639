package io.choreoscope.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import io.choreoscope.harness.TempDirs;
import io.choreoscope.harness.clickhouse.EmbeddedClickHouse;
import io.choreoscope.harness.kafka.EmbeddedKafka;
import io.choreoscope.harness.kafka.KafkaExtension;
import io.choreoscope.model.Header;
import io.choreoscope.model.InstanceQuery;
import io.choreoscope.model.Observation;
import io.choreoscope.model.flow.DeviationKind;
import io.choreoscope.model.flow.InstanceSnapshot;
import io.choreoscope.model.flow.InstanceState;
import io.choreoscope.storage.clickhouse.ClickHouseConfig;
import io.choreoscope.storage.clickhouse.ClickHouseEventReader;
import io.choreoscope.storage.clickhouse.ClickHouseEventWriter;
import io.choreoscope.storage.clickhouse.ClickHouseFlowModelReader;
import io.choreoscope.storage.clickhouse.ClickHouseInstanceReader;
import io.choreoscope.storage.clickhouse.ClickHouseInstanceWriter;
import io.choreoscope.storage.clickhouse.ClickHouseStore;
import io.choreoscope.storage.clickhouse.SchemaMigrator;
import io.choreoscope.storage.clickhouse.SqlRunner;
import io.micronaut.health.HealthStatus;
import io.micronaut.management.health.indicator.HealthResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * A remote inference worker through a 60 s ClickHouse outage (issue 20, item 2): it keeps its partitions, reports DOWN
 * with the last error and its retries while ClickHouse is away, and once ClickHouse is back it resumes by itself,
 * with every instance present once, with all its events and the state an oracle says, and UP again.
 *
 * <p>Most of this test is waiting out the outage, so it runs beside the module's other test classes
 * ({@link ExecutionMode#CONCURRENT}; every other class runs one after another, see
 * {@code src/test/resources/junit-platform.properties}): it stops a ClickHouse engine of its own, not the module's
 * shared one, and uses the shared Kafka broker only through topics and a group of its own.
 */
@ExtendWith(KafkaExtension.class)
@Execution(ExecutionMode.CONCURRENT)
class InferenceWorkerRetriesTest {
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final Duration OUTAGE = Duration.ofSeconds(60);
    private static final int PARTITIONS = 4;
    private final AtomicLong offsets = new AtomicLong();

    private Observation event(String id, String type, String service, Instant at) {
        return Observation.builder("shop-orders", 0, offsets.getAndIncrement(), at)
                .correlationId(id).eventType(type).sourceService(service)
                .headers(List.of(Header.of("correlationId", id)))
                .payload(("{\"id\":\"" + id + "\"}").getBytes(StandardCharsets.UTF_8)).build();
    }

    @Test
    void aWorkerRetriesThroughAClickHouseOutageAndResumesLosingAndDoublingNoInstance(EmbeddedKafka kafka) throws Exception {
        Path dataDir = Files.createTempDirectory("choreoscope-worker-retries-");
        try (EmbeddedClickHouse clickHouse = EmbeddedClickHouse.start(dataDir, 0)) {
            run(kafka, clickHouse);
        } finally {
            TempDirs.deleteUnlessKept(dataDir);
        }
    }

    private void run(EmbeddedKafka kafka, EmbeddedClickHouse clickHouse) throws Exception {
        String db = clickHouse.createDatabase("retries");
        ClickHouseStore store = new ClickHouseStore(new ClickHouseConfig(clickHouse.httpUrl(), db));
        new SchemaMigrator(store).migrate();
        SqlRunner sql = new SqlRunner(store);
        ClickHouseInstanceReader reader = new ClickHouseInstanceReader(sql);
        ClickHouseFlowModelReader models = new ClickHouseFlowModelReader(sql);
        ClickHouseEventWriter eventWriter = new ClickHouseEventWriter(store);

        InferenceConfig settings = new InferenceConfig();
        settings.setTopic(KafkaExtension.uniqueName("observations"));
        settings.setTopicPartitions(PARTITIONS);
        settings.setGroupId(KafkaExtension.uniqueName("inference"));
        settings.setEvaluateInterval(Duration.ofMillis(200));
        settings.setModelInterval(Duration.ofMillis(300));
        settings.setEndEventTypes(List.of("OrderShipped"));
        settings.setStuckFloor(Duration.ofMinutes(10)); // open instances stay RUNNING through the test
        settings.setRetryInitial(Duration.ofMillis(200));
        settings.setRetryMax(Duration.ofSeconds(5));

        Instant base = Instant.now().minusSeconds(30);
        Map<String, InstanceState> oracle = new HashMap<>();
        Map<String, Integer> oracleEvents = new HashMap<>();
        List<Observation> before = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            Instant t = base.plusMillis(i * 10L);
            before.add(event("order-" + i, "OrderPlaced", "orders", t));
            before.add(event("order-" + i, "PaymentCaptured", "payments", t.plusMillis(100)));
        }
        // Stored by the collector just before ClickHouse went away, published to the workers while it was away.
        List<Observation> during = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            during.add(event("order-" + i, "OrderShipped", "shipping", base.plusSeconds(5).plusMillis(i * 10L)));
            oracle.put("order-" + i, InstanceState.COMPLETED);
            oracleEvents.put("order-" + i, 3);
        }
        for (int i = 0; i < 20; i++) {
            Instant t = base.plusSeconds(6).plusMillis(i * 10L);
            during.add(event("late-" + i, "OrderPlaced", "orders", t));
            during.add(event("late-" + i, "PaymentCaptured", "payments", t.plusMillis(100)));
            during.add(event("late-" + i, "OrderShipped", "shipping", t.plusMillis(200)));
            oracle.put("late-" + i, InstanceState.COMPLETED);
            oracleEvents.put("late-" + i, 3);
        }
        for (int i = 0; i < 10; i++) {
            during.add(event("open-" + i, "OrderPlaced", "orders", base.plusSeconds(7).plusMillis(i * 10L)));
            oracle.put("open-" + i, InstanceState.RUNNING);
            oracleEvents.put("open-" + i, 1);
        }

        try (ObservationPublisher publisher = new ObservationPublisher(Map.of("bootstrap.servers", kafka.bootstrapServers()),
                settings.getTopic(), PARTITIONS);
             InferenceWorker worker = new InferenceWorker(settings, Map.of("bootstrap.servers", kafka.bootstrapServers()),
                     "retrying", new ClickHouseInstanceWriter(store, sql), reader, new ClickHouseEventReader(sql),
                     Clock.systemUTC())) {
            InferenceWorkerHealthIndicator health = new InferenceWorkerHealthIndicator(worker);
            worker.start();
            await().atMost(WAIT).untilAsserted(() -> assertThat(worker.partitions()).hasSize(PARTITIONS));
            eventWriter.accept(before);
            publisher.publish(before);
            await().atMost(WAIT).untilAsserted(() -> assertThat(stored(reader)).hasSize(30));
            assertThat(health.result().getStatus()).isEqualTo(HealthStatus.UP);

            eventWriter.accept(during);
            long stoppedAt = System.nanoTime();
            clickHouse.stop();
            try {
                publisher.publish(during);
                await().atMost(OUTAGE).untilAsserted(() -> {
                    HealthResult r = health.result();
                    assertThat(r.getStatus()).isEqualTo(HealthStatus.DOWN);
                    assertThat(details(r)).containsKeys("lastError", "failingSince").containsEntry("state", "RETRYING");
                });
                // DOWN, and still retrying (not stopped), for the whole outage.
                Duration left = OUTAGE.minusNanos(System.nanoTime() - stoppedAt);
                if (!left.isNegative() && !left.isZero()) {
                    await().during(left).atMost(left.plusSeconds(10)).until(() -> {
                        HealthResult r = health.result();
                        return r.getStatus() == HealthStatus.DOWN && "RETRYING".equals(details(r).get("state"));
                    });
                }
                assertThat((Long) details(health.result()).get("retries")).isPositive();
            } finally {
                clickHouse.restart();
            }

            await().atMost(WAIT).untilAsserted(() -> {
                Map<String, InstanceSnapshot> rows = stored(reader);
                assertThat(rows.keySet()).containsExactlyInAnyOrderElementsOf(oracle.keySet());
                rows.forEach((id, s) -> {
                    assertThat(s.state()).as(id).isEqualTo(oracle.get(id));
                    assertThat(s.eventCount()).as(id).isEqualTo(oracleEvents.get(id));
                    assertThat(s.deviations()).as(id).noneMatch(d -> d.kind() == DeviationKind.DUPLICATE);
                });
                assertThat(health.result().getStatus()).isEqualTo(HealthStatus.UP);
            });
            assertThat(worker.partitions()).hasSize(PARTITIONS);
            assertThat(worker.states()).isEqualTo(oracle);
            await().atMost(WAIT).untilAsserted(() -> assertThat(models.flowModel("OrderPlaced").orElseThrow().instances())
                    .isEqualTo(oracle.size()));
        } finally {
            sql.close();
            store.close();
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> details(HealthResult r) {
        return (Map<String, Object>) r.getDetails();
    }

    private static Map<String, InstanceSnapshot> stored(ClickHouseInstanceReader reader) {
        Map<String, InstanceSnapshot> out = new HashMap<>();
        for (InstanceSnapshot s : reader.find(new InstanceQuery(null, null, Instant.now().minus(Duration.ofDays(1)),
                Instant.now().plusSeconds(60), null, null, null, null, 1000))) {
            out.put(s.correlationId(), s);
        }
        return out;
    }
}
