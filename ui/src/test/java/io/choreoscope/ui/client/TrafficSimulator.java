package io.choreoscope.ui.client;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.choreoscope.model.api.FlowSummary;

/**
 * Makes a {@link FakeChoreoscopeApi} look alive for the dev launcher ({@code io.choreoscope.ui.DevUiServer}):
 * every {@link #PERIOD_MS} ms one flow gets a few more instances and events, and a {@code flows} live update
 * goes out, like the backend's tick. Not used by tests (they mutate the fake themselves).
 */
public final class TrafficSimulator {

    /** Interval between simulated ticks, in ms. */
    public static final long PERIOD_MS = 2000;

    private final FakeChoreoscopeApi api;
    private final Random rnd = new Random(7);
    private ScheduledExecutorService timer;

    public TrafficSimulator(FakeChoreoscopeApi api) {
        this.api = api;
    }

    public synchronized void start() {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "choreoscope-demo-traffic");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleAtFixedRate(this::tick, PERIOD_MS, PERIOD_MS, TimeUnit.MILLISECONDS);
    }

    public synchronized void stop() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }

    private void tick() {
        List<String> flows = api.flowNames();
        if (flows.isEmpty()) {
            return;
        }
        String flow = flows.get(rnd.nextInt(flows.size()));
        int more = 1 + rnd.nextInt(3);
        api.updateFlow(flow, f -> grow(f, more));
    }

    private FlowSummary grow(FlowSummary f, int more) {
        List<Long> spark = new ArrayList<>(f.sparkline());
        if (!spark.isEmpty()) {
            spark.set(spark.size() - 1, spark.get(spark.size() - 1) + more);
        }
        long completed = f.completed() + more;
        long finished = completed + f.compensated() + f.failed() + f.stuck();
        double eps = f.eventsPerSecond() + more * 4.0 / Math.max(1, f.windowSeconds());
        return new FlowSummary(f.flow(), f.windowSeconds(), eps, f.started() + more, f.running(), completed,
                f.compensated(), f.failed(), f.stuck(), (double) completed / finished, f.p50Ms(), f.p95Ms(), f.p99Ms(),
                spark);
    }
}
