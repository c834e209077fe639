package io.choreoscope.live;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import io.choreoscope.harness.clickhouse.ClickHouseExtension;
import io.choreoscope.inference.InferenceSettings;
import io.choreoscope.model.Observation;
import io.choreoscope.model.flow.InstanceSnapshot;
import io.choreoscope.model.flow.InstanceState;
import io.choreoscope.storage.clickhouse.ClickHouseConfig;
import io.choreoscope.storage.clickhouse.ClickHouseInstanceReader;
import io.choreoscope.storage.clickhouse.ClickHouseInstanceWriter;
import io.choreoscope.storage.clickhouse.ClickHouseStore;
import io.choreoscope.storage.clickhouse.SchemaMigrator;
import io.choreoscope.storage.clickhouse.SqlRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The live-instance cap against a real ClickHouse (issue 20, item 8): more unique IDs than the cap, in batches as
 * the tap delivers them; the engine never holds more than the cap, and every evicted instance is stored with the
 * state and events it had, counted in the metric.
 */
@ExtendWith(ClickHouseExtension.class)
class LiveInstanceCapPersistenceTest {
    private static final Instant T = Instant.parse("2026-12-02T10:00:00Z");
    private static final int CAP = 50;
    private static final int IDS = 400;

    @Test
    void instancesEvictedOverTheCapAreStoredWithTheirStateAndTheEngineHoldsAtMostTheCap() throws Exception {
        ClickHouseStore store = new ClickHouseStore(new ClickHouseConfig(ClickHouseExtension.engine().httpUrl(),
                ClickHouseExtension.createDatabase()));
        new SchemaMigrator(store).migrate();
        SqlRunner sql = new SqlRunner(store);
        try {
            AtomicLong evicted = new AtomicLong();
            Clock clock = Clock.fixed(T.plusSeconds(1), ZoneOffset.UTC); // nobody idle past the 5 s stuck floor
            LiveEngine live = new LiveEngine("all", null, 12, InferenceSettings.defaults()
                    .withEndEventTypes(Set.of("OrderShipped")).withMaxLiveInstances(CAP),
                    new ClickHouseInstanceWriter(store, sql), Duration.ofSeconds(5), clock, evicted);
            long offset = 0;
            for (int b = 0; b < IDS / 40; b++) {
                List<Observation> batch = new ArrayList<>();
                for (int i = b * 40; i < (b + 1) * 40; i++) {
                    Instant at = T.plusMillis(i);
                    batch.add(event("id-" + i, offset++, "OrderPlaced", at));
                    batch.add(event("id-" + i, offset++, "PaymentCaptured", at.plusMillis(1)));
                    if (i % 3 == 0) {
                        batch.add(event("id-" + i, offset++, "OrderShipped", at.plusMillis(2)));
                    }
                }
                live.apply(batch);
                assertThat(live.engine().counters().liveInstances()).isLessThanOrEqualTo(CAP);
                live.persistChanges(clock.instant());
            }
            assertThat(evicted.get()).isEqualTo(IDS - CAP);
            assertThat(live.engine().counters().liveInstances()).isEqualTo(CAP);

            ClickHouseInstanceReader reader = new ClickHouseInstanceReader(sql);
            for (int i = 0; i < IDS; i++) {
                InstanceSnapshot s = reader.byId("id-" + i).orElseThrow(() -> new AssertionError("not stored"));
                assertThat(s.eventCount()).as("id-%d", i).isEqualTo(i % 3 == 0 ? 3 : 2);
                assertThat(s.state()).as("id-%d", i).isEqualTo(i % 3 == 0 ? InstanceState.COMPLETED : InstanceState.RUNNING);
                assertThat(s.flow()).isEqualTo("OrderPlaced");
            }
            // The least recently active went first: the oldest IDs are no longer live, the newest are.
            assertThat(live.engine().snapshot("id-0", clock.instant())).isEmpty();
            assertThat(live.engine().snapshot("id-" + (IDS - 1), clock.instant())).isPresent();
        } finally {
            sql.close();
            store.close();
        }
    }

    private static Observation event(String id, long offset, String type, Instant at) {
        return Observation.builder("orders", 0, offset, at).correlationId(id).eventType(type).sourceService("svc").build();
    }
}
