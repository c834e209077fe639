package io.choreoscope.samples.service;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;

/**
 * The samples' RabbitMQ side, as a real service would use it: a sample step whose emit names the topic
 * {@code rabbitmq:<exchange>} is published to that (topic) exchange with routing key {@code order.<type>} and AMQP
 * properties (message ID, correlation ID, type, app ID, timestamp, persistent), its headers (trace context included)
 * as AMQP headers. A queue {@code <exchange>-notifications} bound with {@code #} is read by a small consumer that plays
 * the notification service (acks each message), so the broker holds nothing for long.
 *
 * <p>Off unless {@link #configure(String)} was called with a URI ({@code --rabbitmq-uri}); then {@link #enabled()}.
 */
public final class RabbitBus {
    /** Topic-name prefix that sends an emit to RabbitMQ. */
    public static final String PREFIX = "rabbitmq:";
    private static volatile RabbitBus shared;

    private final Connection connection;
    /** The notification service's own connection: the broker (and so choreoscope's map) names its consumer by it. */
    private final Connection notifications;
    private final Channel channel;
    private final Map<String, Boolean> declared = new LinkedHashMap<>();

    private RabbitBus(String uri) throws Exception {
        ConnectionFactory f = new ConnectionFactory();
        f.setUri(uri);
        connection = f.newConnection("shipping");
        notifications = f.newConnection("notifications");
        channel = connection.createChannel();
    }

    /** Connects the samples to RabbitMQ at {@code uri}. */
    public static synchronized void configure(String uri) {
        try {
            shared = new RabbitBus(uri);
        } catch (Exception e) {
            throw new IllegalArgumentException("cannot connect to RabbitMQ at " + uri.replaceAll("//[^@/]*@", "//***@")
                    + ": " + e.getMessage(), e);
        }
    }

    /** Disconnects and turns RabbitMQ off again (every step back on Kafka). */
    public static synchronized void reset() {
        RabbitBus b = shared;
        shared = null;
        if (b != null) {
            for (Connection c : List.of(b.connection, b.notifications)) {
                try {
                    c.close(5_000);
                } catch (IOException | RuntimeException e) {
                    c.abort(1_000);
                }
            }
        }
    }

    public static boolean enabled() {
        return shared != null;
    }

    /** The bus, or null when RabbitMQ is off. */
    static RabbitBus get() {
        return shared;
    }

    /** Publishes one encoded event to the exchange named by its topic ({@code rabbitmq:<exchange>}). */
    synchronized void publish(ProducerRecord<byte[], byte[]> encoded, String messageId, String correlationId,
                              String type, String appId) throws IOException {
        String exchange = encoded.topic().substring(PREFIX.length());
        if (declared.putIfAbsent(exchange, true) == null) {
            channel.exchangeDeclare(exchange, BuiltinExchangeType.TOPIC, true);
            String queue = exchange + "-notifications";
            channel.queueDeclare(queue, true, false, false, null);
            channel.queueBind(queue, exchange, "#");
            Channel consumer = notifications.createChannel();
            consumer.basicConsume(queue, false, "notifications", new DefaultConsumer(consumer) {
                @Override
                public void handleDelivery(String tag, Envelope env, AMQP.BasicProperties p, byte[] body) throws IOException {
                    getChannel().basicAck(env.getDeliveryTag(), false);
                }
            });
        }
        Map<String, Object> headers = new LinkedHashMap<>();
        for (Header h : encoded.headers()) {
            headers.put(h.key(), h.value() == null ? null : new String(h.value(), java.nio.charset.StandardCharsets.UTF_8));
        }
        AMQP.BasicProperties props = new AMQP.BasicProperties.Builder().messageId(messageId).correlationId(correlationId)
                .type(type).appId(appId).timestamp(new java.util.Date()).deliveryMode(2)
                .contentType("application/json").headers(headers).build();
        channel.basicPublish(exchange, "order." + type.toLowerCase(java.util.Locale.ROOT), props, encoded.value());
    }
}
