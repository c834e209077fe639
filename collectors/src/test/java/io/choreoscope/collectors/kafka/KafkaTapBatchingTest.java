package io.choreoscope.collectors.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.choreoscope.collectors.extract.ExtractionRules;
import io.choreoscope.collectors.extract.RecordNormalizer;
import io.choreoscope.harness.kafka.EmbeddedKafka;
import io.choreoscope.harness.kafka.KafkaExtension;
import io.choreoscope.model.Observation;
import io.choreoscope.model.ParseStatus;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * How the tap cuts batches, against a real broker. The store is a recording sink (our own interface): what is
 * asserted is what the tap hands it.
 */
@ExtendWith(KafkaExtension.class)
class KafkaTapBatchingTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    /**
     * Records near 1 MB: a batch is cut by bytes long before the record count (also in the middle of a poll), so
     * that the tap's memory stays bounded; every record still arrives once and in order.
     */
    @Test
    void largeRecordsAreBatchedByBytes(EmbeddedKafka kafka) throws Exception {
        String topic = KafkaExtension.uniqueName("large");
        kafka.createTopic(topic, 1);
        int n = 24;
        int valueSize = 900 * 1024;
        try (KafkaProducer<byte[], byte[]> p = kafka.producer()) {
            for (int i = 0; i < n; i++) {
                byte[] value = new byte[valueSize];
                Arrays.fill(value, (byte) 'x');
                String head = "{\"correlationId\":\"big-" + i + "\",\"blob\":\"";
                System.arraycopy(head.getBytes(), 0, value, 0, head.length());
                value[valueSize - 2] = '"';
                value[valueSize - 1] = '}';
                ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, ("k" + i).getBytes(), value);
                r.headers().add("eventType", "Big".getBytes());
                p.send(r);
            }
            p.flush();
        }
        long limit = 2L * 1024 * 1024; // two such records fit, a third does not; one fetch (4 MB) brings about four
        TapSettings settings = TapSettings.defaults(kafka.bootstrapServers(), KafkaExtension.uniqueName("large-group"))
                .withInclude(topic).withBatch(10_000, Duration.ofSeconds(1)).withBatchMaxBytes(limit);
        List<List<Observation>> batches = new CopyOnWriteArrayList<>();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (KafkaTap tap = new KafkaTap(settings, new RecordNormalizer(ExtractionRules.defaults()), batches::add, meters,
                Clock.systemUTC())) {
            tap.start();
            await().atMost(WAIT).until(() -> batches.stream().mapToInt(List::size).sum() >= n);
        }
        List<Observation> all = new ArrayList<>();
        batches.forEach(all::addAll);
        assertThat(all).extracting(Observation::offset).containsExactlyElementsOf(
                java.util.stream.LongStream.range(0, n).boxed().toList());
        assertThat(all).allSatisfy(o -> {
            assertThat(o.parseStatus()).isEqualTo(ParseStatus.OK);
            assertThat(o.correlationId()).isEqualTo("big-" + o.offset());
            assertThat(o.payload()).hasSize(valueSize);
        });
        for (List<Observation> batch : batches) {
            long bytes = batch.stream().mapToLong(o -> o.key().length + o.payload().length + "eventType".length() + 3).sum();
            assertThat(bytes).isLessThanOrEqualTo(limit);
            assertThat(batch).hasSizeLessThanOrEqualTo(2);
        }
        assertThat(batches).hasSizeGreaterThanOrEqualTo(n / 2);
        assertThat(meters.get("choreoscope.tap.batch.bytes").summary().max()).isLessThanOrEqualTo(limit).isPositive();
    }

    /** A single record larger than the byte limit is not stuck: it goes alone. */
    @Test
    void aRecordLargerThanTheByteLimitGoesAlone(EmbeddedKafka kafka) throws Exception {
        String topic = KafkaExtension.uniqueName("larger");
        kafka.createTopic(topic, 1);
        try (KafkaProducer<byte[], byte[]> p = kafka.producer()) {
            p.send(new ProducerRecord<>(topic, null, "{\"a\":1}".getBytes()));
            p.send(new ProducerRecord<>(topic, null, ("\"" + "y".repeat(5_000) + "\"").getBytes()));
            p.send(new ProducerRecord<>(topic, null, "{\"a\":3}".getBytes()));
            p.flush();
        }
        TapSettings settings = TapSettings.defaults(kafka.bootstrapServers(), KafkaExtension.uniqueName("larger-group"))
                .withInclude(topic).withBatch(10_000, Duration.ofMillis(200)).withBatchMaxBytes(1_000);
        List<List<Observation>> batches = new CopyOnWriteArrayList<>();
        try (KafkaTap tap = new KafkaTap(settings, new RecordNormalizer(ExtractionRules.defaults()), batches::add,
                new SimpleMeterRegistry(), Clock.systemUTC())) {
            tap.start();
            await().atMost(WAIT).until(() -> batches.stream().mapToInt(List::size).sum() >= 3);
        }
        assertThat(batches.stream().flatMap(List::stream).map(Observation::offset)).containsExactly(0L, 1L, 2L);
        assertThat(batches).anySatisfy(b -> assertThat(b).singleElement().satisfies(o -> assertThat(o.offset()).isEqualTo(1L)));
    }

    /**
     * Producers compress their batches with any codec Kafka has; the tap reads each. The LZ4 codec is the maintained
     * lz4-java (at.yawk.lz4), not org.lz4's 1.8.0, whose decompressors read out of bounds on crafted input
     * (CVE-2025-12183, CVE-2025-66566): input that any producer on a tapped topic can send.
     */
    @Test
    void recordsCompressedWithEveryCodecAreReadAndLz4IsTheMaintainedFork(EmbeddedKafka kafka) throws Exception {
        String lz4 = Class.forName("net.jpountz.lz4.LZ4Factory").getProtectionDomain().getCodeSource().getLocation().toString();
        assertThat(lz4).as("where the LZ4 classes come from").contains("at/yawk/lz4");
        List<String> codecs = List.of("lz4", "zstd", "snappy", "gzip");
        String prefix = KafkaExtension.uniqueName("codec");
        int perCodec = 200;
        for (String codec : codecs) {
            kafka.createTopic(prefix + "-" + codec, 1);
            try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(java.util.Map.of(
                    org.apache.kafka.clients.producer.ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                    org.apache.kafka.clients.producer.ProducerConfig.COMPRESSION_TYPE_CONFIG, codec,
                    org.apache.kafka.clients.producer.ProducerConfig.LINGER_MS_CONFIG, 20),
                    new org.apache.kafka.common.serialization.ByteArraySerializer(),
                    new org.apache.kafka.common.serialization.ByteArraySerializer())) {
                for (int i = 0; i < perCodec; i++) {
                    ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(prefix + "-" + codec, null,
                            ("{\"correlationId\":\"" + codec + "-" + i + "\",\"text\":\"" + "abc".repeat(50) + "\"}").getBytes());
                    r.headers().add("eventType", "Compressed".getBytes());
                    p.send(r);
                }
                p.flush();
            }
        }
        TapSettings settings = TapSettings.defaults(kafka.bootstrapServers(), KafkaExtension.uniqueName("codec-group"))
                .withInclude(prefix + "-.*").withBatch(10_000, Duration.ofMillis(200));
        List<List<Observation>> batches = new CopyOnWriteArrayList<>();
        try (KafkaTap tap = new KafkaTap(settings, new RecordNormalizer(ExtractionRules.defaults()), batches::add,
                new SimpleMeterRegistry(), Clock.systemUTC())) {
            tap.start();
            await().atMost(WAIT).until(() -> batches.stream().mapToInt(List::size).sum() >= codecs.size() * perCodec);
        }
        List<Observation> all = batches.stream().flatMap(List::stream).toList();
        assertThat(all).hasSize(codecs.size() * perCodec).allSatisfy(o -> {
            assertThat(o.parseStatus()).isEqualTo(ParseStatus.OK);
            assertThat(o.correlationId()).isEqualTo(o.topic().substring(prefix.length() + 1) + "-" + o.offset());
        });
    }
}
