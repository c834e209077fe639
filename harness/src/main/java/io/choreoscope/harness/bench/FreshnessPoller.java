package io.choreoscope.harness.bench;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The freshness benchmarks' sampler: for each watched instance it polls {@code GET /api/v1/instances/{id}
 * ?maxPayloadBytes=0} every {@code interval} on a few threads until the answer shows {@code events} events (and, when
 * given, the expected state); the time from the instance's last event being produced to that answer is one sample.
 * The pollers are load on the machine they measure: {@link #reads()} and {@link #readMillis()} say how much.
 * Shared by the backend's {@code LiveLatencyBenchmark} and e2e's {@code DistributedLayoutBenchmark}.
 */
public final class FreshnessPoller implements AutoCloseable {
    /** One instance seen: its last event produced at, the API showing it complete at (wall clock, ms). */
    public record Sample(String correlationId, long producedAtMillis, long visibleAtMillis) {
        public long millis() {
            return visibleAtMillis - producedAtMillis;
        }
    }

    private final HttpClient http = HttpClient.newHttpClient();
    private final String instancesUrl;
    private final String authorization;
    private final int events;
    private final String stateField;
    private final long intervalMillis;
    private final long giveUpMillis;
    private final ScheduledExecutorService pollers;
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicInteger missed = new AtomicInteger();
    private final AtomicLong reads = new AtomicLong();
    private final ConcurrentLinkedQueue<Long> readMillis = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Sample> samples = new ConcurrentLinkedQueue<>();
    private final long startNanos = System.nanoTime();

    /**
     * @param apiUrl        e.g. {@code http://127.0.0.1:8081}
     * @param authorization the {@code Authorization} header's value ({@code Bearer ...} or {@code Basic ...})
     * @param events        events the instance must show ({@code "eventCount":N})
     * @param expectedState the state it must show too, or null for any
     * @param threads       polling threads
     * @param interval      time between two reads of one instance
     * @param giveUp        a sample not seen this long after its last event was produced counts as missed
     */
    public FreshnessPoller(String apiUrl, String authorization, int events, String expectedState, int threads,
                           Duration interval, Duration giveUp) {
        this.instancesUrl = apiUrl + "/api/v1/instances/";
        this.authorization = authorization;
        this.events = events;
        this.stateField = expectedState == null ? null : "\"state\":\"" + expectedState + "\"";
        this.intervalMillis = interval.toMillis();
        this.giveUpMillis = giveUp.toMillis();
        this.pollers = Executors.newScheduledThreadPool(threads, r -> {
            Thread t = new Thread(r, "freshness-poller");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Signs in at {@code POST /api/v1/auth/login} as the UI does and returns {@code "Bearer <token>"}; the harnesses
     * run the server with the demo users (viewer/viewer).
     */
    public static String signIn(String apiUrl, String user, String password) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(apiUrl + "/api/v1/auth/login"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"" + user + "\",\"password\":\"" + password + "\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"token\"\\s*:\\s*\"([^\"]+)\"").matcher(r.body());
        if (r.statusCode() != 200 || !m.find()) {
            throw new IllegalStateException("sign-in answered " + r.statusCode() + ": " + r.body());
        }
        return "Bearer " + m.group(1);
    }

    /** Starts polling for instance {@code correlationId}, whose last event was produced at {@code producedAtMillis}. */
    public void watch(String correlationId, long producedAtMillis) {
        pending.incrementAndGet();
        String url = instancesUrl + URLEncoder.encode(correlationId, StandardCharsets.UTF_8) + "?maxPayloadBytes=0";
        String complete = "\"eventCount\":" + events;
        Runnable[] self = new Runnable[1];
        self[0] = () -> {
            try {
                reads.incrementAndGet();
                long sentAt = System.nanoTime();
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url))
                        .header("Authorization", authorization).build(), HttpResponse.BodyHandlers.ofString());
                long now = System.currentTimeMillis();
                readMillis.add((System.nanoTime() - sentAt) / 1_000_000);
                if (r.statusCode() == 200 && r.body().contains(complete)
                        && (stateField == null || r.body().contains(stateField))) {
                    samples.add(new Sample(correlationId, producedAtMillis, now));
                    pending.decrementAndGet();
                    return;
                }
                if (now - producedAtMillis > giveUpMillis) {
                    missed.incrementAndGet();
                    pending.decrementAndGet();
                    return;
                }
            } catch (Exception e) {
                // read again at the next interval
            }
            pollers.schedule(self[0], intervalMillis, TimeUnit.MILLISECONDS);
        };
        pollers.schedule(self[0], intervalMillis, TimeUnit.MILLISECONDS);
    }

    /** Waits up to {@code timeout} until no watched instance is pending; true if none is. */
    public boolean awaitNonePending(Duration timeout) {
        long until = System.nanoTime() + timeout.toNanos();
        while (pending.get() > 0 && System.nanoTime() < until) {
            LockSupport.parkNanos(100_000_000L); // a harness waiting for its own pollers, not a test
        }
        return pending.get() == 0;
    }

    public List<Sample> samples() {
        return List.copyOf(samples);
    }

    /** Instances not seen complete within the give-up time. */
    public int missed() {
        return missed.get();
    }

    public int pending() {
        return pending.get();
    }

    /** API reads made so far. */
    public long reads() {
        return reads.get();
    }

    /** Reads per second since the poller was created. */
    public double readsPerSecond() {
        return reads.get() / ((System.nanoTime() - startNanos) / 1e9);
    }

    /** Time of each read (request sent to response read), ms, sorted. */
    public long[] readMillis() {
        return readMillis.stream().mapToLong(Long::longValue).sorted().toArray();
    }

    /** Sorted latencies of the given samples, ms. */
    public static long[] millis(List<Sample> samples) {
        return samples.stream().mapToLong(Sample::millis).sorted().toArray();
    }

    /** The value at quantile {@code q} of sorted values (nearest rank, as the benchmarks have always printed). */
    public static long at(long[] sorted, double q) {
        return sorted[Math.min(sorted.length - 1, (int) (sorted.length * q))];
    }

    /** "p50 X ms, p95 Y ms, p99 Z ms, max M ms" of sorted values, or "no samples". */
    public static String percentiles(long[] sorted) {
        if (sorted.length == 0) {
            return "no samples";
        }
        return String.format(Locale.ROOT, "p50 %,d ms, p95 %,d ms, p99 %,d ms, max %,d ms", sorted[sorted.length / 2],
                at(sorted, 0.95), at(sorted, 0.99), sorted[sorted.length - 1]);
    }

    @Override
    public void close() {
        pollers.shutdownNow();
    }
}
