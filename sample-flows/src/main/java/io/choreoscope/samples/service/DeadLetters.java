package io.choreoscope.samples.service;

import java.nio.charset.StandardCharsets;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Builds dead-letter records the way common frameworks do, so choreoscope sees both conventions: the original
 * key, value and headers, plus {@code x-original-topic}, {@code x-exception-message} and Spring Kafka's
 * {@code kafka_dlt-original-topic}, {@code -original-partition}, {@code -original-offset},
 * {@code -exception-fqcn}, {@code -exception-message}.
 */
public final class DeadLetters {
    public static final String X_ORIGINAL_TOPIC = "x-original-topic";
    public static final String X_EXCEPTION_MESSAGE = "x-exception-message";
    public static final String DLT_ORIGINAL_TOPIC = "kafka_dlt-original-topic";
    public static final String DLT_ORIGINAL_PARTITION = "kafka_dlt-original-partition";
    public static final String DLT_ORIGINAL_OFFSET = "kafka_dlt-original-offset";
    public static final String DLT_EXCEPTION_FQCN = "kafka_dlt-exception-fqcn";
    public static final String DLT_EXCEPTION_MESSAGE = "kafka_dlt-exception-message";

    private DeadLetters() {
    }

    public static ProducerRecord<byte[], byte[]> of(String dltTopic, ConsumerRecord<byte[], byte[]> original,
                                                    Throwable failure) {
        Headers h = new RecordHeaders(original.headers().toArray());
        String message = failure.getMessage() == null ? failure.getClass().getName() : failure.getMessage();
        h.add(X_ORIGINAL_TOPIC, utf8(original.topic()));
        h.add(X_EXCEPTION_MESSAGE, utf8(message));
        h.add(DLT_ORIGINAL_TOPIC, utf8(original.topic()));
        h.add(DLT_ORIGINAL_PARTITION, utf8(Integer.toString(original.partition())));
        h.add(DLT_ORIGINAL_OFFSET, utf8(Long.toString(original.offset())));
        h.add(DLT_EXCEPTION_FQCN, utf8(failure.getClass().getName()));
        h.add(DLT_EXCEPTION_MESSAGE, utf8(message));
        return new ProducerRecord<>(dltTopic, null, original.key(), original.value(), h);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
