package io.choreoscope.deploy;

import java.lang.reflect.Method;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import io.micronaut.context.ApplicationContext;
import io.micronaut.context.annotation.ConfigurationReader;
import io.micronaut.context.env.EnvironmentPropertySource;
import io.micronaut.context.env.MapPropertySource;
import io.micronaut.context.env.PropertySource;
import io.micronaut.core.io.service.SoftServiceLoader;
import io.micronaut.inject.BeanDefinitionReference;

/**
 * What the server reads from its configuration, found the way Micronaut finds it (as backend's ApplicationYmlTest
 * does): every configuration class of the server's classpath (the bean definition references its annotation
 * processor wrote) with the properties it binds, and application.yml resolved by Micronaut's own environment, with
 * a container's environment variables given the environment-variable convention, as a real process's are.
 */
final class AppConfiguration {
    /** Configuration prefix -> property name -> whether it is a map (any sub-key binds). */
    private final Map<String, Map<String, Boolean>> bindable = new TreeMap<>();

    AppConfiguration() {
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
            if (prefix.isEmpty() || prefix.contains("*")) {
                continue; // per-name configurations (datasources.*): not used by the manifests
            }
            Map<String, Boolean> props = bindable.computeIfAbsent(prefix, k -> new HashMap<>());
            for (Method m : def.getBeanType().getMethods()) {
                if (m.getName().startsWith("set") && m.getName().length() > 3 && m.getParameterCount() == 1) {
                    props.put(kebab(m.getName().substring(3)), Map.class.isAssignableFrom(m.getParameterTypes()[0]));
                }
            }
        }
    }

    private static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }

    /** Prefixes of the configuration classes found (the checks are vacuous without them). */
    TreeSet<String> prefixes() {
        return new TreeSet<>(bindable.keySet());
    }

    /** Every property a configuration class binds directly (maps left out: what an environment variable can name). */
    TreeSet<String> boundKeys() {
        TreeSet<String> keys = new TreeSet<>();
        bindable.forEach((prefix, props) -> props.forEach((name, map) -> {
            if (!map) {
                keys.add(prefix + "." + name);
            }
        }));
        return keys;
    }

    /** Whether some configuration class binds {@code key}: its prefix is a leading part and it has that property. */
    boolean bound(String key) {
        for (var e : bindable.entrySet()) {
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

    /**
     * The value of each of {@code keys} as the server resolves it from application.yml, the properties its launcher
     * sets for its roles ({@code launcher}) and the environment variables {@code env}; absent keys are left out.
     */
    static Map<String, String> resolve(Map<String, String> env, Map<String, Object> launcher, Iterable<String> keys) {
        PropertySource envSource = new MapPropertySource("kubernetes-env", new HashMap<>(env)) {
            @Override
            public int getOrder() {
                return EnvironmentPropertySource.POSITION;
            }

            @Override
            public PropertyConvention getConvention() {
                return PropertyConvention.ENVIRONMENT_VARIABLE;
            }
        };
        Map<String, String> out = new LinkedHashMap<>();
        try (ApplicationContext ctx = ApplicationContext.builder().properties(launcher).propertySources(envSource).build()) {
            ctx.getEnvironment().start();
            for (String key : keys) {
                try {
                    ctx.getEnvironment().getProperty(key, String.class).ifPresent(v -> out.put(key, v));
                } catch (RuntimeException e) {
                    // a list or map value with no string form: no environment variable names it whole
                }
            }
        }
        return out;
    }

    /**
     * The environment variables of {@code env} that the server reads: set each to a value of its own and see which
     * property a configuration class binds takes it (directly, by Micronaut's environment-variable mapping, or
     * through a placeholder in application.yml such as {@code ${CHOREOSCOPE_ADMIN_PASSWORD:}}).
     */
    Map<String, List<String>> readBy(Iterable<String> names) {
        Map<String, String> markers = new HashMap<>();
        int i = 0;
        for (String n : names) {
            markers.put(n, "env-marker-" + (i++) + "-" + n.toLowerCase(Locale.ROOT));
        }
        Map<String, String> resolved = resolve(markers, Map.of(), boundKeys());
        Map<String, List<String>> placeholders = upperCasePlaceholders();
        Map<String, List<String>> readBy = new TreeMap<>();
        markers.forEach((name, marker) -> {
            TreeSet<String> keys = new TreeSet<>();
            resolved.forEach((key, value) -> {
                if (value.equals(marker)) {
                    keys.add(key);
                }
            });
            placeholders.getOrDefault(name, List.of()).stream().filter(this::bound).forEach(keys::add);
            readBy.put(name, List.copyOf(keys));
        });
        return readBy;
    }

    /**
     * Environment variables that application.yml names in a placeholder ({@code ${CHOREOSCOPE_ADMIN_PASSWORD:}}) ->
     * the keys whose values hold it. Micronaut resolves an upper-case placeholder from the process's environment
     * itself ({@code DefaultPropertyPlaceholderResolver}: {@code CachedEnvironment.getenv}), not from a property
     * source, so these are read from the file.
     */
    static Map<String, List<String>> upperCasePlaceholders() {
        Map<String, Object> yml;
        try (java.io.InputStream in = AppConfiguration.class.getClassLoader().getResourceAsStream("application.yml")) {
            yml = new org.yaml.snakeyaml.Yaml().load(java.util.Objects.requireNonNull(in, "application.yml on the class path"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Map<String, List<String>> out = new TreeMap<>();
        flatten("", yml, (key, value) -> {
            java.util.regex.Matcher m = PLACEHOLDER.matcher(String.valueOf(value));
            while (m.find()) {
                out.computeIfAbsent(m.group(1), k -> new java.util.ArrayList<>()).add(key);
            }
        });
        return out;
    }

    private static final java.util.regex.Pattern PLACEHOLDER = java.util.regex.Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*)[:}]");

    private static void flatten(String path, Object node, java.util.function.BiConsumer<String, Object> out) {
        if (node instanceof Map<?, ?> m) {
            m.forEach((k, v) -> flatten(path.isEmpty() ? String.valueOf(k) : path + "." + k, v, out));
        } else if (node instanceof List<?> l) {
            l.forEach(v -> flatten(path, v, out));
        } else if (node != null) {
            out.accept(path, node);
        }
    }
}
