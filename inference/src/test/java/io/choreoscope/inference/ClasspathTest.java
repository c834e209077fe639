package io.choreoscope.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The engine is plain Java: no framework, logger, broker or store client is even on its classpath (this test runs
 * on the module's own test classpath, its dependencies plus JUnit and AssertJ). The class-level rules for every
 * module are in e2e's {@code ModuleBoundariesTest}.
 */
class ClasspathTest {

    @ParameterizedTest
    @ValueSource(strings = {"io.micronaut.context.ApplicationContext", "io.micronaut.core.annotation.Introspected",
            "jakarta.inject.Singleton", "org.slf4j.Logger", "com.clickhouse.jdbc.ClickHouseDriver",
            "org.apache.kafka.clients.consumer.KafkaConsumer", "com.fasterxml.jackson.databind.ObjectMapper",
            "io.choreoscope.storage.clickhouse.ClickHouseStore", "io.choreoscope.collectors.kafka.KafkaTap"})
    void isNotOnTheClasspath(String className) {
        assertThatThrownBy(() -> Class.forName(className)).isInstanceOf(ClassNotFoundException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"org.jgrapht.Graph", "com.datadoghq.sketch.ddsketch.DDSketch", "io.choreoscope.model.Observation"})
    void whatTheEngineNeedsIs(String className) throws ClassNotFoundException {
        assertThat(Class.forName(className)).isNotNull();
    }
}
