package io.choreoscope.collectors.schema;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.micronaut.core.async.publisher.Publishers;
import io.micronaut.health.HealthStatus;
import io.micronaut.management.health.indicator.HealthIndicator;
import io.micronaut.management.health.indicator.HealthResult;
import jakarta.inject.Singleton;
import org.reactivestreams.Publisher;

/**
 * Health of the schema sources ({@code schemaSources}): per registry its state ({@code OK}, {@code FAILING},
 * {@code NOT_ASKED}), the last failure's reason, kind and time, failures by kind; for schema files how many schemas
 * and AsyncAPI documents were read and which files were skipped and why.
 *
 * <p>Always UP: a failing registry does not stop ingest (its records are stored flagged SCHEMA_UNAVAILABLE and decoded
 * again once it answers), so it must not take the collector out of service through the readiness probe; the details
 * and the {@code choreoscope_schemas_registry_up} gauge say that it fails and why.
 */
@Singleton
public class SchemaSourcesHealthIndicator implements HealthIndicator {
    /** Most skipped-file reasons listed. */
    static final int MAX_PROBLEMS_LISTED = 20;
    private final SchemaSources sources;

    public SchemaSourcesHealthIndicator(SchemaSources sources) {
        this.sources = sources;
    }

    @Override
    public Publisher<HealthResult> getResult() {
        return Publishers.just(result());
    }

    /** The result, computed now. */
    public HealthResult result() {
        Map<String, Object> details = new LinkedHashMap<>();
        DirectorySchemaSource files = sources.files();
        if (files != null) {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("schemas", files.size());
            f.put("asyncApiDocuments", files.asyncApiDocuments());
            List<String> problems = files.problems();
            f.put("skipped", problems.size());
            if (!problems.isEmpty()) {
                f.put("problems", problems.subList(0, Math.min(problems.size(), MAX_PROBLEMS_LISTED)));
            }
            details.put("files", f);
        }
        Map<String, Object> registries = new LinkedHashMap<>();
        for (RegistrySchemaSource r : sources.registries()) {
            RegistrySchemaSource.Status s = r.status();
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("url", s.url().replaceFirst("//[^/@]*@", "//***@")); // credentials in the URL stay out
            d.put("state", s.state());
            if (s.lastFailure() != null) {
                d.put("lastFailure", s.lastFailure());
                d.put("lastFailureKind", s.lastFailureKind());
                d.put("lastFailureAt", Instant.ofEpochMilli(s.lastFailureAt()).toString());
            }
            if (s.lastAnswerAt() > 0) {
                d.put("lastAnswerAt", Instant.ofEpochMilli(s.lastAnswerAt()).toString());
            }
            d.put("failures", s.failures());
            registries.put(s.name(), d);
        }
        if (!registries.isEmpty()) {
            details.put("registries", registries);
        }
        return HealthResult.builder("schemaSources", HealthStatus.UP).details(details).build();
    }
}
