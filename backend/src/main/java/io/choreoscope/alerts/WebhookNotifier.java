package io.choreoscope.alerts;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Posts JSON to webhooks with bounded retries and exponential backoff. Retried: connection failures,
 * timeouts, 5xx, 408 and 429. Not retried: other 4xx (the receiver refuses the body; retrying cannot
 * help). The wait before attempt n+1 is {@code initialBackoff * 2^(n-1)}, at most {@code maxBackoff};
 * after {@code maxAttempts} attempts the delivery is given up and reported, never thrown.
 * Deliveries run asynchronously; the future completes with the outcome.
 *
 * <p>Before every attempt the URL's host is resolved again and checked by the {@link WebhookAddressPolicy}
 * (a refused address ends the delivery, not retried), so a name rebound to an internal address after the rule
 * was saved is not called. The HTTP client then resolves through the same JVM address cache
 * ({@code networkaddress.cache.ttl}, 30 s by default), so it connects to the address just checked.
 * Redirects are not followed. The receiver's answer body is never read: only its status is kept, and the
 * outcome names a fixed reason, never what the receiver or the network said.
 */
public final class WebhookNotifier {
    private static final Logger LOG = LoggerFactory.getLogger(WebhookNotifier.class);

    /**
     * How a delivery went.
     *
     * @param delivered  the receiver answered 2xx
     * @param attempts   calls made
     * @param lastStatus last HTTP status, 0 when no answer came
     * @param detail     the last error as a short fixed reason (e.g. {@code HTTP 503}, {@code timed out}), or null when delivered
     */
    public record Delivery(boolean delivered, int attempts, int lastStatus, String detail) {
        /** One line for the firing history, e.g. {@code delivered (200) after 2 attempts}. */
        public String summary() {
            String tries = attempts == 1 ? "1 attempt" : attempts + " attempts";
            return delivered ? "delivered (" + lastStatus + ") after " + tries
                    : cut("failed after " + tries + ": " + detail, 1000);
        }

        private static String cut(String s, int max) {
            return s.length() <= max ? s : s.substring(0, max - 1) + "…";
        }
    }

    private final HttpClient http;
    private final Duration timeout;
    private final int maxAttempts;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final WebhookAddressPolicy policy;

    /** A notifier that calls public addresses only. */
    public WebhookNotifier(Duration timeout, int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
        this(timeout, maxAttempts, initialBackoff, maxBackoff, new WebhookAddressPolicy(List.of()));
    }

    public WebhookNotifier(Duration timeout, int maxAttempts, Duration initialBackoff, Duration maxBackoff,
                           WebhookAddressPolicy policy) {
        this.http = HttpClient.newBuilder().connectTimeout(timeout).version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER).build();
        this.policy = policy;
        this.timeout = timeout;
        this.maxAttempts = maxAttempts;
        this.initialBackoff = initialBackoff;
        this.maxBackoff = maxBackoff;
    }

    public static WebhookNotifier from(AlertsConfig.Webhook c) {
        return new WebhookNotifier(c.getTimeout(), c.getMaxAttempts(), c.getInitialBackoff(), c.getMaxBackoff(),
                WebhookAddressPolicy.from(c));
    }

    /** Posts {@code json} to {@code url}, retrying as described above. */
    public CompletableFuture<Delivery> post(String url, String json) {
        HttpRequest request;
        try {
            request = HttpRequest.newBuilder(URI.create(url))
                    .timeout(timeout)
                    .header("Content-Type", "application/json")
                    .header("User-Agent", "choreoscope-alerts")
                    .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8))
                    .build();
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(new Delivery(false, 0, 0, "bad webhook URL"));
        }
        return attempt(request, 1);
    }

    private CompletableFuture<Delivery> attempt(HttpRequest request, int n) {
        String refused = policy.refusal(request.uri().toString());
        if (refused != null) {
            LOG.warn("Webhook {} not called: {}", request.uri().getHost(), refused);
            return CompletableFuture.completedFuture(new Delivery(false, n - 1, 0, "refused: not a public address"));
        }
        return http.sendAsync(request, HttpResponse.BodyHandlers.discarding())
                .handle((response, error) -> {
                    if (error == null && response.statusCode() / 100 == 2) {
                        return CompletableFuture.completedFuture(new Delivery(true, n, response.statusCode(), null));
                    }
                    int status = error == null ? response.statusCode() : 0;
                    String detail = error == null ? "HTTP " + status : describe(error);
                    boolean retriable = error != null || status >= 500 || status == 408 || status == 429;
                    if (!retriable || n >= maxAttempts) {
                        LOG.warn("Webhook {} not delivered after {} attempt(s): {}", request.uri().getHost(), n, detail);
                        return CompletableFuture.completedFuture(new Delivery(false, n, status, detail));
                    }
                    long delay = backoffMillis(n);
                    LOG.info("Webhook {} attempt {} failed ({}); retrying in {} ms", request.uri().getHost(), n, detail, delay);
                    return CompletableFuture.supplyAsync(() -> null,
                                    CompletableFuture.delayedExecutor(delay, TimeUnit.MILLISECONDS))
                            .thenCompose(ignored -> attempt(request, n + 1));
                })
                .thenCompose(f -> f);
    }

    /** Wait after attempt {@code n} (1-based), ms. */
    long backoffMillis(int n) {
        long base = initialBackoff.toMillis();
        long delay = base << Math.min(n - 1, 30);
        return Math.min(delay < 0 ? Long.MAX_VALUE : delay, maxBackoff.toMillis());
    }

    private static String describe(Throwable error) {
        Throwable e = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                ? error.getCause() : error;
        if (e instanceof HttpTimeoutException) {
            return "timed out";
        }
        return (e instanceof IOException ? "unreachable" : "error") + " (" + e.getClass().getSimpleName() + ")";
    }
}
