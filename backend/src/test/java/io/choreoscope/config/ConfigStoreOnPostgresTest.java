package io.choreoscope.config;

import java.util.Map;

import io.choreoscope.harness.postgres.PostgresExtension;
import org.junit.jupiter.api.extension.ExtendWith;

/** The config-store contract on a real PostgreSQL (Debian's package, started by the harness). */
@ExtendWith(PostgresExtension.class)
class ConfigStoreOnPostgresTest extends ConfigStoreContract {
    @Override
    protected Map<String, Object> datasource() {
        String db = PostgresExtension.createDatabase();
        return Map.of(
                "datasources.default.url", PostgresExtension.server().jdbcUrl(db),
                "datasources.default.driver-class-name", "org.postgresql.Driver",
                "datasources.default.dialect", "POSTGRES",
                "datasources.default.username", PostgresExtension.server().username(),
                "datasources.default.password", "");
    }
}
