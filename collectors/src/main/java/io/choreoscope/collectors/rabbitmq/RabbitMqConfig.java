package io.choreoscope.collectors.rabbitmq;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.convert.format.ReadableBytes;

/**
 * The RabbitMQ tap, under {@value #PREFIX}. Off unless {@code uri} is set (the demo sets it). See docs/RABBITMQ.md.
 */
@ConfigurationProperties(RabbitMqConfig.PREFIX)
public class RabbitMqConfig {
    public static final String PREFIX = "choreoscope.rabbitmq";
    /** Default virtual hosts tapped: {@code /} only; {@code *} taps every virtual host, new ones within {@link #DEFAULT_DISCOVERY_INTERVAL_MS}. */
    public static final List<String> DEFAULT_VHOSTS = List.of("/");
    /** Default exchanges left out (regex on the exchange name): the broker's own and choreoscope's. The default exchange is tapped. */
    public static final String DEFAULT_EXCLUDE = "amq\\..*|choreoscope[._-].*";
    /**
     * Default mechanism: {@code firehose} (the broker's tracer, sees everything, costs the broker most) or {@code
     * tap-queue} (the tap's queue bound to each exchange). Why this default: docs/RABBITMQ.md.
     */
    public static final String DEFAULT_MECHANISM = RabbitTapSettings.Mechanism.FIREHOSE.configName();
    /** Default name of the tap's own queue in each virtual host (bound to {@code amq.rabbitmq.trace}, or to each exchange). */
    public static final String DEFAULT_QUEUE = "choreoscope.tap";
    /** Default type of the tap queue: quorum, which keeps every copy on disk (firehose copies are transient). */
    public static final String DEFAULT_QUEUE_TYPE = "quorum";
    /** Default unacknowledged messages the broker may push to the tap per virtual host (memory bound: this times the message size). */
    public static final int DEFAULT_PREFETCH = 20_000;
    /** Default batch size, in messages. */
    public static final int DEFAULT_BATCH_MAX_RECORDS = 10_000;
    /** Default batch size limit, in bytes of routing keys, headers and bodies. */
    public static final long DEFAULT_BATCH_MAX_BYTES = 32L * 1024 * 1024;
    /**
     * Default longest wait of a message in a batch, in ms. Below {@link #DEFAULT_BATCH_MAX_RECORDS} messages per linger
     * the linger cuts the batches: 500 ms made batches of about 5,700 at 11k msg/s, which cost ClickHouse 16-17 us
     * per message against 25-57 for the 2,000-message batches of 200 ms (docs/BENCHMARKS.md, "RabbitMQ tap",
     * 2026-12-04).
     */
    public static final long DEFAULT_BATCH_LINGER_MS = 500;
    /** Default first retry delay after the store refused a batch, in ms. */
    public static final long DEFAULT_RETRY_INITIAL_MS = 200;
    /** Default longest retry delay after the store refused a batch, in ms. */
    public static final long DEFAULT_RETRY_MAX_MS = 10_000;
    /** Default first reconnect delay after the broker went away, in ms (doubles on each failure). */
    public static final long DEFAULT_RECONNECT_INITIAL_MS = 500;
    /** Default longest reconnect delay, in ms. */
    public static final long DEFAULT_RECONNECT_MAX_MS = 15_000;
    /** Default period of the management API check (virtual hosts, tracing switched on, exchanges), in ms. */
    public static final long DEFAULT_DISCOVERY_INTERVAL_MS = 2_000;

    private String uri;
    private String username;
    private String password;
    private String managementUrl;
    private String mechanism = DEFAULT_MECHANISM;
    private List<String> vhosts = DEFAULT_VHOSTS;
    private String exclude = DEFAULT_EXCLUDE;
    private String queue = DEFAULT_QUEUE;
    private String queueType = DEFAULT_QUEUE_TYPE;
    private int prefetch = DEFAULT_PREFETCH;
    private int batchMaxRecords = DEFAULT_BATCH_MAX_RECORDS;
    private long batchMaxBytes = DEFAULT_BATCH_MAX_BYTES;
    private Duration batchLinger = Duration.ofMillis(DEFAULT_BATCH_LINGER_MS);
    private Duration retryInitial = Duration.ofMillis(DEFAULT_RETRY_INITIAL_MS);
    private Duration retryMax = Duration.ofMillis(DEFAULT_RETRY_MAX_MS);
    private Duration reconnectInitial = Duration.ofMillis(DEFAULT_RECONNECT_INITIAL_MS);
    private Duration reconnectMax = Duration.ofMillis(DEFAULT_RECONNECT_MAX_MS);
    private Duration discoveryInterval = Duration.ofMillis(DEFAULT_DISCOVERY_INTERVAL_MS);

    /**
     * The settings the tap runs with.
     *
     * @throws IllegalArgumentException naming the key when the URI or a bound is unusable
     */
    public RabbitTapSettings toSettings() {
        if (uri == null || uri.isBlank()) {
            throw new IllegalArgumentException(PREFIX + ".uri is not set");
        }
        URI u;
        try {
            u = URI.create(uri.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(PREFIX + ".uri is not a URI: " + e.getMessage(), e);
        }
        if (!"amqp".equals(u.getScheme()) && !"amqps".equals(u.getScheme())) {
            throw new IllegalArgumentException(PREFIX + ".uri must start with amqp:// or amqps://");
        }
        if (u.getHost() == null) {
            throw new IllegalArgumentException(PREFIX + ".uri names no host");
        }
        String user = username;
        String pass = password;
        if (u.getRawUserInfo() != null) {
            String[] parts = u.getRawUserInfo().split(":", 2);
            user = user != null ? user : URLDecoder.decode(parts[0], StandardCharsets.UTF_8);
            pass = pass != null ? pass : parts.length > 1 ? URLDecoder.decode(parts[1], StandardCharsets.UTF_8) : null;
        }
        user = user == null ? "guest" : user;
        pass = pass == null ? "guest" : pass;
        boolean tls = "amqps".equals(u.getScheme());
        int port = u.getPort() > 0 ? u.getPort() : tls ? 5671 : 5672;
        String mgmt = managementUrl != null && !managementUrl.isBlank() ? managementUrl.strip()
                : (tls ? "https://" : "http://") + u.getHost() + ":" + (tls ? 15671 : 15672);
        if (prefetch < 1 || prefetch > 65_535) {
            throw new IllegalArgumentException(PREFIX + ".prefetch must be between 1 and 65535");
        }
        if (batchMaxRecords < 1 || batchMaxBytes < 1) {
            throw new IllegalArgumentException(PREFIX + ".batch-max-records and batch-max-bytes must be positive");
        }
        if (!queueType.equals("quorum") && !queueType.equals("classic")) {
            throw new IllegalArgumentException(PREFIX + ".queue-type must be quorum or classic");
        }
        RabbitTapSettings.Mechanism how = RabbitTapSettings.Mechanism.parse(mechanism);
        if (how == null) {
            throw new IllegalArgumentException(PREFIX + ".mechanism must be firehose or tap-queue");
        }
        return new RabbitTapSettings(u.getHost(), port, tls, user, pass, mgmt, how, List.copyOf(vhosts),
                java.util.regex.Pattern.compile(exclude), queue, queueType, prefetch, batchMaxRecords, batchMaxBytes,
                batchLinger, retryInitial, retryMax, reconnectInitial, reconnectMax, discoveryInterval);
    }

    /** {@code amqp://user:password@host:5672} or {@code amqps://...} (TLS with the JVM's trust store). Unset: no RabbitMQ tap. */
    public String getUri() { return uri; }
    public void setUri(String v) { uri = v; }
    /** User name; wins over the URI's. Default: the URI's, else {@code guest}. */
    public String getUsername() { return username; }
    public void setUsername(String v) { username = v; }
    /** Password; wins over the URI's (keep it out of the URI with {@code CHOREOSCOPE_RABBITMQ_PASSWORD}). */
    public String getPassword() { return password; }
    public void setPassword(String v) { password = v; }
    /** Management API base address; default {@code http://<uri host>:15672} ({@code https://...:15671} for amqps). */
    public String getManagementUrl() { return managementUrl; }
    public void setManagementUrl(String v) { managementUrl = v; }
    /** {@code firehose} or {@code tap-queue} (docs/RABBITMQ.md, "How it taps"). */
    public String getMechanism() { return mechanism; }
    public void setMechanism(String v) { mechanism = v; }
    public List<String> getVhosts() { return vhosts; }
    public void setVhosts(List<String> v) { vhosts = v; }
    public String getExclude() { return exclude; }
    public void setExclude(String v) { exclude = v; }
    public String getQueue() { return queue; }
    public void setQueue(String v) { queue = v; }
    public String getQueueType() { return queueType; }
    public void setQueueType(String v) { queueType = v; }
    public int getPrefetch() { return prefetch; }
    public void setPrefetch(int v) { prefetch = v; }
    public int getBatchMaxRecords() { return batchMaxRecords; }
    public void setBatchMaxRecords(int v) { batchMaxRecords = v; }
    public long getBatchMaxBytes() { return batchMaxBytes; }
    /** Bytes, or a size such as {@code 32MB}. */
    public void setBatchMaxBytes(@ReadableBytes long v) { batchMaxBytes = v; }
    public Duration getBatchLinger() { return batchLinger; }
    public void setBatchLinger(Duration v) { batchLinger = v; }
    public Duration getRetryInitial() { return retryInitial; }
    public void setRetryInitial(Duration v) { retryInitial = v; }
    public Duration getRetryMax() { return retryMax; }
    public void setRetryMax(Duration v) { retryMax = v; }
    public Duration getReconnectInitial() { return reconnectInitial; }
    public void setReconnectInitial(Duration v) { reconnectInitial = v; }
    public Duration getReconnectMax() { return reconnectMax; }
    public void setReconnectMax(Duration v) { reconnectMax = v; }
    public Duration getDiscoveryInterval() { return discoveryInterval; }
    public void setDiscoveryInterval(Duration v) { discoveryInterval = v; }
}
