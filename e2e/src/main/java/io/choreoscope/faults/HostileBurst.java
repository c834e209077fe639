package io.choreoscope.faults;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * A burst of hostile records, each its own instance (so the checker can find it by correlation ID): HTML and SQL in
 * the key, every header and the payload, JDBC escapes ({@code {fn ...}}, {@code {d '...'}}), a header that is not
 * UTF-8, and payloads cycling through: bytes that are not UTF-8, about 1 MB of JSON, 64 KiB of {@code [} (unclosed
 * nesting), 10,000 closed nested arrays, and a JSON object whose every value is HTML or SQL. Correlation IDs hold no
 * {@code /} (they travel in a URL path); everything else may.
 */
public final class HostileBurst {
    /** Payload kinds, in the order they cycle. */
    public static final List<String> KINDS = List.of("invalid-utf8", "json-1mb", "unclosed-nesting-64k",
            "nesting-10k", "html-sql-json");
    private static final String[] ID_TAILS = {
        "<img src=x onerror=alert(1)>", "' OR '1'='1' -- ", "{fn now()}", "\"; DROP TABLE events; --",
        "{d '2020-01-01'}<b>x</b>", "%00%27 UNION SELECT * FROM system.users --"};

    private HostileBurst() {
    }

    /**
     * Sends {@code count} hostile records to {@code topic} and waits for their acknowledgements (each into the oracle).
     *
     * @return the number acknowledged
     */
    public static int send(KafkaProducer<byte[], byte[]> producer, String topic, String idPrefix, int count,
                           Oracle oracle) throws InterruptedException {
        Future<?>[] sent = new Future<?>[count];
        Oracle.Instance[] instances = new Oracle.Instance[count];
        for (int i = 0; i < count; i++) {
            String kind = KINDS.get(i % KINDS.size());
            String correlationId = idPrefix + String.format("%04d", i) + ID_TAILS[i % ID_TAILS.length];
            Oracle.Instance instance = oracle.plan(correlationId, Oracle.Outcome.HOSTILE, 1, true);
            instances[i] = instance;
            byte[] payload = payload(kind, i);
            String eventType = "<script>alert('" + kind + "')</script>'; DELETE FROM instances WHERE 1=1; --";
            String eventId = correlationId + "-1";
            ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, null, System.currentTimeMillis(),
                    (correlationId + "<iframe src=javascript:alert(1)>").getBytes(StandardCharsets.UTF_8), payload);
            OrderTraffic.header(record, "correlationId", correlationId);
            OrderTraffic.header(record, "eventId", eventId);
            OrderTraffic.header(record, "eventType", eventType);
            OrderTraffic.header(record, "sourceService", "<svg onload=alert(1)>' OR 1=1; --{fn user()}");
            OrderTraffic.header(record, "X-Html", "<a href=\"javascript:alert(document.cookie)\">x</a>");
            record.headers().add(new RecordHeader("X-Not-Utf8", new byte[] {(byte) 0xC3, 0x28, (byte) 0xFF, (byte) 0xFE}));
            sent[i] = producer.send(record, (meta, error) -> {
                if (error != null) {
                    oracle.failed(instance);
                    System.err.println("hostile burst: " + kind + " record not acknowledged: " + error);
                } else {
                    instance.acked(new Oracle.Produced(meta.topic(), meta.partition(), meta.offset(), eventId,
                            eventType, payload, System.nanoTime()));
                }
            });
        }
        int acked = 0;
        for (Future<?> f : sent) {
            try {
                RecordMetadata ignored = (RecordMetadata) f.get(10, TimeUnit.MINUTES);
                acked++;
            } catch (ExecutionException | TimeoutException e) {
                // counted by the callback
            }
        }
        return acked;
    }

    static byte[] payload(String kind, int i) {
        switch (kind) {
            case "invalid-utf8": {
                byte[] b = new byte[1024];
                for (int k = 0; k < b.length; k++) {
                    b[k] = (byte) (0x80 + (k * 31 + i) % 0x7F); // continuation bytes without a lead byte
                }
                b[0] = (byte) 0xC3;
                b[1] = 0x28;
                return b;
            }
            case "json-1mb": {
                StringBuilder sb = new StringBuilder(1_000_100).append("{\"correlationId\":\"x\",\"blob\":\"");
                char[] filler = new char[1_000_000];
                Arrays.fill(filler, 'A');
                return sb.append(filler).append("\"}").toString().getBytes(StandardCharsets.UTF_8);
            }
            case "unclosed-nesting-64k": {
                byte[] b = new byte[64 * 1024];
                Arrays.fill(b, (byte) '[');
                return b;
            }
            case "nesting-10k":
                return ("[".repeat(10_000) + "1" + "]".repeat(10_000)).getBytes(StandardCharsets.UTF_8);
            default:
                return ("{\"html\":\"<script>alert(1)</script>\",\"img\":\"<img src=x onerror=alert(1)>\","
                        + "\"sql\":\"'; DROP TABLE events; --\",\"union\":\"' UNION SELECT name FROM system.tables --\","
                        + "\"fn\":\"{fn now()}\",\"d\":\"{d '2020-01-01'}\",\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8);
        }
    }
}
