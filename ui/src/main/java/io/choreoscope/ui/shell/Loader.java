package io.choreoscope.ui.shell;

import java.util.concurrent.RejectedExecutionException;
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
        UI ui = UI.getCurrent();
        if (ui == null) {
            throw new IllegalStateException("Loader.load needs a current UI");
        }
        UiServices services = UiServices.current();
        long mine = generation.incrementAndGet();
        try {
            services.executor().execute(() -> {
                T result;
                ApiException failure = null;
                try {
                    result = fetch.apply(services.api());
                } catch (ApiException e) {
                    result = null;
                    failure = e;
                } catch (RuntimeException e) {
                    result = null;
                    failure = new ApiException(new ApiError(500, "ui_error",
                            "The UI could not use the answer: " + e), e);
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
            });
        } catch (RejectedExecutionException e) {
            onError.accept(ApiException.unreachable("The UI is shutting down.", e));
        }
    }

    /** Forgets calls in flight: their answers will not be applied. */
    public void cancel() {
        generation.incrementAndGet();
    }
}
