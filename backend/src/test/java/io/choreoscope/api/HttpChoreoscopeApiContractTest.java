package io.choreoscope.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Map.Entry;

import io.choreoscope.harness.clickhouse.ClickHouseExtension;
import io.choreoscope.harness.kafka.EmbeddedKafka;
import io.choreoscope.harness.kafka.KafkaExtension;
import io.choreoscope.model.api.TopicInfo;
import io.choreoscope.model.flow.InstanceState;
import io.choreoscope.ui.client.ChoreoscopeApi;
import io.choreoscope.ui.client.ChoreoscopeApiContract;
import io.choreoscope.ui.client.HttpChoreoscopeApi;
import io.choreoscope.ui.client.TimeWindow;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The UI's API contract against the real backend: the application as it runs (real Kafka, the real ClickHouse
 * engine, the tap, live inference), called through the UI's own {@link HttpChoreoscopeApi}. The orders are
 * produced to Kafka as services would produce them.
 */
@ExtendWith({KafkaExtension.class, ClickHouseExtension.class})
class HttpChoreoscopeApiContractTest extends ChoreoscopeApiContract {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private ApplicationContext app;
    private KafkaProducer<byte[], byte[]> producer;

    @Override
    protected Fixture fixture() {
        EmbeddedKafka kafka = KafkaExtension.kafka();
        String prefix = KafkaExtension.uniqueName("contract");
        String topic = prefix + "-orders";
        kafka.createTopic(topic, 3);
        Map<String, Object> p = ApiEndpointsTest.appProperties(prefix, ClickHouseExtension.createDatabase());
        p.put("choreoscope.otlp.enabled", false);
        p.put("choreoscope.alerts.enabled", false); // no evaluation rounds: rules show no firing series
        // The contract's rules name webhooks at hooks.example, which does not resolve here: the server refuses a
        // webhook host it cannot check unless it is listed (the in-memory API does not resolve names).
        p.put("choreoscope.alerts.webhook.allowed-hosts", java.util.List.of("hooks.example"));
        app = ApplicationContext.run(EmbeddedServer.class, p).getApplicationContext();
        producer = kafka.producer();
        return new KafkaFixture(new HttpChoreoscopeApi(app.getBean(EmbeddedServer.class).getURL() + "/api/v1"),
                new Saga(producer, topic), topic);
    }

    @Override
    protected void stop() {
        if (producer != null) {
            producer.close();
        }
        if (app != null) {
            app.close();
        }
    }

    /** Produces the orders' records to Kafka and waits until the API shows them in their final states. */
    private static final class KafkaFixture implements Fixture {
        private final ChoreoscopeApi api;
        private final Saga saga;
        private final String topic;
        private final Map<String, InstanceState> sent = new LinkedHashMap<>();
        private int records;

        KafkaFixture(ChoreoscopeApi api, Saga saga, String topic) {
            this.api = api;
            this.saga = saga;
            this.topic = topic;
        }

        @Override
        public ChoreoscopeApi api() {
            return api;
        }

        @Override
        public String topic() {
            return topic;
        }

        @Override
        public void completedOrder(String id, Instant start) {
            send(Orders.completed(id, start), InstanceState.COMPLETED);
        }

        @Override
        public void compensatedOrder(String id, Instant start) {
            send(Orders.compensated(id, start), InstanceState.COMPENSATED);
        }

        @Override
        public void stuckOrder(String id, Instant start) {
            send(Orders.stuck(id, start), InstanceState.STUCK);
        }

        private void send(List<OrderEvent> events, InstanceState expected) {
            for (OrderEvent e : events) {
                saga.event(e.correlationId(), e.eventType(), e.service(), e.at(), e.payload());
            }
            records += events.size();
            sent.put(events.get(0).correlationId(), expected);
        }

        @Override
        public void awaitVisible() {
            saga.flush();
            // An instance the server has not inferred yet answers 404 until it has: wait through those, not others.
            await().atMost(WAIT).ignoreExceptionsMatching(e -> e instanceof io.choreoscope.ui.client.ApiException a && a.isNotFound())
                    .untilAsserted(() -> {
                for (Entry<String, InstanceState> e : new ArrayList<>(sent.entrySet())) {
                    assertThat(api.instance(e.getKey(), 0).snapshot().state()).as(e.getKey()).isEqualTo(e.getValue());
                }
                assertThat(api.flow(FLOW).instances()).isEqualTo(sent.size());
                assertThat(api.dependencies(TimeWindow.LAST_HOUR).edges()).isNotEmpty();
                TopicInfo t = api.topics().stream().filter(x -> x.name().equals(topic)).findFirst().orElseThrow();
                assertThat(t.endOffsetSum()).isEqualTo(records);
                assertThat(t.consumerGroups()).isNotEmpty().allSatisfy(g -> assertThat(g.lag()).isZero());
            });
        }
    }
}
