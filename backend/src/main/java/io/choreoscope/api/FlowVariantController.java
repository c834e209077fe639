package io.choreoscope.api;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

import io.choreoscope.auth.Roles;
import io.choreoscope.http.ApiParams;
import io.choreoscope.model.InstanceReader;
import io.choreoscope.model.flow.FlowComparison;
import io.choreoscope.model.flow.InstanceSnapshot;
import io.choreoscope.model.flow.Variant;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;

/** A flow's variants in a time window (the distinct sequences of event types per instance) and their instances; two windows compared. */
@Secured(Roles.VIEWER)
@ExecuteOn(TaskExecutors.BLOCKING)
@Controller("/api/v1/flows")
@Tag(name = "flows")
public class FlowVariantController {
    /** Most instances listed for one variant. */
    public static final int MAX_VARIANT_INSTANCES = 100;
    private final FlowMaps maps;
    private final InstanceReader instances;
    private final Clock clock = Clock.systemUTC();

    public FlowVariantController(FlowMaps maps, InstanceReader instances) {
        this.maps = maps;
        this.instances = instances;
    }

    @Get("/{flow}/variants")
    @Operation(summary = "The variants of the instances of a flow started in a window, most frequent first",
            description = "A variant is the sequence of event types of an instance (timestamp order). Each with its "
                    + "instance count, share of the window's instances, p50/p95 duration (last event - first event, ms) and "
                    + "the instances' current states. Steps are cut after " + Variant.MAX_STEPS + " (length says how many).")
    @ApiResponse(responseCode = "200", description = "at most limit variants")
    @ApiResponse(responseCode = "400", description = "bad time range or limit")
    @ApiResponse(responseCode = "404", description = "no such flow")
    public List<Variant> variants(@PathVariable String flow,
                                  @Parameter(description = "ISO-8601, now, or relative (-15m, -24h, -7d); default to - 1h") @Nullable @QueryValue String from,
                                  @Parameter(description = "ISO-8601, now, or relative; default now") @Nullable @QueryValue String to,
                                  @Parameter(description = "1..500, default 50") @Nullable @QueryValue String limit) {
        return maps.variants(flow, ApiParams.range(from, to, clock), ApiParams.limit(limit));
    }

    @Get("/{flow}/compare")
    @Operation(summary = "Two windows of a flow side by side: steps and transitions added, gone or changed",
            description = "Each window's model is computed from the stored events of the instances started in it. A "
                    + "transition or step is CHANGED when its share of instances moved by at least minShareChange "
                    + "(default " + FlowComparison.DEFAULT_MIN_SHARE_CHANGE + ") or, for transitions, its p95 by at least "
                    + "the factor minP95Change (default " + FlowComparison.DEFAULT_MIN_P95_CHANGE + " = 50%).")
    @ApiResponse(responseCode = "200", description = "every step and transition of either window with its change")
    @ApiResponse(responseCode = "400", description = "bad windows or thresholds")
    @ApiResponse(responseCode = "404", description = "no such flow")
    public FlowComparison compare(@PathVariable String flow,
                                  @Parameter(description = "first window: start (ISO-8601, now, or relative)") @Nullable @QueryValue String from1,
                                  @Parameter(description = "first window: end") @Nullable @QueryValue String to1,
                                  @Parameter(description = "second window: start") @Nullable @QueryValue String from2,
                                  @Parameter(description = "second window: end") @Nullable @QueryValue String to2,
                                  @Parameter(description = "0..1, default 0.05") @Nullable @QueryValue String minShareChange,
                                  @Parameter(description = "factor, default 0.5") @Nullable @QueryValue String minP95Change) {
        if (from1 == null || from2 == null) {
            throw io.choreoscope.http.ApiException.badRequest("from1 and from2 are required (to1 and to2 default to now)");
        }
        ApiParams.Range first = ApiParams.range(from1, to1, clock);
        ApiParams.Range second = ApiParams.range(from2, to2, clock);
        double share = minShareChange == null ? FlowComparison.DEFAULT_MIN_SHARE_CHANGE : FlowMaps.share("minShareChange", minShareChange);
        double p95 = FlowComparison.DEFAULT_MIN_P95_CHANGE;
        if (minP95Change != null && !minP95Change.isBlank()) {
            try {
                p95 = Double.parseDouble(minP95Change.strip());
            } catch (NumberFormatException e) {
                p95 = -1;
            }
            if (!(p95 >= 0 && p95 <= 100)) {
                throw io.choreoscope.http.ApiException.badRequest("minP95Change must be a factor from 0 to 100, was '" + minP95Change + "'");
            }
        }
        return FlowComparison.of(maps.model(flow, first), maps.model(flow, second), share, p95);
    }

    @Get("/{flow}/variants/{variant}/instances")
    @Operation(summary = "The instances of one variant in a window, newest last event first")
    @ApiResponse(responseCode = "200", description = "at most limit instances")
    @ApiResponse(responseCode = "400", description = "bad variant ID, time range or limit")
    public List<InstanceSnapshot> variantInstances(@PathVariable String flow,
                                                   @Parameter(description = "a variant's id, as /variants answers it") @PathVariable String variant,
                                                   @Nullable @QueryValue String from, @Nullable @QueryValue String to,
                                                   @Parameter(description = "1.." + MAX_VARIANT_INSTANCES + ", default 20") @Nullable @QueryValue String limit) {
        int n = limit == null || limit.isBlank() ? 20 : ApiParams.limit(limit);
        if (n > MAX_VARIANT_INSTANCES) {
            throw io.choreoscope.http.ApiException.badRequest("limit must be from 1 to " + MAX_VARIANT_INSTANCES + ", was " + n);
        }
        List<InstanceSnapshot> out = new ArrayList<>();
        for (String id : maps.variantInstances(flow, ApiParams.range(from, to, clock), variant, n)) {
            instances.byId(id).ifPresent(out::add);
        }
        return out;
    }
}
