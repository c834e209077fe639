package io.choreoscope.storage.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import io.choreoscope.harness.clickhouse.ClickHouseExtension;
import io.choreoscope.model.FlowSchemaReader.StepSchema;
import io.choreoscope.model.InstanceRecord;
import io.choreoscope.model.Observation;
import io.choreoscope.model.SchemaRef;
import io.choreoscope.model.api.FlowSchemas;
import io.choreoscope.model.flow.InstanceSnapshot;
import io.choreoscope.model.flow.InstanceState;
import io.choreoscope.model.flow.StepSequence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The schemas per step read from a real ClickHouse: which records, counted how, first and last seen. */
@ExtendWith(ClickHouseExtension.class)
class ClickHouseFlowSchemaReaderTest {
    private static final Instant T = Instant.parse("2026-12-01T10:00:00Z");
    private static final SchemaRef V1 = new SchemaRef("avro", "fp:00000000000000a1", "ContentUploaded",
            "content/ContentUploaded-v1.avsc", 0);
    private static final SchemaRef V2 = new SchemaRef("avro", "fp:00000000000000a2", "ContentUploaded",
            "content/ContentUploaded-v2.avsc", 0);
    private static final SchemaRef APPROVED = new SchemaRef("avro", "42", "ModerationApproved", "moderation-value", 3);
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
    void groupsTheRecordsOfTheWindowsInstancesByStepAndSchemaWithFirstAndLastSeen() throws Exception {
        store = new ClickHouseStore(new ClickHouseConfig(ClickHouseExtension.engine().httpUrl(), ClickHouseExtension.createDatabase()));
        new SchemaMigrator(store).migrate();
        sql = new SqlRunner(store);
        List<Observation> records = new ArrayList<>();
        long[] offset = {0};
        // c1, c2 on v1 then c3 (found under its linked ID) and c4 on v2; every instance approved with one schema
        Object[][] uploads = {{"c1", V1, 1}, {"c2", V1, 5}, {"c3-alt", V2, 30}, {"c4", V2, 40}};
        List<InstanceRecord> rows = new ArrayList<>();
        for (Object[] u : uploads) {
            String id = ((String) u[0]).replace("-alt", "");
            rows.add(row(id, new java.util.HashSet<>(List.of(id, (String) u[0])), "ContentUploaded", T.plusSeconds((Integer) u[2])));
            Observation up = record("content", offset[0]++, (String) u[0], "ContentUploaded", (SchemaRef) u[1],
                    T.plusSeconds((Integer) u[2]));
            records.add(up);
            records.add(up); // stored twice (a redelivered batch): one record
            records.add(record("moderation", offset[0]++, (String) u[0], "ModerationApproved", APPROVED,
                    T.plusSeconds((Integer) u[2] + 1)));
        }
        // JSON records (no schema), another flow's and a too-early instance's records: not counted
        records.add(record("content", offset[0]++, "c1", "ContentPublished", null, T.plusSeconds(3)));
        records.add(record("content", offset[0]++, "other", "ContentUploaded", V2, T.plusSeconds(2)));
        records.add(record("content", offset[0]++, "early", "ContentUploaded", V2, T.minusSeconds(7100)));
        new ClickHouseEventWriter(store).accept(records);
        rows.add(row("other", Set.of("other"), "SomethingElse", T));
        rows.add(row("early", Set.of("early"), "ContentUploaded", T.minusSeconds(7200)));
        new ClickHouseInstanceWriter(store, sql).write(rows);

        ClickHouseFlowSchemaReader reader = new ClickHouseFlowSchemaReader(sql);
        List<StepSchema> seen = reader.stepSchemas("ContentUploaded", T.minusSeconds(60), T.plusSeconds(60), 100);

        assertThat(seen).extracting(s -> s.step() + " " + s.schema().id() + " " + s.records() + " "
                        + s.firstSeen().getEpochSecond() % 3600 + "-" + s.lastSeen().getEpochSecond() % 3600)
                .containsExactly("ContentUploaded fp:00000000000000a1 2 1-5", "ContentUploaded fp:00000000000000a2 2 30-40",
                        "ModerationApproved 42 4 2-41");
        assertThat(seen.get(1).schema()).isEqualTo(V2);
        assertThat(seen.get(2).schema()).isEqualTo(APPROVED);

        FlowSchemas view = FlowSchemas.of("ContentUploaded", T.minusSeconds(60), T.plusSeconds(60), seen, false);
        assertThat(view.steps()).extracting(FlowSchemas.Step::step, FlowSchemas.Step::changed)
                .containsExactly(org.assertj.core.api.Assertions.tuple("ContentUploaded", true),
                        org.assertj.core.api.Assertions.tuple("ModerationApproved", false));
        assertThat(view.steps().get(0).changedAt()).isEqualTo(T.plusSeconds(30));
        assertThat(view.steps().get(0).versions()).extracting(FlowSchemas.Version::subject)
                .containsExactly("content/ContentUploaded-v1.avsc", "content/ContentUploaded-v2.avsc");

        // a window holding only the instances started on v2: one schema, no change
        List<StepSchema> later = reader.stepSchemas("ContentUploaded", T.plusSeconds(20), T.plusSeconds(60), 100);
        assertThat(later).extracting(s -> s.step() + " " + s.schema().id() + " " + s.records())
                .containsExactly("ContentUploaded fp:00000000000000a2 2", "ModerationApproved 42 2");
        assertThat(FlowSchemas.of("ContentUploaded", T, T, later, false).steps()).noneMatch(FlowSchemas.Step::changed);
        // the bound is kept; hostile names read nothing and throw nothing
        assertThat(reader.stepSchemas("ContentUploaded", T.minusSeconds(60), T.plusSeconds(60), 1)).hasSize(1);
        assertThat(reader.stepSchemas("'; DROP TABLE events; --", T.minusSeconds(60), T.plusSeconds(60), 100)).isEmpty();
    }

    private static Observation record(String topic, long offset, String cid, String type, SchemaRef schema, Instant ts) {
        return Observation.builder(topic, 0, offset, ts).correlationId(cid).eventType(type).schema(schema)
                .decodedPayload(schema == null ? null : "{\"correlationId\":\"" + cid + "\"}")
                .payload(("{\"correlationId\":\"" + cid + "\"}").getBytes(StandardCharsets.UTF_8)).build();
    }

    private static InstanceRecord row(String id, Set<String> linked, String flow, Instant started) {
        InstanceSnapshot s = new InstanceSnapshot(id, linked, flow, InstanceState.RUNNING, "", started,
                started.plusSeconds(2), 2, 0, "ContentUploaded", "uploads", List.of(), List.of());
        return new InstanceRecord(s, StepSequence.at(started, List.of("ContentUploaded")), 0, started, started);
    }
}
