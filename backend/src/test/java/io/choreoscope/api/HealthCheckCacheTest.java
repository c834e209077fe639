package io.choreoscope.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
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
 * 100 anonymous calls within a few seconds reach ClickHouse a few times at most, counted on the wire by a TCP proxy
 * between the application and the real ClickHouse (the embedded engine keeps no query log).
 */
@ExtendWith({KafkaExtension.class, ClickHouseExtension.class})
class HealthCheckCacheTest {
    private static final String CHECK = "SELECT version()";

    @Test
    void aHundredAnonymousHealthCallsCauseAtMostAFewClickHouseChecks() throws Exception {
        String database = ClickHouseExtension.createDatabase();
        URI clickhouse = URI.create(ClickHouseExtension.engine().httpUrl());
        CountingTcpProxy proxy = new CountingTcpProxy(clickhouse.getHost(), clickhouse.getPort(), List.of(CHECK));
        Map<String, Object> p = TestApplication.properties(KafkaExtension.uniqueName("health"), database);
        p.put("choreoscope.clickhouse.url", proxy.url());
        p.put("choreoscope.tap.enabled", false);
        p.put("choreoscope.otlp.enabled", false);
        p.put("choreoscope.alerts.enabled", false);
        p.put("choreoscope.auth.enabled", true);
        p.put("choreoscope.auth.token-secret", "test-secret-that-is-long-enough-for-hmac-sha256");
        p.put("choreoscope.auth.demo-users", true);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        try (proxy; EmbeddedServer server = ApplicationContext.run(EmbeddedServer.class, p)) {
            int before = proxy.count(CHECK);
            long started = System.nanoTime();
            for (int i = 0; i < 100; i++) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(server.getURL() + "/health"))
                        .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(r.body()).isIn(200, 503);
                assertThat(r.body()).doesNotContain("jdbc:").doesNotContain(ClickHouseExtension.engine().httpUrl());
            }
            long seconds = Math.max(1, (System.nanoTime() - started) / 1_000_000_000L);
            int checks = proxy.count(CHECK) - before;
            // One check per 5 s interval (plus the one at the start), however many calls.
            System.out.println("100 anonymous GET /health in " + seconds + " s: " + checks + " ClickHouse checks");
            assertThat(checks).as("ClickHouse checks for 100 calls in %d s", seconds).isBetween(1, 2 + (int) (seconds / 5));
        }
    }
}
