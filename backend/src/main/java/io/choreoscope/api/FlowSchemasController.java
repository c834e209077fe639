package io.choreoscope.api;

import java.time.Clock;
import java.util.List;

import io.choreoscope.auth.Roles;
import io.choreoscope.http.ApiParams;
import io.choreoscope.model.FlowModelReader;
import io.choreoscope.model.FlowSchemaReader;
import io.choreoscope.model.api.FlowSchemas;
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

/** Which schemas each step of a flow was written with over a window, and where a step's schema changed (issue 18). */
@Secured(Roles.VIEWER)
@ExecuteOn(TaskExecutors.BLOCKING)
@Controller("/api/v1/flows")
@Tag(name = "flows")
public class FlowSchemasController {
    /** Rows (step and schema pairs) read at most; more sets {@code truncated}. */
    public static final int MAX_ROWS = 1_000;

    private final FlowSchemaReader reader;
    private final FlowModelReader models;
    private final Clock clock = Clock.systemUTC();

    public FlowSchemasController(FlowSchemaReader reader, FlowModelReader models) {
        this.reader = reader;
        this.models = models;
    }

    @Get("/{flow}/schemas")
    @Operation(summary = "The schemas each step of the flow was written with, and where a step's schema changed",
            description = "For the instances of the flow started in [from, to) (their records after `to` included, as the "
                    + "windowed model counts them), per step (event type): every schema its records named (Avro, Protobuf "
                    + "or JSON Schema, by registry ID or Avro fingerprint) with format, name, subject, version, the records "
                    + "that named it and when the first and last of them were written. A step with more than one schema in "
                    + "the window is `changed`, `changedAt` being when the last schema to appear first appeared. Records "
                    + "not decoded through a schema are not counted. Changed steps first. At most " + MAX_ROWS
                    + " step and schema pairs (`truncated` says when more exist).")
    @ApiResponse(responseCode = "200", description = "the steps with a schema; empty when no record of the window was decoded through one")
    @ApiResponse(responseCode = "400", description = "bad time range")
    @ApiResponse(responseCode = "404", description = "no such flow")
    public FlowSchemas schemas(@PathVariable String flow,
                               @Parameter(description = "ISO-8601, now, or relative (-15m, -24h, -7d); default to - 1h") @Nullable @QueryValue String from,
                               @Parameter(description = "ISO-8601, now, or relative; default now") @Nullable @QueryValue String to) {
        ApiParams.Range r = ApiParams.range(from, to, clock);
        List<FlowSchemaReader.StepSchema> rows = reader.stepSchemas(flow, r.from(), r.to(), MAX_ROWS + 1);
        if (rows.isEmpty() && models.flowModel(flow).isEmpty()) {
            throw FlowMaps.unknown(flow);
        }
        boolean truncated = rows.size() > MAX_ROWS;
        return FlowSchemas.of(flow, r.from(), r.to(), truncated ? rows.subList(0, MAX_ROWS) : rows, truncated);
    }
}
