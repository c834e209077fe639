package io.choreoscope.samples;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.choreoscope.harness.kafka.EmbeddedKafka;
import io.choreoscope.harness.kafka.KafkaExtension;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Everything published on some topics, read by an independent consumer (as choreoscope's tap would), with the
 * fields read straight from the wire for each style: this deliberately does not use the samples' codecs.
 */
final class EventLog implements AutoCloseable {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** Every schema file of the content pipeline, by CRC-64-AVRO fingerprint. */
    static final Map<Long, org.apache.avro.Schema> AVRO_SCHEMAS = new java.util.HashMap<>();

    static {
        for (String f : io.choreoscope.samples.flows.ContentPipeline.SCHEMAS) {
            try (var in = EventLog.class.getClassLoader().getResourceAsStream("schemas/" + f)) {
                org.apache.avro.Schema s = new org.apache.avro.Schema.Parser().parse(in);
                AVRO_SCHEMAS.put(org.apache.avro.SchemaNormalization.parsingFingerprint64(s), s);
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** One record as seen on the wire. */
    record Seen(String topic, long offset, long timestamp, Map<String, String> headers, byte[] value) {
        String header(String key) {
            return headers.get(key);
        }

        JsonNode json() {
            try {
                return MAPPER.readTree(value);
            } catch (java.io.IOException e) {
                throw new AssertionError("not JSON on " + topic + "@" + offset, e);
            }
        }

        /**
         * The record read as Avro single-object encoding with Apache Avro directly (writer schema found by fingerprint
         * among the schema files), as JSON, with {@code eventType} set to the record's name.
         */
        com.fasterxml.jackson.databind.node.ObjectNode avro() {
            if (value == null || value.length < 10 || value[0] != (byte) 0xC3 || value[1] != 0x01) {
                throw new AssertionError("not Avro single-object on " + topic + "@" + offset);
            }
            long fp = java.nio.ByteBuffer.wrap(value, 2, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
            org.apache.avro.Schema schema = AVRO_SCHEMAS.get(fp);
            if (schema == null) {
                throw new AssertionError("unknown fingerprint on " + topic + "@" + offset);
            }
            try {
                Object r = new org.apache.avro.generic.GenericDatumReader<>(schema).read(null,
                        org.apache.avro.io.DecoderFactory.get().binaryDecoder(value, 10, value.length - 10, null));
                var o = (com.fasterxml.jackson.databind.node.ObjectNode) MAPPER.readTree(
                        org.apache.avro.generic.GenericData.get().toString(r));
                o.put("eventType", schema.getFullName());
                return o;
            } catch (java.io.IOException e) {
                throw new AssertionError("bad Avro body on " + topic + "@" + offset, e);
            }
        }

        String text() {
            return value == null ? null : new String(value, StandardCharsets.UTF_8);
        }
    }

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread thread;
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private volatile boolean running = true;

    EventLog(EmbeddedKafka kafka, Collection<String> topics) {
        topics.forEach(t -> kafka.createTopic(t, 1));
        consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, KafkaExtension.uniqueName("event-log"),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        consumer.subscribe(List.copyOf(topics));
        thread = new Thread(this::run, "event-log");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        try {
            while (running) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    Map<String, String> h = new LinkedHashMap<>();
                    for (Header header : r.headers()) {
                        h.put(header.key(), header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8));
                    }
                    seen.add(new Seen(r.topic(), r.offset(), r.timestamp(), h, r.value()));
                }
            }
        } catch (WakeupException ignored) {
            // closing
        } finally {
            consumer.close();
        }
    }

    List<Seen> all() {
        return List.copyOf(seen);
    }

    List<Seen> on(String topic) {
        return seen.stream().filter(s -> s.topic().equals(topic)).toList();
    }

    /** Records grouped by {@code correlation}, in arrival order. */
    Map<String, List<Seen>> byCorrelation(Function<Seen, String> correlation) {
        return seen.stream().collect(Collectors.groupingBy(correlation, LinkedHashMap::new, Collectors.toCollection(ArrayList::new)));
    }

    /**
     * {@code events} in causal order: first those whose cause is absent or not among them, then each event after
     * its cause (breadth first). A consumer of several topics cannot rely on arrival order across topics.
     */
    static <T> List<T> causalOrder(List<T> events, Function<T, String> id, Function<T, String> cause) {
        java.util.Set<String> ids = events.stream().map(id).collect(Collectors.toSet());
        List<T> out = new ArrayList<>();
        events.stream().filter(e -> cause.apply(e) == null || !ids.contains(cause.apply(e))).forEach(out::add);
        for (int i = 0; i < out.size(); i++) {
            String parent = id.apply(out.get(i));
            for (T e : events) {
                if (parent.equals(cause.apply(e)) && !out.contains(e)) {
                    out.add(e);
                }
            }
        }
        return out;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(5_000);
    }
}
