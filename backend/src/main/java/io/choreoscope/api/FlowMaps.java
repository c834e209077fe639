package io.choreoscope.api;

import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import io.choreoscope.http.ApiException;
import io.choreoscope.http.ApiParams;
import io.choreoscope.model.FlowModelReader;
import io.choreoscope.model.FlowWindowReader;
import io.choreoscope.model.flow.FlowFilter;
import io.choreoscope.model.flow.FlowModel;
import io.choreoscope.model.flow.Variant;
import jakarta.inject.Singleton;

/**
 * The flow maps the API answers: the live lifetime model or a window's model, filtered by {@link FlowFilter} when
 * asked. One place for the parameters of {@code /flows/{flow}}, its variants, export and compare, so they agree.
 */
@Singleton
public class FlowMaps {
    /**
     * Most variants read to count exactly the instances a filter hides; a window with more variants answers the
     * upper bound instead ({@link FlowModel.Hidden#instancesExact()} false).
     */
    public static final int EXACT_HIDDEN_MAX_VARIANTS = 5_000;

    private final FlowModelReader live;
    private final FlowWindowReader windows;

    public FlowMaps(FlowModelReader live, FlowWindowReader windows) {
        this.live = live;
        this.windows = windows;
    }

    /** The window a request names, or null when it names none (neither {@code from} nor {@code to}). */
    static ApiParams.Range window(String from, String to, Clock clock) {
        boolean none = (from == null || from.isBlank()) && (to == null || to.isBlank());
        return none ? null : ApiParams.range(from, to, clock);
    }

    /** A share parameter: absent is 0; else a number from 0 to 1 (or a percentage such as {@code 5%}). */
    static double share(String name, String value) {
        if (value == null || value.isBlank()) {
            return 0;
        }
        String v = value.strip();
        double scale = 1;
        if (v.endsWith("%")) {
            v = v.substring(0, v.length() - 1).strip();
            scale = 100;
        }
        double d;
        try {
            d = Double.parseDouble(v) / scale;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest(name + " must be a share from 0 to 1 (or 0% to 100%), was '" + value + "'");
        }
        if (!(d >= 0 && d <= 1)) {
            throw ApiException.badRequest(name + " must be a share from 0 to 1 (or 0% to 100%), was '" + value + "'");
        }
        return d;
    }

    /** The model of {@code flow} over the window (null: the live lifetime model), unfiltered; 404 when unknown. */
    FlowModel model(String flow, ApiParams.Range window) {
        return model(flow, window, false);
    }

    /** {@link #model(String, ApiParams.Range)}, by cause when {@code causal} (which needs a window). */
    FlowModel model(String flow, ApiParams.Range window, boolean causal) {
        Optional<FlowModel> lifetime = live.flowModel(flow);
        if (window == null) {
            return lifetime.orElseThrow(() -> unknown(flow));
        }
        FlowModel m = causal ? windows.causalModel(flow, window.from(), window.to())
                : windows.model(flow, window.from(), window.to());
        if (m.instances() == 0 && lifetime.isEmpty()) {
            throw unknown(flow);
        }
        return m.withLearnedEnds(lifetime.map(FlowModel::learnedEnds).orElse(List.of()));
    }

    /** What {@code GET /flows/{flow}} answers with the default arrows (directly-follows). */
    FlowModel map(String flow, String from, String to, String minStepShare, String minPathShare, Clock clock) {
        return map(flow, from, to, minStepShare, minPathShare, null, clock);
    }

    /**
     * What {@code GET /flows/{flow}} answers.
     *
     * @param edges {@code follows} (or absent): the directly-follows model; {@code causes}: the causal model of the
     *              window ({@link FlowWindowReader#causalModel}), which needs a window
     */
    FlowModel map(String flow, String from, String to, String minStepShare, String minPathShare, String edges, Clock clock) {
        boolean causal = causal(edges);
        ApiParams.Range window = window(from, to, clock);
        if (causal && window == null) {
            throw ApiException.badRequest("edges=causes is computed from the stored instances of a window: give from"
                    + " (e.g. from=-1h); the lifetime model has directly-follows arrows only");
        }
        double step = share("minStepShare", minStepShare);
        double path = share("minPathShare", minPathShare);
        boolean filtered = !(minStepShare == null || minStepShare.isBlank()) || !(minPathShare == null || minPathShare.isBlank());
        FlowModel m = model(flow, window, causal);
        if (!filtered) {
            return m;
        }
        // A causal map's hidden instances are not counted from the variants: a variant is an order of steps, which
        // does not say which arrows of the causal map its instances took; the count is then the upper bound.
        return causal ? FlowFilter.apply(m, step, path, null) : filter(m, window, step, path);
    }

    /** Whether {@code edges} asks for the causal map; 400 for a value that is neither follows nor causes. */
    static boolean causal(String edges) {
        if (edges == null || edges.isBlank() || edges.strip().equalsIgnoreCase("follows")) {
            return false;
        }
        if (edges.strip().equalsIgnoreCase("causes")) {
            return true;
        }
        throw ApiException.badRequest("edges must be follows (an arrow from each step to the next in time) or causes"
                + " (from each step's cause to it), was '" + edges + "'");
    }

    /** {@code m} filtered; for a window the hidden instances are counted exactly from its variants when they are few. */
    FlowModel filter(FlowModel m, ApiParams.Range window, double step, double path) {
        List<Variant> variants = null;
        if (window != null && m.instances() > 0) {
            variants = windows.variants(m.flow(), window.from(), window.to(), EXACT_HIDDEN_MAX_VARIANTS);
        }
        return FlowFilter.apply(m, step, path, variants);
    }

    /** The variants of the window, most frequent first; 404 when the flow is unknown. */
    List<Variant> variants(String flow, ApiParams.Range window, int limit) {
        List<Variant> v = windows.variants(flow, window.from(), window.to(), limit);
        if (v.isEmpty() && live.flowModel(flow).isEmpty()) {
            throw unknown(flow);
        }
        return v;
    }

    /** Correlation IDs of a variant's instances, newest first. */
    List<String> variantInstances(String flow, ApiParams.Range window, String variantId, int limit) {
        String id = variantId == null ? "" : variantId.strip().toLowerCase(Locale.ROOT);
        if (!id.matches("[0-9a-f]{1,16}")) {
            throw ApiException.badRequest("a variant ID is 1 to 16 hexadecimal digits, as /variants answers it; was '"
                    + variantId + "'");
        }
        return windows.variantInstances(flow, window.from(), window.to(), id, limit);
    }

    FlowWindowReader windows() {
        return windows;
    }

    static ApiException unknown(String flow) {
        return ApiException.notFound("no flow named '" + flow + "'");
    }
}
