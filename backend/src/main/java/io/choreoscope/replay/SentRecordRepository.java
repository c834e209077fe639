package io.choreoscope.replay;

import java.util.List;

import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.Pageable;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.CrudRepository;

/** The records each replay sent, in the config store. */
@JdbcRepository(dialect = Dialect.H2)
public interface SentRecordRepository extends CrudRepository<SentRecord, Long> {

    /** A replay's records in the order Kafka acknowledged them, after row {@code afterId} (0: from the start). */
    List<SentRecord> findByReplayIdAndIdGreaterThanOrderById(String replayId, long afterId, Pageable page);

    long countByReplayId(String replayId);

    /** The oldest rows first: the replay owning the first one is the next whose list is pruned. */
    List<SentRecord> listOrderById(Pageable page);

    void deleteByReplayId(String replayId);
}
