package io.choreoscope.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import io.choreoscope.harness.clickhouse.ClickHouseExtension;
import io.choreoscope.harness.kafka.KafkaExtension;
import io.choreoscope.model.InstanceRecord;
import io.choreoscope.model.InstanceWriter;
import io.choreoscope.model.flow.InstanceSnapshot;
import io.choreoscope.model.flow.InstanceState;
import io.choreoscope.model.flow.StepSequence;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code GET /api/v1/live} under a burst: the application as it runs (real Kafka, real ClickHouse), state changes
 * written straight through the {@link InstanceWriter} the way inference persists them, read by a client of the
 * Server-Sent Events stream.
 */
@ExtendWith({KafkaExtension.class, ClickHouseExtension.class})
class LiveFeedTest {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final Pattern BURST_ID = Pattern.compile("\"correlationId\":\"(burst-\\d+)\"");
    private static ApplicationContext app;
    private static ApiClient api;

    @BeforeAll
    static void startTheApp() {
        String prefix = KafkaExtension.uniqueName("live");
        app = ApplicationContext.run(EmbeddedServer.class,
                ApiEndpointsTest.appProperties(prefix, ClickHouseExtension.createDatabase())).getApplicationContext();
        api = new ApiClient(app.getBean(EmbeddedServer.class).getURL() + "/api/v1");
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
    }

    private static InstanceRecord running(String id, Instant at) {
        InstanceSnapshot s = new InstanceSnapshot(id, Set.of(id), "LiveBurst", InstanceState.RUNNING, "started", at, at, 1, 0,
                "LiveBurst", "burster", List.of(), List.of());
        return new InstanceRecord(s, StepSequence.at(at, List.of("LiveBurst")), 0, at, at);
    }

    @Test
    void everyStateChangeOfABurstOf12000WithinOneSecondArrivesOnce() {
        ConcurrentLinkedQueue<String> other = new ConcurrentLinkedQueue<>();
        Map<String, AtomicInteger> received = new ConcurrentHashMap<>();
        HttpRequest req = HttpRequest.newBuilder(URI.create(api.base() + "/live")).header("Accept", "text/event-stream").build();
        CompletableFuture<HttpResponse<Stream<String>>> stream = api.http().sendAsync(req, HttpResponse.BodyHandlers.ofLines());
        stream.thenAccept(r -> r.body().forEach(line -> {
            Matcher m = BURST_ID.matcher(line);
            if (m.find()) {
                received.computeIfAbsent(m.group(1), k -> new AtomicInteger()).incrementAndGet();
            } else {
                other.add(line);
            }
        }));
        try {
            await().atMost(WAIT).until(() -> other.stream().anyMatch(l -> l.startsWith("event:") && l.contains("heartbeat")));

            int n = 12_000;
            InstanceWriter writer = app.getBean(InstanceWriter.class);
            Instant base = Instant.now();
            List<InstanceRecord> batch = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                // 12 changes per millisecond, all within one second: far more than one poll's page.
                batch.add(running("burst-%05d".formatted(i), base.plusMillis(i / 12)));
                if (batch.size() == 2_000) {
                    writer.write(batch);
                    batch.clear();
                }
            }

            await().atMost(WAIT).untilAsserted(() ->
                    assertThat(received.size()).as("distinct changes of the burst received").isEqualTo(n));
            // Later polls re-read the lookback: nothing may come twice.
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(received.entrySet().stream().filter(e -> e.getValue().get() != 1).map(Map.Entry::getKey).toList())
                            .as("changes received more than once").isEmpty());
        } finally {
            stream.cancel(true);
        }
    }
}
