package io.choreoscope.samples.wire;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * How a flow puts its events on Kafka: one correlation style per implementation. The record key is always
 * the correlation ID, so that one instance's events on one topic stay in order.
 */
public interface EventCodec {

    /** A record for {@code topic} carrying {@code event}; the headers are mutable so tracing can add {@code traceparent}. */
    ProducerRecord<byte[], byte[]> encode(String topic, SampleEvent event);

    /**
     * The event in {@code record}.
     *
     * @throws MalformedEventException when the record is not an event of this style (a poison message)
     */
    SampleEvent decode(ConsumerRecord<byte[], byte[]> record);

    /** Short name of the style, for logs and the README: {@code header}, {@code cloudevents-binary}, {@code payload}. */
    String style();
}
