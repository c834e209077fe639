package io.choreoscope.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.sql.DataSource;

import io.choreoscope.alerts.AlertFiring;
import io.choreoscope.alerts.AlertFiringRepository;
import io.choreoscope.model.api.AlertKind;
import io.choreoscope.alerts.AlertRule;
import io.choreoscope.alerts.AlertRuleRepository;
import io.choreoscope.model.api.WebhookFormat;
import io.choreoscope.replay.ReplayAudit;
import io.choreoscope.replay.ReplayAuditRepository;
import io.choreoscope.replay.RedrivenRecord;
import io.choreoscope.replay.RedrivenRecordRepository;
import io.choreoscope.model.api.ReplayMode;
import io.choreoscope.model.api.ReplayStatus;
import io.micronaut.context.ApplicationContext;
import io.micronaut.data.connection.jdbc.advice.DelegatingDataSource;
import io.micronaut.data.model.Pageable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The config store's repository contract. One suite, run against every database the store supports
 * (subclasses name the datasource); each starts the application context as the application does, so
 * Flyway migrates the real schema first.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ConfigStoreContract {
    // Microseconds: what both H2 and PostgreSQL keep of a timestamp.
    private static final Instant T0 = Instant.parse("2026-11-22T10:15:30.123456Z");

    private ApplicationContext context;
    protected AlertRuleRepository rules;
    protected AlertFiringRepository firings;
    protected ReplayAuditRepository audits;
    protected RedrivenRecordRepository redriven;

    /** {@code datasources.default.*} for the database under test. */
    protected abstract Map<String, Object> datasource();

    @BeforeAll
    void start() {
        Map<String, Object> p = new HashMap<>(datasource());
        p.put("choreoscope.tap.enabled", false);
        p.put("choreoscope.otlp.enabled", false);
        p.put("choreoscope.alerts.enabled", false);
        context = ApplicationContext.run(p);
        rules = context.getBean(AlertRuleRepository.class);
        firings = context.getBean(AlertFiringRepository.class);
        audits = context.getBean(ReplayAuditRepository.class);
        redriven = context.getBean(RedrivenRecordRepository.class);
    }

    @AfterAll
    void stop() {
        if (context != null) {
            context.close();
        }
    }

    @BeforeEach
    void empty() {
        firings.deleteAll();
        rules.deleteAll();
        audits.deleteAll();
        redriven.deleteAll();
    }

    @Test
    void redrivenRecordsAreFoundByTheirDeadLetterTopicAndKeptOnce() {
        redriven.saveAll(List.of(new RedrivenRecord("orders.DLT/0/0", "orders.DLT", "r1", T0),
                new RedrivenRecord("orders.DLT/1/7", "orders.DLT", "r1", T0),
                new RedrivenRecord("payments.DLT/0/0", "payments.DLT", "r2", T0)));
        assertThat(redriven.findSourceByDeadLetterTopic("orders.DLT")).containsExactlyInAnyOrder("orders.DLT/0/0", "orders.DLT/1/7");
        assertThat(redriven.findById("payments.DLT/0/0").orElseThrow().redrivenAt()).isEqualTo(T0);
        assertThat(redriven.findSourceByDeadLetterTopic("none.DLT")).isEmpty();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> redriven.save(new RedrivenRecord("orders.DLT/0/0", "orders.DLT", "r3", T0)))
                .isInstanceOf(RuntimeException.class);
    }

    private static AlertRule rule(String name, String flow, AlertKind kind, boolean enabled) {
        return new AlertRule(null, name, flow, null, kind, 95.0, 300_000, 60_000, 2.5,
                "http://127.0.0.1:9/hook", WebhookFormat.SLACK, enabled, null, T0, T0);
    }

    @Test
    void migrationIsRecordedByFlyway() throws Exception {
        try (Connection c = DelegatingDataSource.unwrapDataSource(context.getBean(DataSource.class)).getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT \"version\", \"success\" FROM \"flyway_schema_history\" WHERE \"version\" IS NOT NULL ORDER BY \"installed_rank\"")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("1");
            assertThat(rs.getBoolean(2)).isTrue();
        }
    }

    @Test
    void savedRuleReadsBackWithEveryField() {
        AlertRule saved = rules.save(new AlertRule(null, "orders completion", "OrderPlaced", null,
                AlertKind.COMPLETION_RATE_BELOW, 97.5, 600_000, 120_000, 1.5, "https://hooks.example/x?a=b",
                WebhookFormat.GENERIC, true, T0.plus(1, ChronoUnit.HOURS), T0, T0.plusSeconds(1)));
        assertThat(saved.id()).isNotNull();
        AlertRule back = rules.findById(saved.id()).orElseThrow();
        assertThat(back).isEqualTo(saved);
    }

    @Test
    void ruleForAllFlowsKeepsNullFlowAndSubject() {
        AlertRule saved = rules.save(rule("all flows", null, AlertKind.STUCK_INSTANCES_ABOVE, true));
        AlertRule back = rules.findById(saved.id()).orElseThrow();
        assertThat(back.flow()).isNull();
        assertThat(back.subject()).isNull();
        assertThat(back.silencedUntil()).isNull();
    }

    @Test
    void updatedRuleReplacesTheOldOneAndListsStayInIdOrder() {
        AlertRule a = rules.save(rule("a", "f1", AlertKind.P95_DURATION_ABOVE, true));
        AlertRule b = rules.save(rule("b", "f2", AlertKind.CONSUMER_LAG_ABOVE, false));
        AlertRule c = rules.save(rule("c", null, AlertKind.DEAD_LETTER_GROWTH_ABOVE, true));
        rules.update(b.withSilencedUntil(T0.plusSeconds(3600), T0.plusSeconds(5)));

        assertThat(rules.listOrderById()).extracting(AlertRule::name).containsExactly("a", "b", "c");
        assertThat(rules.findByEnabledTrueOrderById()).extracting(AlertRule::id).containsExactly(a.id(), c.id());
        AlertRule b2 = rules.findById(b.id()).orElseThrow();
        assertThat(b2.silencedUntil()).isEqualTo(T0.plusSeconds(3600));
        assertThat(b2.updatedAt()).isEqualTo(T0.plusSeconds(5));
        assertThat(b2.createdAt()).isEqualTo(T0);
    }

    @Test
    void deletedRuleIsGone() {
        AlertRule a = rules.save(rule("a", "f1", AlertKind.P95_DURATION_ABOVE, true));
        rules.deleteById(a.id());
        assertThat(rules.findById(a.id())).isEmpty();
        assertThat(rules.count()).isZero();
    }

    @Test
    void openFiringsStayOpenUntilResolvedAndHistoryIsNewestFirst() {
        AlertRule r = rules.save(rule("r", null, AlertKind.COMPENSATION_RATE_ABOVE, true));
        AlertFiring first = firings.save(new AlertFiring(null, r.id(), "r", r.kind(), "OrderPlaced", 5.0, 7.25,
                T0, T0.plusSeconds(60), null, null, null, false, false, null));
        AlertFiring second = firings.save(new AlertFiring(null, r.id(), "r", r.kind(), "SignupStarted", 5.0, 9.0,
                T0, T0.plusSeconds(90), null, null, null, false, true, null));
        AlertFiring test = firings.save(new AlertFiring(null, r.id(), "r", r.kind(), "test", 5.0, null,
                null, T0.plusSeconds(100), T0.plusSeconds(100), null, "test", true, false, "delivered (200)"));
        assertThat(firings.findByResolvedAtIsNull()).extracting(AlertFiring::id)
                .containsExactlyInAnyOrder(first.id(), second.id());

        firings.update(first.resolved(T0.plusSeconds(300), 3.0, "recovered").withNotificationStatus("delivered (204)"));
        assertThat(firings.findByRuleIdAndResolvedAtIsNull(r.id())).extracting(AlertFiring::id).containsExactly(second.id());
        AlertFiring resolved = firings.findById(first.id()).orElseThrow();
        assertThat(resolved.resolvedAt()).isEqualTo(T0.plusSeconds(300));
        assertThat(resolved.resolvedValue()).isEqualTo(3.0);
        assertThat(resolved.resolution()).isEqualTo("recovered");
        assertThat(resolved.notificationStatus()).isEqualTo("delivered (204)");
        assertThat(resolved.firedValue()).isEqualTo(7.25);

        assertThat(firings.listOrderByIdDesc(Pageable.from(0, 2))).extracting(AlertFiring::id)
                .containsExactly(test.id(), second.id());
        assertThat(firings.findByRuleIdOrderByIdDesc(r.id(), Pageable.from(0, 10))).hasSize(3);
        assertThat(firings.findById(test.id()).orElseThrow().firedValue()).isNull();
    }

    @Test
    void replayAuditIsFoundByReplayIdAndTakesTheOutcome() {
        String id = UUID.randomUUID().toString();
        ReplayAudit a = audits.save(new ReplayAudit(null, id, "alice", T0, ReplayMode.DEAD_LETTER.name(),
                "{\"deadLetterTopic\":\"orders.DLT\"}", false, ReplayStatus.State.RUNNING.name(), 3, 0, 0, null, null)
                .withSubject("dead-letter topic orders.DLT <b>'; DROP TABLE replay_audit; --", 12.5));
        audits.save(new ReplayAudit(null, UUID.randomUUID().toString(), "anonymous", T0.plusSeconds(1),
                ReplayMode.EVENT.name(), "{}", true, ReplayStatus.State.DRY_RUN.name(), 1, 0, 0, T0.plusSeconds(1), "dry run"));
        ReplayStatus done = new ReplayStatus(id, ReplayMode.DEAD_LETTER, ReplayStatus.State.PARTIALLY_FAILED, false,
                "alice", T0, T0.plusSeconds(10), 3, 2, 1, 100, "x".repeat(5000), List.of(), "dead-letter topic orders.DLT");
        audits.update(a.finished(done));

        ReplayAudit back = audits.findByReplayId(id).orElseThrow();
        assertThat(back.status()).isEqualTo("PARTIALLY_FAILED");
        assertThat(back.sent()).isEqualTo(2);
        assertThat(back.errors()).isEqualTo(1);
        assertThat(back.finishedAt()).isEqualTo(T0.plusSeconds(10));
        assertThat(back.result()).hasSize(4000);
        assertThat(back.requestedBy()).isEqualTo("alice");
        assertThat(back.subject()).as("kept through the update").isEqualTo("dead-letter topic orders.DLT <b>'; DROP TABLE replay_audit; --");
        assertThat(back.ratePerSecond()).isEqualTo(12.5);
        assertThat(audits.listOrderByIdDesc(Pageable.from(0, 10))).extracting(ReplayAudit::requestedBy)
                .containsExactly("anonymous", "alice");
        assertThat(audits.findByReplayId("nope")).isEmpty();
    }
}
