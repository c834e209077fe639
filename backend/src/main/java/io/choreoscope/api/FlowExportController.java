package io.choreoscope.api;

import java.time.Clock;
import java.util.Locale;

import io.choreoscope.auth.Roles;
import io.choreoscope.http.ApiException;
import io.choreoscope.http.ApiParams;
import io.choreoscope.model.flow.FlowModel;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
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

/** A flow's map (BPMN, Mermaid, DOT) or event log (XES, CSV) for a window, as a download. */
@Secured(Roles.VIEWER)
@ExecuteOn(TaskExecutors.BLOCKING)
@Controller("/api/v1/flows")
@Tag(name = "flows")
public class FlowExportController {
    /** Most events one event-log export carries; a window with more answers 422. */
    public static final int MAX_EXPORT_EVENTS = 500_000;
    private final FlowMaps maps;
    private final Clock clock = Clock.systemUTC();

    public FlowExportController(FlowMaps maps) {
        this.maps = maps;
    }

    @Get(value = "/{flow}/export", produces = {"application/xml", "text/plain", "text/vnd.graphviz", "text/csv"})
    @Operation(summary = "A flow's map or event log as a file",
            description = "format=bpmn (BPMN 2.0 XML with a diagram), mermaid, dot (Graphviz): the map of the window (or "
                    + "the lifetime model without from/to), filtered by minStepShare/minPathShare and drawn by edges "
                    + "(follows or causes; BPMN by cause has inclusive gateways) like /flows/{flow}. "
                    + "format=xes or csv: every event of the instances started in the window (default the last hour): "
                    + "case ID, activity, timestamp, resource (service); at most " + MAX_EXPORT_EVENTS + " events "
                    + "(422 for more). Answered with Content-Disposition: attachment and a file name.")
    @ApiResponse(responseCode = "200", description = "the file")
    @ApiResponse(responseCode = "400", description = "bad format, time range or share")
    @ApiResponse(responseCode = "404", description = "no such flow")
    @ApiResponse(responseCode = "422", description = "the window holds too many events for one export")
    public HttpResponse<String> export(@PathVariable String flow,
                                       @Parameter(description = "bpmn, mermaid, dot, xes or csv") @Nullable @QueryValue String format,
                                       @Nullable @QueryValue String from, @Nullable @QueryValue String to,
                                       @Nullable @QueryValue String minStepShare, @Nullable @QueryValue String minPathShare,
                                       @Parameter(description = "map formats: follows (default) or causes, as /flows/{flow}") @Nullable @QueryValue String edges) {
        FlowExport.Format f = format(format);
        String body;
        java.time.Instant start;
        if (f.map()) {
            FlowModel m = maps.map(flow, from, to, minStepShare, minPathShare, edges, clock);
            start = m.from();
            body = switch (f) {
                case BPMN -> FlowExport.bpmn(m, FlowMaps.causal(edges));
                case MERMAID -> FlowExport.mermaid(m);
                default -> FlowExport.dot(m);
            };
        } else {
            ApiParams.Range r = ApiParams.range(from, to, clock);
            var events = maps.windows().eventLog(flow, r.from(), r.to(), MAX_EXPORT_EVENTS);
            if (events.isEmpty()) {
                maps.model(flow, r); // 404 for an unknown flow
            }
            start = r.from();
            body = f == FlowExport.Format.XES ? FlowExport.xes(flow, events) : FlowExport.csv(events);
        }
        return HttpResponse.ok(body).contentType(MediaType.of(f.contentType + "; charset=utf-8"))
                .header("Content-Disposition", "attachment; filename=\"" + FlowExport.fileName(flow, start, f) + "\"")
                .header("X-Content-Type-Options", "nosniff");
    }

    static FlowExport.Format format(String value) {
        if (value == null || value.isBlank()) {
            throw ApiException.badRequest("format is required: bpmn, mermaid, dot, xes or csv");
        }
        try {
            return FlowExport.Format.valueOf(value.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("format must be bpmn, mermaid, dot, xes or csv; was '" + value + "'");
        }
    }
}
