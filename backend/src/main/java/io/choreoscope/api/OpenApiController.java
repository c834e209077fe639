package io.choreoscope.api;

import io.choreoscope.http.ApiException;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import java.io.IOException;
import java.io.InputStream;

import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.swagger.v3.oas.annotations.Hidden;
import io.swagger.v3.oas.annotations.OpenAPIDefinition;
import io.swagger.v3.oas.annotations.info.Info;
import io.swagger.v3.oas.annotations.servers.Server;

/**
 * Serves the OpenAPI document that micronaut-openapi generates from the controllers at compile time
 * ({@value #RESOURCE}); a copy is kept in {@code docs/openapi.yml}.
 */
@OpenAPIDefinition(info = @Info(title = "choreoscope", version = "v1",
        description = "Observability for choreographed Kafka microservices: flows, instances, search, stuck instances, "
                + "service dependencies, topics and live changes. Every 4xx/5xx body is an ApiError {status, error, message}. "
                + "Limits: limit 1..500 (default 50); a time range spans at most 31 days; from/to take ISO-8601 instants, "
                + "'now' or relative times like -15m, -24h, -7d (default window: the last hour)."),
        servers = @Server(url = "http://localhost:8081"))
@Secured(SecurityRule.IS_ANONYMOUS)
@Controller("/api/v1")
@Hidden
public class OpenApiController {
    static final String RESOURCE = "META-INF/swagger/choreoscope-v1.yml";

    @Get(value = "/openapi.yml", produces = "application/yaml")
    public HttpResponse<byte[]> openApi() throws IOException {
        try (InputStream in = OpenApiController.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw ApiException.notFound("the OpenAPI document was not built into this jar");
            }
            return HttpResponse.ok(in.readAllBytes()).contentType(MediaType.of("application/yaml"));
        }
    }
}
