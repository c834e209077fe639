package io.choreoscope.ui;

import io.choreoscope.model.UiLauncher;
import io.choreoscope.ui.client.HttpChoreoscopeApi;

/** Lets the backend launcher start the UI in its own JVM, against its own REST API. */
public final class UiServerLauncher implements UiLauncher {

    @Override
    public AutoCloseable start(String host, int port, String apiBaseUrl, boolean secureCookies,
                               int maxSessionsNotSignedIn, int maxSessionsPerUser) throws Exception {
        UiServer server = new UiServer().maxSessionsNotSignedIn(maxSessionsNotSignedIn)
                .maxSessionsPerUser(maxSessionsPerUser);
        server.start(host, port, new HttpChoreoscopeApi(apiBaseUrl), secureCookies);
        return server::stop;
    }
}
