package io.choreoscope.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.choreoscope.harness.clickhouse.ClickHouseExtension;
import io.choreoscope.harness.clickhouse.EmbeddedClickHouse;
import io.choreoscope.harness.kafka.KafkaExtension;
import io.choreoscope.ingest.TestApplication;
import io.choreoscope.model.Observation;
import io.choreoscope.model.ObservationSink;
import io.micronaut.context.ApplicationContext;
import io.micronaut.inject.qualifiers.Qualifiers;
import io.micronaut.runtime.server.EmbeddedServer;

/**
 * A value search scans payloads on ClickHouse for seconds; when its HTTP client disconnects mid-search, the query on
 * ClickHouse is killed rather than run to the end for nobody. Real server, real ClickHouse with a few million stored
 * events, and a client that opens a socket, asks, and closes it while the query runs; ClickHouse's own
 * {@code system.processes} and {@code system.query_log} show what happened to the query.
 */
@ExtendWith({KafkaExtension.class, ClickHouseExtension.class})
class SearchCancelledOnDisconnectTest {
    private static final long EVENTS = 6_000_000;

    @Test
    void aClientThatDisconnectsMidSearchGetsItsClickHouseQueryKilled() throws Exception {
        EmbeddedClickHouse ch = ClickHouseExtension.engine();
        String database = ClickHouseExtension.createDatabase();
        URI clickhouse = URI.create(ch.httpUrl());
        CountingTcpProxy proxy = new CountingTcpProxy(clickhouse.getHost(), clickhouse.getPort(), List.of("KILL QUERY"));
        Map<String, Object> p = TestApplication.properties(KafkaExtension.uniqueName("cancel"), database);
        p.put("choreoscope.clickhouse.url", proxy.url());
        p.put("choreoscope.tap.enabled", false);
        p.put("choreoscope.otlp.enabled", false);
        p.put("choreoscope.alerts.enabled", false);
        p.put("choreoscope.auth.enabled", false);
        p.put("choreoscope.clickhouse.search-max-execution-time", "300s");
        p.put("choreoscope.clickhouse.search-max-rows-to-read", 0);
        p.put("choreoscope.clickhouse.search-max-bytes-to-read", 0);
        try (proxy; EmbeddedServer server = ApplicationContext.run(EmbeddedServer.class, p)) {
            // One event through the application's own sink creates the schema; the bulk goes straight in.
            server.getApplicationContext().getBean(ObservationSink.class, Qualifiers.byName(ObservationSink.STORE)).accept(List.of(
                    Observation.builder("orders", 1, 0, Instant.now().minusSeconds(600)).correlationId("first")
                            .payload("{}".getBytes(StandardCharsets.UTF_8)).build()));
            // Stored straight into the events table (the application created it at start): a scan that takes seconds.
            // In inserts of 500k rows, five events per ID: memory per insert stays far below the test engine's 2 GiB
            // whatever views hang on `events` (one 6M-row insert of 6M IDs went over it with a per-ID view attached).
            for (long start = 0; start < EVENTS; start += 500_000) {
                ch.query("INSERT INTO " + database + ".events (topic, partition, offset, ts, ingest_ts, payload, payload_size, "
                        + "correlation_id, event_id) SELECT 'orders', 0, number, now64(3) - INTERVAL 10 MINUTE, now64(3), "
                        + "concat('{\"note\":\"', repeat('all work and no play ', 12), toString(number), '\"}'), 270, "
                        + "concat('order-', toString(intDiv(number, 5))), toString(number) FROM numbers(" + start + ", "
                        + Math.min(500_000, EVENTS - start) + ")");
            }

            URL url = server.getURL();
            AtomicReference<String> queryId = new AtomicReference<>();
            try (Socket client = new Socket(url.getHost(), url.getPort())) {
                OutputStream out = client.getOutputStream();
                out.write(("GET /api/v1/search?mode=value&from=-1h&q=no-such-needle HTTP/1.1\r\nHost: localhost\r\n"
                        + "Accept: application/json\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> {
                    String id = ch.query("SELECT query_id FROM system.processes WHERE current_database = '" + database
                            + "' AND query LIKE '%positionCaseInsensitiveUTF8%' AND query NOT LIKE '%system.processes%' FORMAT TSV").strip();
                    queryId.set(id.isEmpty() ? null : id.lines().findFirst().orElse(null));
                    return queryId.get() != null;
                });
            } // the client goes away mid-search

            long closedAt = System.nanoTime();
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> ch.query(
                    "SELECT count() FROM system.processes WHERE query_id = '" + queryId.get() + "' FORMAT TSV").strip().equals("0"));
            long goneAfterMs = (System.nanoTime() - closedAt) / 1_000_000;

            assertThat(proxy.count("KILL QUERY")).as("the application asked ClickHouse to kill the search").isEqualTo(1);
            assertThat(proxy.matchingChunks()).anyMatch(chunk -> chunk.contains(queryId.get()));

            // The same search left to finish: what the disconnected client would have cost ClickHouse.
            long started = System.nanoTime();
            assertThat(new ApiClient(url + "/api/v1").get("/search?mode=value&from=-1h&q=no-such-needle").status()).isEqualTo(200);
            long fullMs = (System.nanoTime() - started) / 1_000_000;
            System.out.println("search " + queryId.get() + " gone from system.processes " + goneAfterMs + " ms after the "
                    + "client left; the same search run to its end takes " + fullMs + " ms");
            assertThat(proxy.count("KILL QUERY")).as("a search nobody left is not killed").isEqualTo(1);
        }
    }
}
