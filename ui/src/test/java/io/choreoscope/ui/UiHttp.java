package io.choreoscope.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** The UI asked over plain HTTP as a browser's first requests ask it: what the tests of its limits share. */
final class UiHttp {
    /** An empty UIDL message (what a browser sends to sync, without the security key): Vaadin reads and answers it. */
    static final String EMPTY_MESSAGE = "{\"csrfToken\":\"x\",\"rpc\":[],\"syncId\":0,\"clientId\":0}";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;

    /** @param base the UI's base URL, ending in a slash */
    UiHttp(String base) {
        this.base = base;
    }

    /** A real UI server on a free port over a fake API with one user, {@code viewer}; and its client. */
    record Served(UiServer server, UiHttp ui) {
        void stop() {
            server.stop();
        }
    }

    /** Starts a {@link Served} UI. */
    static Served serve() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        UiServer server = new UiServer();
        server.start(port, new io.choreoscope.ui.client.FakeChoreoscopeApi()
                .addUser("viewer", "viewer", java.util.List.of("viewer")));
        return new Served(server, new UiHttp("http://localhost:" + port + "/"));
    }

    /** A session and a UI on it, as the sign-in page's first requests make them; returns the session cookie. */
    String sessionWithUi() throws Exception {
        HttpResponse<String> page = get("login", null);
        assertThat(page.statusCode()).isEqualTo(200);
        String cookie = page.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith("JSESSIONID="))
                .map(c -> c.substring(0, c.indexOf(';'))).findFirst().orElseThrow();
        HttpResponse<String> init = get("?v-r=init&location=login", cookie);
        assertThat(init.statusCode()).isEqualTo(200);
        assertThat(init.body()).contains("\"v-uiId\":0");
        return cookie;
    }

    /** GET of {@code path} (relative to the base), with the session {@code cookie} when not null. */
    HttpResponse<String> get(String path, String cookie) throws Exception {
        return get(path, cookie, null);
    }

    /** GET of {@code path} as {@link #get(String, String)}, asking for {@code accept} when not null. */
    HttpResponse<String> get(String path, String cookie, String accept) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60)).GET();
        if (cookie != null) {
            b.header("Cookie", cookie);
        }
        if (accept != null) {
            b.header("Accept", accept);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A UIDL message to the session's first UI. */
    HttpResponse<String> postUidl(String cookie, HttpRequest.BodyPublisher body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + "?v-r=uidl&v-uiId=0")).timeout(Duration.ofSeconds(60))
                .header("Cookie", cookie).header("Content-Type", "application/json; charset=UTF-8").POST(body).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** {@link #EMPTY_MESSAGE} to the session's first UI. */
    HttpResponse<String> postEmptyMessage(String cookie) throws Exception {
        return postUidl(cookie, HttpRequest.BodyPublishers.ofString(EMPTY_MESSAGE, StandardCharsets.UTF_8));
    }
}
