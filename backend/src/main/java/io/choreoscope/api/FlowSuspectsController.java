package io.choreoscope.api;

import java.time.Clock;
import java.util.List;

import io.choreoscope.auth.Roles;
import io.choreoscope.http.ApiParams;
import io.choreoscope.inference.StuckCauses;
import io.choreoscope.inference.Suspects;
import io.choreoscope.masking.ReadMasking;
import io.choreoscope.model.FlowModelReader;
import io.choreoscope.model.SuspectReader;
import io.choreoscope.model.api.Suspect;
import io.choreoscope.model.api.SuspectReport;
import io.choreoscope.model.masking.PayloadMasker;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
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

/** What a flow's stuck and failed instances have in common: values over-represented among them (inference/Suspects). */
@Secured(Roles.VIEWER)
@ExecuteOn(TaskExecutors.BLOCKING)
@Controller("/api/v1/flows")
@Tag(name = "flows")
public class FlowSuspectsController {
    /** Newest instances of each outcome compared, at most. */
    public static final int MAX_INSTANCES = 5_000;
    /** Values the storage answers, at most (most stuck instances first) before they are ranked. */
    public static final int MAX_VALUES = 5_000;

    private final SuspectReader reader;
    private final FlowModelReader models;
    private final ReadMasking masking;
    private final Clock clock = Clock.systemUTC();

    public FlowSuspectsController(SuspectReader reader, FlowModelReader models, ReadMasking masking) {
        this.reader = reader;
        this.models = models;
        this.masking = masking;
    }

    @Get("/{flow}/suspects")
    @Operation(summary = "Values over-represented among the flow's stuck or failed instances compared with its completed ones",
            description = "Per step: payload fields (top level and one level down, as JSON pointers), headers and attributes "
                    + "of the span that produced the step's record, of the instances started in [from, to) and now STUCK or "
                    + "FAILED vs COMPLETED (the newest " + MAX_INSTANCES + " of each). A value is listed when at least "
                    + Suspects.MIN_INSTANCES + " stuck instances and " + (int) (Suspects.MIN_STUCK_SHARE * 100)
                    + "% of them carry it and its lift ((b/B) / ((g+1)/(G+1))) is at least " + Suspects.MIN_LIFT
                    + "; best first within a step, at most " + Suspects.MAX_PER_STEP + " per step. Dead-letter copies are "
                    + "left out. Masked values stay masked for callers who see values masked.")
    @ApiResponse(responseCode = "200", description = "the suspects with the figures they were found with")
    @ApiResponse(responseCode = "400", description = "bad time range")
    @ApiResponse(responseCode = "404", description = "no such flow")
    public SuspectReport suspects(HttpRequest<?> request, @PathVariable String flow,
                                  @Parameter(description = "ISO-8601, now, or relative (-15m, -24h, -7d); default to - 1h") @Nullable @QueryValue String from,
                                  @Parameter(description = "ISO-8601, now, or relative; default now") @Nullable @QueryValue String to) {
        ApiParams.Range r = ApiParams.range(from, to, clock);
        SuspectReader.Counts counts = reader.valueCounts(flow, r.from(), r.to(), MAX_INSTANCES, Suspects.MIN_INSTANCES,
                MAX_VALUES, StuckCauses.deadLetterTopicRegex());
        if (counts.bad() == 0 && counts.good() == 0 && models.flowModel(flow).isEmpty()) {
            throw FlowMaps.unknown(flow);
        }
        List<Suspect> suspects = Suspects.rank(counts);
        if (masking.masks(request)) {
            suspects = suspects.stream().map(s -> masked(s, masking.masker())).toList();
        }
        return new SuspectReport(flow, r.from(), r.to(), counts.bad(), counts.good(), counts.sampled(), MAX_INSTANCES,
                Suspects.MIN_INSTANCES, Suspects.MIN_STUCK_SHARE, Suspects.MIN_LIFT, suspects);
    }

    /** The suspect as a caller who sees values masked may see it: the payload pointer and header rules, then the patterns. */
    static Suspect masked(Suspect s, PayloadMasker m) {
        String value = switch (s.source()) {
            case PAYLOAD -> m.maskedPointer(s.field()) ? PayloadMasker.MASK : m.text(s.value());
            case HEADER -> m.header(s.field(), s.value());
            case SPAN -> m.text(s.value());
        };
        return new Suspect(s.step(), s.source(), s.field(), value, s.stuckInstances(), s.stuckShare(),
                s.completedInstances(), s.completedShare(), s.lift());
    }
}
