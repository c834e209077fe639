package io.choreoscope.ui.shell;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.choreoscope.model.api.ApiError;
import io.choreoscope.ui.KaribuTest;
import io.choreoscope.ui.client.ApiException;
import io.choreoscope.ui.client.ChoreoscopeApi;

/** {@link Loader#loadTogether}: calls made at once on a real pool, answers applied together, failures in order. */
class LoaderTest extends KaribuTest {
    private final ExecutorService pool = Executors.newFixedThreadPool(3);

    @Override
    protected java.util.concurrent.Executor executor() {
        return pool;
    }

    @AfterEach
    void stopPool() {
        pool.shutdownNow();
    }

    /** Applies queued answers until {@code done} holds something, for at most 10 s. */
    private static void awaitApplied(AtomicReference<?> done) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (done.get() == null && System.nanoTime() < until) {
            roundtrip();
            Thread.sleep(10);
        }
    }

    @Test
    void theCallsRunAtOnceAndTheirAnswersComeTogetherInTheOrderGiven() throws Exception {
        CountDownLatch allStarted = new CountDownLatch(3);
        List<Function<ChoreoscopeApi, ?>> calls = new ArrayList<>();
        for (String name : List.of("map", "flows", "topics")) {
            calls.add(api -> {
                allStarted.countDown();
                try {
                    // one after the other, the first call would wait here for the others and give up
                    return allStarted.await(5, TimeUnit.SECONDS) ? name : name + " alone";
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
        }
        AtomicReference<Object> applied = new AtomicReference<>();
        new Loader().loadTogether(calls, answers -> String.join(",", answers.stream().map(String::valueOf).toList()),
                applied::set, applied::set);
        awaitApplied(applied);
        assertThat(applied.get()).isEqualTo("map,flows,topics");
    }

    @Test
    void theFirstFailureInTheOrderGivenIsWhatTheViewIsTold() throws Exception {
        AtomicReference<Object> applied = new AtomicReference<>();
        CountDownLatch secondFailed = new CountDownLatch(1);
        new Loader().loadTogether(List.of(api -> "map",
                api -> {
                    try {
                        secondFailed.await(5, TimeUnit.SECONDS); // the third fails first
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                    throw new ApiException(new ApiError(503, "unavailable", "flows unavailable"));
                },
                api -> {
                    secondFailed.countDown();
                    throw new ApiException(new ApiError(503, "unavailable", "topics unavailable"));
                }), answers -> "combined", applied::set, applied::set);
        awaitApplied(applied);
        assertThat(applied.get()).isInstanceOf(ApiException.class);
        assertThat(((ApiException) applied.get()).getMessage()).contains("flows unavailable");
    }

    @Test
    void onlyTheLatestLoadIsApplied() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<Object> applied = new AtomicReference<>();
        List<Object> seen = java.util.Collections.synchronizedList(new ArrayList<>());
        Loader loader = new Loader();
        loader.loadTogether(List.of(api -> {
            try {
                release.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return "slow first";
        }), answers -> answers.get(0), a -> {
            seen.add(a);
            applied.set(a);
        }, applied::set);
        loader.loadTogether(List.of(api -> "second"), answers -> answers.get(0), a -> {
            seen.add(a);
            applied.set(a);
        }, applied::set);
        awaitApplied(applied);
        release.countDown();
        pool.shutdown();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        roundtrip(); // the first answer, now come, is not applied over the second
        assertThat(seen).containsExactly("second");
    }
}
