package io.choreoscope.samples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import io.choreoscope.samples.service.LatencyDistribution;
import org.junit.jupiter.api.Test;

/** The command line: options, defaults, --help, and exit code 2 with a reason for bad input. */
class SampleFlowsCliTest {

    @Test
    void noOptionsGiveTheDocumentedDefaults() throws Exception {
        SampleFlowsSettings s = SampleFlows.parse(new String[0]);

        assertThat(s).isEqualTo(SampleFlowsSettings.defaults());
        assertThat(s.bootstrapServers()).isEqualTo("localhost:9092");
        assertThat(s.otlpEndpoint()).isEqualTo("http://localhost:4318/v1/traces");
        assertThat(s.rate()).isEqualTo(5);
        assertThat(s.duration()).isZero();
        assertThat(s.mix()).isEqualTo(Map.of(Flow.ORDERS, 1.0, Flow.SIGNUP, 1.0, Flow.CONTENT, 1.0));
        assertThat(s.tracing()).isTrue();
        // the demo shows an error-span fault: payments gives up on 1% of its events
        assertThat(s.errorService()).isEqualTo("payments");
        assertThat(s.errorRate()).isEqualTo(0.01);
        assertThat(s.faultsFor("payments").errorRate()).isEqualTo(0.01);
        assertThat(s.withoutFaults().faultsFor("payments").errorRate()).isZero();
        assertThat(s.contentSchemaV2After()).isEqualTo(Duration.ofMinutes(2));
        assertThat(SampleFlows.parse(new String[] {"--content-schema-v2-after", "never"}).contentSchemaV2After()).isNull();
    }

    @Test
    void everyOptionIsApplied() throws Exception {
        SampleFlowsSettings s = SampleFlows.parse(new String[] {
                "--bootstrap-servers", "kafka:9093", "--otlp-endpoint=http://collector:4318/v1/traces",
                "--rate", "12.5", "--duration", "90s", "--mix", "orders=3,content=1",
                "--decline-rate", "0.2", "--shortage-rate", "0.3", "--reject-rate", "0.4",
                "--drop-service", "payments", "--drop-rate", "0.5",
                "--slow-service", "crm", "--slow-mean-ms", "800", "--slow-distribution", "exponential",
                "--duplicate-rate", "0.06", "--out-of-order-rate", "0.07", "--out-of-order-skew-ms", "500",
                "--failing-service", "shipping", "--dlt-rate", "0.08", "--sku-fault-rate", "0.09",
                "--error-service", "email", "--error-rate", "0.11",
                "--topic-prefix", "demo.", "--partitions", "6", "--no-tracing", "--deploy-at", "2026-12-02T21:00:00Z",
                "--content-schema-v2-after", "30s"});

        assertThat(s).isEqualTo(new SampleFlowsSettings("kafka:9093", "http://collector:4318/v1/traces", false,
                12.5, Duration.ofSeconds(90), Map.of(Flow.ORDERS, 3.0, Flow.CONTENT, 1.0), 0.2, 0.3, 0.4,
                "payments", 0.5, "crm", new LatencyDistribution(LatencyDistribution.Shape.EXPONENTIAL, 800),
                0.06, 0.07, 500, "shipping", 0.08, 0.09, "email", 0.11, "demo.", 6, java.time.Instant.parse("2026-12-02T21:00:00Z"),
                Duration.ofSeconds(30)));
        assertThat(s.faultsFor("payments").dropRate()).isEqualTo(0.5);
        assertThat(s.faultsFor("orders").dropRate()).isZero();
        assertThat(s.faultsFor("shipping").failureRate()).isEqualTo(0.08);
        assertThat(s.faultsFor("crm").latency().meanMs()).isEqualTo(800);
        assertThat(s.faultsFor("email").errorRate()).isEqualTo(0.11);
        assertThat(s.faultsFor("shipping").errorRate()).isZero();
    }

    @Test
    void helpPrintsEveryOptionWithItsDefaultAndExitsZero() {
        Run r = run("--help");

        assertThat(r.code).isZero();
        assertThat(r.out).contains("--bootstrap-servers", "(default localhost:9092)", "--otlp-endpoint",
                "(default http://localhost:4318/v1/traces)", "--rate", "(default 5;", "--mix", "--decline-rate",
                "(default 0.1)", "--shortage-rate", "(default 0.05)", "--drop-rate", "(default 0.02)",
                "--duplicate-rate", "(default 0.01)", "--out-of-order-rate", "--slow-mean-ms", "(default 300)",
                "--dlt-rate", "--no-tracing", "--duration", "--sku-fault-rate", "(default 0.3)",
                "--error-service", "(default payments)", "--error-rate", "--content-schema-v2-after");
    }

    @Test
    void unknownOptionExitsTwoNamingIt() {
        Run r = run("--rate", "5", "--bogus", "1");

        assertThat(r.code).isEqualTo(2);
        assertThat(r.err).contains("unknown option --bogus", "--help");
    }

    @Test
    void badValuesExitTwoWithTheReason() {
        assertThat(run("--rate", "fast").err).contains("option --rate: 'fast' is not a number");
        assertThat(run("--decline-rate", "1.5").err).contains("decline rate must be between 0 and 1, was 1.5");
        assertThat(run("--mix", "orders=1,billing=2").err).contains("unknown flow 'billing'");
        assertThat(run("--mix", "orders=0").err).contains("at least one flow a weight > 0");
        assertThat(run("--duration", "soon").err).contains("is not a duration");
        assertThat(run("--rate").err).contains("option --rate needs a value");
        assertThat(run("--content-schema-v2-after", "later").err).contains("is not a duration");
        assertThat(run("--slow-distribution", "gaussian").err).contains("use lognormal or exponential");
        assertThat(run("--rate", "-1").code).isEqualTo(2);
        assertThat(run("--error-rate", "1.5").err).contains("error rate must be between 0 and 1, was 1.5");
    }

    @Test
    void aSimulatedDeployIsScheduledFromStartOrAtAnInstantAndOffByDefault() throws Exception {
        java.time.Instant now = java.time.Instant.parse("2026-12-02T20:00:00Z");
        assertThat(SampleFlows.deployAt("+10m", now)).isEqualTo(now.plus(Duration.ofMinutes(10)));
        assertThat(SampleFlows.deployAt("2026-12-02T21:00:00Z", now)).isEqualTo(java.time.Instant.parse("2026-12-02T21:00:00Z"));
        assertThat(SampleFlows.parse(new String[0]).deployAt()).isNull();
        assertThat(run("--deploy-at", "tomorrow").err).contains("neither +DURATION (+10m) nor an ISO-8601 instant");
        assertThat(run("--deploy-at", "+soon").err).contains("is not a duration");
        assertThat(run("--help").out).contains("--deploy-at");
    }

    @Test
    void durationsTakeUnits() throws Exception {
        assertThat(SampleFlows.duration("30")).isEqualTo(Duration.ofSeconds(30));
        assertThat(SampleFlows.duration("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(SampleFlows.duration("5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(SampleFlows.duration("1h")).isEqualTo(Duration.ofHours(1));
        assertThatThrownBy(() -> SampleFlows.parse(new String[] {"--duration", "-5"}))
                .isInstanceOf(SampleFlows.UsageException.class).hasMessageContaining("duration must be >= 0");
    }

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = SampleFlows.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
