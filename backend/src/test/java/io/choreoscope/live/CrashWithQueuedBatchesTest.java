package io.choreoscope.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.choreoscope.api.ApiClient;
import io.choreoscope.api.Saga;
import io.choreoscope.collectors.kafka.KafkaTapService;
import io.choreoscope.harness.clickhouse.ClickHouseExtension;
import io.choreoscope.harness.kafka.EmbeddedKafka;
import io.choreoscope.harness.kafka.KafkaExtension;
import io.choreoscope.ingest.TestApplication;
import io.choreoscope.model.InstanceQuery;
import io.choreoscope.model.InstanceReader;
import io.choreoscope.model.flow.DeviationKind;
import io.choreoscope.model.flow.InstanceSnapshot;
import io.choreoscope.model.flow.InstanceState;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The embedded layout, crashed (issue 20, item 1) while batches the tap had stored in ClickHouse still waited in the
 * inference queue: the operator's kill -9 right after a burst. The tap and the live loop are stopped as a kill -9
 * stops them (nothing more applied, persisted or committed), then a second application starts on the same Kafka
 * group and ClickHouse database. Every instance must come back with all its events, once each, and the state an
 * oracle computed from what was produced says.
 */
@ExtendWith({KafkaExtension.class, ClickHouseExtension.class})
class CrashWithQueuedBatchesTest {
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final List<String> STEPS = List.of("OrderPlaced", "PaymentCaptured", "StockReserved", "OrderPacked",
            "OrderShipped");
    private static final List<String> SERVICES = List.of("orders", "payments", "stock", "warehouse", "shipping");
    /** Instances persisted before the crash with three steps, whose last two steps were still queued at the crash. */
    private static final int BEFORE = 60;
    /** Instances first seen in the queued batches: five steps each (COMPLETED)... */
    private static final int NEW_COMPLETE = 200;
    /** ...and two steps each (RUNNING). */
    private static final int NEW_OPEN = 40;

    private static Map<String, Object> props(String prefix, String db, String tapGroup) {
        Map<String, Object> p = TestApplication.properties(prefix, db);
        p.put("choreoscope.tap.group-id", tapGroup);
        p.put("choreoscope.inference.evaluate-interval", "200ms");
        p.put("choreoscope.inference.model-interval", "300ms");
        p.put("choreoscope.inference.end-event-types", "OrderShipped");
        p.put("choreoscope.inference.stuck-floor", "10m"); // open instances stay RUNNING for the whole test
        return p;
    }

    private static void steps(Saga saga, String id, Instant start, int from, int to) {
        for (int s = from; s < to; s++) {
            saga.event(id, STEPS.get(s), SERVICES.get(s), start.plusMillis(100L * s), "{\"orderId\":\"" + id + "\"}");
        }
    }

    @Test
    void instancesFirstSeenInBatchesQueuedAtACrashAreRebuiltWithAllTheirEventsAndStates(EmbeddedKafka kafka) throws Exception {
        String prefix = KafkaExtension.uniqueName("crashq");
        String topic = prefix + "-orders";
        kafka.createTopic(topic, 2);
        String db = ClickHouseExtension.createDatabase();
        String tapGroup = KafkaExtension.uniqueName("tap");
        Instant base = Instant.now().minusSeconds(60);
        Map<String, InstanceState> oracle = new HashMap<>();
        Map<String, Integer> oracleEvents = new HashMap<>();

        try (KafkaProducer<byte[], byte[]> producer = kafka.producer()) {
            Saga saga = new Saga(producer, topic);
            ApplicationContext first = ApplicationContext.run(EmbeddedServer.class, props(prefix, db, tapGroup)).getApplicationContext();
            CountDownLatch release = new CountDownLatch(1);
            try {
                InstanceReader stored = first.getBean(InstanceReader.class);
                LiveInference live = first.getBean(LiveInference.class);
                KafkaTapService tap = first.getBean(KafkaTapService.class);
                for (int i = 0; i < BEFORE; i++) {
                    steps(saga, "old-" + i, base.plusMillis(i * 10L), 0, 3);
                }
                saga.flush();
                await().atMost(WAIT).untilAsserted(() -> assertThat(storedStates(stored)).hasSize(BEFORE)
                        .allSatisfy((id, s) -> assertThat(s.eventCount()).isEqualTo(3)));
                // The engine applies a batch while ClickHouse stores it, and the tap counts it once stored: the states
                // can show before the count does.
                await().atMost(WAIT).until(() -> tap.status().recordsIngested() >= BEFORE * 3L);
                long ingestedBefore = tap.status().recordsIngested();

                // Inference falls behind: its thread is held while the burst is stored and queued.
                CountDownLatch held = new CountDownLatch(1);
                live.onEngine(e -> {
                    held.countDown();
                    try {
                        release.await(WAIT.toSeconds(), TimeUnit.SECONDS);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                    }
                    return null;
                });
                assertThat(held.await(30, TimeUnit.SECONDS)).isTrue();
                int burst = 0;
                for (int i = 0; i < BEFORE; i++) {
                    steps(saga, "old-" + i, base.plusMillis(i * 10L), 3, 5);
                    oracle.put("old-" + i, InstanceState.COMPLETED);
                    oracleEvents.put("old-" + i, 5);
                    burst += 2;
                }
                for (int i = 0; i < NEW_COMPLETE; i++) {
                    steps(saga, "new-" + i, base.plusSeconds(5).plusMillis(i * 10L), 0, 5);
                    oracle.put("new-" + i, InstanceState.COMPLETED);
                    oracleEvents.put("new-" + i, 5);
                    burst += 5;
                }
                for (int i = 0; i < NEW_OPEN; i++) {
                    steps(saga, "open-" + i, base.plusSeconds(10).plusMillis(i * 10L), 0, 2);
                    oracle.put("open-" + i, InstanceState.RUNNING);
                    oracleEvents.put("open-" + i, 2);
                    burst += 2;
                }
                saga.flush();
                long expected = ingestedBefore + burst;
                // The whole burst is stored in ClickHouse and handed to the (held) inference queue.
                await().atMost(WAIT).until(() -> tap.status().recordsIngested() >= expected);
                assertThat(tap.status().recordsIngested()).isEqualTo(expected);

                // kill -9: the tap commits nothing more, the loop applies and persists nothing more.
                tap.abort();
                live.crash();
            } finally {
                release.countDown();
                first.close();
            }

            try (ApplicationContext second = ApplicationContext.run(EmbeddedServer.class, props(prefix, db, tapGroup)).getApplicationContext()) {
                ApiClient api = new ApiClient(second.getBean(EmbeddedServer.class).getURL() + "/api/v1");
                InstanceReader stored = second.getBean(InstanceReader.class);
                LiveInference live = second.getBean(LiveInference.class);
                live.recovered().get(60, TimeUnit.SECONDS);
                await().atMost(WAIT).untilAsserted(() -> {
                    Map<String, InstanceSnapshot> rows = storedStates(stored);
                    assertThat(rows.keySet()).containsExactlyInAnyOrderElementsOf(oracle.keySet());
                    rows.forEach((id, s) -> {
                        assertThat(s.state()).as(id).isEqualTo(oracle.get(id));
                        assertThat(s.eventCount()).as(id).isEqualTo(oracleEvents.get(id));
                        assertThat(s.flow()).as(id).isEqualTo("OrderPlaced");
                    });
                });
                Map<String, InstanceSnapshot> rows = storedStates(stored);
                rows.forEach((id, s) -> assertThat(s.deviations()).as(id)
                        .noneMatch(d -> d.kind() == DeviationKind.DUPLICATE));
                Map<String, InstanceState> held = live.states();
                assertThat(held).isEqualTo(oracle);
                await().atMost(WAIT).untilAsserted(() -> {
                    assertThat(api.ok("/flows/OrderPlaced").get("instances").asLong()).isEqualTo(oracle.size());
                    assertThat(api.ok("/instances/new-0").get("events")).hasSize(5);
                    assertThat(api.ok("/instances/open-0").get("snapshot").get("state").asText()).isEqualTo("RUNNING");
                });
            }
        }
    }

    /** Stored instance rows of this test's database, by ID. */
    private static Map<String, InstanceSnapshot> storedStates(InstanceReader reader) {
        Map<String, InstanceSnapshot> out = new HashMap<>();
        for (InstanceSnapshot s : reader.find(new InstanceQuery(null, null, Instant.now().minus(Duration.ofDays(1)),
                Instant.now().plusSeconds(60), null, null, null, null, 10_000))) {
            out.put(s.correlationId(), s);
        }
        return out;
    }
}
