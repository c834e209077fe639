package io.choreoscope.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.choreoscope.auth.PasswordHashes;
import io.choreoscope.auth.Roles;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Which webhook URLs an admin may save (after DNS resolution, with the allow-list) and who sees them,
 * with sign-in on. Saving never calls the webhook, so a listed private address needs no receiver.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebhookUrlApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private final Map<String, String> tokens = new HashMap<>();
    private EmbeddedServer server;

    @BeforeAll
    void start() throws Exception {
        Map<String, Object> p = new HashMap<>(Map.of(
                "spec.name", "AlertsApiTest",
                "micronaut.server.port", -1,
                "choreoscope.tap.enabled", false,
                "choreoscope.otlp.enabled", false,
                "choreoscope.alerts.enabled", false,
                "choreoscope.alerts.webhook.allowed-hosts", List.of("192.168.77.0/24"),
                "choreoscope.auth.enabled", true,
                "choreoscope.auth.token-secret", "test-secret-that-is-long-enough-for-hmac-sha256"));
        for (String role : List.of(Roles.VIEWER, Roles.ADMIN)) {
            p.put("choreoscope.auth.users." + role + "-user.password-hash", PasswordHashes.hash(("pw-" + role).toCharArray()));
            p.put("choreoscope.auth.users." + role + "-user.roles", List.of(role));
        }
        server = ApplicationContext.run(EmbeddedServer.class, p);
        for (String role : List.of(Roles.VIEWER, Roles.ADMIN)) {
            HttpResponse<String> r = call("POST", "/api/v1/auth/login", null,
                    "{\"username\":\"" + role + "-user\",\"password\":\"pw-" + role + "\"}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            tokens.put(role, "Bearer " + JSON.readTree(r.body()).get("token").asText());
        }
    }

    @AfterAll
    void stop() {
        server.getApplicationContext().close();
    }

    private HttpResponse<String> call(String method, String path, String role, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.getURL() + path))
                .header("Content-Type", "application/json");
        if (role != null) {
            b.header("Authorization", tokens.get(role));
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> save(String url) throws Exception {
        return call("POST", "/api/v1/alerts/rules", Roles.ADMIN,
                "{\"name\":\"hook\",\"kind\":\"CONSUMER_LAG_ABOVE\",\"threshold\":30,\"webhookUrl\":\"" + url + "\"}");
    }

    private void assertRefused(String url, String... reason) throws Exception {
        HttpResponse<String> r = save(url);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        JsonNode error = JSON.readTree(r.body());
        assertThat(error.get("error").asText()).isEqualTo("bad_request");
        assertThat(error.get("message").asText()).contains(reason);
    }

    @Test
    void theCloudMetadataAddressIsRefused() throws Exception {
        assertRefused("http://169.254.169.254/latest/meta-data", "169.254.169.254", "link-local");
    }

    @Test
    void clickHousesPortOnLoopbackIsRefused() throws Exception {
        assertRefused("http://127.0.0.1:8123/", "127.0.0.1", "loopback");
    }

    @Test
    void aHostNameResolvingToLoopbackIsRefused() throws Exception {
        assertRefused("http://localhost:8123/", "localhost", "loopback");
    }

    @Test
    void aPrivateAddressOutsideTheAllowListIsRefusedOnUpdateToo() throws Exception {
        assertRefused("http://192.168.78.5/hook", "private");
        HttpResponse<String> created = save("http://192.168.77.5/hook");
        long id = JSON.readTree(created.body()).get("id").asLong();
        HttpResponse<String> r = call("PUT", "/api/v1/alerts/rules/" + id, Roles.ADMIN,
                "{\"name\":\"hook\",\"kind\":\"CONSUMER_LAG_ABOVE\",\"threshold\":30,\"webhookUrl\":\"http://10.0.0.1/\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        call("DELETE", "/api/v1/alerts/rules/" + id, Roles.ADMIN, null);
    }

    @Test
    void aListedNetworkIsAllowedAndItsFullUrlIsShownToAdminsOnly() throws Exception {
        String url = "http://192.168.77.5/services/T0/B0/secret";
        HttpResponse<String> created = save(url);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        long id = JSON.readTree(created.body()).get("id").asLong();

        HttpResponse<String> asViewer = call("GET", "/api/v1/alerts/rules", Roles.VIEWER, null);
        assertThat(asViewer.statusCode()).isEqualTo(200);
        assertThat(asViewer.body()).doesNotContain("secret").contains("http://192.168.77.5/…");
        HttpResponse<String> oneAsViewer = call("GET", "/api/v1/alerts/rules/" + id, Roles.VIEWER, null);
        assertThat(JSON.readTree(oneAsViewer.body()).get("webhookUrl").asText()).isEqualTo("http://192.168.77.5/…");

        HttpResponse<String> asAdmin = call("GET", "/api/v1/alerts/rules/" + id, Roles.ADMIN, null);
        assertThat(JSON.readTree(asAdmin.body()).get("webhookUrl").asText()).isEqualTo(url);
        call("DELETE", "/api/v1/alerts/rules/" + id, Roles.ADMIN, null);
    }
}
