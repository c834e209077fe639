package io.choreoscope.collectors.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.choreoscope.collectors.extract.ExtractionRules;
import io.choreoscope.collectors.extract.Field;
import io.choreoscope.harness.rabbitmq.EmbeddedRabbitMq;
import io.choreoscope.harness.rabbitmq.RabbitMqExtension;
import io.choreoscope.model.Observation;
import io.choreoscope.model.ObservationSink;
import io.choreoscope.model.ParseStatus;
import io.choreoscope.model.SinkUnavailableException;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.cloudevents.jackson.JsonFormat;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The RabbitMQ tap against a real broker. The store is a recording sink (our own interface); what is asserted is what
 * the tap hands it. Each test has its own virtual host, so tests do not see each other's messages.
 */
@ExtendWith(RabbitMqExtension.class)
class RabbitMqTapTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    /** Records what the tap hands the store; refuses batches while {@link #refusing} is set. */
    static final class RecordingSink implements ObservationSink {
        final List<Observation> got = new CopyOnWriteArrayList<>();
        final AtomicBoolean refusing = new AtomicBoolean();

        @Override
        public void accept(List<Observation> batch) throws SinkUnavailableException {
            if (refusing.get()) {
                throw new SinkUnavailableException("store down (test)", null);
            }
            got.addAll(batch);
        }

        @Override
        public CompletionStage<Void> acceptForCommit(List<Observation> batch) throws SinkUnavailableException {
            accept(batch);
            return CompletableFuture.completedFuture(null);
        }

        Map<String, Observation> byEventId() {
            Map<String, Observation> m = new HashMap<>();
            for (Observation o : got) {
                if (o.eventId() != null) {
                    m.put(o.eventId(), o);
                }
            }
            return m;
        }

        Set<String> topics() {
            return got.stream().map(Observation::topic).collect(Collectors.toSet());
        }
    }

    private static RabbitMqTap tap(EmbeddedRabbitMq rabbit, String vhost, ExtractionRules rules, ObservationSink sink) {
        RabbitMqConfig c = new RabbitMqConfig();
        c.setUri(rabbit.amqpUri());
        c.setManagementUrl(rabbit.managementUrl());
        c.setVhosts(List.of(vhost));
        c.setBatchLinger(Duration.ofMillis(50));
        c.setReconnectInitial(Duration.ofMillis(200));
        c.setReconnectMax(Duration.ofSeconds(1));
        c.setRetryMax(Duration.ofMillis(500));
        RabbitMqTap tap = new RabbitMqTap(c.toSettings(), new AmqpNormalizer(rules), sink, new SimpleMeterRegistry(),
                Clock.systemUTC());
        tap.start();
        await().atMost(WAIT).until(() -> tap.status().connectedVhosts() == 1 && tap.status().state().equals("RUNNING"));
        return tap;
    }

    private static Connection connect(EmbeddedRabbitMq rabbit, String vhost) throws Exception {
        ConnectionFactory f = new ConnectionFactory();
        f.setUri(rabbit.amqpUri(vhost));
        return f.newConnection("test-publisher");
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static AMQP.BasicProperties id(String messageId) {
        return new AMQP.BasicProperties.Builder().messageId(messageId).build();
    }

    @Test
    void everyExchangeTypeTheDefaultExchangeAndOneCreatedAfterStartAreTapped(EmbeddedRabbitMq rabbit) throws Exception {
        String vhost = RabbitMqExtension.uniqueName("types");
        rabbit.createVhost(vhost);
        RecordingSink sink = new RecordingSink();
        try (Connection c = connect(rabbit, vhost); Channel ch = c.createChannel()) {
            ch.exchangeDeclare("orders.direct", BuiltinExchangeType.DIRECT, true);
            ch.exchangeDeclare("orders.fanout", BuiltinExchangeType.FANOUT, true);
            ch.exchangeDeclare("orders.topic", BuiltinExchangeType.TOPIC, true);
            ch.exchangeDeclare("orders.headers", BuiltinExchangeType.HEADERS, true);
            ch.queueDeclare("billing", true, false, false, null);
            ch.queueBind("billing", "orders.direct", "order.placed");
            ch.queueBind("billing", "orders.topic", "order.*");
            ch.queueBind("billing", "orders.fanout", "");
            ch.queueBind("billing", "orders.headers", "", Map.of("x-match", "any", "kind", "order"));
            try (RabbitMqTap tap = tap(rabbit, vhost, ExtractionRules.defaults(), sink)) {
                ch.basicPublish("orders.direct", "order.placed", id("direct-1"), utf8("{}"));
                // Routed nowhere: still published, still tapped (the firehose sees publishes, not routes).
                ch.basicPublish("orders.direct", "order.unbound", id("direct-unrouted"), utf8("{}"));
                ch.basicPublish("orders.fanout", "", id("fanout-1"), utf8("{}"));
                ch.basicPublish("orders.topic", "order.paid", id("topic-1"), utf8("{}"));
                ch.basicPublish("orders.headers", "", new AMQP.BasicProperties.Builder().messageId("headers-1")
                        .headers(Map.of("kind", "order")).build(), utf8("{}"));
                ch.basicPublish("", "billing", id("default-1"), utf8("{}"));
                ch.basicPublish("amq.topic", "x", id("excluded-1"), utf8("{}"));
                // An exchange declared while the tap runs is tapped from its first message.
                ch.exchangeDeclare("late.topic", BuiltinExchangeType.TOPIC, true);
                ch.queueBind("billing", "late.topic", "#");
                ch.basicPublish("late.topic", "shipment.sent", id("late-1"), utf8("{}"));

                await().atMost(WAIT).until(() -> sink.byEventId().containsKey("late-1") && sink.got.size() >= 7);
                Map<String, Observation> got = sink.byEventId();
                String prefix = "rabbitmq:" + vhost + ":";
                assertThat(got.get("direct-1").topic()).isEqualTo(prefix + "orders.direct");
                assertThat(new String(got.get("direct-1").key(), StandardCharsets.UTF_8)).isEqualTo("order.placed");
                assertThat(got.get("direct-1").header(AmqpRecord.ROUTED_QUEUE).text()).isEqualTo("billing");
                assertThat(got.get("direct-unrouted").header(AmqpRecord.ROUTED_QUEUE)).isNull();
                assertThat(got.get("fanout-1").topic()).isEqualTo(prefix + "orders.fanout");
                assertThat(got.get("topic-1").topic()).isEqualTo(prefix + "orders.topic");
                assertThat(got.get("headers-1").topic()).isEqualTo(prefix + "orders.headers");
                assertThat(got.get("headers-1").header("kind").text()).isEqualTo("order");
                assertThat(got.get("default-1").topic()).isEqualTo(prefix + "amq.default");
                assertThat(got.get("late-1").topic()).isEqualTo(prefix + "late.topic");
                assertThat(got).doesNotContainKey("excluded-1");
                assertThat(sink.got).hasSize(7);
                assertThat(sink.got).allSatisfy(o -> {
                    assertThat(o.partition()).isZero();
                    assertThat(o.offset()).isNotNegative();
                    assertThat(o.header(AmqpRecord.VHOST).text()).isEqualTo(vhost);
                });
            }
        }
    }

    @Test
    void amqpPropertiesHeadersCloudEventsAndTheRoutingKeyFeedTheRules(EmbeddedRabbitMq rabbit) throws Exception {
        String vhost = RabbitMqExtension.uniqueName("extract");
        rabbit.createVhost(vhost);
        RecordingSink sink = new RecordingSink();
        // A configured rule reading the routing key: event type from "order.<type>" when nothing else names it.
        ExtractionRules rules = ExtractionRules.defaults().withRules(Field.EVENT_TYPE,
                List.of("header:eventType", "cloudevents:type", "routing-key-regex:^evt\\.(.+)$"));
        try (Connection c = connect(rabbit, vhost); Channel ch = c.createChannel();
             RabbitMqTap tap = tap(rabbit, vhost, rules, sink)) {
            ch.exchangeDeclare("shop", BuiltinExchangeType.TOPIC, true);
            Date sent = new Date(1_700_000_000_000L);
            ch.basicPublish("shop", "order.placed", new AMQP.BasicProperties.Builder()
                    .correlationId("order-1").messageId("m-props").type("OrderPlaced").appId("orders")
                    .timestamp(sent).contentType("application/json").deliveryMode(2).build(), utf8("{\"amount\":3}"));
            ch.basicPublish("shop", "order.paid", new AMQP.BasicProperties.Builder().messageId("m-header")
                    .headers(Map.of("correlationId", "order-2",
                            "traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")).build(),
                    utf8("{}"));
            ch.basicPublish("shop", "order.traced", new AMQP.BasicProperties.Builder().messageId("m-trace")
                    .headers(Map.of("traceparent", "00-1af7651916cd43dd8448eb211c80319c-c7ad6b7169203331-01")).build(),
                    utf8("{}"));
            // CloudEvents AMQP binding, binary mode, both prefixes.
            ch.basicPublish("shop", "content.up", new AMQP.BasicProperties.Builder().contentType("application/json")
                    .headers(Map.of("cloudEvents:specversion", "1.0", "cloudEvents:id", "ce-colon",
                            "cloudEvents:type", "ContentUploaded", "cloudEvents:source", "/uploader",
                            "cloudEvents:correlationid", "content-1")).build(), utf8("{\"t\":1}"));
            ch.basicPublish("shop", "content.ok", new AMQP.BasicProperties.Builder()
                    .headers(Map.of("cloudEvents_specversion", "1.0", "cloudEvents_id", "ce-underscore",
                            "cloudEvents_type", "ContentApproved", "cloudEvents_source", "/moderation",
                            "cloudEvents_correlationid", "content-1")).build(), utf8("{\"ok\":true}"));
            // Structured mode.
            CloudEvent structured = CloudEventBuilder.v1().withId("ce-structured").withType("ContentPublished")
                    .withSource(URI.create("/publisher")).withExtension("correlationid", "content-1")
                    .withDataContentType("application/json").withData(utf8("{\"p\":1}")).build();
            ch.basicPublish("shop", "content.pub", new AMQP.BasicProperties.Builder()
                    .contentType("application/cloudevents+json").build(), new JsonFormat().serialize(structured));
            // Only the routing key names the type.
            ch.basicPublish("shop", "evt.RefundIssued", new AMQP.BasicProperties.Builder().messageId("m-rk")
                    .correlationId("order-1").build(), utf8("{}"));

            await().atMost(WAIT).until(() -> sink.got.size() >= 7);
            Map<String, Observation> got = sink.byEventId();
            assertThat(got.get("m-props")).extracting(Observation::correlationId, Observation::eventType,
                    Observation::sourceService, Observation::contentType, Observation::parseStatus)
                    .containsExactly("order-1", "OrderPlaced", "orders", "application/json", ParseStatus.OK);
            assertThat(got.get("m-props").header("amqp:timestamp").text()).isEqualTo("1700000000");
            assertThat(got.get("m-props").header("amqp:delivery_mode").text()).isEqualTo("2");
            assertThat(got.get("m-header")).extracting(Observation::correlationId, Observation::traceId, Observation::spanId)
                    .containsExactly("order-2", "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331");
            assertThat(got.get("m-trace").correlationId()).isEqualTo("1af7651916cd43dd8448eb211c80319c");
            assertThat(got.get("ce-colon")).extracting(Observation::correlationId, Observation::eventType,
                    Observation::sourceService, Observation::parseStatus)
                    .containsExactly("content-1", "ContentUploaded", "/uploader", ParseStatus.OK);
            // The stored headers are the message's own: no ce_ or content-type copies were added.
            assertThat(got.get("ce-colon").header("ce_id")).isNull();
            assertThat(got.get("ce-colon").header("content-type")).isNull();
            assertThat(got.get("ce-underscore")).extracting(Observation::correlationId, Observation::eventType)
                    .containsExactly("content-1", "ContentApproved");
            assertThat(got.get("ce-structured")).extracting(Observation::correlationId, Observation::eventType)
                    .containsExactly("content-1", "ContentPublished");
            assertThat(got.get("m-rk")).extracting(Observation::correlationId, Observation::eventType)
                    .containsExactly("order-1", "RefundIssued");
        }
    }

    @Test
    void badMessagesAreStoredAndFlaggedNeverDropped(EmbeddedRabbitMq rabbit) throws Exception {
        String vhost = RabbitMqExtension.uniqueName("bad");
        rabbit.createVhost(vhost);
        RecordingSink sink = new RecordingSink();
        try (Connection c = connect(rabbit, vhost); Channel ch = c.createChannel();
             RabbitMqTap tap = tap(rabbit, vhost, ExtractionRules.defaults(), sink)) {
            ch.exchangeDeclare("in", BuiltinExchangeType.FANOUT, true);
            ch.basicPublish("in", "", new AMQP.BasicProperties.Builder().messageId("binary").correlationId("b-1").build(),
                    new byte[] {(byte) 0xFF, (byte) 0xFE, 0, 1});
            ch.basicPublish("in", "", new AMQP.BasicProperties.Builder().messageId("empty").build(), new byte[0]);
            ch.basicPublish("in", "", new AMQP.BasicProperties.Builder().messageId("text").contentType("application/json")
                    .build(), utf8("{not json"));
            ch.basicPublish("in", "", new AMQP.BasicProperties.Builder().messageId("ce-broken")
                    .contentType("application/cloudevents+json").build(), utf8("{oops"));
            String hostile = "<img src=x onerror=alert(1)>'; DROP TABLE events;--";
            ch.basicPublish("in", hostile, new AMQP.BasicProperties.Builder().messageId("hostile").correlationId(hostile)
                    .headers(Map.of("nested", Map.of("a", 1), "list", List.of(1, "two"), "bytes", new byte[] {0, 1}))
                    .build(), utf8("{}"));
            ch.basicPublish("in", "", null, utf8("no properties at all"));

            await().atMost(WAIT).until(() -> sink.got.size() >= 6);
            Map<String, Observation> got = sink.byEventId();
            assertThat(got.get("binary").parseStatus()).isEqualTo(ParseStatus.BINARY);
            assertThat(got.get("binary").payload()).containsExactly(0xFF, 0xFE, 0, 1);
            assertThat(got.get("empty").parseStatus()).isEqualTo(ParseStatus.EMPTY);
            assertThat(got.get("text").parseStatus()).isEqualTo(ParseStatus.NOT_JSON);
            assertThat(got.get("ce-broken").parseStatus()).isEqualTo(ParseStatus.MALFORMED_CLOUDEVENT);
            assertThat(got.get("hostile").correlationId()).isEqualTo(hostile);
            assertThat(new String(got.get("hostile").key(), StandardCharsets.UTF_8)).isEqualTo(hostile);
            assertThat(got.get("hostile").header("bytes").value()).containsExactly(0, 1);
            assertThat(got.get("hostile").header("list").text()).isEqualTo("1,two");
            assertThat(sink.got).filteredOn(o -> o.eventId() == null).singleElement()
                    .satisfies(o -> {
                        assertThat(o.correlated()).isFalse();
                        assertThat(o.parseStatus()).isEqualTo(ParseStatus.NOT_JSON);
                    });
        }
    }

    /**
     * The store refuses batches, then the broker goes down and comes back: the messages waiting unacknowledged in the
     * tap's quorum queue survive, the tap says RECONNECTING then reconnects, switches the tracer on again (a broker
     * restart switches it off) and hands every message over once the store is back.
     */
    @Test
    void brokerOutageLosesNothingThatReachedTheTapQueue(EmbeddedRabbitMq rabbit) throws Exception {
        String vhost = RabbitMqExtension.uniqueName("outage");
        rabbit.createVhost(vhost);
        RecordingSink sink = new RecordingSink();
        sink.refusing.set(true);
        int before = 200;
        int after = 50;
        try (RabbitMqTap tap = tap(rabbit, vhost, ExtractionRules.defaults(), sink)) {
            try (Connection c = connect(rabbit, vhost); Channel ch = c.createChannel()) {
                ch.exchangeDeclare("events", BuiltinExchangeType.TOPIC, true);
                for (int i = 0; i < before; i++) {
                    ch.basicPublish("events", "e", id("before-" + i), utf8("{\"correlationId\":\"o-" + i + "\"}"));
                }
            }
            await().atMost(WAIT).until(() -> tap.status().consecutiveFailures() > 0 && tap.status().pendingMessages() > 0);
            rabbit.stopApp();
            await().atMost(WAIT).until(() -> tap.status().state().equals("RECONNECTING"));
            assertThat(tap.status().disconnectedVhosts()).containsExactly(vhost);
            rabbit.startApp();
            sink.refusing.set(false);
            await().atMost(WAIT).until(() -> tap.status().state().equals("RUNNING"));
            assertThat(tap.status().reconnectAttempts()).isPositive();
            try (Connection c = connect(rabbit, vhost); Channel ch = c.createChannel()) {
                for (int i = 0; i < after; i++) {
                    ch.basicPublish("events", "e", id("after-" + i), utf8("{}"));
                }
            }
            await().atMost(WAIT).untilAsserted(() -> assertThat(sink.byEventId()).hasSize(before + after));
        }
    }
}
