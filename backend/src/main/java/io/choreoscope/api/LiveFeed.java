package io.choreoscope.api;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.choreoscope.model.api.LiveUpdate;
import io.choreoscope.model.StateChangeReader;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/**
 * The live stream behind {@code GET /api/v1/live}. It reads ClickHouse only (state changes persisted by
 * whichever process runs inference), so it works the same with embedded inference and with remote
 * workers: while anyone listens, it polls the instances whose state changed since the last poll (every
 * {@code choreoscope.api.live-poll-interval}, default 1 s) and broadcasts them, plus one {@code flows}
 * tick per poll that saw changes. Slow subscribers miss updates rather than hold the others back.
 */
@Singleton
public class LiveFeed implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LiveFeed.class);
    /** Rows written a little out of order (several workers, clock skew) are still seen within this lookback. */
    private static final Duration LOOKBACK = Duration.ofSeconds(5);

    private final StateChangeReader reader;
    private final Duration pollInterval;
    private final Duration heartbeat;
    private final Sinks.Many<LiveUpdate> sink = Sinks.many().multicast().directBestEffort();
    private final AtomicInteger subscribers = new AtomicInteger();
    private final Map<String, Instant> sent = new LinkedHashMap<>();
    private ScheduledExecutorService poller;
    private Instant watermark;

    public LiveFeed(StateChangeReader reader,
                    ApiConfig config) {
        this.reader = reader;
        this.pollInterval = config.getLivePollInterval();
        this.heartbeat = config.getHeartbeatInterval();
    }

    /** Updates as they happen, and a heartbeat every {@code choreoscope.api.heartbeat-interval} (default 15 s). */
    public Flux<LiveUpdate> stream() {
        Flux<LiveUpdate> beats = Flux.interval(Duration.ZERO, heartbeat)
                .map(i -> new LiveUpdate("heartbeat", null, null, null, Instant.now()));
        return Flux.merge(sink.asFlux(), beats)
                .doOnSubscribe(s -> subscribed())
                .doFinally(s -> subscribers.decrementAndGet());
    }

    private synchronized void subscribed() {
        subscribers.incrementAndGet();
        if (poller == null) {
            watermark = Instant.now();
            poller = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "choreoscope-live-feed");
                t.setDaemon(true);
                return t;
            });
            poller.scheduleWithFixedDelay(this::poll, pollInterval.toMillis(), pollInterval.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void poll() {
        if (subscribers.get() <= 0) {
            return;
        }
        try {
            Instant since = watermark.minus(LOOKBACK);
            List<LiveUpdate> changes = reader.stateChangesSince(since, 5_000);
            Set<String> flows = new HashSet<>();
            for (LiveUpdate u : changes) {
                String key = u.correlationId() + "|" + u.state() + "|" + u.at().toEpochMilli();
                if (sent.putIfAbsent(key, u.at()) == null) {
                    sink.tryEmitNext(u);
                    flows.add(u.flow());
                }
                if (u.at().isAfter(watermark)) {
                    watermark = u.at();
                }
            }
            for (String flow : flows) {
                sink.tryEmitNext(new LiveUpdate("flows", null, flow, null, Instant.now()));
            }
            Instant forget = watermark.minus(LOOKBACK.multipliedBy(2));
            for (Iterator<Instant> it = sent.values().iterator(); it.hasNext(); ) {
                if (it.next().isBefore(forget)) {
                    it.remove();
                }
            }
        } catch (RuntimeException e) {
            LOG.debug("live feed poll failed: {}", e.toString());
        }
    }

    @PreDestroy
    @Override
    public synchronized void close() {
        if (poller != null) {
            poller.shutdownNow();
        }
        sink.tryEmitComplete();
    }
}
