package io.choreoscope.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.choreoscope.e2e.E2eLocks;
import io.choreoscope.faults.AppProcess;
import io.choreoscope.harness.clickhouse.EmbeddedClickHouse;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceAccessMode;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.api.io.TempDir;

/**
 * The api Deployment's probes asked of the real server (the packaged backend as a process, as in the image) on a
 * real ClickHouse, without credentials as the kubelet asks: liveness and readiness 200 while all is well; with
 * ClickHouse stopped, readiness 503 (the Service stops sending traffic) while liveness stays 200 (no restart, which
 * would not bring ClickHouse back); readiness 200 again once ClickHouse is back.
 */
class KubernetesProbesTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static int status(String url) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    @Test
    void theApiPodsProbesAnswerAsTheManifestExpects(@TempDir Path dir) throws Exception {
        List<HasMetadata> base = KubernetesManifestsTest.typed(Kustomize.render(KubernetesManifestsTest.K8S.resolve("base")));
        Container api = base.stream().filter(Deployment.class::isInstance).map(Deployment.class::cast)
                .filter(d -> d.getMetadata().getName().equals("choreoscope-api")).findFirst().orElseThrow()
                .getSpec().getTemplate().getSpec().getContainers().get(0);
        String liveness = api.getLivenessProbe().getHttpGet().getPath();
        String readiness = api.getReadinessProbe().getHttpGet().getPath();
        String startup = api.getStartupProbe().getHttpGet().getPath();

        Path root = Path.of("..").toAbsolutePath().normalize();
        try (EmbeddedClickHouse clickHouse = EmbeddedClickHouse.start(Files.createDirectories(dir.resolve("clickhouse")), 0);
             AppProcess app = new AppProcess(root, dir.resolve("app"), "api", Map.of(
                     "choreoscope.clickhouse.url", clickHouse.httpUrl(),
                     // every probe call checks ClickHouse (default: one check per 5 s), so the outage shows at once
                     "choreoscope.clickhouse.health-check-interval", "0s"))) {
            app.start();
            app.awaitHealthy(Duration.ofMinutes(3));
            String base0 = app.apiUrl();
            assertThat(status(base0 + startup)).isEqualTo(200);
            assertThat(status(base0 + liveness)).isEqualTo(200);
            assertThat(status(base0 + readiness)).isEqualTo(200);

            clickHouse.stop();
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                    .untilAsserted(() -> assertThat(status(base0 + readiness)).isEqualTo(503));
            assertThat(status(base0 + liveness)).as("liveness while ClickHouse is down").isEqualTo(200);
            assertThat(status(base0 + "/health")).as("the whole /health while ClickHouse is down").isEqualTo(503);

            clickHouse.restart();
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                    .untilAsserted(() -> assertThat(status(base0 + readiness)).isEqualTo(200));
            assertThat(status(base0 + liveness)).isEqualTo(200);
        }
    }
}
