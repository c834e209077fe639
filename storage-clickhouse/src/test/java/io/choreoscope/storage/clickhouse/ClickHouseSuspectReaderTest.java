package io.choreoscope.storage.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.choreoscope.harness.clickhouse.ClickHouseExtension;
import io.choreoscope.model.Header;
import io.choreoscope.model.InstanceRecord;
import io.choreoscope.model.Observation;
import io.choreoscope.model.Span;
import io.choreoscope.model.SuspectReader.Counts;
import io.choreoscope.model.SuspectReader.Source;
import io.choreoscope.model.SuspectReader.ValueCount;
import io.choreoscope.model.flow.InstanceSnapshot;
import io.choreoscope.model.flow.InstanceState;
import io.choreoscope.model.flow.StepSequence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The suspect counts read from a real ClickHouse: which instances, which records, which values, counted how. */
@ExtendWith(ClickHouseExtension.class)
class ClickHouseSuspectReaderTest {
    private static final Instant T = Instant.parse("2026-12-01T10:00:00Z");
    private static final String DLT = "(?i)(^|.*[._-])(dlt|dlq|dead[._-]?letters?|deadletters?)([._-].*|$)";
    private ClickHouseStore store;
    private SqlRunner sql;

    @AfterEach
    void close() throws Exception {
        if (sql != null) {
            sql.close();
        }
        if (store != null) {
            store.close();
        }
    }

    @Test
    void countsEachInstanceOncePerValueByOutcomeOverTheWindowsInstancesOfTheFlow() throws Exception {
        store = new ClickHouseStore(new ClickHouseConfig(ClickHouseExtension.engine().httpUrl(), ClickHouseExtension.createDatabase()));
        new SchemaMigrator(store).migrate();
        sql = new SqlRunner(store);
        List<Observation> records = new ArrayList<>();
        List<InstanceRecord> rows = new ArrayList<>();
        List<Span> spans = new ArrayList<>();
        long[] offset = {0};
        // 4 bad (3 stuck, 1 failed) with kettle-5; 6 completed: 1 kettle-5, 5 mug-3; noise that must not count
        String[][] instances = {
                {"s1", "STUCK", "kettle-5"}, {"s2", "STUCK", "kettle-5"}, {"s3", "STUCK", "kettle-5"}, {"f1", "FAILED", "kettle-5"},
                {"c1", "COMPLETED", "kettle-5"}, {"c2", "COMPLETED", "mug-3"}, {"c3", "COMPLETED", "mug-3"},
                {"c4", "COMPLETED", "mug-3"}, {"c5", "COMPLETED", "mug-3"}, {"c6", "COMPLETED", "mug-3"},
                {"x1", "COMPENSATED", "kettle-5"}, {"x2", "RUNNING", "kettle-5"}};
        for (String[] i : instances) {
            String id = i[0];
            String payload = "{\"orderId\":\"" + id + "\",\"sku\":\"" + i[2] + "\",\"quantity\":2,\"gift\":true,"
                    + "\"customer\":{\"tier\":\"gold\",\"address\":{\"city\":\"Oslo\"}},\"items\":[\"" + i[2] + "\"]}";
            String trace = String.format("%032x", id.hashCode() & 0xffffff);
            String spanId = String.format("%016x", id.hashCode() & 0xffffff);
            Observation.Builder b = Observation.builder("orders", 0, offset[0]++, T.plusSeconds(1)).correlationId(id)
                    .eventType("OrderPlaced").traceId(trace).spanId(spanId).contentType("application/json")
                    .headers(List.of(new Header("region", "eu-north".getBytes(StandardCharsets.UTF_8))))
                    .payload(payload.getBytes(StandardCharsets.UTF_8));
            records.add(b.build());
            records.add(b.build()); // stored twice (a redelivered batch): still one instance
            records.add(Observation.builder("orders", 0, offset[0]++, T.plusSeconds(2)).correlationId(id)
                    .eventType("OrderPlaced").payload(("{\"sku\":\"" + i[2] + "\"}").getBytes(StandardCharsets.UTF_8)).build());
            spans.add(new Span(trace, spanId, null, "orders", "publish", "PRODUCER", T.plusSeconds(1), 1, "UNSET",
                    Map.of("deployment", id.startsWith("c") ? "blue" : "green"), "kafka", "orders", "publish", null, null,
                    null, null, null, null));
            if (!id.startsWith("c")) {
                // a dead-letter copy: its headers say how it failed, not what it has in common
                records.add(Observation.builder("orders.DLT", 0, offset[0]++, T.plusSeconds(3)).correlationId(id)
                        .eventType("OrderPlaced").headers(List.of(new Header("x-original-topic", "orders".getBytes(StandardCharsets.UTF_8))))
                        .payload("{\"sku\":\"dead\"}".getBytes(StandardCharsets.UTF_8)).build());
                // a Kafka Connect dead letter, on a topic whose name does not say so
                records.add(Observation.builder("connect-errors", 0, offset[0]++, T.plusSeconds(3)).correlationId(id)
                        .eventType("OrderPlaced").headers(List.of(new Header("__connect.errors.topic",
                                "orders".getBytes(StandardCharsets.UTF_8))))
                        .payload("{\"sku\":\"connect-dead\"}".getBytes(StandardCharsets.UTF_8)).build());
                // a RabbitMQ dead letter, on an exchange whose name does not say so
                records.add(Observation.builder("rabbitmq:orders.rejects", 0, offset[0]++, T.plusSeconds(3)).correlationId(id)
                        .eventType("OrderPlaced").headers(List.of(new Header("x-first-death-queue",
                                "billing".getBytes(StandardCharsets.UTF_8))))
                        .payload("{\"sku\":\"rabbit-dead\"}".getBytes(StandardCharsets.UTF_8)).build());
                // ... and redriven: sent back with its death headers and the replay's; a record like any other
                records.add(Observation.builder("rabbitmq:orders", 0, offset[0]++, T.plusSeconds(4)).correlationId(id)
                        .eventType("OrderPlaced").headers(List.of(
                                new Header("x-first-death-queue", "billing".getBytes(StandardCharsets.UTF_8)),
                                new Header(Observation.REPLAY_ID_HEADER, "r-1".getBytes(StandardCharsets.UTF_8))))
                        .payload("{\"sku\":\"redriven\"}".getBytes(StandardCharsets.UTF_8)).build());
            }
            rows.add(row(id, "OrderPlaced", InstanceState.valueOf(i[1]), T));
        }
        rows.add(row("other-flow", "SignedUp", InstanceState.STUCK, T));
        rows.add(row("too-early", "OrderPlaced", InstanceState.STUCK, T.minusSeconds(7200)));
        records.add(Observation.builder("orders", 0, offset[0]++, T).correlationId("other-flow").eventType("OrderPlaced")
                .payload("{\"sku\":\"kettle-5\"}".getBytes(StandardCharsets.UTF_8)).build());
        new ClickHouseEventWriter(store).accept(records);
        new ClickHouseSpanWriter(store).accept(spans);
        new ClickHouseInstanceWriter(store, sql).write(rows);

        ClickHouseSuspectReader reader = new ClickHouseSuspectReader(sql);
        Counts c = reader.valueCounts("OrderPlaced", T.minusSeconds(60), T.plusSeconds(60), 100, 1, 1000, DLT);
        assertThat(c.bad()).isEqualTo(4);
        assertThat(c.good()).isEqualTo(6);
        assertThat(c.sampled()).isFalse();
        assertThat(find(c, Source.PAYLOAD, "/sku", "kettle-5")).extracting(ValueCount::bad, ValueCount::good).containsExactly(4L, 1L);
        assertThat(find(c, Source.PAYLOAD, "/sku", "mug-3")).isNull(); // no bad instance carries it (minBad 1)
        assertThat(find(c, Source.PAYLOAD, "/sku", "dead")).isNull();
        assertThat(find(c, Source.PAYLOAD, "/sku", "rabbit-dead")).isNull();
        assertThat(find(c, Source.PAYLOAD, "/sku", "connect-dead")).isNull();
        assertThat(find(c, Source.PAYLOAD, "/sku", "redriven")).extracting(ValueCount::bad, ValueCount::good).containsExactly(4L, 0L);
        assertThat(find(c, Source.HEADER, "x-original-topic", "orders")).isNull();
        assertThat(find(c, Source.PAYLOAD, "/quantity", "2").bad()).isEqualTo(4);
        assertThat(find(c, Source.PAYLOAD, "/gift", "true").good()).isEqualTo(6);
        assertThat(find(c, Source.PAYLOAD, "/customer/tier", "gold").good()).isEqualTo(6);
        assertThat(c.values()).noneMatch(v -> v.field().startsWith("/customer/address") || v.field().equals("/items")
                || v.field().equals("/customer"));
        assertThat(find(c, Source.HEADER, "region", "eu-north")).extracting(ValueCount::bad, ValueCount::good).containsExactly(4L, 6L);
        assertThat(find(c, Source.SPAN, "deployment", "green")).extracting(ValueCount::bad, ValueCount::good).containsExactly(4L, 0L);
        assertThat(c.values()).allMatch(v -> v.step().equals("OrderPlaced"));
        // most bad instances first, the bound respected
        assertThat(reader.valueCounts("OrderPlaced", T.minusSeconds(60), T.plusSeconds(60), 100, 4, 2, DLT).values())
                .hasSize(2).allMatch(v -> v.bad() == 4);
        // at most 2 of each outcome: the sample is said to be one
        Counts sample = reader.valueCounts("OrderPlaced", T.minusSeconds(60), T.plusSeconds(60), 2, 1, 1000, DLT);
        assertThat(sample.bad()).isEqualTo(2);
        assertThat(sample.good()).isEqualTo(2);
        assertThat(sample.sampled()).isTrue();
        assertThat(find(sample, Source.PAYLOAD, "/sku", "kettle-5").bad()).isEqualTo(2);
        // hostile names and an empty window read nothing and throw nothing
        Counts none = reader.valueCounts("'; DROP TABLE events; --", T.minusSeconds(60), T.plusSeconds(60), 100, 1, 1000, DLT);
        assertThat(none.bad()).isZero();
        assertThat(none.values()).isEmpty();
    }

    private static ValueCount find(Counts c, Source source, String field, String value) {
        return c.values().stream().filter(v -> v.source() == source && v.field().equals(field) && v.value().equals(value))
                .findFirst().orElse(null);
    }

    private static InstanceRecord row(String id, String flow, InstanceState state, Instant started) {
        InstanceSnapshot s = new InstanceSnapshot(id, Set.of(id), flow, state, "", started, started.plusSeconds(2), 2, 0,
                "OrderPlaced", "orders", List.of(), List.of());
        return new InstanceRecord(s, StepSequence.at(started, List.of("OrderPlaced")), 0, started, started);
    }
}
