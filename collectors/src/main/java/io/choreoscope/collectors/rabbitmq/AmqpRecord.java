package io.choreoscope.collectors.rabbitmq;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.choreoscope.collectors.extract.RawRecord;
import io.choreoscope.model.Header;
import io.choreoscope.model.Topics;

/**
 * One message published to a RabbitMQ exchange, as the firehose reports it, turned into the record every collector
 * stores. Nothing here needs a broker: the tap hands in the headers and body of a firehose copy.
 *
 * <p><b>How it is stored.</b> The exchange becomes the topic ({@link Topics#rabbitMq(String, String)}: {@code
 * rabbitmq:<exchange>} on the virtual host {@code /}, {@code rabbitmq:<vhost>:<exchange>} elsewhere; the default
 * exchange is {@code amq.default}); the routing key becomes the key; the message's own headers are kept as headers in
 * their order, and its AMQP properties and routing are added as headers named {@code amqp:<property>} ({@code
 * amqp:correlation_id}, {@code amqp:message_id}, {@code amqp:type}, {@code amqp:app_id}, {@code amqp:timestamp} in
 * epoch seconds, {@code amqp:content_type}, {@code amqp:delivery_mode}..., and {@code amqp:vhost}, {@code
 * amqp:exchange}, {@code amqp:routing_key} once per routing key, {@code amqp:routed_queue} once per queue the message
 * reached, {@code amqp:user}). Replay reads these back to re-publish the message as it was.
 *
 * <p><b>Identity.</b> RabbitMQ has no offsets. The partition is 0 and the offset is a 63-bit identity: SHA-256 of the
 * virtual host, exchange and routing keys, and then the {@code message_id} property when the message has one, else
 * every property (headers included, the {@code timestamp} property too) and the body. A redelivered message (the tap
 * crashed before its ack) has the same identity and the store shows it once. Two messages collapse into one when they
 * share the vhost, exchange, routing keys and message ID, or, without a message ID, when every property and every
 * body byte is equal (for example two identical publishes within the same second of the {@code timestamp} property,
 * or both without one): publishers that want such messages counted apart set a message ID. A copy sent by a replay
 * (header {@code choreoscope-replay-id}) has that ID in its identity too, so it never replaces the original.
 *
 * <p>The record's timestamp is the broker header {@code timestamp_in_ms} when a plugin or policy set one, else the
 * time the tap received the copy (ms). It is not part of the identity, so a redelivery keeps the row it replaces.
 *
 * <p>Bad input: a header value of any AMQP type is kept as text (byte arrays as they are); a missing or strange
 * firehose header yields an empty exchange or routing key, never an exception.
 */
public record AmqpRecord(String vhost, String exchange, List<String> routingKeys, Map<String, Object> properties,
                         List<String> routedQueues, String user, byte[] body, Instant timestamp) {

    /** Header prefix of the AMQP properties and routing facts added to the stored headers. */
    public static final String PROPERTY_PREFIX = "amqp:";
    public static final String VHOST = PROPERTY_PREFIX + "vhost";
    public static final String EXCHANGE = PROPERTY_PREFIX + "exchange";
    public static final String ROUTING_KEY = PROPERTY_PREFIX + "routing_key";
    public static final String ROUTED_QUEUE = PROPERTY_PREFIX + "routed_queue";
    public static final String USER = PROPERTY_PREFIX + "user";
    /**
     * Added by the tap to a message the AMQP client could not read (its headers nested too deep), which it took off its
     * queue through the management API instead: why, and whether the body was cut. Not the message's own header.
     */
    public static final String UNREADABLE = PROPERTY_PREFIX + "unreadable";
    /**
     * The header a quorum queue adds to a message it delivers again: it is the tap queue's, not the message's, and left
     * out (it would change a redelivered message's identity).
     */
    static final String REDELIVERY_COUNT = "x-delivery-count";
    /** The AMQP basic properties, in the order they are written, by their AMQP names. */
    public static final List<String> PROPERTY_NAMES = List.of("content_type", "content_encoding", "delivery_mode",
            "priority", "correlation_id", "reply_to", "expiration", "message_id", "timestamp", "type", "user_id", "app_id");

    public AmqpRecord {
        vhost = vhost == null ? "/" : vhost;
        exchange = exchange == null ? "" : exchange;
        routingKeys = routingKeys == null ? List.of() : List.copyOf(routingKeys);
        properties = properties == null ? Map.of() : properties;
        routedQueues = routedQueues == null ? List.of() : List.copyOf(routedQueues);
    }

    /**
     * Reads a firehose copy ({@code publish.<exchange>} on {@code amq.rabbitmq.trace}): its headers name the
     * exchange, routing keys, original properties, the queues the message reached and the publishing user.
     *
     * @param traceHeaders the copy's headers (may be null)
     * @param body         the original body
     * @param received     when the tap received the copy
     */
    @SuppressWarnings("unchecked")
    public static AmqpRecord fromFirehose(Map<String, Object> traceHeaders, byte[] body, Instant received) {
        Map<String, Object> h = traceHeaders == null ? Map.of() : traceHeaders;
        Map<String, Object> props = h.get("properties") instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
        Instant ts = received;
        Map<String, Object> appHeaders = props.get("headers") instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
        Object ms = appHeaders.get("timestamp_in_ms");
        if (ms instanceof Number n && n.longValue() > 0) {
            ts = Instant.ofEpochMilli(n.longValue());
        }
        return new AmqpRecord(text(h.get("vhost")), text(h.get("exchange_name")), texts(h.get("routing_keys")), props,
                texts(h.get("routed_queues")), text(h.get("user")), body, ts);
    }

    /**
     * Reads a message delivered to the tap's queue through its binding to the exchange the message was published to
     * (the tap-queue mechanism): the delivery names that exchange and the routing key, the properties are the message's
     * own. The {@code CC} header's keys (sender-selected distribution) are routing keys too, as the firehose reports
     * them. The broker does not say which queues the message reached ({@link #withRoutedQueues}) nor who published it.
     * The {@code x-delivery-count} header a quorum tap queue adds on redelivery is dropped.
     */
    public static AmqpRecord fromTapQueue(String vhost, String exchange, String routingKey,
                                          com.rabbitmq.client.BasicProperties props, byte[] body, Instant received) {
        Map<String, Object> p = new java.util.LinkedHashMap<>();
        Map<String, Object> own = props == null ? null : props.getHeaders();
        if (own != null && own.containsKey(REDELIVERY_COUNT)) {
            own = new java.util.LinkedHashMap<>(own);
            own.remove(REDELIVERY_COUNT);
        }
        if (props != null) {
            put(p, "content_type", props.getContentType());
            put(p, "content_encoding", props.getContentEncoding());
            put(p, "headers", own);
            put(p, "delivery_mode", props.getDeliveryMode());
            put(p, "priority", props.getPriority());
            put(p, "correlation_id", props.getCorrelationId());
            put(p, "reply_to", props.getReplyTo());
            put(p, "expiration", props.getExpiration());
            put(p, "message_id", props.getMessageId());
            put(p, "timestamp", props.getTimestamp());
            put(p, "type", props.getType());
            put(p, "user_id", props.getUserId());
            put(p, "app_id", props.getAppId());
        }
        List<String> keys = new ArrayList<>();
        keys.add(routingKey == null ? "" : routingKey);
        Map<String, Object> headers = own == null ? Map.of() : own;
        keys.addAll(texts(headers.get("CC")));
        Instant ts = received;
        if (headers.get("timestamp_in_ms") instanceof Number n && n.longValue() > 0) {
            ts = Instant.ofEpochMilli(n.longValue());
        }
        return new AmqpRecord(vhost, exchange, keys, p, List.of(), null, body, ts);
    }

    /** This message with these queues reached (not part of the identity). */
    public AmqpRecord withRoutedQueues(List<String> queues) {
        return new AmqpRecord(vhost, exchange, routingKeys, properties, queues, user, body, timestamp);
    }

    private static void put(Map<String, Object> m, String name, Object v) {
        if (v != null) {
            m.put(name, v);
        }
    }

    /** The topic this message is stored under. */
    public String topic() {
        return Topics.rabbitMq(vhost, exchange);
    }

    /** The first routing key, or "" . */
    public String routingKey() {
        return routingKeys.isEmpty() ? "" : routingKeys.get(0);
    }

    /** The message's own headers (the {@code headers} property), in order. */
    @SuppressWarnings("unchecked")
    public Map<String, Object> applicationHeaders() {
        return properties.get("headers") instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    /** The headers stored with the record: the message's own, then {@code amqp:*} properties and routing. */
    public List<Header> storedHeaders() {
        List<Header> out = new ArrayList<>();
        for (Map.Entry<String, Object> e : applicationHeaders().entrySet()) {
            out.add(new Header(e.getKey(), bytes(e.getValue())));
        }
        for (String name : PROPERTY_NAMES) {
            Object v = properties.get(name);
            if (v != null) {
                out.add(new Header(PROPERTY_PREFIX + name, bytes(v)));
            }
        }
        out.add(Header.of(VHOST, vhost));
        out.add(Header.of(EXCHANGE, exchange));
        for (String k : routingKeys) {
            out.add(Header.of(ROUTING_KEY, k));
        }
        for (String q : routedQueues) {
            out.add(Header.of(ROUTED_QUEUE, q));
        }
        if (user != null) {
            out.add(Header.of(USER, user));
        }
        return List.copyOf(out);
    }

    /** The 63-bit identity described above (never negative). */
    public long identity() {
        MessageDigest d = sha256();
        update(d, vhost);
        update(d, exchange);
        for (String k : routingKeys) {
            update(d, k);
        }
        Object messageId = properties.get("message_id");
        Object replayId = applicationHeaders().get(io.choreoscope.model.Observation.REPLAY_ID_HEADER);
        if (replayId != null) {
            // A replayed copy keeps the message ID: it must not take the original's row.
            update(d, "replay");
            update(d, text(replayId));
        }
        if (messageId != null && !text(messageId).isEmpty()) {
            update(d, "message_id");
            update(d, text(messageId));
        } else {
            // Sorted, so that the same properties hash the same whatever order a table was read in.
            for (Map.Entry<String, Object> e : new TreeMap<>(properties).entrySet()) {
                if (e.getKey().equals("headers")) {
                    for (Map.Entry<String, Object> hv : new TreeMap<>(applicationHeaders()).entrySet()) {
                        update(d, hv.getKey());
                        d.update(bytesOrEmpty(hv.getValue()));
                    }
                } else {
                    update(d, e.getKey());
                    d.update(bytesOrEmpty(e.getValue()));
                }
            }
            update(d, "body");
            if (body != null) {
                d.update(body);
            }
        }
        return ByteBuffer.wrap(d.digest()).getLong() & Long.MAX_VALUE;
    }

    /** The record as the collectors' extraction and the store see it. */
    public RawRecord toRawRecord() {
        byte[] key = routingKeys.isEmpty() ? null : routingKey().getBytes(StandardCharsets.UTF_8);
        return new RawRecord(topic(), 0, identity(), timestamp, key, storedHeaders(), body);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    private static void update(MessageDigest d, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        d.update(ByteBuffer.allocate(4).putInt(b.length).array());
        d.update(b);
    }

    private static byte[] bytesOrEmpty(Object v) {
        byte[] b = bytes(v);
        return b == null ? new byte[0] : b;
    }

    /** An AMQP field value as bytes: byte arrays as they are, timestamps as epoch seconds, the rest as text. */
    static byte[] bytes(Object v) {
        if (v == null) {
            return null;
        }
        if (v instanceof byte[] b) {
            return b;
        }
        return text(v).getBytes(StandardCharsets.UTF_8);
    }

    /** An AMQP field value as text ({@code LongString} as UTF-8, {@code Date} as epoch seconds, lists joined by ","). */
    static String text(Object v) {
        if (v == null) {
            return null;
        }
        if (v instanceof Date d) {
            return Long.toString(d.getTime() / 1000);
        }
        if (v instanceof byte[] b) {
            return new String(b, StandardCharsets.UTF_8);
        }
        if (v instanceof List<?> l) {
            List<String> parts = new ArrayList<>(l.size());
            for (Object o : l) {
                parts.add(text(o));
            }
            return String.join(",", parts);
        }
        return v.toString(); // LongString, numbers, booleans, BigDecimal, nested tables
    }

    private static List<String> texts(Object v) {
        if (v instanceof List<?> l) {
            List<String> out = new ArrayList<>(l.size());
            for (Object o : l) {
                if (o != null) {
                    out.add(text(o));
                }
            }
            return out;
        }
        return v == null ? List.of() : List.of(text(v));
    }
}
