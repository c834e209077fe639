package io.choreoscope.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import io.choreoscope.ui.client.FakeChoreoscopeApi;

/**
 * Anyone who loads the sign-in page has a session, and Vaadin reads a UI request's whole body before it checks
 * anything: the UI on real Jetty, asked over HTTP with the session a browser would have, refuses bodies over
 * {@link UiServer#MAX_REQUEST_BYTES} (a 400 MB one used to run the demo's JVM out of heap) and keeps serving.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RequestSizeLimitIT {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private UiServer server;
    private String base;

    @BeforeAll
    void start() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        server = new UiServer();
        server.start(port, new FakeChoreoscopeApi().addUser("viewer", "viewer", List.of("viewer")));
        base = "http://localhost:" + port + "/";
    }

    @AfterAll
    void stop() {
        server.stop();
    }

    /** A session and a UI on it, as the sign-in page's first requests make them; returns the session cookie. */
    private String sessionWithUi() throws Exception {
        HttpResponse<String> page = get(base + "login", null);
        assertThat(page.statusCode()).isEqualTo(200);
        String cookie = page.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith("JSESSIONID="))
                .map(c -> c.substring(0, c.indexOf(';'))).findFirst().orElseThrow();
        HttpResponse<String> init = get(base + "?v-r=init&location=login", cookie);
        assertThat(init.statusCode()).isEqualTo(200);
        assertThat(init.body()).contains("\"v-uiId\":0");
        return cookie;
    }

    private HttpResponse<String> get(String url, String cookie) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60)).GET();
        if (cookie != null) {
            b.header("Cookie", cookie);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> postUidl(String cookie, HttpRequest.BodyPublisher body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + "?v-r=uidl&v-uiId=0")).timeout(Duration.ofSeconds(60))
                .header("Cookie", cookie).header("Content-Type", "application/json; charset=UTF-8").POST(body).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aBodyDeclaredLargerThanTheLimitIsRefusedBeforeItIsRead() throws Exception {
        String cookie = sessionWithUi();
        byte[] body = new byte[(int) UiServer.MAX_REQUEST_BYTES + 1];
        Arrays.fill(body, (byte) 'x');
        HttpResponse<String> r = postUidl(cookie, HttpRequest.BodyPublishers.ofByteArray(body));
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(r.body()).contains("at most 1,048,576 bytes");
        assertThat(get(base + "login", null).statusCode()).isEqualTo(200);
    }

    @Test
    void aBodySentWithoutALengthIsRefused() throws Exception {
        String cookie = sessionWithUi();
        // Chunked (the client cannot know the length): 64 MB would be read whole without the limit.
        byte[] chunk = new byte[1 << 20];
        Arrays.fill(chunk, (byte) 'x');
        HttpRequest.BodyPublisher chunked = HttpRequest.BodyPublishers.ofInputStream(() -> new SequenceInputStream(
                Collections.enumeration(Collections.nCopies(64, chunk).stream().map(c -> (InputStream) new ByteArrayInputStream(c)).toList())));
        int status;
        try {
            status = postUidl(cookie, chunked).statusCode();
        } catch (IOException e) {
            status = -1; // the server may close the connection while the client still sends: refused too
        }
        assertThat(status).isIn(411, -1);
        assertThat(get(base + "login", null).statusCode()).isEqualTo(200);
    }

    @Test
    void whatABrowserSendsStillPasses() throws Exception {
        String cookie = sessionWithUi();
        // An empty UIDL message (what a browser sends to sync, without the security key here): read and answered by
        // Vaadin, not refused by the limit.
        HttpResponse<String> r = postUidl(cookie, HttpRequest.BodyPublishers.ofString("{\"csrfToken\":\"x\",\"rpc\":[],\"syncId\":0,\"clientId\":0}",
                StandardCharsets.UTF_8));
        assertThat(r.statusCode()).isEqualTo(200);
    }
}
