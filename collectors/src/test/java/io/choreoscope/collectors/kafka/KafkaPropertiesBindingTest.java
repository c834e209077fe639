package io.choreoscope.collectors.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import io.micronaut.context.ApplicationContext;
import org.junit.jupiter.api.Test;

/**
 * Kafka client properties are dotted names ({@code security.protocol}); bound as a nested map they came out empty,
 * so SASL/TLS settings (and a shorter {@code session.timeout.ms}) given as {@code choreoscope.kafka.properties.*}
 * were silently ignored by every connection. They must reach the clients under their own names, whether given as
 * flat keys (system properties, environment) or nested (YAML).
 */
class KafkaPropertiesBindingTest {

    /** A context with the given configuration and nothing that connects anywhere (no tap, no OTLP receiver). */
    private static ApplicationContext context(Map<String, Object> properties) {
        return ApplicationContext.builder()
                .properties(Map.of("choreoscope.tap.enabled", false, "choreoscope.otlp.enabled", false))
                .properties(properties).start();
    }

    private static <T> T bound(Class<T> type, Map<String, Object> properties) {
        try (ApplicationContext ctx = context(properties)) {
            return ctx.getBean(type);
        }
    }

    @Test
    void flatKeysReachEveryConnectionUnderTheirKafkaNames() {
        KafkaConfig kafka = bound(KafkaConfig.class, Map.of(
                "choreoscope.kafka.bootstrap-servers", "kafka-1:9093",
                "choreoscope.kafka.properties.security.protocol", "SASL_SSL",
                "choreoscope.kafka.properties.sasl.mechanism", "SCRAM-SHA-512",
                "choreoscope.kafka.properties.session.timeout.ms", "6000"));
        assertThat(kafka.clientProperties()).containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                .containsEntry("session.timeout.ms", "6000")
                .containsEntry("bootstrap.servers", "kafka-1:9093");
    }

    @Test
    void nestedKeysAsYamlGivesThemAreFlattenedToo() {
        KafkaConfig kafka = bound(KafkaConfig.class, Map.of("choreoscope", Map.of("kafka", Map.of("properties",
                Map.of("security", Map.of("protocol", "SSL"), "ssl", Map.of("truststore", Map.of("location", "/etc/kafka/trust.p12")))))));
        assertThat(kafka.getProperties()).containsOnly(Map.entry("security.protocol", "SSL"),
                Map.entry("ssl.truststore.location", "/etc/kafka/trust.p12"));
    }

    @Test
    void theTapsOwnConsumerPropertiesWinOverTheConnections() {
        Map<String, Object> p = Map.of(
                "choreoscope.kafka.properties.security.protocol", "SASL_SSL",
                "choreoscope.kafka.properties.max.poll.records", "100",
                "choreoscope.tap.consumer.max.poll.records", "7");
        try (ApplicationContext ctx = context(p)) {
            TapSettings settings = ctx.getBean(TapConfig.class).toSettings(ctx.getBean(KafkaConfig.class));
            assertThat(settings.consumerProperties()).containsEntry("security.protocol", "SASL_SSL")
                    .containsEntry("max.poll.records", "7");
        }
    }
}
