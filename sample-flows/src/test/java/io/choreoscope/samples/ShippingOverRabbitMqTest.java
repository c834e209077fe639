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
