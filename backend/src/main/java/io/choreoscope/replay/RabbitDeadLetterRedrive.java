package io.choreoscope.replay;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import io.choreoscope.collectors.rabbitmq.AmqpRecord;
import io.choreoscope.collectors.rabbitmq.RabbitTapSettings;
import io.choreoscope.model.Header;
import io.choreoscope.model.Topics;

/**
 * Redrive of a RabbitMQ dead-letter queue: its messages go back to the exchange and routing key they were first
 * published with, as the broker's {@code x-death} header names them.
 *
 * <p>Why from the queue and not from the store: RabbitMQ dead-letters inside the broker, without a publish, so the
 * firehose (and with it the tap) never sees a dead-lettered message; only the queue holds it, with its {@code x-death}.
 *
 * <p>How: {@link #open} takes up to {@code max} messages off the queue with {@code basic.get} and holds them
 * unacknowledged. Each becomes a planned record: target {@code rabbitmq:[vhost:]<original exchange>}, key the original
 * routing key (the first of the {@code routing-keys} of the {@code x-death} entry of {@code x-first-death-queue}, else the
 * oldest entry), and as its source the idempotency key {@code <topic of the original>/0/<identity>#<death count>}: the
 * {@link AmqpRecord#identity()} the tap gives the original publish (from the properties without the {@code x-death},
 * {@code x-first-death-*} and replay headers) and how often the message died in that queue. A message that dies again
 * after a redrive has a higher count, so it can be redriven again; one already redriven with this count (the process
 * stopped between the broker's confirm and the acknowledgement) is acknowledged without being sent. {@link #publish}
 * re-publishes one message with its own body and properties ({@code x-death} kept, as RabbitMQ's own tools do, so a
 * second death counts on) plus the replay headers, {@code mandatory}, waits for the confirm, then acknowledges it on
 * the dead-letter queue. Whatever is not acknowledged when the redrive ends (a dry run, a failure, a cancel) goes back
 * to the queue as the connection closes.
 *
 * <p>Not thread-safe: planned on the request's thread, then sent by the job's thread, one after the other.
 */
final class RabbitDeadLetterRedrive implements RabbitSender, AutoCloseable {
    /** Headers RabbitMQ adds when it dead-letters a message. */
    static final Set<String> DEATH_HEADERS = Set.of("x-death", "x-first-death-exchange", "x-first-death-queue",
            "x-first-death-reason", "x-last-death-exchange", "x-last-death-queue", "x-last-death-reason");

    /** Where a dead-lettered message first came from, from its {@code x-death} entry. */
    record Origin(String exchange, List<String> routingKeys, String queue, String reason, long count) {
        String routingKey() {
            return routingKeys.isEmpty() ? "" : routingKeys.get(0);
        }
    }

    /** One message held off the dead-letter queue. */
    record Held(long tag, AMQP.BasicProperties props, byte[] body, Origin origin, String key) {
    }

    /** A dead-letter queue named as {@code rabbitmq:[vhost:]queue}. */
    record QueueRef(String vhost, String queue) {
        static QueueRef parse(String topic) {
            return new QueueRef(Topics.rabbitMqVhost(topic), Topics.rabbitMqName(topic));
        }
    }

    private final QueueRef source;
    private final Connection connection;
    private final Channel dlq;
    private Channel publisher;
    private final List<Held> held = new ArrayList<>();
    private final Map<String, Held> byKey = new HashMap<>();
    private final AtomicReference<String> returned = new AtomicReference<>();
    private long sequence;

    private RabbitDeadLetterRedrive(QueueRef source, Connection connection, Channel dlq) {
        this.source = source;
        this.connection = connection;
        this.dlq = dlq;
    }

    /**
     * Takes up to {@code max} messages off the queue, unacknowledged.
     *
     * @throws IOException when the broker cannot be reached or the queue does not exist (the message says which)
     */
    static RabbitDeadLetterRedrive open(RabbitTapSettings settings, QueueRef source, int max) throws IOException {
        Connection c = RabbitReplayPublisher.connect(settings, source.vhost(), "choreoscope-redrive");
        try {
            Channel ch = c.createChannel();
            RabbitDeadLetterRedrive r = new RabbitDeadLetterRedrive(source, c, ch);
            for (int i = 0; i < max; i++) {
                GetResponse g = ch.basicGet(source.queue(), false);
                if (g == null) {
                    break;
                }
                Origin o = origin(g.getProps().getHeaders());
                String key = o == null ? null : key(source.vhost(), o, g.getProps(), g.getBody());
                Held h = new Held(g.getEnvelope().getDeliveryTag(), g.getProps(), g.getBody(), o, key);
                r.held.add(h);
                if (key != null) {
                    r.byKey.putIfAbsent(key, h);
                }
            }
            return r;
        } catch (IOException | RuntimeException e) {
            c.abort(2_000);
            throw e;
        }
    }

    List<Held> held() {
        return held;
    }

    QueueRef source() {
        return source;
    }

    /**
     * The origin named by {@code x-death}: the entry of the queue {@code x-first-death-queue} names, else the oldest (last)
     * entry. Null when the message carries no readable {@code x-death}.
     */
    static Origin origin(Map<String, Object> headers) {
        if (headers == null || !(headers.get("x-death") instanceof List<?> deaths) || deaths.isEmpty()) {
            return null;
        }
        String firstQueue = headers.get("x-first-death-queue") == null ? null : headers.get("x-first-death-queue").toString();
        Map<?, ?> chosen = null;
        for (Object d : deaths) { // newest first: without a match the oldest entry is the origin
            if (d instanceof Map<?, ?> m) {
                chosen = m;
                if (firstQueue != null && firstQueue.equals(String.valueOf(m.get("queue")))) {
                    break;
                }
            }
        }
        if (chosen == null || chosen.get("exchange") == null) {
            return null;
        }
        List<String> keys = new ArrayList<>();
        if (chosen.get("routing-keys") instanceof List<?> l) {
            l.forEach(k -> keys.add(String.valueOf(k)));
        }
        long count = chosen.get("count") instanceof Number n ? n.longValue() : 1;
        return new Origin(chosen.get("exchange").toString(), List.copyOf(keys), String.valueOf(chosen.get("queue")),
                String.valueOf(chosen.get("reason")), count);
    }

    /** The idempotency key of a dead-lettered message (see the class comment). */
    static String key(String vhost, Origin o, AMQP.BasicProperties props, byte[] body) {
        Map<String, Object> p = new LinkedHashMap<>();
        put(p, "content_type", props.getContentType());
        put(p, "content_encoding", props.getContentEncoding());
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
        Map<String, Object> own = ownHeaders(props.getHeaders());
        if (!own.isEmpty()) {
            p.put("headers", own);
        }
        AmqpRecord original = new AmqpRecord(vhost, o.exchange(), o.routingKeys(), p, List.of(), null, body, Instant.EPOCH);
        return original.topic() + "/0/" + original.identity() + "#" + o.count();
    }

    private static void put(Map<String, Object> p, String name, Object v) {
        if (v != null) {
            p.put(name, v);
        }
    }

    /** The message's headers without the dead-letter and replay headers: what its publisher set. */
    static Map<String, Object> ownHeaders(Map<String, Object> headers) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (headers != null) {
            headers.forEach((k, v) -> {
                if (!DEATH_HEADERS.contains(k) && !ReplayHeaders.isReplayHeader(k)) {
                    out.put(k, v);
                }
            });
        }
        return out;
    }

    /**
     * The planned record of a held message: to its original exchange with its original routing key; its headers as
     * they will be sent (the replay headers last; {@code x-death} as text here, sent as the broker's table).
     */
    PlannedRecord planned(Held h, String replayId, String at) {
        List<Header> headers = new ArrayList<>();
        if (h.props().getHeaders() != null) {
            h.props().getHeaders().forEach((k, v) -> {
                if (!ReplayHeaders.isReplayHeader(k)) {
                    headers.add(new Header(k, v instanceof byte[] b ? b : String.valueOf(v).getBytes(StandardCharsets.UTF_8)));
                }
            });
        }
        headers.addAll(replayHeaders(h, replayId, at));
        return new PlannedRecord(h.key(), Topics.rabbitMq(source.vhost(), h.origin().exchange()),
                h.origin().routingKey().getBytes(StandardCharsets.UTF_8), headers, h.body());
    }

    private static List<Header> replayHeaders(Held h, String replayId, String at) {
        return List.of(Header.of(ReplayHeaders.REPLAY_ID, replayId), Header.of(ReplayHeaders.REPLAY_OF, h.key()),
                Header.of(ReplayHeaders.REPLAYED_AT, at));
    }

    /** Acknowledges (removes from the queue) a message an earlier redrive already sent. */
    void acknowledge(Held h) throws IOException {
        dlq.basicAck(h.tag(), false);
    }

    @Override
    public long publish(PlannedRecord r) throws IOException, InterruptedException {
        Held h = byKey.get(r.source());
        if (h == null) {
            throw new IOException("no dead-lettered message " + r.source() + " is held");
        }
        Map<String, Object> headers = new LinkedHashMap<>();
        if (h.props().getHeaders() != null) {
            h.props().getHeaders().forEach((k, v) -> {
                if (!ReplayHeaders.isReplayHeader(k)) {
                    headers.put(k, v);
                }
            });
        }
        for (Header x : r.headers()) {
            if (ReplayHeaders.isReplayHeader(x.name())) {
                headers.put(x.name(), x.text());
            }
        }
        AMQP.BasicProperties props = h.props().builder().headers(headers).build();
        String exchange = h.origin().exchange();
        try {
            if (publisher == null || !publisher.isOpen()) {
                publisher = connection.createChannel();
                publisher.confirmSelect();
                publisher.addReturnListener(ret -> returned.set(ret.getReplyCode() + " " + ret.getReplyText()));
            }
            returned.set(null);
            publisher.basicPublish(exchange, h.origin().routingKey(), true, props, h.body());
            publisher.waitForConfirmsOrDie(RabbitReplayPublisher.CONFIRM_TIMEOUT_MS);
        } catch (IOException | TimeoutException | RuntimeException e) {
            throw new IOException("exchange '" + exchange + "' on vhost '" + source.vhost() + "': " + e.getMessage(), e);
        }
        String why = returned.getAndSet(null);
        if (why != null) {
            throw new IOException("exchange '" + exchange + "' on vhost '" + source.vhost() + "' routed routing key '"
                    + h.origin().routingKey() + "' to no queue (" + why + "); the message stays in the dead-letter queue");
        }
        dlq.basicAck(h.tag(), false); // sent and confirmed: off the dead-letter queue
        return ++sequence;
    }

    @Override
    public void jobEnded() {
        close();
    }

    /** Closes the connection: every held message not acknowledged goes back to the dead-letter queue. */
    @Override
    public void close() {
        try {
            connection.close(5_000);
        } catch (IOException | RuntimeException e) {
            connection.abort(2_000);
        }
    }

    /** When a message could not be planned: why (no {@code x-death}). */
    static String describe(Held h) {
        Date ts = h.props().getTimestamp();
        return "message " + (h.props().getMessageId() != null ? "'" + h.props().getMessageId() + "'" : "#" + h.tag())
                + (ts == null ? "" : " of " + ts.toInstant());
    }
}
