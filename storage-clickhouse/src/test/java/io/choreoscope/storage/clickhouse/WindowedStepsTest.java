package io.choreoscope.storage.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;

import io.choreoscope.harness.clickhouse.ClickHouseExtension;
import io.choreoscope.inference.InferenceEngine;
import io.choreoscope.inference.InferenceSettings;
import io.choreoscope.model.FlowWindowReader;
import io.choreoscope.model.InstanceRecord;
import io.choreoscope.model.Observation;
import io.choreoscope.model.flow.FlowModel;
import io.choreoscope.model.flow.InstanceSnapshot;
import io.choreoscope.model.flow.Variant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The windowed model and variants read from the instance rows' steps (migration V011) answer exactly what the reader
 * before V011 answered from the stored events ({@link FlowWindowReaderBeforeV011}), on a noisy log whose instance rows
 * are what the real engine keeps and the real writer writes: steps swapped, sent twice under one event ID (the later
 * copy delivered first), records stored and delivered twice, equal timestamps ordered by partition and offset, loops,
 * an instance over the engine's event cap and one longer than a step offset can hold (both read from the events),
 * rows written without step times (before V011).
 */
@ExtendWith(ClickHouseExtension.class)
class WindowedStepsTest {
    private static final Instant T = Instant.parse("2026-12-01T10:00:00Z");
    private static final Instant FROM = T.minusSeconds(60);
    private static final Instant TO = T.plus(Duration.ofMinutes(30));
    private static final int CAP = 8;

    private ClickHouseStore store;
    private SqlRunner sql;
    private ClickHouseInstanceWriter writer;

    @BeforeEach
    void setUp() throws Exception {
        store = new ClickHouseStore(new ClickHouseConfig(ClickHouseExtension.engine().httpUrl(),
                ClickHouseExtension.createDatabase()));
        new SchemaMigrator(store).migrate();
        sql = new SqlRunner(store);
        writer = new ClickHouseInstanceWriter(store, sql);
    }

    @AfterEach
    void tearDown() {
        sql.close();
        store.close();
    }

    /** The log, built up record by record: per topic and partition, offsets count up. */
    private static final class Log {
        final List<Observation> records = new ArrayList<>();
        final Map<String, Long> offsets = new HashMap<>();
        final Random random = new Random(15);

        Observation add(String id, String type, String topic, int partition, Instant at, String eventId) {
            long offset = offsets.merge(topic + "/" + partition, 1L, Long::sum);
            Observation o = Observation.builder(topic, partition, offset, at).ingestTime(T).correlationId(id)
                    .eventType(type).eventId(eventId).sourceService(topic + "-svc").build();
            records.add(o);
            return o;
        }
    }

    private static Log noisySaga(int instances) {
        Log log = new Log();
        Random r = log.random;
        for (int i = 0; i < instances; i++) {
            String id = "order-" + i;
            Instant t = T.plusMillis(i * 997L);
            String ev = i % 2 == 0 ? "e-" + i + "-" : ""; // half the records carry event IDs
            log.add(id, "OrderPlaced", "orders", i % 3, t, ev.isEmpty() ? "" : ev + 0);
            t = t.plusMillis(1 + r.nextInt(200));
            boolean swap = i % 11 == 0;
            log.add(id, swap ? "StockReserved" : "PaymentCaptured", swap ? "stock" : "payments", i % 2, t,
                    ev.isEmpty() ? "" : ev + 1);
            if (i % 13 == 0) { // payment fails and is retried: a loop
                t = t.plusMillis(r.nextInt(50));
                log.add(id, "PaymentFailed", "payments", i % 2, t, "");
                t = t.plusMillis(r.nextInt(50));
                log.add(id, "PaymentCaptured", "payments", i % 2, t, "");
            }
            t = t.plusMillis(r.nextInt(3) == 0 ? 0 : r.nextInt(300)); // some steps in the same ms: partition, offset order
            log.add(id, swap ? "PaymentCaptured" : "StockReserved", swap ? "payments" : "stock", 0, t, "");
            if (i % 10 == 3) {
                log.add(id, "OrderCancelled", "orders", i % 3, t.plusMillis(r.nextInt(100)), "");
                continue;
            }
            Instant shipped = t.plusMillis(1 + r.nextInt(500));
            if (i % 9 == 0) {
                // shipment sent twice under one event ID: the copy stamped earlier is kept wherever it arrives
                log.add(id, "OrderShipped", "shipping", 1, shipped.plusMillis(40), "ship-" + i);
                log.add(id, "OrderShipped", "shipping", 1, shipped, "ship-" + i);
            } else {
                log.add(id, "OrderShipped", "shipping", 1, shipped, "ship-" + i);
            }
        }
        // one instance over the engine's cap: events after the cap are dropped by the engine, not by the window
        for (int k = 0; k < CAP + 4; k++) {
            log.add("chatty", k == 0 ? "OrderPlaced" : "OrderAmended", "orders", 0, T.plusSeconds(5).plusMillis(k * 10L), "");
        }
        // one instance longer than a step offset can hold (UInt32 ms, about 49.7 days): read from the events
        log.add("slow", "OrderPlaced", "orders", 0, T.plusSeconds(7), "");
        log.add("slow", "OrderShipped", "shipping", 1, T.plusSeconds(7).plus(Duration.ofDays(60)), "");
        // outside the window, and another flow inside it
        log.add("late", "OrderPlaced", "orders", 0, TO.plusSeconds(1), "");
        log.add("signup", "SignupStarted", "signups", 0, T.plusSeconds(3), "");
        return log;
    }

    /**
     * Stores the log in {@code events} (every 7th record twice, as after a redelivered batch) and the rows the engine
     * keeps for it, the log delivered in a shuffled order with the same redeliveries.
     */
    private List<InstanceRecord> storeAndInfer(Log log) throws Exception {
        List<Observation> records = log.records;
        List<Observation> redelivered = new ArrayList<>();
        for (int i = 0; i < records.size(); i += 7) {
            redelivered.add(records.get(i));
        }
        ClickHouseEventWriter events = new ClickHouseEventWriter(store);
        events.accept(records);
        events.accept(redelivered);

        InferenceEngine engine = new InferenceEngine(InferenceSettings.defaults().withMaxEventsPerInstance(CAP));
        List<Observation> arrival = new ArrayList<>(records);
        arrival.addAll(redelivered);
        Collections.shuffle(arrival, new Random(7));
        // the instance over the cap in time order first: the engine keeps the first events to arrive, so its start
        // (and with it its flow's name) does not depend on the shuffle
        List<Observation> chatty = records.stream().filter(o -> o.correlationId().equals("chatty")).toList();
        arrival.removeIf(o -> o.correlationId().equals("chatty"));
        engine.apply(chatty);
        engine.apply(arrival);
        Instant now = TO.plus(Duration.ofDays(61));
        List<InstanceRecord> rows = new ArrayList<>();
        for (InstanceSnapshot s : engine.snapshots(now)) {
            rows.add(new InstanceRecord(s, engine.steps(s.correlationId()), 0, now, now));
        }
        return rows;
    }

    private long rowsWithSteps() {
        return sql.count("SELECT count() FROM " + store.database() + ".instances_by_day FINAL WHERE "
                + ClickHouseFlowWindowReader.STEPS_STORED);
    }

    private static TreeSet<String> flows(List<InstanceRecord> rows) {
        TreeSet<String> out = new TreeSet<>();
        rows.forEach(r -> out.add(r.snapshot().flow()));
        return out;
    }

    /** Every flow's model, variants and each variant's instances, the same from both readers. */
    private void assertSameAnswers(List<InstanceRecord> rows) {
        FlowWindowReader stepsReader = new ClickHouseFlowWindowReader(sql);
        FlowWindowReader eventsReader = new FlowWindowReaderBeforeV011(sql);
        for (String flow : flows(rows)) {
            FlowModel m = stepsReader.model(flow, FROM, TO);
            assertThat(m).as(flow).isEqualTo(eventsReader.model(flow, FROM, TO));
            List<Variant> variants = stepsReader.variants(flow, FROM, TO, 500);
            assertThat(variants).as(flow).isEqualTo(eventsReader.variants(flow, FROM, TO, 500));
            for (Variant v : variants) {
                assertThat(stepsReader.variantInstances(flow, FROM, TO, v.id(), 1000)).as(v.steps().toString())
                        .isEqualTo(eventsReader.variantInstances(flow, FROM, TO, v.id(), 1000));
            }
        }
    }

    @Test
    void stepsFromInstanceRowsAnswerExactlyWhatTheEventsAnswered() throws Exception {
        List<InstanceRecord> rows = storeAndInfer(noisySaga(300));
        writer.write(rows);

        // all but the instance over the cap and the 60-day one are read from their rows alone
        assertThat(rowsWithSteps()).isEqualTo(rows.size() - 2);
        FlowModel m = new ClickHouseFlowWindowReader(sql).model("OrderPlaced", FROM, TO);
        assertThat(m.instances()).isEqualTo(302);
        assertThat(m.transition("OrderShipped", "OrderShipped")).as("a shipment sent twice counts once").isNull();
        assertThat(m.nodes()).contains(new FlowModel.Node("PaymentFailed", 24, 24));
        assertThat(m.transition("OrderPlaced", "OrderShipped").p50Ms()).isEqualTo(Duration.ofDays(60).toMillis());
        assertThat(m.transition("OrderAmended", "OrderAmended").count()).as("every event of the chatty instance")
                .isEqualTo(CAP + 2);
        assertSameAnswers(rows);
    }

    @Test
    void rowsWrittenWithoutStepTimesAreReadFromTheEvents() throws Exception {
        List<InstanceRecord> rows = storeAndInfer(noisySaga(120));
        writer.write(rows);
        // a third rewritten as a writer before V011 did (a newer version without step times)
        List<InstanceRecord> old = new ArrayList<>();
        for (int i = 0; i < rows.size(); i += 3) {
            old.add(rows.get(i));
        }
        writer.write(old, false);

        assertThat(rowsWithSteps()).isBetween(1L, rows.size() - (long) old.size());
        assertSameAnswers(rows);
    }
}
