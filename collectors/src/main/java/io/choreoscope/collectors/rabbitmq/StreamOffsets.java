package io.choreoscope.collectors.rabbitmq;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeoutException;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a stream tap queue's reader keeps its place: the last stream offset whose message the store holds, as the one
 * message of a durable classic queue ({@code <tap queue>.offset}, {@code x-max-length 1}: each new offset pushes the
 * previous one out), published persistent with confirms to the default exchange after each committed batch. It lives
 * on the broker beside the stream, as a Kafka consumer group's offsets live in Kafka, so it survives a tap restart and
 * a broker restart. Written only after the store acknowledged everything up to it, so it never runs ahead of the store;
 * a tap that dies before storing resumes from an older offset and the store's record identity shows the messages
 * written twice once.
 */
final class StreamOffsets {
    private static final Logger LOG = LoggerFactory.getLogger(StreamOffsets.class);
    /** How long a clean stop waits for the last offset's confirm. */
    private static final long CONFIRM_WAIT_MS = 5_000;
    private static final AMQP.BasicProperties PERSISTENT = new AMQP.BasicProperties.Builder().deliveryMode(2)
            .contentType("text/plain").build();

    private final Channel channel;
    private final long stored;

    private StreamOffsets(Channel channel, long stored) {
        this.channel = channel;
        this.stored = stored;
    }

    /** Declares the offset queue on a channel of its own (confirms on) and reads the offset stored there. */
    static StreamOffsets open(Connection connection, String queue) throws IOException {
        Channel ch = connection.createChannel();
        ch.queueDeclare(queue, true, false, false, Map.of("x-queue-type", "classic", "x-max-length", 1));
        long offset = -1;
        GetResponse r = ch.basicGet(queue, false);
        if (r != null) {
            offset = parse(r.getBody());
            ch.basicReject(r.getEnvelope().getDeliveryTag(), true); // stays there until the next offset replaces it
            if (offset < 0) {
                LOG.warn("Queue {} holds no stream offset (not a decimal number); reading the stream from its start", queue);
            }
        }
        ch.confirmSelect();
        return new StreamOffsets(ch, offset);
    }

    /** The channel to store offsets with. */
    Channel channel() {
        return channel;
    }

    /** The offset stored, -1 when none. */
    long stored() {
        return stored;
    }

    /** Stores {@code offset} (not waited for: a lost one means an older offset is read again, and deduplicated). */
    static void store(Channel channel, String queue, long offset) throws IOException {
        channel.basicPublish("", queue, PERSISTENT, Long.toString(offset).getBytes(StandardCharsets.US_ASCII));
    }

    /** Waits up to 5 s for the stored offsets' confirms (a clean stop). */
    static void awaitStored(Channel channel) {
        try {
            channel.waitForConfirms(CONFIRM_WAIT_MS);
        } catch (TimeoutException | RuntimeException e) {
            LOG.debug("Last stream offset not confirmed ({}); the next start reads a few messages again", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A non-negative decimal offset of at most 19 digits, else -1. */
    static long parse(byte[] body) {
        if (body == null || body.length == 0 || body.length > 19) {
            return -1;
        }
        for (byte b : body) {
            if (b < '0' || b > '9') {
                return -1;
            }
        }
        try {
            return Long.parseLong(new String(body, StandardCharsets.US_ASCII));
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
