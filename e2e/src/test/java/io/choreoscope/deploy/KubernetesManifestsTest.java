package io.choreoscope.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * deploy/kubernetes (docs/KUBERNETES.md) checked without a cluster: every file loads into fabric8's Kubernetes model
 * (no unknown kind, no unknown field), the base and each overlay are rendered as kustomize would ({@link Kustomize})
 * and their wiring is checked against the application itself ({@link Wiring}): environment variable names against
 * the properties the server's configuration classes bind, ports against what the process opens for its roles, probes
 * against Micronaut's health endpoint, and every ConfigMap, Secret, key, claim and Service target that is referred to.
 */
class KubernetesManifestsTest {
    static final Path K8S = Path.of("..", "deploy", "kubernetes");
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    private static AppConfiguration app;

    @BeforeAll
    static void readTheApplication() {
        app = new AppConfiguration();
    }

    static Stream<Path> layouts() throws IOException {
        List<Path> dirs = new ArrayList<>();
        dirs.add(K8S.resolve("base"));
        try (Stream<Path> overlays = Files.list(K8S.resolve("overlays"))) {
            overlays.filter(d -> Files.isRegularFile(d.resolve("kustomization.yaml"))).sorted().forEach(dirs::add);
        }
        return dirs.stream();
    }

    /** Each document as fabric8's typed model; fails on an unknown kind or an unknown field anywhere in it. */
    static List<HasMetadata> typed(List<Map<String, Object>> docs) {
        List<HasMetadata> out = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        for (Map<String, Object> doc : docs) {
            KubernetesResource r = SERIALIZATION.unmarshal(block().dump(doc));
            String what = doc.get("kind") + "/" + Kustomize.name(doc);
            assertThat(r).as(what + " (apiVersion " + doc.get("apiVersion") + ") is a kind the model knows")
                    .isNotInstanceOf(GenericKubernetesResource.class).isInstanceOf(HasMetadata.class);
            unknownFields(r, what, unknown);
            out.add((HasMetadata) r);
        }
        assertThat(unknown).as("fields the Kubernetes model does not know (misspelt or misplaced)").isEmpty();
        return out;
    }

    /** YAML in block style, one key per line, as the manifests are written. */
    private static Yaml block() {
        DumperOptions o = new DumperOptions();
        o.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        return new Yaml(o);
    }

    private static void unknownFields(Object o, String path, List<String> out) {
        if (o instanceof Collection<?> c) {
            int i = 0;
            for (Object x : c) {
                unknownFields(x, path + "[" + i++ + "]", out);
            }
            return;
        }
        if (o instanceof Map<?, ?> m) {
            m.forEach((k, v) -> unknownFields(v, path + "." + k, out));
            return;
        }
        if (o == null || !o.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        for (Method m : o.getClass().getMethods()) {
            if (m.getParameterCount() != 0 || !m.getName().startsWith("get") || m.getDeclaringClass() == Object.class) {
                continue;
            }
            Object v;
            try {
                v = m.invoke(o);
            } catch (IllegalAccessException | InvocationTargetException e) {
                continue;
            }
            if (m.getName().equals("getAdditionalProperties")) {
                if (v instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    out.add(path + ": " + extra.keySet());
                }
            } else {
                unknownFields(v, path + "." + m.getName().substring(3), out);
            }
        }
    }

    private static <T> List<T> of(List<HasMetadata> resources, Class<T> type) {
        return resources.stream().filter(type::isInstance).map(type::cast).toList();
    }

    private static String env(Container c, String name) {
        return c.getEnv().stream().filter(e -> e.getName().equals(name)).map(EnvVar::getValue).findFirst().orElse(null);
    }

    private static Deployment deployment(List<HasMetadata> resources, String name) {
        return of(resources, Deployment.class).stream().filter(d -> d.getMetadata().getName().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void everyFileLoadsIntoTheKubernetesModel() throws IOException {
        List<Path> files;
        try (Stream<Path> all = Files.walk(K8S)) {
            files = all.filter(p -> p.toString().endsWith(".yaml") && !p.getFileName().toString().equals("kustomization.yaml")).sorted().toList();
        }
        int docs = 0;
        for (Path f : files) {
            List<Map<String, Object>> loaded = Kustomize.load(f);
            assertThat(loaded).as(f.toString()).isNotEmpty();
            typed(loaded);
            docs += loaded.size();
        }
        // base: ConfigMap, Secret, 3 Deployments, 2 Services, a claim; the managed overlay: a Secret and 5 patches
        assertThat(docs).isGreaterThanOrEqualTo(14);
    }

    @ParameterizedTest
    @MethodSource("layouts")
    void everyLayoutIsWiredToWhatTheApplicationServesAndReads(Path dir) {
        List<HasMetadata> resources = typed(Kustomize.render(dir));
        assertThat(new Wiring(app, resources).problems()).as(dir + " rendered").isEmpty();

        // The roles of docs/ARCHITECTURE.md, each its own Deployment; the API and the UI behind a Service.
        assertThat(of(resources, Deployment.class)).extracting(d -> env(d.getSpec().getTemplate().getSpec().getContainers().get(0), "CHOREOSCOPE_ROLES"))
                .containsExactlyInAnyOrder("collector", "inference", "api,ui");
        Service api = of(resources, Service.class).stream().filter(s -> s.getMetadata().getName().equals("choreoscope")).findFirst().orElseThrow();
        assertThat(api.getSpec().getPorts()).extracting(p -> p.getTargetPort().getStrVal()).containsExactlyInAnyOrder(Wiring.HTTP, Wiring.UI);
        // Every pod has requests (the scheduler's sizing) and a memory limit (the JVM's heap follows it).
        for (Deployment d : of(resources, Deployment.class)) {
            Container c = d.getSpec().getTemplate().getSpec().getContainers().get(0);
            assertThat(c.getResources().getRequests()).as(d.getMetadata().getName()).containsKeys("cpu", "memory");
            assertThat(c.getResources().getLimits()).as(d.getMetadata().getName()).containsKey("memory");
        }
    }

    @Test
    void theManagedOverlayIsResolvedAsKustomizeWould() {
        List<HasMetadata> base = typed(Kustomize.render(K8S.resolve("base")));
        List<HasMetadata> managed = typed(Kustomize.render(K8S.resolve("overlays/managed")));
        assertThat(managed).allSatisfy(r -> assertThat(r.getMetadata().getNamespace()).isEqualTo("choreoscope"));
        assertThat(managed).hasSize(base.size() + 1);

        // patches merge: the ConfigMap keeps the base's keys, the env lists keep theirs and gain the config file
        ConfigMap cm = of(managed, ConfigMap.class).get(0);
        assertThat(cm.getData()).containsEntry("CHOREOSCOPE_CLICKHOUSE_DATABASE", "choreoscope")
                .containsEntry("CHOREOSCOPE_CLICKHOUSE_URL", "https://abc123xyz.eu-west-1.aws.clickhouse.cloud:8443");
        for (String name : List.of("choreoscope-collector", "choreoscope-inference", "choreoscope-api")) {
            Deployment d = deployment(managed, name);
            Container c = d.getSpec().getTemplate().getSpec().getContainers().get(0);
            Container before = deployment(base, name).getSpec().getTemplate().getSpec().getContainers().get(0);
            assertThat(c.getEnv()).hasSize(before.getEnv().size() + 1);
            assertThat(env(c, "MICRONAUT_CONFIG_FILES")).isEqualTo("/etc/choreoscope/kafka/kafka-client.yml");
            assertThat(c.getImage()).isEqualTo("registry.example.com/platform/choreoscope:0.1.0");
            assertThat(c.getVolumeMounts()).hasSize(before.getVolumeMounts().size() + 1);
            assertThat(d.getSpec().getTemplate().getSpec().getVolumes()).hasSize(2);
        }
        assertThat(deployment(managed, "choreoscope-inference").getSpec().getReplicas()).isEqualTo(3);
        assertThat(deployment(managed, "choreoscope-collector").getSpec().getReplicas()).isEqualTo(2);
    }

    @Test
    void kustomizeFieldsThisTestDoesNotResolveAreRefused(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("kustomization.yaml"), "resources: [a.yaml]\nconfigMapGenerator:\n  - name: x\n");
        assertThatThrownBy(() -> Kustomize.render(dir)).hasMessageContaining("configMapGenerator");
    }

    /** The checks are only worth something if they fail: each mistake below must be reported. */
    @Test
    @SuppressWarnings("unchecked")
    void theChecksReportMisspeltNamesAndBrokenReferences() {
        List<Map<String, Object>> docs = Kustomize.render(K8S.resolve("base"));
        String yaml = block().dumpAll(docs.iterator())
                .replace("name: CHOREOSCOPE_CLICKHOUSE_PASSWORD", "name: CHOREOSCOPE_CLICKHOUSE_PASWORD")
                .replace("CHOREOSCOPE_INFERENCE_TOPIC_PARTITIONS:", "CHOREOSCOPE_INFERENCE_TOPIC_PARTITION:")
                .replace("key: admin-password", "key: admin-pasword")
                .replace("path: /health/readiness", "path: /health/ready")
                .replace("targetPort: otlp-grpc", "targetPort: otlp-grcp")
                .replace("containerPort: 8080", "containerPort: 8090")
                .replace("CHOREOSCOPE_OTLP_PORT: '4318'", "CHOREOSCOPE_OTLP_PORT: '4319'");
        assertThat(yaml).contains("CHOREOSCOPE_OTLP_PORT: '4319'");
        List<Map<String, Object>> broken = new ArrayList<>();
        new Yaml().loadAll(yaml).forEach(d -> broken.add((Map<String, Object>) d));
        List<String> problems = new Wiring(app, typed(broken)).problems();
        assertThat(problems).anyMatch(p -> p.startsWith("env CHOREOSCOPE_CLICKHOUSE_PASWORD ") && p.contains("read by nothing"))
                .anyMatch(p -> p.startsWith("env CHOREOSCOPE_INFERENCE_TOPIC_PARTITION ") && p.contains("read by nothing"))
                .anyMatch(p -> p.contains("choreoscope-api") && p.contains("admin-pasword, which is not defined"))
                .anyMatch(p -> p.contains("readinessProbe path /health/ready is not one of"))
                .anyMatch(p -> p.startsWith("Service choreoscope-otlp: port otlp-grpc targets otlp-grcp"))
                .anyMatch(p -> p.contains("choreoscope-api") && p.contains("container ports {http=8081, ui=8090} but the process opens {http=8081, ui=8080}"))
                // the ConfigMap moves the receiver (the environment wins over application.yml), the container port stays
                .anyMatch(p -> p.contains("choreoscope-collector") && p.contains("otlp-http=4318} but the process opens")
                        && p.endsWith("otlp-http=4319}"))
                .noneMatch(p -> p.contains("CHOREOSCOPE_CLICKHOUSE_URL"));

        // Liveness on the whole /health would restart every pod while ClickHouse is down.
        String wholeHealth = block().dumpAll(docs.iterator()).replace("path: /health/liveness", "path: /health");
        List<Map<String, Object>> restarting = new ArrayList<>();
        new Yaml().loadAll(wholeHealth).forEach(d -> restarting.add((Map<String, Object>) d));
        assertThat(new Wiring(app, typed(restarting)).problems()).anyMatch(p -> p.contains("livenessProbe path /health is not one of [/health/liveness]"));
    }

    @Test
    void theCheckKnowsTheApplication() {
        // Vacuous without the configuration classes: these must be found.
        assertThat(app.prefixes()).contains("choreoscope", "choreoscope.kafka", "choreoscope.clickhouse", "choreoscope.inference",
                "choreoscope.otlp", "choreoscope.auth", "choreoscope.ui", "micronaut.server");
        Map<String, List<String>> readBy = app.readBy(List.of("CHOREOSCOPE_CLICKHOUSE_URL", "CHOREOSCOPE_ADMIN_PASSWORD",
                "CHOREOSCOPE_TAP_BOOTSTRAP_SERVERS", "CHOREOSCOPE_CLICKHOUSE_URLS", "CHOREOSCOPE_ROLES"));
        assertThat(readBy.get("CHOREOSCOPE_CLICKHOUSE_URL")).containsExactly("choreoscope.clickhouse.url");
        assertThat(readBy.get("CHOREOSCOPE_ADMIN_PASSWORD")).contains("choreoscope.auth.admin-password"); // a placeholder of application.yml
        assertThat(readBy.get("CHOREOSCOPE_TAP_BOOTSTRAP_SERVERS")).contains("choreoscope.kafka.bootstrap-servers");
        assertThat(readBy.get("CHOREOSCOPE_CLICKHOUSE_URLS")).isEmpty();
        assertThat(readBy.get("CHOREOSCOPE_ROLES")).as("read by the launcher, not by a configuration class").isEmpty();
        assertThat(Wiring.outsideConfiguration()).containsExactlyInAnyOrder("CHOREOSCOPE_ROLES", "MICRONAUT_CONFIG_FILES", "JAVA_TOOL_OPTIONS");
        assertThat(Wiring.healthPaths()).containsExactlyInAnyOrder("/health", "/health/liveness", "/health/readiness");
    }
}
