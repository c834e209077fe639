package io.choreoscope.replay;

import java.util.List;

import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.CrudRepository;

/** Dead-lettered records already redriven, in the config store (the redrive's idempotency keys). */
@JdbcRepository(dialect = Dialect.H2)
public interface RedrivenRecordRepository extends CrudRepository<RedrivenRecord, String> {

    /** The {@code topic/partition/offset} of every record of a dead-letter topic that a redrive already sent. */
    List<String> findSourceByDeadLetterTopic(String deadLetterTopic);
}
