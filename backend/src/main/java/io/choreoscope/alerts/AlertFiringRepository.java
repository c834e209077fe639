package io.choreoscope.alerts;

import java.util.List;

import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.Pageable;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.CrudRepository;

/** The history of firings in the config store, newest first. */
@JdbcRepository(dialect = Dialect.H2)
public interface AlertFiringRepository extends CrudRepository<AlertFiring, Long> {

    /** Firings not resolved yet (the evaluator's firing state after a restart). */
    List<AlertFiring> findByResolvedAtIsNull();

    List<AlertFiring> findByRuleIdAndResolvedAtIsNull(long ruleId);

    List<AlertFiring> listOrderByIdDesc(Pageable page);

    List<AlertFiring> findByRuleIdOrderByIdDesc(long ruleId, Pageable page);
}
