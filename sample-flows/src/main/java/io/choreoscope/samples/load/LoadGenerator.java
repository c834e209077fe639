package io.choreoscope.samples.load;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import io.choreoscope.samples.Flow;

/**
 * Starts flow instances at a fixed total rate, choosing each instance's flow by weight. Runs on one daemon
 * thread; a failing start is logged and the next tick goes on.
 */
public final class LoadGenerator implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(LoadGenerator.class.getName());

    private final double rate;
    private final Duration duration;
    private final List<Flow> flows = new ArrayList<>();
    private final double[] cumulative;
    private final Consumer<Flow> starter;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sample-load-generator");
        t.setDaemon(true);
        return t;
    });
    private final CountDownLatch finished = new CountDownLatch(1);
    private final AtomicLong started = new AtomicLong();
    private volatile long deadlineNanos;

    /**
     * @param rate     instances per second, > 0
     * @param duration how long to run; {@link Duration#ZERO} runs until closed
     * @param mix      weights per flow; flows with weight 0 never start
     * @param starter  starts one instance of a flow
     */
    public LoadGenerator(double rate, Duration duration, Map<Flow, Double> mix, Consumer<Flow> starter) {
        if (!(rate > 0)) {
            throw new IllegalArgumentException("rate must be > 0 instances/s, was " + rate);
        }
        this.rate = rate;
        this.duration = duration;
        this.starter = starter;
        double total = 0;
        List<Double> sums = new ArrayList<>();
        for (Map.Entry<Flow, Double> e : mix.entrySet()) {
            if (e.getValue() > 0) {
                total += e.getValue();
                flows.add(e.getKey());
                sums.add(total);
            }
        }
        if (flows.isEmpty()) {
            throw new IllegalArgumentException("mix gives no flow a weight > 0");
        }
        cumulative = new double[sums.size()];
        for (int i = 0; i < cumulative.length; i++) {
            cumulative[i] = sums.get(i) / total;
        }
    }

    /** Starts ticking; returns at once. */
    public void start() {
        long periodNanos = Math.max(1, Math.round(1e9 / rate));
        deadlineNanos = duration.isZero() ? Long.MAX_VALUE : System.nanoTime() + duration.toNanos();
        scheduler.scheduleAtFixedRate(this::tick, 0, periodNanos, TimeUnit.NANOSECONDS);
    }

    private void tick() {
        if (System.nanoTime() >= deadlineNanos) {
            finished.countDown();
            scheduler.shutdown();
            return;
        }
        Flow flow = pick(ThreadLocalRandom.current().nextDouble());
        try {
            starter.accept(flow);
            started.incrementAndGet();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "could not start a " + flow.key() + " instance: " + e);
        }
    }

    /** The flow for a uniform draw {@code u} in [0, 1). */
    Flow pick(double u) {
        for (int i = 0; i < cumulative.length; i++) {
            if (u < cumulative[i]) {
                return flows.get(i);
            }
        }
        return flows.get(flows.size() - 1);
    }

    /** Instances started so far. */
    public long startedCount() {
        return started.get();
    }

    /** Waits until the duration is over (forever when it is 0, until closed); true if it ended. */
    public boolean awaitFinished(long timeout, TimeUnit unit) throws InterruptedException {
        return finished.await(timeout, unit);
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        finished.countDown();
    }
}
