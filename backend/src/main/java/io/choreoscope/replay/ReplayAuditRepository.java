package io.choreoscope.replay;

import java.util.List;
import java.util.Optional;

import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.Pageable;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.CrudRepository;

/** The replay audit in the config store. */
@JdbcRepository(dialect = Dialect.H2)
public interface ReplayAuditRepository extends CrudRepository<ReplayAudit, Long> {

    Optional<ReplayAudit> findByReplayId(String replayId);

    List<ReplayAudit> listOrderByIdDesc(Pageable page);

    /** Audit rows in a state, e.g. every {@code RUNNING} one when looking for replays whose process died. */
    List<ReplayAudit> findByStatus(String status);
}
