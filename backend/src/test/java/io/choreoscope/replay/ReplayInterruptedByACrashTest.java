package io.choreoscope.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.choreoscope.harness.clickhouse.ClickHouseExtension;
import io.choreoscope.harness.kafka.KafkaExtension;
import io.choreoscope.ingest.TestApplication;
import io.choreoscope.model.api.ReplayMode;
import io.choreoscope.model.api.ReplayStatus;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 20, item 5: a replay whose process died while it ran is marked INTERRUPTED when choreoscope starts again,
 * not left RUNNING forever; a replay another live process runs (recent progress) is left alone.
 */
@ExtendWith({KafkaExtension.class, ClickHouseExtension.class})
class ReplayInterruptedByACrashTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aReplayLeftRunningByADeadProcessIsMarkedInterruptedAtTheNextStart() throws Exception {
        String prefix = KafkaExtension.uniqueName("crash");
        String db = ClickHouseExtension.createDatabase();
        Map<String, Object> p = TestApplication.properties(prefix, db);
        p.put("choreoscope.otlp.enabled", false);
        p.put("choreoscope.alerts.enabled", false);
        // One config store for both lives of the process, as the H2 file or PostgreSQL is in production.
        p.put("datasources.default.url", "jdbc:h2:mem:crash-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");

        String dead = UUID.randomUUID().toString();
        String alive = UUID.randomUUID().toString();
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        try (ApplicationContext first = ApplicationContext.run(EmbeddedServer.class, p).getApplicationContext()) {
            ReplayAuditRepository audits = first.getBean(ReplayAuditRepository.class);
            // What a process killed in the middle of a redrive leaves: RUNNING, progress written 5 minutes ago.
            audits.save(new ReplayAudit(null, dead, "alice", now.minusSeconds(400), ReplayMode.DEAD_LETTER.name(),
                    "{\"mode\":\"DEAD_LETTER\"}", false, ReplayStatus.State.RUNNING.name(), 500, 120, 1, null, null,
                    now.minusSeconds(300), false, null, null));
            // A replay another instance runs right now: progress written a second ago.
            audits.save(new ReplayAudit(null, alive, "bob", now.minusSeconds(10), ReplayMode.EVENT.name(),
                    "{\"mode\":\"EVENT\"}", false, ReplayStatus.State.RUNNING.name(), 50, 3, 0, null, null,
                    now.minusSeconds(1), false, "events: 50", 100.0));
        }

        try (EmbeddedServer second = ApplicationContext.run(EmbeddedServer.class, p)) {
            ReplayAuditRepository audits = second.getApplicationContext().getBean(ReplayAuditRepository.class);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(audits.findByReplayId(dead).orElseThrow().status()).isEqualTo("INTERRUPTED"));
            ReplayAudit row = audits.findByReplayId(dead).orElseThrow();
            assertThat(row.finishedAt()).isNotNull();
            assertThat(row.sent()).as("how far it got is kept").isEqualTo(120);
            assertThat(row.result()).contains("interrupted").contains("120 of 500").contains("(1 failed)");
            assertThat(audits.findByReplayId(alive).orElseThrow().status()).as("a live process's replay").isEqualTo("RUNNING");

            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(second.getURL() + "/api/v1/replays/" + dead)).build(), HttpResponse.BodyHandlers.ofString());
            JsonNode status = JSON.readTree(r.body());
            assertThat(status.get("state").asText()).isEqualTo("INTERRUPTED");
            assertThat(status.get("requestedBy").asText()).isEqualTo("alice");
        }
    }
}
