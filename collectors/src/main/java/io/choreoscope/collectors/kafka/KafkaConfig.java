package io.choreoscope.collectors.kafka;

import java.util.HashMap;
import java.util.Map;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.convert.format.MapFormat;

/**
 * The one Kafka connection of choreoscope, under {@value #PREFIX}: the tap's consumer, replay's producer, the
 * admin client behind {@code /topics} and consumer lag, the observations publisher and the inference workers all
 * connect with it. {@code bootstrap-servers} falls back to the older key {@code choreoscope.tap.bootstrap-servers}
 * (environment variable {@code CHOREOSCOPE_TAP_BOOTSTRAP_SERVERS}), which keeps working.
 */
@ConfigurationProperties(KafkaConfig.PREFIX)
public class KafkaConfig {
    public static final String PREFIX = "choreoscope.kafka";
    /** Default broker: the demo's embedded Kafka. */
    public static final String DEFAULT_BOOTSTRAP_SERVERS = "localhost:9092";

    private String bootstrapServers = DEFAULT_BOOTSTRAP_SERVERS;
    private Map<String, String> properties = new HashMap<>();

    /** Kafka bootstrap servers, comma-separated {@code host:port}; default {@value #DEFAULT_BOOTSTRAP_SERVERS}. */
    public String getBootstrapServers() { return bootstrapServers; }
    public void setBootstrapServers(String v) { this.bootstrapServers = v; }

    /**
     * Client properties every connection gets (security and authentication: {@code security.protocol},
     * {@code sasl.mechanism}, {@code sasl.jaas.config}, {@code ssl.truststore.location}...); none by default.
     */
    public Map<String, String> getProperties() { return properties; }
    public void setProperties(@MapFormat(transformation = MapFormat.MapTransformation.FLAT) Map<String, String> v) { this.properties = v == null ? new HashMap<>() : v; }

    /** What a Kafka client needs to connect: the bootstrap servers and every connection property. */
    public Map<String, Object> clientProperties() {
        Map<String, Object> p = new HashMap<>(properties);
        p.put("bootstrap.servers", bootstrapServers);
        return p;
    }
}
