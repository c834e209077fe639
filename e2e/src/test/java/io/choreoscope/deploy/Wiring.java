package io.choreoscope.deploy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import io.choreoscope.launcher.Application;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.micronaut.context.env.Environment;
import io.micronaut.management.endpoint.health.HealthEndpoint;
import io.micronaut.management.health.indicator.HealthCheckType;
import org.yaml.snakeyaml.Yaml;

/**
 * Checks that rendered manifests fit the application: each finding is one line of {@link #problems()}.
 * <ul>
 *   <li>every environment variable is one the server reads (a property of a configuration class, by Micronaut's
 *       mapping, or a placeholder of application.yml), or one of {@link #outsideConfiguration()}, each checked;</li>
 *   <li>ConfigMaps, Secrets, their keys and claims that pods refer to exist;</li>
 *   <li>the container ports are exactly the ports the process opens for its roles, as the server resolves them from
 *       application.yml, the launcher's role properties and the pod's environment;</li>
 *   <li>probes ask the server port for paths Micronaut's health endpoint serves, open to unauthenticated callers;
 *       liveness and start-up only on {@code /health/liveness} (the whole {@code /health} is 503 while ClickHouse is
 *       down, and restarting pods does not bring ClickHouse back);</li>
 *   <li>Services select pods and target ports they have; Deployments select their own template;</li>
 *   <li>configuration files given by {@code MICRONAUT_CONFIG_FILES} are mounted and hold only bound keys.</li>
 * </ul>
 */
final class Wiring {
    /** Port names the manifests use for the ports the server opens. */
    static final String HTTP = "http";
    static final String UI = "ui";
    static final String OTLP_HTTP = "otlp-http";
    static final String OTLP_GRPC = "otlp-grpc";

    private final AppConfiguration app;
    private final List<HasMetadata> resources;
    private final List<String> problems = new ArrayList<>();

    Wiring(AppConfiguration app, List<HasMetadata> resources) {
        this.app = app;
        this.resources = resources;
        check();
    }

    List<String> problems() {
        return problems;
    }

    /**
     * Environment variables read outside the configuration properties, each with the check that it is: the launcher
     * reads {@code CHOREOSCOPE_ROLES} (its class file names it), Micronaut reads {@code MICRONAUT_CONFIG_FILES} (the
     * environment-variable form of {@link Environment#PROPERTY_SOURCES_KEY}), the JVM {@code JAVA_TOOL_OPTIONS}.
     */
    static Set<String> outsideConfiguration() {
        String launcher;
        try (InputStream in = Application.class.getResourceAsStream("Application.class")) {
            launcher = new String(Objects.requireNonNull(in).readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Set<String> names = new TreeSet<>();
        if (launcher.contains("CHOREOSCOPE_ROLES")) {
            names.add("CHOREOSCOPE_ROLES");
        }
        names.add(Environment.PROPERTY_SOURCES_KEY.replace('.', '_').toUpperCase(Locale.ROOT));
        names.add("JAVA_TOOL_OPTIONS");
        return names;
    }

    /** The paths Micronaut's health endpoint serves: /health and /health/{liveness,readiness}. */
    static Set<String> healthPaths() {
        Set<String> paths = new TreeSet<>();
        paths.add("/" + HealthEndpoint.NAME);
        for (HealthCheckType t : HealthCheckType.values()) {
            paths.add("/" + HealthEndpoint.NAME + "/" + t.name().toLowerCase(Locale.ROOT));
        }
        return paths;
    }

    private <T extends HasMetadata> T find(Class<T> type, String name) {
        return resources.stream().filter(type::isInstance).map(type::cast)
                .filter(r -> r.getMetadata().getName().equals(name)).findFirst().orElse(null);
    }

    private static Map<String, String> keys(ConfigMap c) {
        return c.getData() == null ? Map.of() : c.getData();
    }

    private static Map<String, String> keys(Secret s) {
        Map<String, String> k = new TreeMap<>();
        if (s.getData() != null) {
            s.getData().forEach((key, v) -> k.put(key, new String(java.util.Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
        }
        if (s.getStringData() != null) {
            k.putAll(s.getStringData());
        }
        return k;
    }

    private void check() {
        Map<String, List<String>> envUses = new TreeMap<>();
        for (HasMetadata r : resources) {
            if (r instanceof Deployment d) {
                checkDeployment(d, envUses);
            } else if (r instanceof Service s) {
                checkService(s);
            }
        }
        Set<String> outside = outsideConfiguration();
        List<String> toCheck = envUses.keySet().stream().filter(n -> !outside.contains(n)).toList();
        app.readBy(toCheck).forEach((name, props) -> {
            if (props.isEmpty()) {
                problems.add("env " + name + " (" + envUses.get(name) + ") is read by nothing: no configuration property of the server takes it");
            }
        });
    }

    private void checkDeployment(Deployment d, Map<String, List<String>> envUses) {
        String where = "Deployment " + d.getMetadata().getName();
        Map<String, String> podLabels = d.getSpec().getTemplate().getMetadata().getLabels();
        Map<String, String> selector = d.getSpec().getSelector().getMatchLabels();
        if (selector == null || selector.isEmpty() || !podLabels.entrySet().containsAll(selector.entrySet())) {
            problems.add(where + ": selector " + selector + " does not select its pod labels " + podLabels);
        }
        Map<String, Volume> volumes = new LinkedHashMap<>();
        for (Volume v : d.getSpec().getTemplate().getSpec().getVolumes()) {
            volumes.put(v.getName(), v);
            if (v.getSecret() != null) {
                Secret s = find(Secret.class, v.getSecret().getSecretName());
                if (s == null && !Boolean.TRUE.equals(v.getSecret().getOptional())) {
                    problems.add(where + ": volume " + v.getName() + " mounts Secret " + v.getSecret().getSecretName() + ", which is not defined");
                }
            }
            if (v.getConfigMap() != null && find(ConfigMap.class, v.getConfigMap().getName()) == null
                    && !Boolean.TRUE.equals(v.getConfigMap().getOptional())) {
                problems.add(where + ": volume " + v.getName() + " mounts ConfigMap " + v.getConfigMap().getName() + ", which is not defined");
            }
            if (v.getPersistentVolumeClaim() != null && find(PersistentVolumeClaim.class, v.getPersistentVolumeClaim().getClaimName()) == null) {
                problems.add(where + ": volume " + v.getName() + " claims " + v.getPersistentVolumeClaim().getClaimName() + ", which is not defined");
            }
        }
        for (Container c : d.getSpec().getTemplate().getSpec().getContainers()) {
            checkContainer(where + " container " + c.getName(), c, volumes, envUses);
        }
    }

    private void checkContainer(String where, Container c, Map<String, Volume> volumes, Map<String, List<String>> envUses) {
        // The environment the process sees: ConfigMap and Secret keys through envFrom, then env (which wins).
        Map<String, String> env = new LinkedHashMap<>();
        for (EnvFromSource from : c.getEnvFrom()) {
            if (from.getPrefix() != null) {
                problems.add(where + ": envFrom prefix " + from.getPrefix() + " is not checked here");
            }
            if (from.getConfigMapRef() != null) {
                ConfigMap cm = find(ConfigMap.class, from.getConfigMapRef().getName());
                if (cm == null) {
                    problems.add(where + ": envFrom ConfigMap " + from.getConfigMapRef().getName() + " is not defined");
                } else {
                    env.putAll(keys(cm));
                }
            }
            if (from.getSecretRef() != null) {
                Secret s = find(Secret.class, from.getSecretRef().getName());
                if (s == null) {
                    problems.add(where + ": envFrom Secret " + from.getSecretRef().getName() + " is not defined");
                } else {
                    env.putAll(keys(s));
                }
            }
        }
        for (EnvVar e : c.getEnv()) {
            String value = e.getValue();
            if (e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null) {
                var ref = e.getValueFrom().getSecretKeyRef();
                Secret s = find(Secret.class, ref.getName());
                if (s == null || !keys(s).containsKey(ref.getKey())) {
                    problems.add(where + ": env " + e.getName() + " refers to " + ref.getName() + "/" + ref.getKey() + ", which is not defined");
                } else {
                    value = keys(s).get(ref.getKey());
                }
            } else if (e.getValueFrom() != null && e.getValueFrom().getConfigMapKeyRef() != null) {
                var ref = e.getValueFrom().getConfigMapKeyRef();
                ConfigMap cm = find(ConfigMap.class, ref.getName());
                if (cm == null || !keys(cm).containsKey(ref.getKey())) {
                    problems.add(where + ": env " + e.getName() + " refers to ConfigMap " + ref.getName() + "/" + ref.getKey() + ", which is not defined");
                } else {
                    value = keys(cm).get(ref.getKey());
                }
            } else if (e.getValueFrom() != null) {
                problems.add(where + ": env " + e.getName() + " takes its value from a source not checked here");
            }
            env.put(e.getName(), value == null ? "" : value);
        }
        env.keySet().forEach(n -> envUses.computeIfAbsent(n, k -> new ArrayList<>()).add(where));

        String roles = env.get("CHOREOSCOPE_ROLES");
        Map<String, Object> launcher;
        try {
            launcher = roleProperties(roles == null ? "all" : roles);
        } catch (IllegalArgumentException ex) {
            problems.add(where + ": CHOREOSCOPE_ROLES " + roles + ": " + ex.getMessage());
            return;
        }
        List<String> keys = List.of("micronaut.server.port", "micronaut.server.context-path", "choreoscope.ui.enabled",
                "choreoscope.ui.port", "choreoscope.otlp.enabled", "choreoscope.otlp.port", "choreoscope.otlp.grpc-port",
                "endpoints.health.enabled", "endpoints.health.sensitive", "choreoscope.data-dir");
        Map<String, String> resolved = AppConfiguration.resolve(env, launcher, keys);

        // Ports: exactly what the process opens for its roles.
        Map<String, Integer> opens = new TreeMap<>();
        opens.put(HTTP, Integer.parseInt(resolved.get("micronaut.server.port")));
        if (Boolean.parseBoolean(resolved.getOrDefault("choreoscope.ui.enabled", "false"))) {
            opens.put(UI, Integer.parseInt(resolved.get("choreoscope.ui.port")));
        }
        if (Boolean.parseBoolean(resolved.getOrDefault("choreoscope.otlp.enabled", "false"))) {
            opens.put(OTLP_HTTP, Integer.parseInt(resolved.get("choreoscope.otlp.port")));
            int grpc = Integer.parseInt(resolved.get("choreoscope.otlp.grpc-port"));
            if (grpc != -1) {
                opens.put(OTLP_GRPC, grpc);
            }
        }
        Map<String, Integer> declared = new TreeMap<>();
        for (ContainerPort p : c.getPorts()) {
            declared.put(String.valueOf(p.getName()), p.getContainerPort());
        }
        if (!declared.equals(opens)) {
            problems.add(where + " (roles " + roles + "): container ports " + declared + " but the process opens " + opens);
        }

        // Probes.
        if (resolved.get("micronaut.server.context-path") != null) {
            problems.add(where + ": micronaut.server.context-path is set: probe paths would need it");
        }
        boolean open = Boolean.parseBoolean(resolved.getOrDefault("endpoints.health.enabled", "true"))
                && "false".equals(resolved.get("endpoints.health.sensitive"));
        if (!open) {
            problems.add(where + ": /health is not enabled and open to unauthenticated probes (endpoints.health.*)");
        }
        String liveness = "/" + HealthEndpoint.NAME + "/" + HealthCheckType.LIVENESS.name().toLowerCase(Locale.ROOT);
        checkProbe(where, "livenessProbe", c.getLivenessProbe(), c, opens.get(HTTP), Set.of(liveness));
        checkProbe(where, "startupProbe", c.getStartupProbe(), c, opens.get(HTTP), Set.of(liveness));
        checkProbe(where, "readinessProbe", c.getReadinessProbe(), c, opens.get(HTTP), healthPaths());

        // Files: the data directory on a volume (the image's root file system belongs to root); config files mounted.
        String dataDir = resolved.get("choreoscope.data-dir");
        if (c.getVolumeMounts().stream().noneMatch(m -> m.getMountPath().equals(dataDir))) {
            problems.add(where + ": choreoscope.data-dir " + dataDir + " is not a mounted volume");
        }
        String configFiles = env.get(Environment.PROPERTY_SOURCES_KEY.replace('.', '_').toUpperCase(Locale.ROOT));
        if (configFiles != null) {
            for (String file : configFiles.split(",")) {
                checkConfigFile(where, file.strip(), c, volumes);
            }
        }
    }

    private void checkProbe(String where, String kind, Probe probe, Container c, int serverPort, Set<String> allowed) {
        if (probe == null || probe.getHttpGet() == null) {
            problems.add(where + ": no HTTP " + kind);
            return;
        }
        String path = probe.getHttpGet().getPath();
        if (!allowed.contains(path)) {
            problems.add(where + ": " + kind + " path " + path + " is not one of " + allowed + " (served: " + healthPaths() + ")");
        }
        Integer port = portNumber(c, probe.getHttpGet().getPort());
        if (port == null || port != serverPort) {
            problems.add(where + ": " + kind + " port " + probe.getHttpGet().getPort() + " is not the server port " + serverPort);
        }
    }

    /** A container port by name or number, null when the container has no such port. */
    private static Integer portNumber(Container c, IntOrString port) {
        if (port == null) {
            return null;
        }
        for (ContainerPort p : c.getPorts()) {
            if (port.getStrVal() != null ? port.getStrVal().equals(p.getName()) : Objects.equals(port.getIntVal(), p.getContainerPort())) {
                return p.getContainerPort();
            }
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    private void checkConfigFile(String where, String file, Container c, Map<String, Volume> volumes) {
        Path path = Path.of(file);
        VolumeMount mount = c.getVolumeMounts().stream().filter(m -> Path.of(m.getMountPath()).equals(path.getParent()))
                .findFirst().orElse(null);
        Volume v = mount == null ? null : volumes.get(mount.getName());
        Map<String, String> data = null;
        if (v != null && v.getSecret() != null && find(Secret.class, v.getSecret().getSecretName()) != null) {
            data = keys(find(Secret.class, v.getSecret().getSecretName()));
        } else if (v != null && v.getConfigMap() != null && find(ConfigMap.class, v.getConfigMap().getName()) != null) {
            data = keys(find(ConfigMap.class, v.getConfigMap().getName()));
        }
        String name = path.getFileName().toString();
        if (data == null || !data.containsKey(name)) {
            problems.add(where + ": configuration file " + file + " is not a key of a Secret or ConfigMap mounted at " + path.getParent());
            return;
        }
        Map<String, Object> flat = new TreeMap<>();
        flatten("", new Yaml().load(data.get(name)), flat);
        for (String key : flat.keySet()) {
            if (!app.bound(key)) {
                problems.add(where + ": " + file + " sets " + key + ", which no configuration class reads");
            }
        }
        if (flat.isEmpty()) {
            problems.add(where + ": " + file + " sets nothing");
        }
    }

    @SuppressWarnings("unchecked")
    private static void flatten(String path, Object node, Map<String, Object> out) {
        if (node instanceof Map<?, ?> m) {
            m.forEach((k, v) -> flatten(path.isEmpty() ? String.valueOf(k) : path + "." + k, v, out));
        } else if (node != null) {
            out.put(path, node);
        }
    }

    private void checkService(Service s) {
        String where = "Service " + s.getMetadata().getName();
        Map<String, String> selector = s.getSpec().getSelector();
        List<Container> containers = new ArrayList<>();
        for (HasMetadata r : resources) {
            if (r instanceof Deployment d && selector != null && !selector.isEmpty()
                    && d.getSpec().getTemplate().getMetadata().getLabels().entrySet().containsAll(selector.entrySet())) {
                containers.addAll(d.getSpec().getTemplate().getSpec().getContainers());
            }
        }
        if (containers.isEmpty()) {
            problems.add(where + ": selector " + selector + " selects no pods");
            return;
        }
        for (ServicePort p : s.getSpec().getPorts()) {
            IntOrString target = p.getTargetPort() == null ? new IntOrString(p.getPort()) : p.getTargetPort();
            if (containers.stream().allMatch(c -> portNumber(c, target) == null)) {
                problems.add(where + ": port " + p.getName() + " targets " + (target.getStrVal() != null ? target.getStrVal() : target.getIntVal())
                        + ", which no selected container declares");
            }
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> roleProperties(String roles) {
        try {
            Method m = Application.class.getDeclaredMethod("roleProperties", String.class);
            m.setAccessible(true);
            return (Map<String, Object>) m.invoke(null, roles);
        } catch (java.lang.reflect.InvocationTargetException e) {
            if (e.getCause() instanceof IllegalArgumentException iae) {
                throw iae;
            }
            throw new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
