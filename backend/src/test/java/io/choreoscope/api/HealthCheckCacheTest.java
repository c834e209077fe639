package io.choreoscope.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.choreoscope.harness.clickhouse.ClickHouseExtension;
import io.choreoscope.harness.kafka.KafkaExtension;
import io.choreoscope.ingest.TestApplication;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;

/**
 * {@code GET /health} is open to anyone (probes), so it must not cost ClickHouse a connection and a query per call:
 * 100 anonymous calls within a few seconds reach ClickHouse a few times at most, counted in ClickHouse's own query log.
 */
@ExtendWith({KafkaExtension.class, ClickHouseExtension.class})
class HealthCheckCacheTest {

    @Test
    void aHundredAnonymousHealthCallsCauseAtMostAFewClickHouseChecks() throws Exception {
        String database = ClickHouseExtension.createDatabase();
        Map<String, Object> p = TestApplication.properties(KafkaExtension.uniqueName("health"), database);
        p.put("choreoscope.tap.enabled", false);
        p.put("choreoscope.otlp.enabled", false);
        p.put("choreoscope.alerts.enabled", false);
        p.put("choreoscope.auth.enabled", true);
        p.put("choreoscope.auth.token-secret", "test-secret-that-is-long-enough-for-hmac-sha256");
        p.put("choreoscope.auth.demo-users", true);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        try (EmbeddedServer server = ApplicationContext.run(EmbeddedServer.class, p)) {
            long started = System.nanoTime();
            for (int i = 0; i < 100; i++) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(server.getURL() + "/health"))
                        .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(r.body()).isIn(200, 503);
                assertThat(r.body()).doesNotContain("jdbc:").doesNotContain(ClickHouseExtension.engine().httpUrl());
            }
            long seconds = Math.max(1, (System.nanoTime() - started) / 1_000_000_000L);
            ClickHouseExtension.engine().query("SYSTEM FLUSH LOGS");
            long checks = Long.parseLong(ClickHouseExtension.engine().query("SELECT count() FROM system.query_log WHERE "
                    + "type = 'QueryFinish' AND current_database = '" + database + "' AND query = 'SELECT version()' FORMAT TSV").strip());
            // One check per 5 s interval (plus the one at the start), however many calls.
            assertThat(checks).as("ClickHouse checks for 100 calls in %d s", seconds).isBetween(1L, 2 + seconds / 5);
        }
    }
}
