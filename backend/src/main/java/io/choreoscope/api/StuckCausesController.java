package io.choreoscope.api;

import java.util.List;

import io.choreoscope.auth.Roles;
import io.choreoscope.http.ApiParams;
import io.choreoscope.model.InstanceReader;
import io.choreoscope.model.api.Page;
import io.choreoscope.model.api.StuckCauseGroup;
import io.choreoscope.services.StuckDiagnosis;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;

/** Why instances are stuck, grouped: "10 stuck: shipping consumed and produced nothing; 2: dead-lettered by inventory". */
@Secured(Roles.VIEWER)
@ExecuteOn(TaskExecutors.BLOCKING)
@Controller("/api/v1")
@Tag(name = "instances")
public class StuckCausesController {
    private final InstanceReader instances;
    private final StuckDiagnosis diagnosis;

    public StuckCausesController(InstanceReader instances, StuckDiagnosis diagnosis) {
        this.instances = instances;
        this.diagnosis = diagnosis;
    }

    @Get("/stuck/causes")
    @Operation(summary = "Stuck instances grouped by cause kind and service, largest group first, with each group's "
            + "correlation IDs (for a replay of the group)",
            description = "Analyses the oldest `limit` stuck instances (default " + Page.MAX_LIMIT + "); kinds, most "
                    + "specific first: DEAD_LETTERED, ERROR_SPAN, CONSUMED_NO_OUTPUT, NO_CONSUMER_ACTIVITY, NO_EVIDENCE.")
    @ApiResponse(responseCode = "200", description = "the groups")
    @ApiResponse(responseCode = "400", description = "bad limit")
    public List<StuckCauseGroup> causes(@Nullable @QueryValue String flow,
                                        @Parameter(description = "stuck instances analysed, 1..500, default 500")
                                        @Nullable @QueryValue String limit) {
        int n = limit == null || limit.isBlank() ? Page.MAX_LIMIT : ApiParams.limit(limit);
        return diagnosis.groups(instances.stuck(ApiParams.text("flow", flow), n));
    }
}
