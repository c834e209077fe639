package io.choreoscope.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;


/**
 * The UI's error pages on the real Jetty: a bad request gets its status and reason, and no word about the server (its
 * version, servlet, exception classes or stack). Until 2026-12-07 a query string with bad UTF-8, sent by anyone before
 * signing in, was answered with Jetty's version and 14 frames of the server's stack.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ErrorPagesIT {
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

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            // bad UTF-8 in the query: refused inside the web application (the servlet reads its parameters)
            "search?q=%FF          | text/html        | Bad query",
            "search?q=%C3%28       | application/json | Bad query",
            "stuck?flow=%FF        | text/plain       | Bad query",
            // an encoded slash in the path: refused by Jetty before any web application sees it
            "instances/a%2Fb       | text/html        | Ambiguous URI path separator",
            "instances/a%2Fb       | application/json | Ambiguous URI path separator"})
    void aBadRequestIsToldItsReasonAndNothingAboutTheServer(String path, String accept, String reason) throws Exception {
        HttpResponse<String> r = ui.get(path, null, accept);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains(reason)
                .doesNotContain("Exception").doesNotContain("\tat ").doesNotContain("org.eclipse").doesNotContain("com.vaadin")
                .doesNotContain("Jetty").doesNotContain("SERVLET").doesNotContain("CAUSED BY").doesNotContain("cause");
        assertThat(r.headers().firstValue("Server")).isEmpty();
        assertThat(r.headers().firstValue("X-Powered-By")).isEmpty();
        // and the server keeps answering, without its name
        HttpResponse<String> login = ui.get("login", null);
        assertThat(login.statusCode()).isEqualTo(200);
        assertThat(login.headers().firstValue("Server")).isEmpty();
    }
}
