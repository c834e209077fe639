package io.choreoscope.live;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.choreoscope.model.Observation;
import io.choreoscope.model.SinkUnavailableException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The collector side of the distributed layout: publishes stored observations to the observations
 * topic, keyed by correlation ID, so that every event of an instance reaches the same inference worker.
 * {@link #publish} returns when Kafka acknowledged every record (acks=all, idempotent producer); the
 * tap commits its offsets only after that.
 */
public final class ObservationPublisher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ObservationPublisher.class);
    private final String topic;
    private final KafkaProducer<byte[], byte[]> producer;

    /**
     * @param connection Kafka client properties of the connection (bootstrap servers, security), as
     *                   {@code choreoscope.kafka} gives them
     */
    public ObservationPublisher(Map<String, ?> connection, String topic, int partitions) {
        this.topic = topic;
        ensureTopic(connection, topic, partitions);
        Map<String, Object> p = new HashMap<>(connection);
        p.putAll(Map.of(
                ProducerConfig.CLIENT_ID_CONFIG, "choreoscope-observations",
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 5,
                ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 20_000,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000));
        this.producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Creates the topic when missing (replication 1 is for the demo; production creates it beforehand). */
    public static void ensureTopic(Map<String, ?> connection, String topic, int partitions) {
        Map<String, Object> p = new HashMap<>(connection);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000);
        try (Admin admin = Admin.create(p)) {
            if (!admin.listTopics().names().get(20, TimeUnit.SECONDS).contains(topic)) {
                admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
                LOG.info("Created topic {} with {} partitions", topic, partitions);
            }
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                LOG.warn("Could not create topic {} ({}); producers will rely on auto-creation", topic, e.getCause().toString());
            }
        } catch (Exception e) {
            LOG.warn("Could not check topic {} ({})", topic, e.toString());
        }
    }

    public void publish(List<Observation> batch) throws SinkUnavailableException {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>(batch.size());
        for (Observation o : batch) {
            byte[] key = o.correlated() ? o.correlationId().getBytes(StandardCharsets.UTF_8) : null;
            records.add(new ProducerRecord<>(topic, key, ObservationCodec.encode(o)));
        }
        sendAcked(producer, topic, records, "observations");
    }

    /**
     * Sends {@code records} to {@code topic} and returns once Kafka acknowledged every one (30 s each at most);
     * anything else is a {@link SinkUnavailableException} naming how many {@code what} the topic did not take.
     */
    public static void sendAcked(KafkaProducer<byte[], byte[]> producer, String topic,
                                 List<ProducerRecord<byte[], byte[]>> records, String what) throws SinkUnavailableException {
        List<Future<?>> acks = new ArrayList<>(records.size());
        try {
            for (ProducerRecord<byte[], byte[]> r : records) {
                acks.add(producer.send(r));
            }
            producer.flush();
            for (Future<?> f : acks) {
                f.get(30, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SinkUnavailableException("interrupted while publishing " + what, e);
        } catch (Exception e) {
            throw new SinkUnavailableException("Kafka did not take " + records.size() + " " + what + " on " + topic + ": "
                    + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        producer.close(java.time.Duration.ofSeconds(5));
    }
}
