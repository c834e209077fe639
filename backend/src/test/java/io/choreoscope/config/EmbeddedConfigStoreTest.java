package io.choreoscope.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;

import io.choreoscope.alerts.AlertRule;
import io.choreoscope.alerts.AlertRuleRepository;
import io.choreoscope.model.api.AlertKind;
import io.choreoscope.model.api.WebhookFormat;
import io.micronaut.context.ApplicationContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The default config store, as shipped (the test environment's in-memory override is not loaded). */
class EmbeddedConfigStoreTest {

    private static ApplicationContext start(Path dataDir) {
        return ApplicationContext.builder()
                .deduceEnvironment(false)
                .properties(Map.of("choreoscope.data-dir", dataDir.toString(),
                        "choreoscope.tap.enabled", false,
                        "choreoscope.otlp.enabled", false,
                        "choreoscope.alerts.enabled", false))
                .start();
    }

    @Test
    void defaultStoreIsAnH2FileUnderTheDataDirectoryAndKeepsRulesAcrossRestarts(@TempDir Path dataDir) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        long id;
        try (ApplicationContext app = start(dataDir)) {
            id = app.getBean(AlertRuleRepository.class).save(new AlertRule(null, "kept", null, null,
                    AlertKind.STUCK_INSTANCES_ABOVE, 1, 60_000, 0, 0, null, WebhookFormat.GENERIC, true, null, now, now)).id();
        }
        assertThat(Files.exists(dataDir.resolve("config/choreoscope.mv.db"))).isTrue();
        try (ApplicationContext app = start(dataDir)) {
            assertThat(app.getBean(AlertRuleRepository.class).findById(id)).hasValueSatisfying(r ->
                    assertThat(r.name()).isEqualTo("kept"));
        }
    }
}
