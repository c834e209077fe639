package io.choreoscope.ui.shell;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;

import com.vaadin.flow.component.UI;
import com.vaadin.flow.component.UIDetachedException;

import io.choreoscope.model.api.ApiError;
import io.choreoscope.ui.UiServices;
import io.choreoscope.ui.client.ApiException;
import io.choreoscope.ui.client.ChoreoscopeApi;

/**
 * Runs one kind of API call for a view off the request thread and hands the result back on the UI
 * (by server push). Only the answer to the latest call is applied: when the person changes the window
 * twice quickly, the slower first answer cannot overwrite the second.
 *
 * <p>Must be called while a UI is current (from a listener, {@code beforeEnter} or a push callback).
 */
public final class Loader {

    private final AtomicLong generation = new AtomicLong();

    /**
     * @param fetch    the call; runs on the IO executor
     * @param onResult applied on the UI when the call succeeded and is still the latest
     * @param onError  applied on the UI when it failed (any exception becomes an {@link ApiException})
     */
    public <T> void load(Function<ChoreoscopeApi, T> fetch, Consumer<T> onResult, Consumer<ApiException> onError) {
        loadTogether(List.of(fetch), answers -> {
            @SuppressWarnings("unchecked")
            T only = (T) answers.get(0);
            return only;
        }, onResult, onError);
    }

    /**
     * Several calls at once, each on the IO executor: {@code combine} gets their answers in the order given once the
     * last has come, and its result is applied as by {@link #load}. No thread waits for another (the executor is
     * small and shared), the last call to answer hands the answers on. When a call fails, {@code onError} gets the
     * first failure in the order given; a call whose failure the view can live with catches it itself.
     */
    public <T> void loadTogether(List<Function<ChoreoscopeApi, ?>> fetches, Function<List<Object>, T> combine,
                                 Consumer<T> onResult, Consumer<ApiException> onError) {
        UI ui = UI.getCurrent();
        if (ui == null) {
            throw new IllegalStateException("Loader.load needs a current UI");
        }
        UiServices services = UiServices.current();
        long mine = generation.incrementAndGet();
        int n = fetches.size();
        AtomicReferenceArray<Object> answers = new AtomicReferenceArray<>(n);
        AtomicReferenceArray<ApiException> failures = new AtomicReferenceArray<>(n);
        AtomicInteger left = new AtomicInteger(n);
        Runnable deliver = () -> {
            ApiException failure = null;
            T result = null;
            for (int i = 0; i < n && failure == null; i++) {
                failure = failures.get(i);
            }
            if (failure == null) {
                try {
                    List<Object> in = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) {
                        in.add(answers.get(i));
                    }
                    result = combine.apply(java.util.Collections.unmodifiableList(in));
                } catch (RuntimeException e) {
                    failure = uiError(e);
                }
            }
            T r = result;
            ApiException f = failure;
            try {
                ui.access(() -> {
                    if (generation.get() != mine) {
                        return;
                    }
                    if (f != null) {
                        onError.accept(f);
                    } else {
                        onResult.accept(r);
                    }
                });
            } catch (UIDetachedException gone) {
                // the person navigated away or closed the tab: nobody to show it to
            }
        };
        try {
            for (int i = 0; i < n; i++) {
                int k = i;
                Function<ChoreoscopeApi, ?> fetch = fetches.get(k);
                services.executor().execute(() -> {
                    try {
                        answers.set(k, fetch.apply(services.api()));
                    } catch (ApiException e) {
                        failures.set(k, e);
                    } catch (RuntimeException e) {
                        failures.set(k, uiError(e));
                    }
                    if (left.decrementAndGet() == 0) {
                        deliver.run();
                    }
                });
            }
        } catch (RejectedExecutionException e) {
            generation.incrementAndGet(); // calls already running must not apply a half answer
            onError.accept(ApiException.unreachable("The UI is shutting down.", e));
        }
    }

    private static ApiException uiError(RuntimeException e) {
        return new ApiException(new ApiError(500, "ui_error", "The UI could not use the answer: " + e), e);
    }

    /** Forgets calls in flight: their answers will not be applied. */
    public void cancel() {
        generation.incrementAndGet();
    }
}
