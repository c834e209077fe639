package io.choreoscope.collectors.rabbitmq;

import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What the RabbitMQ tap runs with; built by {@link RabbitMqConfig#toSettings()}, where each default is documented.
 *
 * @param mechanism how messages reach the tap's queue
 * @param vhosts  virtual hosts to tap; {@code *} means every one
 * @param exclude exchanges left out (whole-name match)
 */
public record RabbitTapSettings(String host, int port, boolean tls, String username, String password,
                                String managementUrl, Mechanism mechanism, List<String> vhosts, Pattern exclude, String queue,
                                String queueType, int prefetch, int batchMaxRecords, long batchMaxBytes,
                                Duration batchLinger, Duration retryInitial, Duration retryMax,
                                Duration reconnectInitial, Duration reconnectMax, Duration discoveryInterval) {

    /** How the tap's queue gets a copy of every message (docs/RABBITMQ.md, "How it taps"). */
    public enum Mechanism {
        /** The broker's firehose tracer: one binding to {@code amq.rabbitmq.trace}, a copy of every publish. */
        FIREHOSE("firehose"),
        /** The tap's queue bound to each exchange, bindings kept up to date through the management API. */
        TAP_QUEUE("tap-queue");

        private final String configName;

        Mechanism(String configName) {
            this.configName = configName;
        }

        /** The name in configuration ({@code choreoscope.rabbitmq.mechanism}). */
        public String configName() {
            return configName;
        }

        /** The mechanism named {@code name} (case and surrounding blanks ignored), or null. */
        public static Mechanism parse(String name) {
            String n = name == null ? "" : name.strip().toLowerCase(java.util.Locale.ROOT);
            for (Mechanism m : values()) {
                if (m.configName.equals(n)) {
                    return m;
                }
            }
            return null;
        }
    }

    /** Whether every virtual host is tapped. */
    public boolean allVhosts() {
        return vhosts.contains("*");
    }

    /** Whether messages published to this exchange are left out. */
    public boolean excluded(String exchange) {
        return !exchange.isEmpty() && exclude.matcher(exchange).matches();
    }

    /**
     * A connection factory for one virtual host of this broker, for the tap and for replays: these credentials, a 5 s
     * connect timeout, no automatic recovery (callers reconnect themselves), TLS with hostname verification when asked.
     */
    public com.rabbitmq.client.ConnectionFactory connectionFactory(String vhost) throws java.security.NoSuchAlgorithmException {
        com.rabbitmq.client.ConnectionFactory f = new com.rabbitmq.client.ConnectionFactory();
        f.setHost(host);
        f.setPort(port);
        f.setUsername(username);
        f.setPassword(password);
        f.setVirtualHost(vhost);
        f.setConnectionTimeout(5_000);
        f.setAutomaticRecoveryEnabled(false);
        if (tls) {
            f.useSslProtocol(javax.net.ssl.SSLContext.getDefault());
            f.enableHostnameVerification();
        }
        return f;
    }

    @Override
    public String toString() {
        // Never print the password.
        return "RabbitTapSettings[" + (tls ? "amqps://" : "amqp://") + username + "@" + host + ":" + port + ", vhosts "
                + vhosts + ", management " + managementUrl + ", " + mechanism.configName() + " into queue " + queue + " ("
                + queueType + ")]";
    }
}
