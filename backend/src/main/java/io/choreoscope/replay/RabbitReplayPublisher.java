package io.choreoscope.replay;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import io.choreoscope.collectors.rabbitmq.AmqpRecord;
import io.choreoscope.collectors.rabbitmq.RabbitTapSettings;
import io.choreoscope.model.Header;
import io.choreoscope.model.Observation;
import io.choreoscope.model.Topics;

/**
 * Re-publishes replayed records to RabbitMQ, one at a time with publisher confirms, on the broker the RabbitMQ tap
 * taps ({@code choreoscope.rabbitmq.*}).
 *
 * <p>A stored RabbitMQ message keeps its routing and AMQP properties as {@code amqp:*} headers ({@link AmqpRecord}); this
 * turns them back: the message goes to the exchange and virtual host named by {@code amqp:exchange} and {@code
 * amqp:vhost} (the default exchange {@code amq.default} is the nameless one), with the record key (its first routing
 * key) as routing key, every {@code amqp:<property>} as that AMQP property ({@code timestamp} from epoch seconds, {@code
 * delivery_mode} and {@code priority} as numbers), and every other header (the message's own, then the replay headers)
 * as an application header (UTF-8 text as a string, other bytes as a byte array). Routing facts ({@code amqp:vhost},
 * {@code amqp:exchange}, {@code amqp:routing_key}, {@code amqp:routed_queue}, {@code amqp:user}) are not sent. The
 * {@code user_id} property is kept only when it names the user choreoscope connects as (RabbitMQ refuses any other).
 *
 * <p>Published {@code mandatory}: a message no queue is bound to receive is returned by the broker and counted as failed,
 * never reported sent. A publish not confirmed within {@link #CONFIRM_TIMEOUT_MS} fails. A channel that failed is closed
 * and the next record opens a new one; connections (one per virtual host) are opened on first use and closed with the
 * service.
 */
final class RabbitReplayPublisher implements RabbitSender, AutoCloseable {
    static final long CONFIRM_TIMEOUT_MS = 10_000;
    private static final java.util.Set<String> ROUTING_FACTS = java.util.Set.of(AmqpRecord.VHOST, AmqpRecord.EXCHANGE,
            AmqpRecord.ROUTING_KEY, AmqpRecord.ROUTED_QUEUE, AmqpRecord.USER, AmqpRecord.UNREADABLE);

    private final RabbitTapSettings settings;
    private final Map<String, Connection> connections = new HashMap<>();
    private final Map<String, Channel> channels = new HashMap<>();
    private final AtomicReference<String> returned = new AtomicReference<>();

    RabbitReplayPublisher(RabbitTapSettings settings) {
        this.settings = settings;
    }

    /** Where a stored RabbitMQ message goes back to. */
    record Destination(String vhost, String exchange) {
    }

    /** The virtual host and exchange a stored RabbitMQ message was published to, from its {@code amqp:*} headers. */
    static Destination destination(Iterable<Header> headers) {
        String vhost = "/";
        String exchange = null;
        for (Header h : headers) {
            if (h.name().equals(AmqpRecord.VHOST) && h.value() != null) {
                vhost = h.text();
            } else if (h.name().equals(AmqpRecord.EXCHANGE) && h.value() != null) {
                exchange = h.text();
            }
        }
        if (exchange == null) {
            return null;
        }
        return new Destination(vhost, exchange.equals(Topics.DEFAULT_EXCHANGE) ? "" : exchange);
    }

    /** {@link #destination(Iterable)} of an observation. */
    static Destination destination(Observation o) {
        return destination(o.headers());
    }

    /**
     * Publishes one record and waits for the broker's confirm.
     *
     * @return the publish sequence number on the channel (what the audit keeps as "offset")
     * @throws IOException naming the reason when the broker refused, returned or did not confirm the message
     */
    @Override
    public synchronized long publish(PlannedRecord r) throws IOException, InterruptedException {
        Destination d = destination(r.headers());
        if (d == null) {
            throw new IOException("the stored record names no exchange (no " + AmqpRecord.EXCHANGE + " header)");
        }
        String routingKey = r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
        AMQP.BasicProperties props = properties(r, settings.username());
        Channel ch = channel(d.vhost());
        returned.set(null);
        long seq = ch.getNextPublishSeqNo();
        try {
            ch.basicPublish(d.exchange(), routingKey, true, props, r.payload() == null ? new byte[0] : r.payload());
            ch.waitForConfirmsOrDie(CONFIRM_TIMEOUT_MS);
        } catch (IOException | TimeoutException | RuntimeException e) {
            drop(d.vhost());
            throw new IOException("exchange '" + d.exchange() + "' on vhost '" + d.vhost() + "': " + reason(e), e);
        }
        String why = returned.getAndSet(null);
        if (why != null) {
            throw new IOException("exchange '" + d.exchange() + "' on vhost '" + d.vhost() + "' routed routing key '"
                    + routingKey + "' to no queue (" + why + ")");
        }
        return seq;
    }

    /** The AMQP properties of a replayed record, from its headers (see the class comment). */
    static AMQP.BasicProperties properties(PlannedRecord r, String connectingUser) throws IOException {
        AMQP.BasicProperties.Builder b = new AMQP.BasicProperties.Builder();
        Map<String, Object> headers = new LinkedHashMap<>();
        for (Header h : r.headers()) {
            String name = h.name();
            if (ROUTING_FACTS.contains(name)) {
                continue;
            }
            if (name.startsWith(AmqpRecord.PROPERTY_PREFIX)
                    && AmqpRecord.PROPERTY_NAMES.contains(name.substring(AmqpRecord.PROPERTY_PREFIX.length()))) {
                String v = h.value() == null ? null : h.text();
                if (v != null) {
                    property(b, name.substring(AmqpRecord.PROPERTY_PREFIX.length()), v, connectingUser);
                }
                continue;
            }
            String text = ReplayService.text(h.value());
            headers.put(name, text != null || h.value() == null ? text : h.value());
        }
        return b.headers(headers).build();
    }

    private static void property(AMQP.BasicProperties.Builder b, String name, String v, String connectingUser) throws IOException {
        try {
            switch (name) {
                case "content_type" -> b.contentType(v);
                case "content_encoding" -> b.contentEncoding(v);
                case "delivery_mode" -> b.deliveryMode(Integer.parseInt(v.strip()));
                case "priority" -> b.priority(Integer.parseInt(v.strip()));
                case "correlation_id" -> b.correlationId(v);
                case "reply_to" -> b.replyTo(v);
                case "expiration" -> b.expiration(v);
                case "message_id" -> b.messageId(v);
                case "timestamp" -> b.timestamp(new Date(Long.parseLong(v.strip()) * 1000));
                case "type" -> b.type(v);
                case "user_id" -> {
                    if (v.equals(connectingUser)) {
                        b.userId(v);
                    }
                }
                case "app_id" -> b.appId(v);
                default -> {
                }
            }
        } catch (NumberFormatException e) {
            throw new IOException("stored property " + name + " is not a number: '" + ReplayAudit.cut(v, 40) + "'");
        }
    }

    private Channel channel(String vhost) throws IOException {
        Channel ch = channels.get(vhost);
        if (ch != null && ch.isOpen()) {
            return ch;
        }
        Connection c = connections.get(vhost);
        if (c == null || !c.isOpen()) {
            c = connect(settings, vhost, "choreoscope-replay");
            connections.put(vhost, c);
        }
        ch = c.createChannel();
        ch.confirmSelect();
        ch.addReturnListener(ret -> returned.set(ret.getReplyCode() + " " + ret.getReplyText()));
        channels.put(vhost, ch);
        return ch;
    }

    /** A connection to one virtual host of the tapped broker, without automatic recovery (a failed channel is replaced). */
    static Connection connect(RabbitTapSettings settings, String vhost, String name) throws IOException {
        try {
            return settings.connectionFactory(vhost).newConnection(name);
        } catch (TimeoutException | java.security.NoSuchAlgorithmException e) {
            throw new IOException("could not connect to RabbitMQ vhost '" + vhost + "': " + e.getMessage(), e);
        }
    }

    private void drop(String vhost) {
        Channel ch = channels.remove(vhost);
        if (ch != null && ch.isOpen()) {
            try {
                ch.abort();
            } catch (IOException | RuntimeException ignored) {
                // closing a broken channel; the next record opens a new one
            }
        }
    }

    private static String reason(Exception e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return m == null ? t.getClass().getSimpleName() : m;
    }

    @Override
    public synchronized void close() {
        channels.clear();
        for (Connection c : connections.values()) {
            try {
                c.abort(5_000);
            } catch (RuntimeException ignored) {
                // shutting down
            }
        }
        connections.clear();
    }
}
