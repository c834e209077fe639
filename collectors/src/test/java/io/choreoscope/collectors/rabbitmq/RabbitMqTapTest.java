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
import io.choreoscope.collectors.rabbitmq.RabbitTapSettings.Mechanism;
import io.choreoscope.harness.rabbitmq.EmbeddedRabbitMq;
import io.choreoscope.harness.rabbitmq.RabbitMqExtension;
import io.choreoscope.model.Observation;
import io.choreoscope.model.ObservationSink;
import io.choreoscope.model.ParseStatus;
import io.choreoscope.model.SinkUnavailableException;
import io.choreoscope.model.Topics;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.cloudevents.jackson.JsonFormat;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The RabbitMQ tap against a real broker. The store is a recording sink (our own interface); what is asserted is what
 * the tap hands it. Each test has its own virtual host, so tests do not see each other's messages. Tests about what
 * the tap sees run with both mechanisms; extraction, bad input and the outage are the same path after the queue and
 * run with the firehose (the default).
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
        return tap(rabbit, vhost, rules, sink, Mechanism.FIREHOSE);
    }

    private static RabbitMqTap tap(EmbeddedRabbitMq rabbit, String vhost, ExtractionRules rules, ObservationSink sink,
                                   Mechanism mechanism) {
        return tap(rabbit, vhost, rules, sink, mechanism, c -> { });
    }

    private static RabbitMqTap tap(EmbeddedRabbitMq rabbit, String vhost, ExtractionRules rules, ObservationSink sink,
                                   Mechanism mechanism, java.util.function.Consumer<RabbitMqConfig> more) {
        RabbitMqConfig c = new RabbitMqConfig();
        c.setMechanism(mechanism.configName());
        c.setDiscoveryInterval(Duration.ofMillis(300));
        c.setUri(rabbit.amqpUri());
        c.setManagementUrl(rabbit.managementUrl());
        c.setVhosts(List.of(vhost));
        c.setBatchLinger(Duration.ofMillis(50));
        c.setReconnectInitial(Duration.ofMillis(200));
        c.setReconnectMax(Duration.ofSeconds(1));
        c.setRetryMax(Duration.ofMillis(500));
        more.accept(c);
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

    /**
     * Every exchange type, with both mechanisms. The firehose also sees the default exchange and a direct exchange's
     * message with a key no queue binds (unroutable); the tap queue sees neither (it cannot bind the default exchange,
     * and it binds only the keys others bind). The queues a message reached: reported by the firehose, reckoned from
     * the bindings by the tap queue, the same here.
     */
    @ParameterizedTest
    @EnumSource(Mechanism.class)
    void everyExchangeTypeIsTapped(Mechanism mechanism, EmbeddedRabbitMq rabbit) throws Exception {
        String vhost = RabbitMqExtension.uniqueName("types");
        rabbit.createVhost(vhost);
        RecordingSink sink = new RecordingSink();
        boolean firehose = mechanism == Mechanism.FIREHOSE;
        try (Connection c = connect(rabbit, vhost); Channel ch = c.createChannel()) {
            ch.exchangeDeclare("orders.direct", BuiltinExchangeType.DIRECT, true);
            ch.exchangeDeclare("orders.fanout", BuiltinExchangeType.FANOUT, true);
            ch.exchangeDeclare("orders.topic", BuiltinExchangeType.TOPIC, true);
            ch.exchangeDeclare("orders.headers", BuiltinExchangeType.HEADERS, true);
            // Exchange to exchange: orders.topic -> archive (fanout) -> queue archive.
            ch.exchangeDeclare("archive", BuiltinExchangeType.FANOUT, true);
            ch.queueDeclare("billing", true, false, false, null);
            ch.queueDeclare("archive", true, false, false, null);
            ch.queueBind("billing", "orders.direct", "order.placed");
            ch.queueBind("billing", "orders.topic", "order.*");
            ch.queueBind("billing", "orders.fanout", "");
            ch.queueBind("billing", "orders.headers", "", Map.of("x-match", "any", "kind", "order"));
            ch.exchangeBind("archive", "orders.topic", "order.#");
            ch.queueBind("archive", "archive", "");
            try (RabbitMqTap tap = tap(rabbit, vhost, ExtractionRules.defaults(), sink, mechanism)) {
                ch.basicPublish("orders.direct", "order.placed", id("direct-1"), utf8("{}"));
                // Routed nowhere: the firehose sees the publish; the tap queue is not bound to that key.
                ch.basicPublish("orders.direct", "order.unbound", id("direct-unrouted"), utf8("{}"));
                ch.basicPublish("orders.fanout", "", id("fanout-1"), utf8("{}"));
                ch.basicPublish("orders.topic", "order.paid", id("topic-1"), utf8("{}"));
                ch.basicPublish("orders.topic", "payment.paid", id("topic-unrouted"), utf8("{}"));
                ch.basicPublish("orders.headers", "", new AMQP.BasicProperties.Builder().messageId("headers-1")
                        .headers(Map.of("kind", "order")).build(), utf8("{}"));
                ch.basicPublish("orders.headers", "", new AMQP.BasicProperties.Builder().messageId("headers-unrouted")
                        .headers(Map.of("kind", "refund")).build(), utf8("{}"));
                ch.basicPublish("", "billing", id("default-1"), utf8("{}"));
                ch.basicPublish("amq.topic", "x", id("excluded-1"), utf8("{}"));
                ch.basicPublish("orders.fanout", "", id("last"), utf8("{}"));

                int expected = firehose ? 9 : 7;
                await().atMost(WAIT).until(() -> sink.byEventId().containsKey("last") && sink.got.size() >= expected);
                Map<String, Observation> got = sink.byEventId();
                String prefix = "rabbitmq:" + vhost + ":";
                assertThat(got.get("direct-1").topic()).isEqualTo(prefix + "orders.direct");
                assertThat(new String(got.get("direct-1").key(), StandardCharsets.UTF_8)).isEqualTo("order.placed");
                assertThat(routed(got.get("direct-1"))).containsExactly("billing");
                assertThat(got.get("fanout-1").topic()).isEqualTo(prefix + "orders.fanout");
                assertThat(routed(got.get("fanout-1"))).containsExactly("billing");
                assertThat(got.get("topic-1").topic()).isEqualTo(prefix + "orders.topic");
                assertThat(routed(got.get("topic-1"))).containsExactlyInAnyOrder("billing", "archive");
                assertThat(routed(got.get("topic-unrouted"))).isEmpty();
                assertThat(got.get("headers-1").topic()).isEqualTo(prefix + "orders.headers");
                assertThat(got.get("headers-1").header("kind").text()).isEqualTo("order");
                assertThat(routed(got.get("headers-1"))).containsExactly("billing");
                assertThat(routed(got.get("headers-unrouted"))).isEmpty();
                assertThat(got).doesNotContainKey("excluded-1");
                if (firehose) {
                    assertThat(routed(got.get("direct-unrouted"))).isEmpty();
                    assertThat(got.get("default-1").topic()).isEqualTo(prefix + "amq.default");
                } else {
                    assertThat(got).doesNotContainKeys("direct-unrouted", "default-1");
                }
                assertThat(sink.got).hasSize(expected);
                assertThat(sink.got).allSatisfy(o -> {
                    assertThat(o.partition()).isZero();
                    assertThat(o.offset()).isNotNegative();
                    assertThat(o.header(AmqpRecord.VHOST).text()).isEqualTo(vhost);
                });
                assertThat(tap.status().mechanism()).isEqualTo(mechanism.configName());
            }
        }
    }

    /**
     * An exchange declared while the tap runs, and a direct routing key bound while it runs, are tapped: the firehose
     * from their first message, the tap queue within the management poll ({@code discovery-interval}, 300 ms here);
     * from the first message seen on, none is missed. A direct key no one binds any more is unbound from the tap queue.
     */
    @ParameterizedTest
    @EnumSource(Mechanism.class)
    void anExchangeAndABindingCreatedAfterStartAreFollowed(Mechanism mechanism, EmbeddedRabbitMq rabbit) throws Exception {
        String vhost = RabbitMqExtension.uniqueName("late");
        rabbit.createVhost(vhost);
        RecordingSink sink = new RecordingSink();
        try (Connection c = connect(rabbit, vhost); Channel ch = c.createChannel()) {
            ch.exchangeDeclare("orders.direct", BuiltinExchangeType.DIRECT, true);
            ch.queueDeclare("billing", true, false, false, null);
            ch.queueBind("billing", "orders.direct", "order.placed");
            try (RabbitMqTap tap = tap(rabbit, vhost, ExtractionRules.defaults(), sink, mechanism)) {
                ch.exchangeDeclare("late.topic", BuiltinExchangeType.TOPIC, true);
                ch.queueBind("billing", "late.topic", "#");
                ch.queueBind("billing", "orders.direct", "order.cancelled");
                long t0 = System.nanoTime();
                int lateSent = publishUntilSeen(ch, sink, "late.topic", "shipment.sent", "late-");
                int keySent = publishUntilSeen(ch, sink, "orders.direct", "order.cancelled", "key-");
                double secs = (System.nanoTime() - t0) / 1e9;
                assertThat(secs).as("followed within seconds").isLessThan(10);
                for (int i = 0; i < 20; i++) {
                    ch.basicPublish("late.topic", "shipment.sent", id("late-after-" + i), utf8("{}"));
                    ch.basicPublish("orders.direct", "order.cancelled", id("key-after-" + i), utf8("{}"));
                }
                await().atMost(WAIT).until(() -> sink.byEventId().keySet().stream()
                        .filter(k -> k.contains("-after-")).count() == 40);
                Map<String, Observation> got = sink.byEventId();
                assertThat(got.get("late-after-0").topic()).isEqualTo("rabbitmq:" + vhost + ":late.topic");
                assertThat(got.get("key-after-0").topic()).isEqualTo("rabbitmq:" + vhost + ":orders.direct");
                assertThat(lateSent + keySent).isPositive();

                if (mechanism == Mechanism.TAP_QUEUE) {
                    ManagementClient m = new ManagementClient(rabbit.managementUrl(), EmbeddedRabbitMq.USER,
                            EmbeddedRabbitMq.PASSWORD);
                    assertThat(tapKeys(m, vhost, "orders.direct")).containsExactlyInAnyOrder("order.placed", "order.cancelled");
                    ch.queueUnbind("billing", "orders.direct", "order.cancelled");
                    await().atMost(WAIT).until(() -> tapKeys(m, vhost, "orders.direct").equals(Set.of("order.placed")));
                }
            }
        }
    }

    /**
     * RabbitMQ's headers exchange: a binding without conditions matches every message with {@code x-match: all} and
     * none with {@code x-match: any}, which is why the tap queue binds with {@code all} ({@link TapQueueTopology}
     * reckons the same).
     */
    @Test
    void aHeadersBindingWithoutConditionsMatchesEveryMessageWithAllAndNoneWithAny(EmbeddedRabbitMq rabbit) throws Exception {
        String vhost = RabbitMqExtension.uniqueName("headers");
        rabbit.createVhost(vhost);
        try (Connection c = connect(rabbit, vhost); Channel ch = c.createChannel()) {
            ch.exchangeDeclare("h", BuiltinExchangeType.HEADERS, true);
            ch.queueDeclare("all", true, false, false, null);
            ch.queueDeclare("any", true, false, false, null);
            ch.queueBind("all", "h", "", Map.of("x-match", "all"));
            ch.queueBind("any", "h", "", Map.of("x-match", "any"));
            ch.confirmSelect();
            ch.basicPublish("h", "", new AMQP.BasicProperties.Builder().headers(Map.of("kind", "order")).build(), utf8("1"));
            ch.basicPublish("h", "", null, utf8("2"));
            ch.basicPublish("h", "k", new AMQP.BasicProperties.Builder().headers(Map.of("x-other", 1)).build(), utf8("3"));
            ch.waitForConfirmsOrDie(10_000);
            await().atMost(WAIT).until(() -> ch.messageCount("all") == 3);
            assertThat(ch.messageCount("any")).isZero();
        }
        assertThat(TapQueueTopology.headersMatch(Map.of("x-match", "all"), Map.of("kind", "order"))).isTrue();
        assertThat(TapQueueTopology.headersMatch(Map.of("x-match", "all"), Map.of())).isTrue();
        assertThat(TapQueueTopology.headersMatch(Map.of("x-match", "any"), Map.of("kind", "order"))).isFalse();
    }

    /** Publishes with IDs prefix0, prefix1... until the sink has one of them (at most 10 s); returns how many were sent. */
    private static int publishUntilSeen(Channel ch, RecordingSink sink, String exchange, String key, String prefix)
            throws Exception {
        int[] sent = {0};
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> {
            ch.basicPublish(exchange, key, id(prefix + sent[0]++), utf8("{}"));
            return sink.got.stream().anyMatch(o -> o.eventId() != null && o.eventId().startsWith(prefix));
        });
        return sent[0];
    }

    /** The routing keys binding the tap queue to an exchange, as the management API shows them. */
    private static Set<String> tapKeys(ManagementClient m, String vhost, String exchange) throws Exception {
        return m.routes(vhost).stream()
                .filter(r -> r.source().equals(exchange) && r.destination().equals(RabbitMqConfig.DEFAULT_QUEUE))
                .map(ManagementClient.Route::routingKey).collect(Collectors.toSet());
    }

    private static List<String> routed(Observation o) {
        return o.headers().stream().filter(h -> h.name().equals(AmqpRecord.ROUTED_QUEUE)).map(h -> h.text()).toList();
    }

    /**
     * A message a consumer rejects goes through its queue's dead-letter exchange into the tap queue too: with the tap
     * queue, bound to every exchange; with the firehose (which never reports a dead-lettering: RabbitMQ dead-letters
     * without a publish), because the tap binds its queue to the dead-letter exchanges the queues name. It is stored a
     * second time, under the dead-letter exchange, with the headers RabbitMQ adds (where it died, why, {@code
     * x-death}), so the stuck causes can say it was dead-lettered.
     */
    @ParameterizedTest
    @EnumSource(Mechanism.class)
    void aMessageDeadLetteredIntoATappedExchangeIsStoredWithWhereAndWhyItDied(Mechanism mechanism, EmbeddedRabbitMq rabbit)
            throws Exception {
        String vhost = RabbitMqExtension.uniqueName("dlx");
        rabbit.createVhost(vhost);
        RecordingSink sink = new RecordingSink();
        try (Connection c = connect(rabbit, vhost); Channel ch = c.createChannel();
             RabbitMqTap tap = tap(rabbit, vhost, ExtractionRules.defaults(), sink, mechanism)) {
            // declared after the tap started: found by its next management read
            ch.exchangeDeclare("shipping", BuiltinExchangeType.TOPIC, true);
            ch.exchangeDeclare("shipping.dlx", BuiltinExchangeType.TOPIC, true);
            ch.queueDeclare("notifications", true, false, false, Map.of("x-dead-letter-exchange", "shipping.dlx"));
            ch.queueBind("notifications", "shipping", "order.#");
            ch.queueDeclare("notifications.dlq", true, false, false, null);
            ch.queueBind("notifications.dlq", "shipping.dlx", "#");
            await().atMost(WAIT).until(() -> (mechanism == Mechanism.FIREHOSE || !tapKeys(tap.management(), vhost, "shipping").isEmpty())
                    && !tapKeys(tap.management(), vhost, "shipping.dlx").isEmpty());
            if (mechanism == Mechanism.FIREHOSE) {
                assertThat(tapKeys(tap.management(), vhost, "shipping")).as("the firehose reports its publishes").isEmpty();
            }
            ch.confirmSelect();
            ch.basicPublish("shipping", "order.shipped", new AMQP.BasicProperties.Builder().messageId("n-1")
                    .correlationId("order-9").type("OrderShipped").appId("orders").build(), utf8("{\"carrier\":\"post\"}"));
            ch.waitForConfirmsOrDie(10_000);
            await().atMost(WAIT).until(() -> ch.messageCount("notifications") == 1);
            com.rabbitmq.client.GetResponse got = ch.basicGet("notifications", false);
            ch.basicReject(got.getEnvelope().getDeliveryTag(), false);
            await().atMost(WAIT).until(() -> ch.messageCount("notifications.dlq") == 1);
            await().atMost(WAIT).until(() -> sink.got.stream().filter(o -> "n-1".equals(o.eventId())).count() == 2);
        }
        Observation original = sink.got.stream().filter(o -> o.topic().equals(Topics.rabbitMq(vhost, "shipping")))
                .findFirst().orElseThrow();
        Observation dead = sink.got.stream().filter(o -> o.topic().equals(Topics.rabbitMq(vhost, "shipping.dlx")))
                .findFirst().orElseThrow();
        assertThat(original.header("x-first-death-reason")).isNull();
        assertThat(dead.offset()).as("its own identity: the exchange is part of it").isNotEqualTo(original.offset());
        assertThat(dead.eventId()).isEqualTo("n-1");
        assertThat(dead.correlationId()).isEqualTo("order-9");
        assertThat(dead.eventType()).isEqualTo("OrderShipped");
        assertThat(dead.parseStatus()).isEqualTo(ParseStatus.OK);
        assertThat(dead.header("x-first-death-exchange").text()).isEqualTo("shipping");
        assertThat(dead.header("x-first-death-queue").text()).isEqualTo("notifications");
        assertThat(dead.header("x-first-death-reason").text()).isEqualTo("rejected");
        assertThat(dead.header("x-death").text()).contains("notifications").contains("rejected");
        assertThat(dead.header(AmqpRecord.ROUTING_KEY).text()).isEqualTo("order.shipped");
        assertThat(original.sourceService()).isEqualTo("orders");
        assertThat(dead.sourceService()).as("the broker moved it, its publisher did not send it there").isNull();
    }

    /**
     * A queue whose dead-letter exchange is the default one ({@code ""}, by argument or by policy) dead-letters straight
     * into another queue; nothing can be bound to the default exchange, so those dead letters cannot be tapped with
     * either mechanism. The tap says so in its status (health) instead of saying nothing: a queue argument takes
     * precedence over a policy, and a named dead-letter exchange is tapped, so neither is listed.
     */
    @ParameterizedTest
    @EnumSource(Mechanism.class)
    void queuesDeadLetteringToTheDefaultExchangeAreNamedAsUntapped(Mechanism mechanism, EmbeddedRabbitMq rabbit) throws Exception {
        String vhost = RabbitMqExtension.uniqueName("dlxdefault");
        rabbit.createVhost(vhost);
        rabbit.management("PUT", "/policies/" + EmbeddedRabbitMq.segment(vhost) + "/legacy-dlx",
                "{\"pattern\":\"^legacy\\\\.\",\"definition\":{\"dead-letter-exchange\":\"\"},\"apply-to\":\"queues\"}");
        try (Connection c = connect(rabbit, vhost); Channel ch = c.createChannel();
             RabbitMqTap tap = tap(rabbit, vhost, ExtractionRules.defaults(), new RecordingSink(), mechanism)) {
            ch.queueDeclare("audit", true, false, false, Map.of("x-dead-letter-exchange", "",
                    "x-dead-letter-routing-key", "audit.dlq"));
            ch.queueDeclare("legacy.orders", true, false, false, null); // by the policy
            ch.queueDeclare("legacy.named", true, false, false, Map.of("x-dead-letter-exchange", "named.dlx"));
            ch.exchangeDeclare("named.dlx", BuiltinExchangeType.FANOUT, true);
            ch.queueDeclare("billing", true, false, false, Map.of("x-dead-letter-exchange", "named.dlx"));
            ch.queueDeclare("plain", true, false, false, null);
            await().atMost(WAIT).untilAsserted(() -> assertThat(tap.status().untappedDeadLetterQueues())
                    .containsExactly("audit in " + vhost, "legacy.orders in " + vhost));
            await().atMost(WAIT).until(() -> !tapKeys(tap.management(), vhost, "named.dlx").isEmpty());
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
     * A producer's headers nested deeper than the RabbitMQ Java client reads (32 levels) made it close the connection
     * on delivery; the broker delivered the message again, first, on every reconnection: 25 reconnections a second on
     * the demo, health DOWN, and not one message of the virtual host stored after it. Now each such message is taken
     * off the queue through the management API and stored flagged, and every message around it is stored once.
     */
    @ParameterizedTest
    @EnumSource(Mechanism.class)
    void aMessageTheClientCannotReadIsStoredFlaggedAndTheTapReadsOn(Mechanism mechanism, EmbeddedRabbitMq rabbit)
            throws Exception {
        unreadableMessages(rabbit, mechanism, "quorum");
    }

    /** The same with a classic tap queue (which puts a message delivered again back where it was). */
    @Test
    void aMessageTheClientCannotReadIsStoredFlaggedFromAClassicTapQueueToo(EmbeddedRabbitMq rabbit) throws Exception {
        unreadableMessages(rabbit, Mechanism.FIREHOSE, "classic");
    }

    private static void unreadableMessages(EmbeddedRabbitMq rabbit, Mechanism mechanism, String queueType) throws Exception {
        String vhost = RabbitMqExtension.uniqueName("deep");
        rabbit.createVhost(vhost);
        RecordingSink sink = new RecordingSink();
        try (Connection c = connect(rabbit, vhost); Channel ch = c.createChannel()) {
            ch.exchangeDeclare("orders", BuiltinExchangeType.TOPIC, true);
            ch.queueDeclare("orders-q", true, false, false, null);
            ch.queueBind("orders-q", "orders", "#");
            try (RabbitMqTap tap = tap(rabbit, vhost, ExtractionRules.defaults(), sink, mechanism,
                    c2 -> c2.setQueueType(queueType))) {
                Object list = "leaf";
                Object table = "leaf";
                for (int i = 0; i < 40; i++) {
                    list = List.of(list);
                    table = Map.of("k", table);
                }
                for (int i = 0; i < 30; i++) {
                    ch.basicPublish("orders", "placed", id("before-" + i), utf8("{\"orderId\":\"o-" + i + "\"}"));
                }
                ch.basicPublish("orders", "placed", new AMQP.BasicProperties.Builder().messageId("deep-list")
                        .correlationId("o-deep").headers(Map.of("deep", list, "plain", "kept")).build(), utf8("{\"a\":1}"));
                ch.basicPublish("orders", "placed", new AMQP.BasicProperties.Builder().messageId("deep-table")
                        .headers(Map.of("deep", table)).build(), utf8("{\"b\":2}"));
                for (int i = 0; i < 30; i++) {
                    ch.basicPublish("orders", "placed", id("after-" + i), utf8("{}"));
                }

                await().atMost(WAIT).untilAsserted(() -> assertThat(sink.byEventId()).hasSize(62));
                Map<String, Observation> got = sink.byEventId();
                for (String deep : List.of("deep-list", "deep-table")) {
                    assertThat(got.get(deep).header(AmqpRecord.UNREADABLE)).as(deep).isNotNull();
                    assertThat(got.get(deep).header(AmqpRecord.UNREADABLE).text())
                            .contains("the AMQP client cannot read its properties").contains("nested");
                    assertThat(got.get(deep).header(AmqpRecord.EXCHANGE).text()).isEqualTo("orders");
                    assertThat(got.get(deep).header("deep").text()).contains("leaf");
                }
                assertThat(got.get("deep-list").correlationId()).isEqualTo("o-deep");
                assertThat(got.get("deep-list").header("plain").text()).isEqualTo("kept");
                assertThat(got.get("deep-table").payload()).isEqualTo(utf8("{\"b\":2}"));
                assertThat(sink.got).filteredOn(o -> o.header(AmqpRecord.UNREADABLE) != null).hasSize(2);
                // the services' own queue still has every message: the tap took them off its own copy only
                assertThat(ch.messageCount("orders-q")).isEqualTo(62);
                await().atMost(WAIT).until(() -> tap.status().state().equals("RUNNING"));
                // and it reads on at full speed
                for (int i = 0; i < 100; i++) {
                    ch.basicPublish("orders", "placed", id("later-" + i), utf8("{}"));
                }
                await().atMost(WAIT).untilAsserted(() -> assertThat(sink.byEventId()).hasSize(162));
            }
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
