package io.choreoscope.model;

import java.time.Instant;
import java.util.List;

/**
 * Which schemas the steps of a flow were written with over a window (issue 18: schemas in the flow). Reads that
 * cannot be answered throw {@link StorageException}; a read stopped at the store's time bound throws
 * {@link QueryLimitException}.
 */
public interface FlowSchemaReader {

    /**
     * One schema seen at one step: the records of that step (event type) that named this schema, and when the first
     * and the last of them were written (record timestamps).
     *
     * @param step      the event type
     * @param schema    the schema as the records named it ({@link SchemaRef#id()} tells versions apart)
     * @param records   records counted (a record stored twice counts once)
     * @param firstSeen timestamp of the first of them
     * @param lastSeen  timestamp of the last of them
     */
    record StepSchema(String step, SchemaRef schema, long records, Instant firstSeen, Instant lastSeen) {
    }

    /**
     * The schemas seen at each step of the instances of {@code flow} started in [{@code from}, {@code to}) (their
     * records after {@code to} included, as the windowed flow model counts them), records decoded through a schema
     * only; by step, then first seen. At most {@code limit} rows.
     */
    List<StepSchema> stepSchemas(String flow, Instant from, Instant to, int limit);
}
