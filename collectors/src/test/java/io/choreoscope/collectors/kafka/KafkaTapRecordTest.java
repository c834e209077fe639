package io.choreoscope.collectors.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

import io.choreoscope.collectors.extract.RawRecord;
import io.choreoscope.model.Header;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/**
 * How the tap turns a consumer record into the normaliser's {@link RawRecord} and what the record weighs in a batch:
 * every header kept in order (repeated names, null values), an immutable list, and the weight the key, value and headers
 * (names in characters, values in bytes) add up to, whatever the number of headers.
 */
class KafkaTapRecordTest {

    private static ConsumerRecord<byte[], byte[]> record(byte[] key, byte[] value, int headers) {
        RecordHeaders h = new RecordHeaders();
        for (int i = 0; i < headers; i++) {
            h.add(i % 3 == 2 ? "same" : "h\u00e9ader-" + i, i % 4 == 3 ? null : ("value-" + i).getBytes(StandardCharsets.UTF_8));
        }
        return new ConsumerRecord<>("orders", 3, 42L, 1_700_000_000_123L, TimestampType.CREATE_TIME,
                key == null ? -1 : key.length, value == null ? -1 : value.length, key, value, h, Optional.empty());
    }

    @Test
    void headersAreKeptInOrderAndTheWeightCountsKeyValueAndHeaders() {
        for (int n : new int[] {0, 1, 2, 3, 4, 5, 9}) {
            for (byte[] key : new byte[][] {null, "k1".getBytes(StandardCharsets.UTF_8)}) {
                for (byte[] value : new byte[][] {null, new byte[0], "{\"a\":1}".getBytes(StandardCharsets.UTF_8)}) {
                    ConsumerRecord<byte[], byte[]> r = record(key, value, n);
                    RawRecord raw = KafkaTap.toRaw(r);
                    assertThat(raw.topic()).isEqualTo("orders");
                    assertThat(raw.partition()).isEqualTo(3);
                    assertThat(raw.offset()).isEqualTo(42L);
                    assertThat(raw.timestamp().toEpochMilli()).isEqualTo(1_700_000_000_123L);
                    assertThat(raw.key()).isEqualTo(key);
                    assertThat(raw.value()).isEqualTo(value);
                    assertThat(raw.headers()).hasSize(n);
                    long weight = Math.max(0, r.serializedKeySize()) + Math.max(0, r.serializedValueSize());
                    int i = 0;
                    for (org.apache.kafka.common.header.Header h : r.headers()) {
                        assertThat(raw.headers().get(i++)).isEqualTo(new Header(h.key(), h.value()));
                        weight += h.key().length() + (h.value() == null ? 0 : h.value().length);
                    }
                    assertThat(KafkaTap.bytes(raw)).as("weight with %d headers", n).isEqualTo(weight);
                    // Immutable, so that the observation keeps the list instead of copying it.
                    assertThat(List.copyOf(raw.headers())).isSameAs(raw.headers());
                }
            }
        }
    }
}
