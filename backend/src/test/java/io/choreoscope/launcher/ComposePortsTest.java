package io.choreoscope.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * docker-compose.yml publishes on every interface only what asks for sign-in itself (the UI on 8080, the API on 8081);
 * Kafka, ClickHouse and the OTLP receiver are published on 127.0.0.1 unless the user opens them on purpose.
 */
class ComposePortsTest {
    private static final List<String> OPEN = List.of("8080", "8081");

    @Test
    @SuppressWarnings("unchecked")
    void onlyTheUiAndTheApiArePublishedBeyondLoopback() throws Exception {
        List<String> wide = new ArrayList<>();
        List<String> published = new ArrayList<>();
        // docker-compose.cluster.yml goes on top of docker-compose.yml: its ports are published too.
        for (String file : List.of("docker-compose.yml", "docker-compose.cluster.yml")) {
            Map<String, Object> doc;
            try (Reader r = Files.newBufferedReader(Path.of("..", file))) {
                doc = new Yaml().load(r);
            }
            ((Map<String, Map<String, Object>>) doc.get("services")).forEach((service, def) -> {
                for (Object port : (List<Object>) def.getOrDefault("ports", List.of())) {
                    String p = String.valueOf(port);
                    published.add(service + " " + p);
                    String[] parts = p.split(":");
                    String hostPort = parts.length >= 2 ? parts[parts.length - 2] : parts[0];
                    boolean loopback = parts.length == 3 && parts[0].equals("127.0.0.1");
                    if (!loopback && !OPEN.contains(hostPort)) {
                        wide.add(service + " " + p);
                    }
                }
            });
        }
        assertThat(published).as("the compose file publishes ports").isNotEmpty();
        assertThat(wide).as("published on every interface").isEmpty();
        assertThat(published).anyMatch(p -> p.startsWith("choreoscope ") && p.contains("8081"));
    }
}
