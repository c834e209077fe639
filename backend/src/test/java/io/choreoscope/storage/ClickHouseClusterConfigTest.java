package io.choreoscope.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import io.choreoscope.storage.clickhouse.ClickHouseConfig;
import io.micronaut.context.ApplicationContext;
import io.micronaut.context.env.PropertySource;
import org.junit.jupiter.api.Test;

/**
 * The cluster settings reach the storage as an operator writes them: in the environment (a Kubernetes ConfigMap, a
 * compose file), the nodes comma-separated; and by default the application stores on one server.
 */
class ClickHouseClusterConfigTest {
    /**
     * The application with {@code env} (null: none). Its data directory is deleted when the JVM ends, not after the
     * test: the config store migrates on a background thread at start, which a test that only reads a setting and
     * closes the context at once does not wait for, and a directory deleted under it fails the test.
     */
    private static ApplicationContext start(PropertySource env) throws java.io.IOException {
        Path dataDir = io.choreoscope.harness.TempDirs.deleteAtExit(java.nio.file.Files.createTempDirectory("choreoscope-config-test-"));
        io.micronaut.context.ApplicationContextBuilder builder = ApplicationContext.builder()
                .deduceEnvironment(false)
                .properties(Map.of("choreoscope.data-dir", dataDir.toString(),
                        "choreoscope.tap.enabled", false,
                        "choreoscope.otlp.enabled", false,
                        "choreoscope.alerts.enabled", false));
        if (env != null) {
            builder.propertySources(env);
        }
        return builder.start();
    }

    @Test
    void clusterNameAndNodesAreReadFromTheEnvironment() throws Exception {
        PropertySource env = PropertySource.of("env", Map.of(
                "CHOREOSCOPE_CLICKHOUSE_URL", "http://ch-1:8123",
                "CHOREOSCOPE_CLICKHOUSE_CLUSTER_NAME", "prod_cluster",
                "CHOREOSCOPE_CLICKHOUSE_CLUSTER_NODES", "http://ch-1:8123,http://ch-2:8123/"),
                PropertySource.PropertyConvention.ENVIRONMENT_VARIABLE);
        try (ApplicationContext app = start(env)) {
            ClickHouseConfig config = app.getBean(ClickHouseConfig.class);
            assertThat(config.isClustered()).isTrue();
            assertThat(config.getClusterName()).isEqualTo("prod_cluster");
            assertThat(config.ddlNodes()).containsExactly("http://ch-1:8123", "http://ch-2:8123");
            assertThat(config.getUrl()).isEqualTo("http://ch-1:8123");
        }
    }

    /** Variables set but left empty (a ConfigMap's placeholders) mean one server, and spaces around the commas are not part of a URL. */
    @Test
    void emptyVariablesMeanOneServerAndSpacesAroundCommasAreDropped() throws Exception {
        PropertySource empty = PropertySource.of("env", Map.of(
                "CHOREOSCOPE_CLICKHOUSE_CLUSTER_NAME", "",
                "CHOREOSCOPE_CLICKHOUSE_CLUSTER_NODES", ""),
                PropertySource.PropertyConvention.ENVIRONMENT_VARIABLE);
        try (ApplicationContext app = start(empty)) {
            ClickHouseConfig config = app.getBean(ClickHouseConfig.class);
            assertThat(config.isClustered()).isFalse();
            assertThat(config.getClusterNodes()).isEmpty();
        }
        ClickHouseConfig config = new ClickHouseConfig();
        config.setClusterNodes(List.of(" http://ch-1:8123 ", "", "http://ch-2:8123"));
        assertThat(config.getClusterNodes()).containsExactly("http://ch-1:8123", "http://ch-2:8123");
    }

    @Test
    void oneServerByDefault() throws Exception {
        try (ApplicationContext app = start(null)) {
            ClickHouseConfig config = app.getBean(ClickHouseConfig.class);
            assertThat(config.isClustered()).isFalse();
            assertThat(config.getClusterNodes()).isEmpty();
            assertThat(config.ddlNodes()).containsExactly(config.getUrl());
        }
    }
}
