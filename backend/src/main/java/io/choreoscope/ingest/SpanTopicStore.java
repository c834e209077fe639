package io.choreoscope.ingest;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.choreoscope.model.Span;
import io.choreoscope.model.SpanSink;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The storing side of the OTLP receiver's durable mode: a member of consumer group {@code durable-group-id} on the
 * span topic. Each poll (up to {@code maxPollRecords} records, one span each: {@code choreoscope.otlp.batch-max-spans},
 * as the in-memory queue's batches) is decoded and handed to the store as one batch;
 * offsets are committed only after the store took it. A store that fails is retried with backoff (100 ms doubling
 * to 5 s) from the same records, never skipped; a crash before the commit re-reads them on the next start (the spans
 * table folds the repeats). A record that is not a span (corrupt bytes) is logged and skipped, so it cannot block
 * its partition. One thread, started by {@link #start()}, stopped by {@link #close()} without committing what was
 * not stored.
 */
public final class SpanTopicStore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SpanTopicStore.class);
    private static final long MAX_BACKOFF_MS = 5_000;

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String topic;
    private final SpanSink store;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long stored;

    public SpanTopicStore(Map<String, ?> connection, String topic, String groupId, int maxPollRecords, SpanSink store) {
        this.topic = topic;
        this.store = store;
        Map<String, Object> p = new HashMap<>(connection);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "choreoscope-span-store");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxPollRecords);
        p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 64 * 1024 * 1024);
        p.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 600_000);
        this.consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.thread = new Thread(this::run, "otlp-span-store");
        this.thread.setDaemon(true);
    }

    public void start() {
        consumer.subscribe(List.of(topic));
        thread.start();
    }

    /** Spans this instance stored since it started. */
    public long stored() {
        return stored;
    }

    private void run() {
        try {
            while (running) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(500));
                if (records.isEmpty()) {
                    continue;
                }
                List<Span> batch = new ArrayList<>(records.count());
                Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    next.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
                    try {
                        batch.add(SpanCodec.decode(r.value()));
                    } catch (IllegalArgumentException e) {
                        LOG.warn("Skipping record {}-{}@{}: not a span record ({})", r.topic(), r.partition(), r.offset(),
                                e.getMessage());
                    }
                }
                if (!storeUntilTaken(batch)) {
                    return;
                }
                try {
                    consumer.commitSync(next);
                } catch (CommitFailedException | RebalanceInProgressException e) {
                    LOG.warn("Span offsets not committed ({}): the partitions moved; their new owner re-reads them",
                            e.getMessage());
                }
                stored += batch.size();
            }
        } catch (WakeupException e) {
            // close() asked us to stop
        } catch (RuntimeException e) {
            LOG.error("Span store loop stopped: {}", e.toString(), e);
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /**
     * Hands the batch to the store, retrying with backoff; false when stopped meanwhile (nothing committed). The
     * consumer is not polled while waiting: heartbeats go on in Kafka's own thread, and {@code max.poll.interval.ms}
     * (10 min) covers the wait; an outage longer than that costs a rebalance, after which the commit fails and the
     * records are read again (the store folds repeats).
     */
    private boolean storeUntilTaken(List<Span> batch) {
        long backoff = 100;
        int failures = 0;
        while (running) {
            try {
                if (!batch.isEmpty()) {
                    store.accept(batch);
                }
                if (failures > 0) {
                    LOG.info("Span store is back after {} failed attempts", failures);
                }
                return true;
            } catch (Exception e) {
                failures++;
                if (failures == 1 || failures % 10 == 0) {
                    LOG.warn("Span store refused {} spans from {} (attempt {}): {}", batch.size(), topic, failures,
                            e.getMessage());
                }
                synchronized (this) {
                    try {
                        wait(backoff);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        return false;
                    }
                }
                backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
            }
        }
        return false;
    }

    @Override
    public void close() {
        running = false;
        synchronized (this) {
            notifyAll();
        }
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
