package io.choreoscope.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.choreoscope.harness.clickhouse.ClickHouseExtension;
import io.choreoscope.harness.kafka.KafkaExtension;
import io.choreoscope.ingest.TestApplication;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;

/**
 * OpenID Connect sign-in end to end over HTTP, as a browser does it: choreoscope's {@code /oauth/login},
 * the provider's authorization endpoint, the callback (code exchange, ID token signature, issuer, audience
 * and nonce checked by Micronaut Security), the redirect to the UI with a one-time code, and the code
 * traded for a choreoscope token whose roles come from the user's groups.
 */
@ExtendWith({KafkaExtension.class, ClickHouseExtension.class})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SingleSignOnTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String UI = "http://ui.example.test:8080";
    private TestOidcProvider idp;
    private EmbeddedServer server;

    @BeforeAll
    void start() throws Exception {
        idp = new TestOidcProvider("choreoscope-ui", "client-s3cret");
        Map<String, Object> p = TestApplication.properties(KafkaExtension.uniqueName("sso"), ClickHouseExtension.createDatabase());
        p.put("choreoscope.tap.enabled", false);
        p.put("choreoscope.otlp.enabled", false);
        p.put("choreoscope.auth.enabled", true);
        p.put("choreoscope.auth.token-secret", AccessTest.SECRET);
        p.put("choreoscope.auth.ui-url", UI);
        p.put("choreoscope.auth.public-api-url", "http://api.example.test:8081");
        p.put("choreoscope.auth.oidc.role-mapping.sre-team", "operator");
        p.put("micronaut.security.oauth2.clients.corp.client-id", "choreoscope-ui");
        p.put("micronaut.security.oauth2.clients.corp.client-secret", "client-s3cret");
        p.put("micronaut.security.oauth2.clients.corp.openid.issuer", idp.issuer());
        server = ApplicationContext.run(EmbeddedServer.class, p);
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.getApplicationContext().close();
        }
        if (idp != null) {
            idp.close();
        }
    }

    /** A browser: keeps cookies, follows no redirects by itself. */
    private static HttpClient browser() {
        return HttpClient.newBuilder().cookieHandler(new CookieManager(null, CookiePolicy.ACCEPT_ALL))
                .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build();
    }

    private static HttpResponse<String> get(HttpClient c, String url) throws Exception {
        return c.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Runs the browser's part of a sign-in and answers where the callback sent it. */
    private String signIn(Map<String, Object> user) throws Exception {
        idp.signInAs(user);
        HttpClient browser = browser();
        HttpResponse<String> login = get(browser, server.getURL() + "/oauth/login/corp");
        assertThat(login.statusCode()).as(login.body()).isBetween(301, 303);
        String authorize = login.headers().firstValue("Location").orElseThrow();
        assertThat(authorize).startsWith(idp.issuer() + "/authorize").contains("client_id=choreoscope-ui").contains("nonce=");
        HttpResponse<String> atIdp = get(browser, authorize);
        assertThat(atIdp.statusCode()).isEqualTo(302);
        String callback = atIdp.headers().firstValue("Location").orElseThrow();
        assertThat(callback).startsWith(server.getURL() + "/oauth/callback/corp");
        HttpResponse<String> done = get(browser, callback);
        assertThat(done.statusCode()).as(done.body()).isBetween(301, 303);
        return done.headers().firstValue("Location").orElseThrow();
    }

    private HttpResponse<String> api(String method, String path, String auth, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.getURL() + path)).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (auth != null) {
            b.header("Authorization", auth);
        }
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aGroupMemberSignsInThroughTheProviderAndGetsTheMappedRole() throws Exception {
        String back = signIn(Map.of("sub", "u-42", "preferred_username", "alice", "groups", List.of("sre-team", "staff")));
        assertThat(back).startsWith(UI + "/sso?code=");
        assertThat(back).as("no token travels through the browser").doesNotContain(".ey");
        String code = back.substring(back.indexOf("code=") + 5);

        HttpResponse<String> exchanged = api("POST", "/api/v1/auth/sso/exchange", null, "{\"code\":\"" + code + "\"}");
        assertThat(exchanged.statusCode()).as(exchanged.body()).isEqualTo(200);
        JsonNode signedIn = JSON.readTree(exchanged.body());
        assertThat(signedIn.at("/user/name").asText()).isEqualTo("alice");
        assertThat(signedIn.at("/user/roles").toString()).isEqualTo("[\"viewer\",\"operator\"]");
        String token = "Bearer " + signedIn.get("token").asText();
        assertThat(JSON.readTree(api("GET", "/api/v1/auth/me", token, null).body()).get("name").asText()).isEqualTo("alice");
        assertThat(api("GET", "/api/v1/alerts/rules", token, null).statusCode()).isEqualTo(200);
        assertThat(api("POST", "/api/v1/alerts/rules", token, "{}").statusCode()).as("an operator is no admin").isEqualTo(403);

        assertThat(api("POST", "/api/v1/auth/sso/exchange", null, "{\"code\":\"" + code + "\"}").statusCode())
                .as("a code works once").isEqualTo(401);
        assertThat(idp.tokenRequests).anySatisfy(r -> assertThat(r).contains("grant_type=authorization_code"));
    }

    @Test
    void theProvidersOwnIdTokenIsNoChoreoscopeToken() throws Exception {
        String idToken = idp.idToken(Map.of("sub", "u-1", "preferred_username", "eve", "groups", List.of("admin"), "roles", List.of("admin")), null);
        assertThat(api("GET", "/api/v1/auth/me", "Bearer " + idToken, null).statusCode()).isEqualTo(401);
    }

    @Test
    void someoneWhoseGroupsGrantNoRoleIsSentBackToSignInWithTheReason() throws Exception {
        String back = signIn(Map.of("sub", "u-7", "preferred_username", "bob", "groups", List.of("marketing")));
        assertThat(back).startsWith(UI + "/login?error=");
        String reason = URLDecoder.decode(back.substring(back.indexOf("error=") + 6), StandardCharsets.UTF_8);
        assertThat(reason).contains("bob").contains("no choreoscope role").contains("marketing");
    }

    @Test
    void aGroupNamedLikeARoleGrantsNothingWhenTheMappingDoesNotListIt() throws Exception {
        // Only sre-team is mapped: groups called admin or operator are ordinary, unmapped groups.
        String back = signIn(Map.of("sub", "u-9", "preferred_username", "mallory", "groups", List.of("admin", "operator")));
        assertThat(back).as("no code, no token: refused").startsWith(UI + "/login?error=");
        String reason = URLDecoder.decode(back.substring(back.indexOf("error=") + 6), StandardCharsets.UTF_8);
        assertThat(reason).contains("mallory").contains("no choreoscope role").contains("admin");
    }

    @Test
    void theSignInPageLearnsAboutTheProvider() throws Exception {
        JsonNode s = JSON.readTree(api("GET", "/api/v1/auth/settings", null, null).body());
        assertThat(s.get("enabled").asBoolean()).isTrue();
        assertThat(s.get("passwordLogin").asBoolean()).as("no local users configured").isFalse();
        assertThat(s.at("/providers/0/name").asText()).isEqualTo("corp");
        assertThat(s.at("/providers/0/loginUrl").asText()).isEqualTo("http://api.example.test:8081/oauth/login/corp");
        assertThat(api("POST", "/api/v1/auth/sso/exchange", null, "{\"code\":\"made-up\"}").statusCode()).isEqualTo(401);
        assertThat(api("POST", "/api/v1/auth/sso/exchange", null, "{}").statusCode()).isEqualTo(400);
    }
}
