package io.choreoscope.samples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.GetResponse;
import io.choreoscope.harness.kafka.EmbeddedKafka;
import io.choreoscope.harness.kafka.KafkaExtension;
import io.choreoscope.harness.rabbitmq.EmbeddedRabbitMq;
import io.choreoscope.harness.rabbitmq.RabbitMqExtension;
import io.choreoscope.samples.flows.OrderSaga;
import io.choreoscope.samples.service.RabbitBus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** With {@code --rabbitmq-uri}, the order saga's shipping step publishes to RabbitMQ as a real service would. */
@ExtendWith({KafkaExtension.class, RabbitMqExtension.class})
class ShippingOverRabbitMqTest {

    @AfterEach
    void backToKafka() {
        RabbitBus.reset();
    }

    @Test
    void orderShippedGoesToTheShippingExchangeWithAmqpPropertiesAndTraceContext(EmbeddedKafka kafka, EmbeddedRabbitMq rabbit)
            throws Exception {
        String vhost = RabbitMqExtension.uniqueName("samples");
        rabbit.createVhost(vhost);
        RabbitBus.configure(rabbit.amqpUri(vhost));
        List<AMQP.BasicProperties> seen = new CopyOnWriteArrayList<>();
        List<String> keys = new CopyOnWriteArrayList<>();
        List<String> bodies = new CopyOnWriteArrayList<>();
        ConnectionFactory f = new ConnectionFactory();
        f.setUri(rabbit.amqpUri(vhost));
        try (Connection c = f.newConnection(); Channel ch = c.createChannel();
             SampleFlowsRunner runner = OrderSagaTest.orders(kafka, b -> b.tracing(false))) {
            ch.exchangeDeclare("shipping", "topic", true);
            String q = ch.queueDeclare().getQueue();
            ch.queueBind(q, "shipping", "#");
            ch.basicConsume(q, true, new DefaultConsumer(ch) {
                @Override
                public void handleDelivery(String tag, Envelope env, AMQP.BasicProperties p, byte[] body) {
                    keys.add(env.getRoutingKey());
                    seen.add(p);
                    bodies.add(new String(body, StandardCharsets.UTF_8));
                }
            });
            String orderId = runner.startInstance(Flow.ORDERS);
            await().atMost(Duration.ofSeconds(30)).until(() -> !seen.isEmpty());
            AMQP.BasicProperties p = seen.get(0);
            assertThat(p.getCorrelationId()).isEqualTo(orderId);
            assertThat(p.getType()).isEqualTo(OrderSaga.ORDER_SHIPPED);
            assertThat(p.getAppId()).isEqualTo("shipping");
            assertThat(p.getMessageId()).isNotBlank();
            assertThat(p.getDeliveryMode()).isEqualTo(2);
            assertThat(p.getHeaders()).containsKey("causationId");
            assertThat(keys.get(0)).isEqualTo("order.ordershipped");
            assertThat(bodies.get(0)).contains("trackingNumber");

            // The notification service consumes on a connection of its own name, which is how the broker, and so
            // choreoscope's dependency map, names a queue's consumer (it was the whole process, "choreoscope-samples").
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(consumerConnectionNames(rabbit, vhost, "shipping-notifications")).containsExactly("notifications"));
        }
    }

    @Test
    void aFailedNotificationIsDeadLetteredWithItsXDeathAndGoesThroughWhenRedriven(EmbeddedKafka kafka, EmbeddedRabbitMq rabbit)
            throws Exception {
        String vhost = RabbitMqExtension.uniqueName("samples-dlq");
        rabbit.createVhost(vhost);
        ConnectionFactory f = new ConnectionFactory();
        f.setUri(rabbit.amqpUri(vhost));
        try (Connection c = f.newConnection(); Channel ch = c.createChannel()) {
            // as an older demo left it: the queue without its dead-letter exchange, which cannot be redeclared with one
            ch.queueDeclare("shipping-notifications", true, false, false, null);
        }
        RabbitBus.configure(rabbit.amqpUri(vhost), 1); // every order's first notification fails
        try (Connection c = f.newConnection(); Channel ch = c.createChannel();
             SampleFlowsRunner runner = OrderSagaTest.orders(kafka, b -> b.tracing(false))) {
            String orderId = runner.startInstance(Flow.ORDERS);
            GetResponse dead = await().atMost(Duration.ofSeconds(30))
                    .until(() -> takeOne(c, "shipping-notifications.dlq"), java.util.Objects::nonNull);
            assertThat(dead.getProps().getCorrelationId()).isEqualTo(orderId);
            assertThat(dead.getProps().getType()).isEqualTo(OrderSaga.ORDER_SHIPPED);
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> deaths = (List<Map<String, Object>>) dead.getProps().getHeaders().get("x-death");
            assertThat(deaths).hasSize(1);
            Map<String, Object> death = deaths.get(0);
            assertThat(String.valueOf(death.get("exchange"))).isEqualTo("shipping");
            assertThat(String.valueOf(death.get("queue"))).isEqualTo("shipping-notifications");
            assertThat(String.valueOf(death.get("reason"))).isEqualTo("rejected");
            assertThat((List<?>) death.get("routing-keys")).extracting(String::valueOf).containsExactly("order.ordershipped");

            // What a redrive does: the message, x-death kept, back to its exchange and routing key. The notification
            // service takes it this time: it dies no second time, and nothing is left waiting.
            ch.confirmSelect();
            ch.basicPublish("shipping", "order.ordershipped", dead.getProps(), dead.getBody());
            ch.waitForConfirmsOrDie(10_000); // in the notification queue now, and delivered to its consumer at once
            await().atMost(Duration.ofSeconds(30)).until(() -> ch.messageCount("shipping-notifications") == 0);
            Thread.sleep(1_000); // a rejection would dead-letter it within milliseconds
            assertThat(ch.messageCount("shipping-notifications")).isZero();
            assertThat(ch.messageCount("shipping-notifications.dlq")).isZero();
            assertThat(queueArguments(rabbit, vhost, "shipping-notifications"))
                    .containsEntry("x-dead-letter-exchange", "shipping.dlx");
        }
    }

    /** One message off the queue (acknowledged as it is taken), or null while there is none or no queue yet. */
    private static GetResponse takeOne(Connection c, String queue) throws Exception {
        Channel ch = c.createChannel();
        try {
            return ch.basicGet(queue, true);
        } catch (java.io.IOException e) {
            return null; // declared with the first notification
        } finally {
            if (ch.isOpen()) {
                ch.close();
            }
        }
    }

    /** A queue's arguments, from the management API. */
    private static Map<String, Object> queueArguments(EmbeddedRabbitMq rabbit, String vhost, String queue) throws Exception {
        JsonNode q = new ObjectMapper().readTree(rabbit.management("GET",
                "/queues/" + EmbeddedRabbitMq.segment(vhost) + "/" + EmbeddedRabbitMq.segment(queue), null));
        Map<String, Object> out = new HashMap<>();
        q.path("arguments").fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }

    /** The client-provided connection names of a queue's consumers, from the management API. */
    private static List<String> consumerConnectionNames(EmbeddedRabbitMq rabbit, String vhost, String queue) throws Exception {
        ObjectMapper json = new ObjectMapper();
        Map<String, String> given = new HashMap<>();
        for (JsonNode c : json.readTree(rabbit.management("GET", "/connections", null))) {
            given.put(c.path("name").asText(), c.path("client_properties").path("connection_name").asText(""));
        }
        List<String> out = new ArrayList<>();
        for (JsonNode c : json.readTree(rabbit.management("GET", "/consumers/" + EmbeddedRabbitMq.segment(vhost), null))) {
            if (queue.equals(c.path("queue").path("name").asText())) {
                out.add(given.get(c.path("channel_details").path("connection_name").asText()));
            }
        }
        return out;
    }
}
