package io.choreoscope.config;

import java.util.Map;
import java.util.UUID;

/** The config-store contract on the embedded H2, the default store. */
class ConfigStoreOnH2Test extends ConfigStoreContract {
    @Override
    protected Map<String, Object> datasource() {
        return Map.of("datasources.default.url", "jdbc:h2:mem:contract-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    }
}
