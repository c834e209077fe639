package io.choreoscope.storage.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import io.choreoscope.harness.clickhouse.ClickHouseExtension;
import io.choreoscope.model.Header;
import io.choreoscope.model.Observation;
import io.choreoscope.model.ParseStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(ClickHouseExtension.class)
class ClickHouseEventStoreTest {
    private static final Instant T = Instant.parse("2026-11-22T10:00:00.123Z");
    private ClickHouseStore store;
    private ClickHouseEventWriter writer;
    private ClickHouseEventReader reader;

    @BeforeEach
    void setUp() throws Exception {
        store = new ClickHouseStore(new ClickHouseConfig(ClickHouseExtension.engine().httpUrl(),
                ClickHouseExtension.createDatabase()));
        assertThat(new SchemaMigrator(store).migrate()).containsExactly("V001", "V002", "V003", "V004", "V005", "V006", "V007");
        writer = new ClickHouseEventWriter(store);
        reader = new ClickHouseEventReader(store);
    }

    @AfterEach
    void tearDown() {
        store.close();
    }

    private static Observation event(String topic, long offset, String correlationId) {
        return Observation.builder(topic, 1, offset, T.plusMillis(offset))
                .ingestTime(T.plusSeconds(5))
                .key(("k" + offset).getBytes(StandardCharsets.UTF_8))
                .headers(List.of(Header.of("correlationId", correlationId), new Header("empty", null),
                        Header.of("dup", "a,b"), Header.of("dup", "c")))
                .payload(("{\"n\":" + offset + "}").getBytes(StandardCharsets.UTF_8))
                .contentType("application/json")
                .correlationId(correlationId)
                .eventId("e" + offset)
                .eventType("OrderPlaced")
                .sourceService("orders")
                .causationId(offset > 0 ? "e" + (offset - 1) : null)
                .traceId("4bf92f3577b34da6a3ce929d0e0e4736")
                .spanId("00f067aa0ba902b7")
                .build();
    }

    @Test
    void storedEventsReadBackFieldForField() throws Exception {
        Observation o = event("orders", 3, "order-1");
        writer.accept(List.of(o));
        Observation back = reader.event("orders", 1, 3).orElseThrow();
        assertThat(back).usingRecursiveComparison().isEqualTo(o);
        assertThat(reader.eventsOf("order-1")).hasSize(1);
    }

    @Test
    void binaryNullAndHostileValuesSurviveUnchanged() throws Exception {
        byte[] binary = {(byte) 0xC3, 0x28, 0, (byte) 0xFF, ',', '!'};
        String hostile = "x'); DROP TABLE events; -- <script>alert(1)</script>";
        Observation o = Observation.builder("raw", 0, 9, T)
                .ingestTime(T)
                .headers(List.of(new Header("bin", binary), Header.of("correlationId", hostile)))
                .payload(binary)
                .correlationId(hostile)
                .parseStatus(ParseStatus.BINARY)
                .parseError("payload is not valid UTF-8 (6 bytes)")
                .build();
        Observation tombstone = Observation.builder("raw", 0, 10, T).ingestTime(T)
                .parseStatus(ParseStatus.NULL_VALUE).parseError("null value (tombstone)").build();
        writer.accept(List.of(o, tombstone));
        assertThat(reader.eventsOf(hostile)).singleElement().usingRecursiveComparison().isEqualTo(o);
        Observation t = reader.event("raw", 0, 10).orElseThrow();
        assertThat(t.payload()).isNull();
        assertThat(t.key()).isNull();
        assertThat(t.parseStatus()).isEqualTo(ParseStatus.NULL_VALUE);
        assertThat(reader.countVisible("raw")).isEqualTo(2);
    }

    @Test
    void redeliveredBatchesShowEachRecordOnce() throws Exception {
        List<Observation> batch = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            batch.add(event("redelivered", i, "c-" + (i % 50)));
        }
        writer.accept(batch);
        writer.accept(batch.subList(100, 300)); // a crash redelivers part of it
        writer.accept(batch);
        assertThat(reader.countDistinct("redelivered")).isEqualTo(500);
        assertThat(reader.countVisible("redelivered")).isEqualTo(500);
        assertThat(reader.eventsOf("c-7")).hasSize(10)
                .extracting(Observation::offset).isSorted();
    }

    @Test
    void migrationsRunOnceAndAreRecorded() throws Exception {
        assertThat(new SchemaMigrator(store).migrate()).isEmpty();
    }

    @Test
    void unreachableClickHouseIsReportedAsSinkUnavailable() {
        ClickHouseStore nowhere = new ClickHouseStore(new ClickHouseConfig("http://127.0.0.1:1", "nowhere"));
        try {
            org.assertj.core.api.Assertions.assertThatThrownBy(
                    () -> new ClickHouseEventWriter(nowhere).accept(List.of(event("x", 0, "c"))))
                    .isInstanceOf(io.choreoscope.model.SinkUnavailableException.class)
                    .hasMessageContaining("127.0.0.1:1");
        } finally {
            nowhere.close();
        }
    }
}
