package io.choreoscope.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import io.micronaut.context.annotation.ConfigurationReader;
import io.micronaut.core.io.service.SoftServiceLoader;
import io.micronaut.inject.BeanDefinitionReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * Every {@code choreoscope.*} key in application.yml is read by a configuration class: a key under the wrong parent
 * (as {@code inference:} and {@code api:} once sat under {@code flyway:}) or misspelt is silently ignored by
 * Micronaut, so its value would never apply. The configuration classes are found the way Micronaut finds them
 * (the bean definition references its annotation processor wrote, every module of the server's classpath).
 */
class ApplicationYmlTest {
    /** Configuration prefix -> what its class can bind: property name -> whether it is a map (any sub-key binds). */
    private static final Map<String, Map<String, Boolean>> BINDABLE = new TreeMap<>();
    private static final Map<String, Object> YML_KEYS = new TreeMap<>();

    @BeforeAll
    static void readConfigurationClassesAndTheYml() throws Exception {
        for (var ref : SoftServiceLoader.load(BeanDefinitionReference.class)) {
            BeanDefinitionReference<?> def;
            try {
                if (!ref.isPresent()) {
                    continue;
                }
                def = ref.load();
            } catch (java.util.ServiceConfigurationError | RuntimeException | LinkageError e) {
                continue; // a definition for an optional library that is not on the classpath: Micronaut skips it too
            }
            if (!def.getAnnotationMetadata().hasStereotype(ConfigurationReader.class)) {
                continue;
            }
            String prefix = def.getAnnotationMetadata().stringValue(ConfigurationReader.class, ConfigurationReader.PREFIX).orElse("");
            if (!prefix.startsWith("choreoscope")) {
                continue;
            }
            Map<String, Boolean> props = BINDABLE.computeIfAbsent(prefix, k -> new HashMap<>());
            for (Method m : def.getBeanType().getMethods()) {
                if (m.getName().startsWith("set") && m.getName().length() > 3 && m.getParameterCount() == 1) {
                    props.put(kebab(m.getName().substring(3)), Map.class.isAssignableFrom(m.getParameterTypes()[0]));
                }
            }
        }
        try (InputStream in = ApplicationYmlTest.class.getClassLoader().getResourceAsStream("application.yml")) {
            Map<String, Object> yml = new Yaml().load(in);
            flatten("", yml, YML_KEYS);
        }
    }

    private static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }

    @SuppressWarnings("unchecked")
    private static void flatten(String path, Map<String, Object> node, Map<String, Object> out) {
        node.forEach((k, v) -> {
            String key = path.isEmpty() ? k : path + "." + k;
            if (v instanceof Map<?, ?> m) {
                flatten(key, (Map<String, Object>) m, out);
            } else {
                out.put(key, v);
            }
        });
    }

    /** Whether some configuration class binds {@code key}: its prefix is a leading part and it has that property. */
    private static boolean bound(String key) {
        for (var e : BINDABLE.entrySet()) {
            String prefix = e.getKey();
            if (!key.startsWith(prefix + ".")) {
                continue;
            }
            String rest = key.substring(prefix.length() + 1);
            int dot = rest.indexOf('.');
            String name = dot < 0 ? rest : rest.substring(0, dot);
            Boolean map = e.getValue().get(name);
            if (map != null && (dot < 0 || map)) {
                return true;
            }
        }
        return false;
    }

    @Test
    void everyChoreoscopeKeyIsReadByAConfigurationClass() {
        List<String> unbound = new ArrayList<>();
        for (String key : YML_KEYS.keySet()) {
            if (key.startsWith("choreoscope.") && !bound(key)) {
                unbound.add(key);
            }
        }
        assertThat(YML_KEYS.keySet()).filteredOn(k -> k.startsWith("choreoscope.")).hasSizeGreaterThan(40);
        assertThat(unbound).as("choreoscope.* keys in application.yml that no configuration class reads").isEmpty();
    }

    @Test
    void noChoreoscopeSectionHidesUnderAnotherParent() {
        assertThat(YML_KEYS.keySet()).noneMatch(k -> !k.startsWith("choreoscope.")
                && k.matches(".*\\.(inference|api|tap|kafka|clickhouse|alerts|replay|otlp|ui|auth)\\..*"));
    }

    /** The environment as the server resolves it from application.yml plus {@code extra} (no bean is created). */
    private static String resolved(String key, Map<String, Object> extra) {
        try (io.micronaut.context.ApplicationContext ctx = io.micronaut.context.ApplicationContext.builder().properties(extra).build()) {
            ctx.getEnvironment().start();
            return ctx.getEnvironment().getProperty(key, String.class).orElse(null);
        }
    }

    @Test
    void kafkaBootstrapServersDefaultToTheDemoBrokerAndFollowTheOlderTapKey() {
        assertThat(resolved("choreoscope.kafka.bootstrap-servers", Map.of())).isEqualTo("localhost:9092");
        assertThat(resolved("choreoscope.kafka.bootstrap-servers", Map.of("choreoscope.tap.bootstrap-servers", "kafka-1:9093")))
                .isEqualTo("kafka-1:9093");
        assertThat(resolved("choreoscope.kafka.bootstrap-servers", Map.of("choreoscope.tap.bootstrap-servers", "kafka-1:9093",
                "choreoscope.kafka.bootstrap-servers", "kafka-2:9094"))).isEqualTo("kafka-2:9094");
    }

    @Test
    void theCheckKnowsEveryConcern() {
        // The check above passes vacuously if no configuration class were found: these must be.
        assertThat(BINDABLE.keySet()).contains("choreoscope.kafka", "choreoscope.tap", "choreoscope.clickhouse",
                "choreoscope.inference", "choreoscope.api", "choreoscope.ui", "choreoscope.alerts", "choreoscope.replay");
        assertThat(bound("choreoscope.inference.misspelt-key")).isFalse();
        assertThat(bound("choreoscope.tap.consumer.security.protocol")).isTrue();
    }
}
