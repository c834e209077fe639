package io.choreoscope.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.choreoscope.harness.clickhouse.ClickHouseExtension;
import io.choreoscope.harness.kafka.KafkaExtension;
import io.choreoscope.ingest.TestApplication;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;

/**
 * Signing out ends the session for good: a token captured before {@code POST /api/v1/auth/logout} is refused after it,
 * also after a restart, while the user's other sessions go on. Over real HTTP against the running server.
 */
@ExtendWith({KafkaExtension.class, ClickHouseExtension.class})
class SignOutTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String database = ClickHouseExtension.createDatabase();

    @TempDir
    Path dataDir;

    private EmbeddedServer start() {
        Map<String, Object> p = TestApplication.properties(KafkaExtension.uniqueName("sign-out"), database);
        p.put("choreoscope.tap.enabled", false);
        p.put("choreoscope.otlp.enabled", false);
        p.put("choreoscope.alerts.enabled", false);
        p.put("choreoscope.auth.enabled", true);
        p.put("choreoscope.auth.token-secret", AccessTest.SECRET);
        p.put("choreoscope.data-dir", dataDir.toString());
        p.put("choreoscope.auth.users.frank.password-hash", PasswordHashes.hash("pw-frank".toCharArray(), 10_000));
        p.put("choreoscope.auth.users.frank.roles", List.of("operator"));
        return ApplicationContext.run(EmbeddedServer.class, p);
    }

    private HttpResponse<String> send(EmbeddedServer server, String method, String path, String authorization, String body)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.getURL() + path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private String token(EmbeddedServer server) throws Exception {
        HttpResponse<String> r = send(server, "POST", "/api/v1/auth/login", null, "{\"username\":\"frank\",\"password\":\"pw-frank\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return "Bearer " + JSON.readTree(r.body()).get("token").asText();
    }

    @Test
    void aTokenCapturedBeforeSignOutIsRefusedAfterItEvenAfterARestartWhileOtherSessionsGoOn() throws Exception {
        String captured;
        String other;
        try (EmbeddedServer server = start()) {
            captured = token(server);
            other = token(server);
            assertThat(captured).isNotEqualTo(other);
            assertThat(send(server, "GET", "/api/v1/auth/me", captured, null).statusCode()).isEqualTo(200);

            HttpResponse<String> out = send(server, "POST", "/api/v1/auth/logout", captured, null);
            assertThat(out.statusCode()).as(out.body()).isEqualTo(204);

            HttpResponse<String> replayed = send(server, "GET", "/api/v1/auth/me", captured, null);
            assertThat(replayed.statusCode()).as("the captured token after sign-out").isEqualTo(401);
            assertThat(send(server, "GET", "/api/v1/flows", captured, null).statusCode()).isEqualTo(401);
            assertThat(send(server, "POST", "/api/v1/auth/logout", captured, null).statusCode()).isEqualTo(401);
            assertThat(send(server, "GET", "/api/v1/auth/me", other, null).statusCode()).as("another session of the same user")
                    .isEqualTo(200);

            String basic = "Basic " + Base64.getEncoder().encodeToString("frank:pw-frank".getBytes(StandardCharsets.UTF_8));
            HttpResponse<String> basicOut = send(server, "POST", "/api/v1/auth/logout", basic, null);
            assertThat(basicOut.statusCode()).as("HTTP Basic has no session to end").isEqualTo(400);
            assertThat(send(server, "POST", "/api/v1/auth/logout", null, null).statusCode()).isEqualTo(401);
        }
        try (EmbeddedServer again = start()) {
            assertThat(send(again, "GET", "/api/v1/auth/me", captured, null).statusCode()).as("signed out stays signed out")
                    .isEqualTo(401);
            assertThat(send(again, "GET", "/api/v1/auth/me", other, null).statusCode()).isEqualTo(200);
        }
    }
}
