package io.choreoscope.api;

import io.choreoscope.http.ApiException;
import io.choreoscope.http.ApiParams;
import io.micronaut.security.annotation.Secured;
import io.choreoscope.auth.Roles;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import io.choreoscope.model.api.FlowSummaries;
import io.choreoscope.model.api.FlowSummary;
import io.micronaut.http.HttpResponse;
import io.choreoscope.model.flow.FlowFilter;
import io.choreoscope.model.flow.FlowModel;
import io.choreoscope.model.FlowKpiReader;
import io.choreoscope.model.FlowModelReader;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.QueryValue;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;

/** Flows: KPIs over a window, and each flow's learned model graph. */
@Secured(Roles.VIEWER)
@ExecuteOn(TaskExecutors.BLOCKING) // ClickHouse reads block: keep them off the event loop
@Controller("/api/v1/flows")
@Tag(name = "flows")
public class FlowController {
    /** Buckets of the sparkline. */
    public static final int SPARKLINE_BUCKETS = 30;
    private final FlowKpiReader kpis;
    private final FlowModelReader models;
    private final Clock clock = Clock.systemUTC();

    private final FlowMaps flowMaps;

    public FlowController(FlowKpiReader kpis, FlowModelReader models, FlowMaps flowMaps) {
        this.kpis = kpis;
        this.models = models;
        this.flowMaps = flowMaps;
    }

    @Get
    @Operation(summary = "Every flow with KPIs over a window (instances started in it)",
            description = "Throughput, started, running, completed, compensated, failed, stuck, completion rate, "
                    + "p50/p95/p99 end-to-end duration of finished instances, and a 30-bucket sparkline of instances started. "
                    + "Flows with a model but no instance started in the window are listed with zeros. q, sort and limit "
                    + "narrow the answer (e.g. the 48 busiest flows whose name contains 'order'); the headers "
                    + FlowSummaries.MATCHING_HEADER + " and " + FlowSummaries.FLOWS_HEADER + " say how many flows matched q and how many there are.")
    @ApiResponse(responseCode = "200", description = "one summary per flow, by name unless sort says otherwise")
    @ApiResponse(responseCode = "400", description = "bad time range, q, sort or limit")
    public HttpResponse<List<FlowSummary>> flows(
            @Parameter(description = "ISO-8601, now, or relative (-15m, -24h, -7d); default to - 1h") @Nullable @QueryValue String from,
            @Parameter(description = "ISO-8601, now, or relative; default now") @Nullable @QueryValue String to,
            @Parameter(description = "only the flows whose name contains this (any case); at most "
                    + ApiParams.MAX_QUERY_LENGTH + " characters") @Nullable @QueryValue String q,
            @Parameter(description = "flow (default): by name; started: most instances started in the window first, "
                    + "then by name") @Nullable @QueryValue String sort,
            @Parameter(description = "1.." + FlowSummaries.MAX_LIMIT + ": at most this many flows, the first in the "
                    + "order of sort; default all") @Nullable @QueryValue String limit) {
        ApiParams.Range r = ApiParams.range(from, to, clock);
        ApiParams.query(q);
        FlowSummaries.Order order = sort == null || sort.isBlank() ? FlowSummaries.Order.FLOW
                : FlowSummaries.Order.parse(sort.strip());
        if (order == null) {
            throw ApiException.badRequest("sort must be flow or started, was '" + sort + "'");
        }
        int most = limit == null || limit.isBlank() ? 0 : ApiParams.limit(limit, FlowSummaries.MAX_LIMIT);
        List<FlowSummary> out = new ArrayList<>(kpis.flowSummaries(r.from(), r.to(), SPARKLINE_BUCKETS));
        Set<String> listed = new TreeSet<>();
        out.forEach(f -> listed.add(f.flow()));
        long seconds = (r.to().toEpochMilli() - r.from().toEpochMilli()) / 1000;
        List<Long> none = Collections.nCopies(SPARKLINE_BUCKETS, 0L);
        for (String flow : models.flowNames()) {
            if (!listed.contains(flow)) {
                out.add(new FlowSummary(flow, seconds, 0, 0, 0, 0, 0, 0, 0, null, null, null, null, none));
            }
        }
        FlowSummaries.Narrowed n = FlowSummaries.narrow(out, q, order, most);
        return HttpResponse.ok(n.flows())
                .header(FlowSummaries.MATCHING_HEADER, Integer.toString(n.matching()))
                .header(FlowSummaries.FLOWS_HEADER, Integer.toString(n.total()));
    }

    @Get("/{flow}")
    @Operation(summary = "A flow's model: event types, directly-follows transitions with counts, probabilities "
            + "and latency percentiles, starts, ends, deviation counts; for a time window and filtered when asked",
            description = "Without from and to: the live lifetime model learned by inference. With from or to: the model "
                    + "of the instances started in [from, to), computed from the stored events (exact counts; per step and "
                    + "transition also the instances that have it). minStepShare / minPathShare (0..1) hide steps and "
                    + "transitions that fewer instances have, keeping the map connected; `hidden` says what was left out. "
                    + "edges=causes draws each step after its cause instead of after the step before it in time, so parallel "
                    + "reactions to one event are arrows from that event, not a tangle between the reactions. "
                    + "The web UI uses " + FlowFilter.DEFAULT_MIN_STEP_SHARE + " and " + FlowFilter.DEFAULT_MIN_PATH_SHARE + ".")
    @ApiResponse(responseCode = "200", description = "the model (the live one merged over every inference worker)")
    @ApiResponse(responseCode = "400", description = "bad time range or share")
    @ApiResponse(responseCode = "404", description = "no such flow")
    public FlowModel flow(@PathVariable String flow,
                          @Parameter(description = "window start: ISO-8601, now, or relative (-15m, -24h, -7d); default to - 1h when to is given") @Nullable @QueryValue String from,
                          @Parameter(description = "window end (exclusive); default now when from is given") @Nullable @QueryValue String to,
                          @Parameter(description = "0..1: hide steps fewer than this share of the instances have; default 0") @Nullable @QueryValue String minStepShare,
                          @Parameter(description = "0..1: hide transitions fewer than this share of the instances take; default 0") @Nullable @QueryValue String minPathShare,
                          @Parameter(description = "follows (default): an arrow from each step to the next in time, the "
                                  + "directly-follows graph; causes: from each step's cause (the step its causation ID names, "
                                  + "else the one before it) to it, for a window only") @Nullable @QueryValue String edges) {
        return flowMaps.map(flow, from, to, minStepShare, minPathShare, edges, clock);
    }
}
