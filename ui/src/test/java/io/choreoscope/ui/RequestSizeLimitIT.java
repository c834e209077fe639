package io.choreoscope.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.Collections;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;


/**
 * Anyone who loads the sign-in page has a session, and Vaadin reads a UI request's whole body before it checks
 * anything: the UI on real Jetty, asked over HTTP with the session a browser would have, refuses bodies over
 * {@link UiServer#MAX_REQUEST_BYTES} (a 400 MB one used to run the demo's JVM out of heap) and keeps serving.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RequestSizeLimitIT {
    private UiHttp.Served served;
    private UiHttp ui;

    @BeforeAll
    void start() throws Exception {
        served = UiHttp.serve();
        ui = served.ui();
    }

    @AfterAll
    void stop() {
        served.stop();
    }

    @Test
    void aBodyDeclaredLargerThanTheLimitIsRefusedBeforeItIsRead() throws Exception {
        String cookie = ui.sessionWithUi();
        byte[] body = new byte[(int) UiServer.MAX_REQUEST_BYTES + 1];
        Arrays.fill(body, (byte) 'x');
        HttpResponse<String> r = ui.postUidl(cookie, HttpRequest.BodyPublishers.ofByteArray(body));
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(r.body()).contains("at most 1,048,576 bytes");
        assertThat(ui.get("login", null).statusCode()).isEqualTo(200);
    }

    @Test
    void aBodySentWithoutALengthIsRefused() throws Exception {
        String cookie = ui.sessionWithUi();
        // Chunked (the client cannot know the length): 64 MB would be read whole without the limit.
        byte[] chunk = new byte[1 << 20];
        Arrays.fill(chunk, (byte) 'x');
        HttpRequest.BodyPublisher chunked = HttpRequest.BodyPublishers.ofInputStream(() -> new SequenceInputStream(
                Collections.enumeration(Collections.nCopies(64, chunk).stream().map(c -> (InputStream) new ByteArrayInputStream(c)).toList())));
        int status;
        try {
            status = ui.postUidl(cookie, chunked).statusCode();
        } catch (IOException e) {
            status = -1; // the server may close the connection while the client still sends: refused too
        }
        assertThat(status).isIn(411, -1);
        assertThat(ui.get("login", null).statusCode()).isEqualTo(200);
    }

    @Test
    void whatABrowserSendsStillPasses() throws Exception {
        String cookie = ui.sessionWithUi();
        // An empty UIDL message (what a browser sends to sync, without the security key here): read and answered by
        // Vaadin, not refused by the limit.
        HttpResponse<String> r = ui.postEmptyMessage(cookie);
        assertThat(r.statusCode()).isEqualTo(200);
    }
}
