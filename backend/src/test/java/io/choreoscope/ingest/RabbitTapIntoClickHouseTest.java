package io.choreoscope.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import com.fasterxml.jackson.databind.JsonNode;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.choreoscope.api.ApiClient;
import io.choreoscope.collectors.extract.ExtractionRules;
import io.choreoscope.collectors.rabbitmq.AmqpNormalizer;
import io.choreoscope.collectors.rabbitmq.RabbitMqConfig;
import io.choreoscope.collectors.rabbitmq.RabbitMqTap;
import io.choreoscope.collectors.rabbitmq.RabbitTapSettings.Mechanism;
import io.choreoscope.harness.clickhouse.ClickHouseExtension;
import io.choreoscope.harness.kafka.EmbeddedKafka;
import io.choreoscope.harness.kafka.KafkaExtension;
import io.choreoscope.harness.rabbitmq.EmbeddedRabbitMq;
import io.choreoscope.harness.rabbitmq.RabbitMqExtension;
import io.choreoscope.model.ObservationSink;
import io.choreoscope.model.Topics;
import io.choreoscope.storage.clickhouse.ClickHouseConfig;
import io.choreoscope.storage.clickhouse.ClickHouseEventReader;
import io.choreoscope.storage.clickhouse.ClickHouseEventWriter;
import io.choreoscope.storage.clickhouse.ClickHouseStore;
import io.choreoscope.storage.clickhouse.SchemaMigrator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The RabbitMQ tap writing into ClickHouse, all real: at least once and shown once, and one model across buses. */
@ExtendWith({RabbitMqExtension.class, KafkaExtension.class, ClickHouseExtension.class})
class RabbitTapIntoClickHouseTest {
    private static final Duration WAIT = Duration.ofSeconds(90);

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static RabbitMqConfig config(EmbeddedRabbitMq rabbit, String vhost, Mechanism mechanism) {
        RabbitMqConfig c = new RabbitMqConfig();
        c.setMechanism(mechanism.configName());
        c.setUri(rabbit.amqpUri());
        c.setManagementUrl(rabbit.managementUrl());
        c.setVhosts(List.of(vhost));
        c.setBatchMaxRecords(500);
        c.setBatchLinger(Duration.ofMillis(100));
        return c;
    }

    private static Connection connect(EmbeddedRabbitMq rabbit, String vhost) throws Exception {
        ConnectionFactory f = new ConnectionFactory();
        f.setUri(rabbit.amqpUri(vhost));
        return f.newConnection("test-publisher");
    }

    /**
     * The tap dies after a batch reached ClickHouse and before its acknowledgement: the broker redelivers that batch
     * to the next tap, which writes it again, and every message still shows exactly once (half have a message ID,
     * half are identified by the hash of their content). With both mechanisms.
     */
    @ParameterizedTest
    @EnumSource(Mechanism.class)
    void tapKilledMidBatchLosesNothingAndShowsNothingTwice(Mechanism mechanism, EmbeddedRabbitMq rabbit) throws Exception {
        String vhost = RabbitMqExtension.uniqueName("crash");
        rabbit.createVhost(vhost);
        String db = ClickHouseExtension.createDatabase();
        ClickHouseStore store = new ClickHouseStore(new ClickHouseConfig(ClickHouseExtension.engine().httpUrl(), db));
        new SchemaMigrator(store).migrate();
        ClickHouseEventWriter writer = new ClickHouseEventWriter(store);
        AtomicInteger rowsWritten = new AtomicInteger();
        AtomicInteger batches = new AtomicInteger();
        AtomicInteger abortedBatchSize = new AtomicInteger();
        AtomicReference<RabbitMqTap> first = new AtomicReference<>();
        ObservationSink crashing = batch -> {
            writer.accept(batch);
            rowsWritten.addAndGet(batch.size());
            if (batches.incrementAndGet() == 2) {
                abortedBatchSize.set(batch.size());
                first.get().abort(); // the write landed; the acknowledgement will never be sent
            }
        };
        // Declared before the tap starts: the tap queue is bound to the exchanges there are when it connects.
        try (Connection c = connect(rabbit, vhost); Channel ch = c.createChannel()) {
            ch.exchangeDeclare("orders", BuiltinExchangeType.TOPIC, true);
        }
        RabbitMqTap tap1 = new RabbitMqTap(config(rabbit, vhost, mechanism).toSettings(),
                new AmqpNormalizer(ExtractionRules.defaults()), crashing, new SimpleMeterRegistry(), Clock.systemUTC());
        first.set(tap1);
        tap1.start();
        await().atMost(WAIT).until(() -> tap1.status().connectedVhosts() == 1);
        int n = 3_000;
        try (Connection c = connect(rabbit, vhost); Channel ch = c.createChannel()) {
            ch.confirmSelect();
            for (int i = 0; i < n; i++) {
                AMQP.BasicProperties.Builder p = new AMQP.BasicProperties.Builder().correlationId("c-" + (i % 100));
                if (i % 2 == 0) {
                    p.messageId("m-" + i);
                }
                ch.basicPublish("orders", "order.placed", p.build(), utf8("{\"i\":" + i + "}"));
            }
            ch.waitForConfirmsOrDie(30_000);
        }
        await().atMost(WAIT).until(() -> tap1.status().state().equals("STOPPED"));
        assertThat(rowsWritten.get()).isPositive().isLessThan(n);

        ObservationSink counting = batch -> {
            writer.accept(batch);
            rowsWritten.addAndGet(batch.size());
        };
        String topic = Topics.rabbitMq(vhost, "orders");
        ClickHouseEventReader reader = new ClickHouseEventReader(store);
        try (RabbitMqTap tap2 = new RabbitMqTap(config(rabbit, vhost, mechanism).toSettings(),
                new AmqpNormalizer(ExtractionRules.defaults()), counting, new SimpleMeterRegistry(), Clock.systemUTC())) {
            tap2.start();
            await().atMost(WAIT).untilAsserted(() -> assertThat(reader.countVisible(topic)).isEqualTo(n));
        }
        // The aborted batch was written twice...
        assertThat(abortedBatchSize.get()).isPositive();
        assertThat(rowsWritten.get()).isGreaterThanOrEqualTo(n + abortedBatchSize.get());
        // ...and every message shows exactly once.
        assertThat(reader.countDistinct(topic)).isEqualTo(n);
        assertThat(reader.countVisible(topic)).isEqualTo(n);
        assertThat(reader.eventsOf("c-42")).hasSize(n / 100).allSatisfy(o ->
                assertThat(new String(o.payload(), StandardCharsets.UTF_8)).matches("\\{\"i\":\\d*42\\}"));
        store.close();
    }

    /**
     * An order placed on Kafka and shipped over RabbitMQ is one instance with one graph, and the API marks each
     * event's bus.
     */
    @Test
    void anInstanceWhoseEventsCrossKafkaAndRabbitMqIsOneInstance(EmbeddedRabbitMq rabbit, EmbeddedKafka kafka) throws Exception {
        String vhost = RabbitMqExtension.uniqueName("buses");
        String prefix = KafkaExtension.uniqueName("buses");
        String orders = prefix + "-orders";
        try (ApplicationContext app = startBothBuses(rabbit, kafka, vhost, prefix, Map.of());
             KafkaProducer<byte[], byte[]> p = kafka.producer()) {
            ApiClient api = new ApiClient(app.getBean(EmbeddedServer.class).getURL() + "/api/v1");
            ApiClient root = new ApiClient(app.getBean(EmbeddedServer.class).getURL().toString());
            await().atMost(WAIT).untilAsserted(() -> assertThat(root.get("/health").text()).contains("rabbitMqTap"));
            await().atMost(WAIT).until(() -> root.get("/health").text().contains("\"connectedVhosts\":1"));

            ProducerRecord<byte[], byte[]> placed = new ProducerRecord<>(orders, utf8("order-x"),
                    utf8("{\"eventType\":\"OrderPlaced\",\"eventId\":\"e1\"}"));
            placed.headers().add("correlationId", utf8("order-x")).add("sourceService", utf8("orders"));
            p.send(placed).get();
            try (Connection c = connect(rabbit, vhost); Channel ch = c.createChannel()) {
                ch.exchangeDeclare("shipping", BuiltinExchangeType.TOPIC, true);
                ch.queueDeclare("shipping-service", true, false, false, null);
                ch.queueBind("shipping-service", "shipping", "order.#");
                ch.basicPublish("shipping", "order.shipped", new AMQP.BasicProperties.Builder().correlationId("order-x")
                        .messageId("e2").type("OrderShipped").appId("shipping")
                        .headers(Map.of("causationId", "e1")).build(), utf8("{\"carrier\":\"post\"}"));
            }
            await().atMost(WAIT).untilAsserted(() -> {
                ApiClient.Answer a = api.get("/instances/order-x");
                assertThat(a.status()).isEqualTo(200);
                assertThat(a.body().get("events")).hasSize(2);
            });
            JsonNode d = api.ok("/instances/order-x");
            List<String> topics = new ArrayList<>();
            d.get("events").forEach(e -> topics.add(e.path("event").path("topic").asText(e.path("topic").asText())));
            assertThat(topics).containsExactlyInAnyOrder(orders, "rabbitmq:" + vhost + ":shipping");
            assertThat(d.get("graph").get("nodes")).hasSize(2);
            assertThat(d.get("graph").get("edges")).hasSize(1);
            assertThat(d.get("graph").toString()).contains("OrderPlaced", "OrderShipped");
            List<String> buses = new ArrayList<>();
            d.get("events").forEach(e -> buses.add(e.path("bus").asText()));
            assertThat(buses).containsExactlyInAnyOrder("kafka", "rabbitmq");

            // The exchange with its bound queue: one message waits there (no consumer), which is its lag.
            JsonNode exchanges = api.ok("/exchanges");
            JsonNode shipping = null;
            for (JsonNode x : exchanges) {
                assertThat(x.path("name").asText()).doesNotStartWith("amq.");
                assertThat(x.path("queues").toString()).doesNotContain("choreoscope.tap");
                if (x.path("name").asText().equals("shipping")) {
                    shipping = x;
                }
            }
            assertThat(shipping).isNotNull();
            assertThat(shipping.path("type").asText()).isEqualTo("topic");
            assertThat(shipping.path("bus").asText()).isEqualTo("rabbitmq");
            assertThat(shipping.path("topic").asText()).isEqualTo("rabbitmq:" + vhost + ":shipping");
            JsonNode queue = shipping.path("queues").get(0);
            assertThat(queue.path("name").asText()).isEqualTo("shipping-service");
            assertThat(queue.path("consumers").asInt()).isZero();
            await().atMost(WAIT).untilAsserted(() -> assertThat(api.ok("/exchanges").toString())
                    .contains("\"lag\":1"));
            // The UI's client reads the same answer (its redrive dialog offers these queues as rabbitmq:<vhost>:<queue>)
            List<io.choreoscope.model.api.ExchangeInfo> typed = new io.choreoscope.ui.client.HttpChoreoscopeApi(
                    app.getBean(EmbeddedServer.class).getURL() + "/api/v1").exchanges();
            io.choreoscope.model.api.ExchangeInfo shippingTyped = typed.stream()
                    .filter(x -> x.name().equals("shipping")).findFirst().orElseThrow();
            assertThat(shippingTyped.vhost()).isEqualTo(vhost);
            assertThat(shippingTyped.queues()).singleElement().satisfies(q -> {
                assertThat(q.name()).isEqualTo("shipping-service");
                assertThat(q.routingKeys()).containsExactly("order.#");
                assertThat(q.lag()).isEqualTo(1);
            });
        }
    }

    /**
     * The demo's defect: an OrderShipped published on RabbitMQ reaches inference before its order's Kafka event (the
     * shipping service was quicker than the Kafka tap). Its instance is named by it at first, and that model is
     * persisted; once OrderPlaced (stamped earlier, and the cause of the shipment) arrives, the instance belongs to the
     * OrderPlaced flow, and OrderShipped must no longer be listed as a flow of its own (it was: an empty card).
     */
    @Test
    void anEventArrivingBeforeItsInstancesStartLeavesNoFlowOfItsOwn(EmbeddedRabbitMq rabbit, EmbeddedKafka kafka) throws Exception {
        String vhost = RabbitMqExtension.uniqueName("early");
        String prefix = KafkaExtension.uniqueName("early");
        String orders = prefix + "-orders";
        try (ApplicationContext app = startBothBuses(rabbit, kafka, vhost, prefix,
                Map.of("choreoscope.inference.model-interval", "200ms"));
             KafkaProducer<byte[], byte[]> p = kafka.producer()) {
            ApiClient api = new ApiClient(app.getBean(EmbeddedServer.class).getURL() + "/api/v1");
            ApiClient root = new ApiClient(app.getBean(EmbeddedServer.class).getURL().toString());
            await().atMost(WAIT).until(() -> root.get("/health").text().contains("\"connectedVhosts\":1"));
            long placedAt = System.currentTimeMillis() - 5_000;

            try (Connection c = connect(rabbit, vhost); Channel ch = c.createChannel()) {
                ch.exchangeDeclare("shipping", BuiltinExchangeType.TOPIC, true);
                ch.basicPublish("shipping", "order.shipped", new AMQP.BasicProperties.Builder().correlationId("order-e")
                        .messageId("e2").type("OrderShipped").appId("shipping")
                        .headers(Map.of("causationId", "e1")).build(), utf8("{\"carrier\":\"post\"}"));
            }
            // Alone, OrderShipped names its instance's flow, and that flow's model is persisted.
            await().atMost(WAIT).untilAsserted(() -> assertThat(flowNames(api)).contains("OrderShipped"));

            ProducerRecord<byte[], byte[]> placed = new ProducerRecord<>(orders, null, placedAt, utf8("order-e"),
                    utf8("{\"eventType\":\"OrderPlaced\",\"eventId\":\"e1\"}"));
            placed.headers().add("correlationId", utf8("order-e")).add("sourceService", utf8("orders"));
            p.send(placed).get();

            await().atMost(WAIT).untilAsserted(() -> {
                JsonNode d = api.ok("/instances/order-e");
                assertThat(d.get("events")).hasSize(2);
                assertThat(d.path("snapshot").path("flow").asText()).isEqualTo("OrderPlaced");
            });
            await().atMost(WAIT).untilAsserted(() -> assertThat(flowNames(api))
                    .contains("OrderPlaced").doesNotContain("OrderShipped"));
            assertThat(api.get("/flows/OrderShipped").status()).isEqualTo(404);
            // /flows lists a flow by its stored instances as soon as they are written; its model is persisted at the
            // next model-interval (200 ms here), so GET /flows/OrderPlaced may still answer 404 for that long.
            await().atMost(WAIT).untilAsserted(() -> {
                JsonNode model = api.ok("/flows/OrderPlaced");
                assertThat(model.path("instances").asLong()).isEqualTo(1);
                assertThat(model.toString()).contains("OrderShipped");
            });
        }
    }

    /**
     * The whole application tapping the Kafka topic {@code <prefix>-orders} (created here, one partition) and the RabbitMQ
     * virtual host {@code vhost} (created here), storing into a fresh ClickHouse database.
     */
    private static ApplicationContext startBothBuses(EmbeddedRabbitMq rabbit, EmbeddedKafka kafka, String vhost,
                                                     String prefix, Map<String, Object> more) throws Exception {
        rabbit.createVhost(vhost);
        kafka.createTopic(prefix + "-orders", 1);
        Map<String, Object> extra = new java.util.HashMap<>(more);
        extra.put("choreoscope.rabbitmq.uri", rabbit.amqpUri());
        extra.put("choreoscope.rabbitmq.management-url", rabbit.managementUrl());
        extra.put("choreoscope.rabbitmq.vhosts", List.of(vhost));
        extra.put("choreoscope.rabbitmq.batch-linger", "100ms");
        return TestApplication.start(prefix, ClickHouseExtension.createDatabase(), extra);
    }

    private static List<String> flowNames(ApiClient api) {
        List<String> names = new ArrayList<>();
        api.ok("/flows").forEach(f -> names.add(f.path("flow").asText()));
        return names;
    }
}
