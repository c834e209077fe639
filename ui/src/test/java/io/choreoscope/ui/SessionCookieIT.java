package io.choreoscope.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.choreoscope.ui.client.FakeChoreoscopeApi;

/**
 * The browser's only credential is the UI's session cookie (the user's token stays in the session on the server), so
 * it carries every flag that keeps it from scripts, other sites and plain-HTTP networks. The UI on real Jetty, asked
 * over HTTP as a browser would be; the {@code Set-Cookie} header is read as it comes.
 */
class SessionCookieIT {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private String sessionCookie(boolean secureCookies) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        FakeChoreoscopeApi api = new FakeChoreoscopeApi().addUser("viewer", "viewer", List.of("viewer"));
        UiServer server = new UiServer();
        server.start(port, api, secureCookies);
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/login"))
                    .timeout(Duration.ofSeconds(60)).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            return r.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith("JSESSIONID=")).findFirst()
                    .orElseThrow(() -> new AssertionError("no session cookie in " + r.headers().map()));
        } finally {
            server.stop();
        }
    }

    @Test
    void theSessionCookieIsHttpOnlyAndSameSiteLaxAndNotSecureOnPlainHttpByDefault() throws Exception {
        String cookie = sessionCookie(false);
        assertThat(cookie).containsIgnoringCase("; HttpOnly").containsIgnoringCase("; SameSite=Lax")
                .doesNotContainIgnoringCase("; Secure");
    }

    @Test
    void behindATlsProxyTheSessionCookieIsAlsoSecure() throws Exception {
        String cookie = sessionCookie(true);
        assertThat(cookie).containsIgnoringCase("; HttpOnly").containsIgnoringCase("; SameSite=Lax")
                .containsIgnoringCase("; Secure");
    }
}
