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
import reactor.core.publisher.BufferOverflowStrategy;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/**
 * The live stream behind {@code GET /api/v1/live}. It reads ClickHouse only (state changes persisted by
 * whichever process runs inference), so it works the same with embedded inference and with remote
 * workers: while anyone listens, it polls the instances whose state changed since the last poll (every
 * {@code choreoscope.api.live-poll-interval}, default 1 s) and broadcasts them, plus one {@code flows}
 * tick per poll that saw changes.
 *
 * <p>Each poll re-reads the last {@link #LOOKBACK} before the newest change seen (rows arrive a little out of
 * order), page by page with the storage's (change time, correlation ID) cursor until a page comes back short, so
 * however many changes share the lookback every one is read; changes already sent are skipped, so each is sent
 * once. A poll reads at most {@link #MAX_PAGES_PER_POLL} pages and the next poll goes on from where it stopped.
 *
 * <p>Each subscriber has a buffer of {@link #SUBSCRIBER_BUFFER} updates for bursts; a subscriber that falls
 * further behind loses its oldest updates rather than hold the others back (re-read the lists after a gap).
 */
@Singleton
public class LiveFeed implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LiveFeed.class);
    /** Rows written a little out of order (several workers, clock skew) are still seen within this lookback. */
    static final Duration LOOKBACK = Duration.ofSeconds(5);
    /** State changes read per storage query. */
    static final int PAGE_SIZE = 5_000;
    /** Pages read in one poll at most (100,000 changes); a longer backlog is read on by the next polls. */
    static final int MAX_PAGES_PER_POLL = 20;
    /** Updates kept for a subscriber that reads slower than they come (about 10 s at 5,000 changes/s). */
    static final int SUBSCRIBER_BUFFER = 50_000;

    private final StateChangeReader reader;
    private final Duration pollInterval;
    private final Duration heartbeat;
    private final Sinks.Many<LiveUpdate> sink = Sinks.many().multicast().directBestEffort();
    private final AtomicInteger subscribers = new AtomicInteger();
    private final Map<String, Instant> sent = new LinkedHashMap<>();
    private ScheduledExecutorService poller;
    private Instant watermark;
    /** Where the last poll stopped when it hit {@link #MAX_PAGES_PER_POLL}; null when it read everything. */
    private StateChangeReader.Cursor resume;

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
        Flux<LiveUpdate> changes = Flux.defer(() -> {
            AtomicInteger dropped = new AtomicInteger();
            return sink.asFlux()
                    .onBackpressureBuffer(SUBSCRIBER_BUFFER, u -> {
                        if (dropped.getAndIncrement() == 0) {
                            LOG.warn("a live feed subscriber fell {} updates behind; its oldest updates are dropped",
                                    SUBSCRIBER_BUFFER);
                        }
                    }, BufferOverflowStrategy.DROP_OLDEST)
                    .doFinally(s -> {
                        if (dropped.get() > 0) {
                            LOG.warn("a live feed subscriber left after missing {} updates", dropped.get());
                        }
                    });
        });
        return Flux.merge(changes, beats)
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
            Set<String> flows = new HashSet<>();
            List<LiveUpdate> page = resume != null ? reader.stateChangesAfter(resume, PAGE_SIZE)
                    : reader.stateChangesSince(watermark.minus(LOOKBACK), PAGE_SIZE);
            resume = null;
            for (int pages = 1; ; pages++) {
                for (LiveUpdate u : page) {
                    String key = u.correlationId() + "|" + u.state() + "|" + u.at().toEpochMilli();
                    if (sent.putIfAbsent(key, u.at()) == null) {
                        sink.tryEmitNext(u);
                        flows.add(u.flow());
                    }
                    if (u.at().isAfter(watermark)) {
                        watermark = u.at();
                    }
                }
                if (page.size() < PAGE_SIZE) {
                    break;
                }
                StateChangeReader.Cursor next = StateChangeReader.Cursor.after(page.get(page.size() - 1));
                if (pages == MAX_PAGES_PER_POLL) {
                    resume = next;
                    break;
                }
                page = reader.stateChangesAfter(next, PAGE_SIZE);
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
