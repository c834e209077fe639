package io.choreoscope.ui;

import java.net.ServerSocket;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.Playwright;
import io.choreoscope.ui.browser.Chromium;
import io.choreoscope.ui.client.ChoreoscopeApi;

/** The UI served on a free port over a given API, and Debian's Chromium to drive it: what the browser tests share. */
final class BrowserUi implements AutoCloseable {
    private final UiServer server;
    private final Playwright playwright;
    private final Browser browser;
    private final String url;

    private BrowserUi(UiServer server, Playwright playwright, Browser browser, String url) {
        this.server = server;
        this.playwright = playwright;
        this.browser = browser;
        this.url = url;
    }

    static BrowserUi start(ChoreoscopeApi api) throws Exception {
        return start(api, new UiServer());
    }

    /** As {@link #start(ChoreoscopeApi)} on a server the caller has configured (not started yet). */
    static BrowserUi start(ChoreoscopeApi api, UiServer server) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        server.start(port, api);
        Playwright playwright = null;
        try {
            playwright = Chromium.playwright();
            return new BrowserUi(server, playwright, Chromium.launch(playwright), "http://localhost:" + port + "/");
        } catch (RuntimeException e) {
            if (playwright != null) {
                playwright.close();
            }
            server.stop();
            throw e;
        }
    }

    /** The UI's base URL, ending in a slash. */
    String url() {
        return url;
    }

    Browser browser() {
        return browser;
    }

    @Override
    public void close() {
        browser.close();
        playwright.close();
        server.stop();
    }
}
