package io.choreoscope.collectors.schema;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Pattern;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import io.micronaut.context.annotation.EachProperty;
import io.micronaut.context.annotation.Parameter;

/**
 * One schema registry with the Confluent-compatible REST API, under {@code choreoscope.schemas.registries.NAME}.
 * Several may be configured; each serves the topics its {@code topics} regex matches, asked in name order.
 */
@EachProperty(RegistryConfig.PREFIX)
public class RegistryConfig {
    public static final String PREFIX = "choreoscope.schemas.registries";
    /** Default topics served: all. */
    public static final String DEFAULT_TOPICS = ".*";
    /** Default subject name strategy: {@code topic} ({@code <topic>-value}). */
    public static final String DEFAULT_SUBJECT_STRATEGY = "topic";
    /** Default connect and request timeout: 2000 ms. */
    public static final long DEFAULT_TIMEOUT_MS = 2000;
    /** Default most schemas cached per registry: 10 000. */
    public static final int DEFAULT_CACHE_SIZE = 10_000;
    /** Default time an unknown ID or a failed registry is remembered before asking again: 5000 ms. */
    public static final long DEFAULT_RETRY_AFTER_MS = 5000;

    private final String name;
    private String url;
    private String topics = DEFAULT_TOPICS;
    private String subjectStrategy = DEFAULT_SUBJECT_STRATEGY;
    private String username;
    private String password;
    private String bearerToken;
    private long timeoutMs = DEFAULT_TIMEOUT_MS;
    private int cacheSize = DEFAULT_CACHE_SIZE;
    private long retryAfterMs = DEFAULT_RETRY_AFTER_MS;
    private String trustStore;
    private String trustStorePassword;

    public RegistryConfig(@Parameter String name) {
        this.name = name;
    }

    public String getName() { return name; }
    /** Base URL, e.g. {@code http://registry:8081}; required. */
    public String getUrl() { return url; }
    public void setUrl(String v) { url = v; }
    /** Regex of the topics this registry serves (whole-name match). */
    public String getTopics() { return topics; }
    public void setTopics(String v) { topics = v; }
    /** {@code topic}, {@code record} or {@code topic-record}. */
    public String getSubjectStrategy() { return subjectStrategy; }
    public void setSubjectStrategy(String v) { subjectStrategy = v; }
    public String getUsername() { return username; }
    public void setUsername(String v) { username = v; }
    public String getPassword() { return password; }
    public void setPassword(String v) { password = v; }
    /** A bearer token, sent instead of basic auth when set. */
    public String getBearerToken() { return bearerToken; }
    public void setBearerToken(String v) { bearerToken = v; }
    public long getTimeoutMs() { return timeoutMs; }
    public void setTimeoutMs(long v) { timeoutMs = v; }
    public int getCacheSize() { return cacheSize; }
    public void setCacheSize(int v) { cacheSize = v; }
    public long getRetryAfterMs() { return retryAfterMs; }
    public void setRetryAfterMs(long v) { retryAfterMs = v; }
    /** A PKCS12 trust store for the registry's TLS certificate; unset: the JDK's default trust. */
    public String getTrustStore() { return trustStore; }
    public void setTrustStore(String v) { trustStore = v; }
    public String getTrustStorePassword() { return trustStorePassword; }
    public void setTrustStorePassword(String v) { trustStorePassword = v; }

    /**
     * The client's settings.
     *
     * @throws IllegalArgumentException naming the registry and the bad setting
     */
    public RegistrySchemaSource toSource(Clock clock) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException(PREFIX + "." + name + ".url is required");
        }
        RegistrySchemaSource.SubjectStrategy strategy;
        try {
            strategy = RegistrySchemaSource.SubjectStrategy.valueOf(
                    subjectStrategy.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(PREFIX + "." + name + ".subject-strategy must be topic, record or topic-record, not "
                    + subjectStrategy);
        }
        return new RegistrySchemaSource(new RegistrySchemaSource.Settings(name, url, Pattern.compile(topics), strategy,
                username, password, bearerToken, Duration.ofMillis(timeoutMs), cacheSize, Duration.ofMillis(retryAfterMs),
                sslContext()), clock);
    }

    private SSLContext sslContext() {
        if (trustStore == null || trustStore.isBlank()) {
            return null;
        }
        try (InputStream in = Files.newInputStream(Path.of(trustStore))) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, trustStorePassword == null ? null : trustStorePassword.toCharArray());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (Exception e) {
            throw new IllegalArgumentException(PREFIX + "." + name + ".trust-store cannot be loaded: " + e.getMessage(), e);
        }
    }
}
