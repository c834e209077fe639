package io.choreoscope.alerts;

import java.util.List;

import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.CrudRepository;

/**
 * Alert rules in the config store. The dialect named here is only the compile-time default: the
 * datasource's {@code dialect} setting (H2 or POSTGRES) decides at run time.
 */
@JdbcRepository(dialect = Dialect.H2)
public interface AlertRuleRepository extends CrudRepository<AlertRule, Long> {

    List<AlertRule> listOrderById();

    List<AlertRule> findByEnabledTrueOrderById();
}
