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
 * the notification service: it acks each message, but one in {@link #NOTIFICATION_FAILURE_EVERY} (by correlation ID) fails
 * the first time (the mail relay refused it) and is rejected, so the broker dead-letters it through the queue's dead-letter
 * exchange {@code <exchange>.dlx} into {@code <exchange>-notifications.dlq}, with the {@code x-death} header that says where it
 * came from: a RabbitMQ dead-letter queue for choreoscope's redrive. A redriven message (it carries the {@code x-death})
 * goes through.
 *
 * <p>Off unless {@link #configure(String)} was called with a URI ({@code --rabbitmq-uri}); then {@link #enabled()}.
 */
public final class RabbitBus {
    /** Topic-name prefix that sends an emit to RabbitMQ. */
    public static final String PREFIX = "rabbitmq:";
    /** One notification in this many (by correlation ID) fails the first time and is dead-lettered. */
    public static final int NOTIFICATION_FAILURE_EVERY = 20;
    private static volatile RabbitBus shared;

    private final Connection connection;
    /** The notification service's own connection: the broker (and so choreoscope's map) names its consumer by it. */
    private final Connection notifications;
    private Channel channel;
    private final Map<String, Boolean> declared = new LinkedHashMap<>();
    private final int failureEvery;

    private RabbitBus(String uri, int failureEvery) throws Exception {
        ConnectionFactory f = new ConnectionFactory();
        f.setUri(uri);
        connection = f.newConnection("shipping");
        notifications = f.newConnection("notifications");
        channel = connection.createChannel();
        this.failureEvery = failureEvery;
    }

    /** Connects the samples to RabbitMQ at {@code uri}. */
    public static synchronized void configure(String uri) {
        configure(uri, NOTIFICATION_FAILURE_EVERY);
    }

    /** Connects the samples to RabbitMQ at {@code uri}; one notification in {@code failureEvery} fails (0: none). */
    public static synchronized void configure(String uri, int failureEvery) {
        try {
            shared = new RabbitBus(uri, failureEvery);
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
            String dlx = exchange + ".dlx";
            channel.exchangeDeclare(dlx, BuiltinExchangeType.FANOUT, true);
            channel.queueDeclare(queue + ".dlq", true, false, false, Map.of("x-max-length", 10_000));
            channel.queueBind(queue + ".dlq", dlx, "");
            declareNotifications(queue, Map.of("x-dead-letter-exchange", dlx));
            channel.queueBind(queue, exchange, "#");
            Channel consumer = notifications.createChannel();
            consumer.basicConsume(queue, false, "notifications", new DefaultConsumer(consumer) {
                @Override
                public void handleDelivery(String tag, Envelope env, AMQP.BasicProperties p, byte[] body) throws IOException {
                    if (fails(p)) {
                        getChannel().basicReject(env.getDeliveryTag(), false); // to the dead-letter exchange
                    } else {
                        getChannel().basicAck(env.getDeliveryTag(), false);
                    }
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

    /**
     * Declares the notification queue with its arguments. A demo data directory from before the dead-letter exchange holds
     * the queue without it, which RabbitMQ refuses to redeclare (PRECONDITION_FAILED, closing the channel): it is this
     * sample's own queue, so it is deleted and declared again.
     */
    private void declareNotifications(String queue, Map<String, Object> args) throws IOException {
        try {
            channel.queueDeclare(queue, true, false, false, args);
        } catch (IOException e) {
            if (!String.valueOf(e.getCause()).contains("PRECONDITION_FAILED")) {
                throw e;
            }
            channel = connection.createChannel();
            channel.queueDelete(queue);
            channel.queueDeclare(queue, true, false, false, args);
        }
    }

    /** Whether the notification of this message fails: the first delivery of one in {@code failureEvery} orders. */
    private boolean fails(AMQP.BasicProperties p) {
        boolean redriven = p.getHeaders() != null && p.getHeaders().containsKey("x-death");
        return failureEvery > 0 && !redriven && p.getCorrelationId() != null
                && Math.floorMod(p.getCorrelationId().hashCode(), failureEvery) == 0;
    }
}
