package io.choreoscope.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.choreoscope.harness.clickhouse.ClickHouseExtension;
import io.choreoscope.harness.kafka.KafkaExtension;
import io.choreoscope.ingest.TestApplication;
import io.choreoscope.model.Observation;
import io.choreoscope.model.ObservationSink;
import io.micronaut.context.ApplicationContext;
import io.micronaut.inject.qualifiers.Qualifiers;
import io.micronaut.runtime.server.EmbeddedServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code GET /api/v1/search?mode=value} when ClickHouse stops the scan at the configured limit: the application as it
 * runs (real Kafka, real ClickHouse) with a read limit small enough that searching 200 stored events trips it.
 */
@ExtendWith({KafkaExtension.class, ClickHouseExtension.class})
class ValueSearchLimitTest {
    private static ApplicationContext app;
    private static ApiClient api;

    @BeforeAll
    static void startTheAppWithASmallSearchLimitAndStoreEvents() throws Exception {
        Map<String, Object> p = TestApplication.properties(KafkaExtension.uniqueName("limit"), ClickHouseExtension.createDatabase());
        p.put("choreoscope.clickhouse.search-max-rows-to-read", 50);
        app = ApplicationContext.run(EmbeddedServer.class, p).getApplicationContext();
        api = new ApiClient(app.getBean(EmbeddedServer.class).getURL() + "/api/v1");
        List<Observation> events = new ArrayList<>();
        Instant now = Instant.now();
        for (int i = 0; i < 200; i++) {
            events.add(Observation.builder("limit-orders", 0, i, now.minusSeconds(60).plusMillis(i)).correlationId("order-" + i)
                    .payload(("{\"note\":\"needle " + i + "\"}").getBytes(StandardCharsets.UTF_8)).build());
        }
        app.getBean(ObservationSink.class, Qualifiers.byName(ObservationSink.STORE)).accept(events);
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
    }

    @Test
    void aValueSearchStoppedAtTheLimitIsRefusedWithTheReasonAndWhatToDo() {
        ApiClient.Answer a = api.get("/search?q=needle&mode=value&from=-1h");

        assertThat(a.status()).isEqualTo(422);
        assertThat(a.body().get("error").asText()).isEqualTo("query_limit");
        assertThat(a.body().get("message").asText())
                .contains("stopped before it had read the whole window")
                .contains("more than 50 rows")
                .contains("narrow the window with from/to");
        assertThat(a.text()).doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void searchByIdIsNotBoundedByTheValueSearchLimit() {
        assertThat(api.get("/search?q=order-1").status()).isEqualTo(200);
    }
}
