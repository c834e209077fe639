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
import java.util.Set;

import io.choreoscope.harness.clickhouse.ClickHouseExtension;
import io.choreoscope.inference.InferenceEngine;
import io.choreoscope.inference.InferenceSettings;
import io.choreoscope.model.InstanceRecord;
import io.choreoscope.model.Observation;
import io.choreoscope.model.flow.FlowModel;
import io.choreoscope.model.flow.InstanceSnapshot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The causal flow map ({@link ClickHouseFlowWindowReader#causalModel}) of a signup fan-out, from what the real engine
 * keeps and the real writer stores (V016's {@code step_causes}): one event consumed by four services whose reactions
 * arrive in any order is drawn as four arrows from it, where the directly-follows map draws arrows between the
 * reactions. The instances read from {@code events} (rows without steps) answer the same, and rows written before
 * V016 (no causes) count each step after the one before it.
 */
@ExtendWith(ClickHouseExtension.class)
class CausalFlowMapTest {
    private static final Instant T = Instant.parse("2026-12-01T10:00:00Z");
    private static final Instant FROM = T.minusSeconds(60);
    private static final Instant TO = T.plus(Duration.ofHours(1));
    private static final String FLOW = "UserRegistered";
    private static final int N = 200;
    private static final List<String> REACTIONS = List.of("WelcomeEmailSent", "SignupTracked", "CrmContactCreated",
            "WelcomeCampaignEnrolled");

    private final List<ClickHouseStore> stores = new ArrayList<>();
    private final List<SqlRunner> runners = new ArrayList<>();

    private SqlRunner open() throws Exception {
        ClickHouseStore store = new ClickHouseStore(new ClickHouseConfig(ClickHouseExtension.engine().httpUrl(),
                ClickHouseExtension.createDatabase()));
        new SchemaMigrator(store).migrate();
        stores.add(store);
        SqlRunner sql = new SqlRunner(store);
        runners.add(sql);
        return sql;
    }

    @AfterEach
    void tearDown() {
        runners.forEach(SqlRunner::close);
        stores.forEach(ClickHouseStore::close);
    }

    private final Map<String, Long> offsets = new HashMap<>();

    private Observation event(String id, String type, Instant at, String eventId, String causationId) {
        String topic = type.toLowerCase();
        long offset = offsets.merge(topic, 1L, Long::sum);
        return Observation.builder(topic, 0, offset, at).ingestTime(T).correlationId(id).eventType(type)
                .eventId(eventId).causationId(causationId).sourceService(topic + "-svc").build();
    }

    /**
     * N signups: UserRegistered, then its four reactions (each naming it as cause) at random times after it, except
     * SignupTracked always 100 ms after it and, in every eighth, CrmContactCreated stamped 5 ms before it; every second instance an EmailOpened caused by its WelcomeEmailSent; every
     * tenth an AuditLogged with no causation ID, last.
     */
    private List<Observation> signups() {
        Random r = new Random(3);
        List<Observation> log = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            String id = "user-" + i;
            Instant t = T.plusMillis(i * 1_000L);
            String reg = "reg-" + i;
            log.add(event(id, "UserRegistered", t, reg, null));
            Instant mail = null;
            for (String type : REACTIONS) {
                Instant at = type.equals("SignupTracked") ? t.plusMillis(100)
                        : type.equals("CrmContactCreated") && i % 8 == 3 ? t.minusMillis(5) // a lagging clock: first in time
                        : t.plusMillis(1 + r.nextInt(300));
                log.add(event(id, type, at, type + "-" + i, reg));
                if (type.equals("WelcomeEmailSent")) {
                    mail = at;
                }
            }
            if (i % 2 == 0) {
                log.add(event(id, "EmailOpened", mail.plusMillis(1 + r.nextInt(200)), "open-" + i, "WelcomeEmailSent-" + i));
            }
            if (i % 10 == 0) {
                log.add(event(id, "AuditLogged", t.plusMillis(900), "", null));
            }
        }
        return log;
    }

    /** Stores the log (every 7th record twice) and returns the rows the engine keeps for it, fed in a shuffled order. */
    private static List<InstanceRecord> storeAndInfer(ClickHouseStore store, List<Observation> log) throws Exception {
        List<Observation> again = new ArrayList<>();
        for (int i = 0; i < log.size(); i += 7) {
            again.add(log.get(i));
        }
        ClickHouseEventWriter events = new ClickHouseEventWriter(store);
        events.accept(log);
        events.accept(again);
        InferenceEngine engine = new InferenceEngine(InferenceSettings.defaults());
        List<Observation> arrival = new ArrayList<>(log);
        arrival.addAll(again);
        Collections.shuffle(arrival, new Random(5));
        engine.apply(arrival);
        Instant now = TO.plus(Duration.ofHours(1));
        List<InstanceRecord> rows = new ArrayList<>();
        for (InstanceSnapshot s : engine.snapshots(now)) {
            rows.add(new InstanceRecord(s, engine.steps(s.correlationId()), 0, now, now));
        }
        return rows;
    }

    private static Map<String, Long> pairs(FlowModel m) {
        Map<String, Long> out = new HashMap<>();
        m.transitions().forEach(t -> out.put(t.from() + " -> " + t.to(), t.count()));
        return out;
    }

    @Test
    void aFanOutIsDrawnAsOneArrowToEachReactionAndBothReadPathsAgree() throws Exception {
        SqlRunner sql = open();
        List<Observation> log = signups();
        List<InstanceRecord> rows = storeAndInfer(sql.store(), log);
        new ClickHouseInstanceWriter(sql.store(), sql).write(rows);
        ClickHouseFlowWindowReader reader = new ClickHouseFlowWindowReader(sql);

        FlowModel causal = reader.causalModel(FLOW, FROM, TO);

        assertThat(causal.instances()).isEqualTo(N);
        Map<String, Long> p = pairs(causal);
        for (String reaction : REACTIONS) {
            FlowModel.Transition t = causal.transition(FLOW, reaction);
            assertThat(t.count()).as(reaction).isEqualTo(N);
            assertThat(t.instances()).as(reaction).isEqualTo(N);
            assertThat(t.probability()).as(reaction).isEqualTo(1.0);
            for (String other : REACTIONS) {
                assertThat(p).as("no arrow between two reactions").doesNotContainKey(reaction + " -> " + other);
            }
        }
        FlowModel.Transition tracked = causal.transition(FLOW, "SignupTracked");
        assertThat(List.of(tracked.p50Ms(), tracked.p95Ms(), tracked.p99Ms())).as("from the cause, not the step before")
                .containsOnly(100.0);
        FlowModel.Transition opened = causal.transition("WelcomeEmailSent", "EmailOpened");
        assertThat(opened.count()).isEqualTo(N / 2);
        assertThat(opened.probability()).isEqualTo(0.5);
        long intoAudit = causal.transitions().stream().filter(t -> t.to().equals("AuditLogged"))
                .mapToLong(FlowModel.Transition::count).sum();
        assertThat(intoAudit).as("no causation ID: after the step before it").isEqualTo(N / 10);
        assertThat(p.values().stream().mapToLong(Long::longValue).sum()).as("one arrow into every step but the first")
                .isEqualTo(log.size() - N);
        // a start is a step nothing caused, not the first in time (a reaction stamped before its cause, N / 8 of them)
        assertThat(causal.startCounts()).isEqualTo(Map.of(FLOW, (long) N));
        assertThat(reader.model(FLOW, FROM, TO).startCounts()).containsEntry("CrmContactCreated", (long) N / 8);
        for (String reaction : REACTIONS) {
            long caused = causal.transitions().stream().filter(t -> t.from().equals(reaction))
                    .mapToLong(FlowModel.Transition::instances).sum();
            assertThat(causal.endCounts().get(reaction)).as("leaves: %s caused nothing", reaction).isEqualTo(N - caused);
        }
        assertThat(causal.endCounts()).containsEntry("AuditLogged", (long) N / 10).doesNotContainKey(FLOW);

        FlowModel follows = reader.model(FLOW, FROM, TO);
        assertThat(follows.transitions().stream().filter(t -> REACTIONS.contains(t.from()) && REACTIONS.contains(t.to())))
                .as("the directly-follows map of the same window: arrows between the reactions").hasSizeGreaterThan(6);
        assertThat(follows.nodes()).isEqualTo(causal.nodes());

        // the same instances read from their events (rows without steps, as over the engine's cap or before V011)
        SqlRunner other = open();
        new ClickHouseInstanceWriter(other.store(), other).write(storeAndInfer(other.store(), log), false);
        assertThat(other.count("SELECT count() FROM " + other.store().database() + ".instances_by_day FINAL WHERE "
                + ClickHouseFlowWindowReader.STEPS_STORED)).isZero();
        assertThat(new ClickHouseFlowWindowReader(other).causalModel(FLOW, FROM, TO)).isEqualTo(causal);
    }

    @Test
    void rowsWrittenBeforeV016CountEachStepAfterTheOneBeforeIt() throws Exception {
        SqlRunner sql = open();
        new ClickHouseInstanceWriter(sql.store(), sql).write(storeAndInfer(sql.store(), signups()));
        sql.execute("ALTER TABLE " + sql.store().database() + ".instances_by_day UPDATE step_causes = [] WHERE 1"
                + " SETTINGS mutations_sync = 2");
        assertThat(sql.count("SELECT count() FROM " + sql.store().database() + ".instances_by_day WHERE notEmpty(step_causes)"))
                .isZero();
        ClickHouseFlowWindowReader reader = new ClickHouseFlowWindowReader(sql);

        FlowModel causal = reader.causalModel(FLOW, FROM, TO);
        FlowModel follows = reader.model(FLOW, FROM, TO);

        assertThat(pairs(causal)).isEqualTo(pairs(follows));
        assertThat(causal.endCounts()).isEqualTo(follows.endCounts());
        assertThat(Set.copyOf(causal.nodes())).isEqualTo(Set.copyOf(follows.nodes()));
    }
}
