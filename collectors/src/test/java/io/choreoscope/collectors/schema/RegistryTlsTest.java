package io.choreoscope.collectors.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.choreoscope.collectors.extract.ExtractionRules;
import io.choreoscope.collectors.extract.Field;
import io.choreoscope.collectors.extract.RecordNormalizer;
import io.choreoscope.harness.registry.SchemaRegistryStandIn;
import io.choreoscope.harness.tls.SelfSignedCertificate;
import io.choreoscope.model.Observation;
import io.choreoscope.model.ParseStatus;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.ApplicationContext;
import io.micronaut.management.health.indicator.HealthResult;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS to a registry: the registry stand-in (no real registry can run here) served over HTTPS with a self-signed
 * certificate that keytool makes for the test. The client, configured as an operator configures it
 * ({@code choreoscope.schemas.registries.NAME.trust-store}), decodes a Confluent-framed Avro record through it; a
 * client that does not trust the certificate stores the record flagged SCHEMA_UNAVAILABLE with the TLS reason, and
 * the health check and metrics say so.
 */
class RegistryTlsTest {
    @TempDir
    static Path dir;
    static SelfSignedCertificate registryCert;
    static SelfSignedCertificate otherCert;
    static SchemaRegistryStandIn registry;
    static int orderId;

    @BeforeAll
    static void start() throws Exception {
        registryCert = SelfSignedCertificate.generate(dir, "localhost");
        otherCert = SelfSignedCertificate.generate(dir, "someone-else");
        registry = new SchemaRegistryStandIn(registryCert.serverContext());
        orderId = registry.register("orders-value", "AVRO", SchemaPayloadsTest.ORDER_V1);
    }

    @AfterAll
    static void stop() {
        if (registry != null) {
            registry.close();
        }
    }

    /** A context as the collector runs it, with one registry configured by properties; the taps are not under test. */
    static ApplicationContext context(String trustStore, String password) {
        Map<String, Object> props = new HashMap<>();
        props.put("choreoscope.tap.enabled", false);
        props.put("choreoscope.otlp.enabled", false);
        props.put("choreoscope.schemas.registries.main.url", registry.url());
        props.put("choreoscope.schemas.registries.main.timeout-ms", 5000);
        if (trustStore != null) {
            props.put("choreoscope.schemas.registries.main.trust-store", trustStore);
            props.put("choreoscope.schemas.registries.main.trust-store-password", password);
        }
        return ApplicationContext.run(props);
    }

    static Observation normalize(ApplicationContext ctx, String orderIdValue) throws Exception {
        Schema schema = new Schema.Parser().parse(SchemaPayloadsTest.ORDER_V1);
        byte[] value = SchemaPayloadsTest.confluent(orderId,
                SchemaPayloadsTest.avro(schema, SchemaPayloadsTest.order(schema, orderIdValue)));
        RecordNormalizer n = new RecordNormalizer(ExtractionRules.defaults()
                .withRulesFirst(Field.CORRELATION_ID, List.of("json:/orderId")), ctx.getBean(PayloadDecoder.class));
        return n.normalize(SchemaPayloadsTest.record("orders", value), Instant.now());
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> registryHealth(ApplicationContext ctx) {
        HealthResult h = ctx.getBean(SchemaSourcesHealthIndicator.class).result();
        assertThat(h.getStatus().getName()).isEqualTo("UP"); // a failing registry does not fail readiness
        return (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) h.getDetails()).get("registries")).get("main");
    }

    static double meter(ApplicationContext ctx, String name, String... tags) {
        MeterRegistry meters = ctx.getBean(MeterRegistry.class);
        var m = meters.find(name).tags(tags).meter();
        assertThat(m).as(name + " " + String.join(",", tags)).isNotNull();
        return m.measure().iterator().next().getValue();
    }

    @Test
    void clientTrustingTheRegistrysCertificateDecodesAConfluentFramedRecord() throws Exception {
        assertThat(registry.url()).startsWith("https://");
        try (ApplicationContext ctx = context(registryCert.trustStore().toString(), registryCert.password())) {
            Observation o = normalize(ctx, "o-tls-1");

            assertThat(o.parseStatus()).as(o.parseError()).isEqualTo(ParseStatus.OK);
            assertThat(o.correlationId()).isEqualTo("o-tls-1");
            assertThat(o.eventType()).isEqualTo("com.acme.orders.OrderPlaced");
            assertThat(o.schema().subject()).isEqualTo("orders-value");
            assertThat(o.schema().version()).isEqualTo(1);
            Map<String, Object> health = registryHealth(ctx);
            assertThat(health.get("state")).isEqualTo("OK");
            assertThat(meter(ctx, "choreoscope.schemas.registry.up", "registry", "main")).isEqualTo(1.0);
            assertThat(meter(ctx, "choreoscope.schemas.registry.failures", "registry", "main", "reason", "tls")).isZero();
        }
    }

    @Test
    void untrustedCertificateFlagsTheRecordUnavailableAndHealthAndMetricsSayWhy() throws Exception {
        // Trusting only another certificate, and trusting only the JDK's public CAs: both refuse the self-signed one.
        for (String trustStore : new String[] {otherCert.trustStore().toString(), null}) {
            try (ApplicationContext ctx = context(trustStore, otherCert.password())) {
                Observation o = normalize(ctx, "o-tls-2");

                assertThat(o.parseStatus()).isEqualTo(ParseStatus.SCHEMA_UNAVAILABLE);
                assertThat(o.parseError()).contains("registry main", "TLS handshake failed", "SSLHandshakeException");
                assertThat(o.payload()).isNotNull(); // stored, to be decoded again once the registry is trusted
                Map<String, Object> health = registryHealth(ctx);
                assertThat(health.get("state")).isEqualTo("FAILING");
                assertThat(health.get("lastFailureKind")).isEqualTo("tls");
                assertThat((String) health.get("lastFailure")).contains("TLS handshake failed");
                assertThat(meter(ctx, "choreoscope.schemas.registry.failures", "registry", "main", "reason", "tls")).isEqualTo(1.0);
                assertThat(meter(ctx, "choreoscope.schemas.registry.up", "registry", "main")).isZero();
            }
        }
    }
}
