package io.choreoscope.ui;

import java.time.Instant;

import io.choreoscope.ui.client.FakeChoreoscopeApi;
import io.choreoscope.ui.client.TrafficSimulator;

/**
 * The UI on built-in sample data with simulated traffic and no backend, for working on the views. Lives in
 * the test sources with the fake it runs on, so none of it ships in the UI jar. Start it with
 * {@code mvn -pl ui -am test-compile -Pdev-ui} (the {@code dev-ui} profile of ui/pom.xml runs this class);
 * {@code -Ddev-ui.port=8090} picks another port than {@link UiServer#DEFAULT_PORT}. It listens on
 * {@value UiServer#LOOPBACK} only. Ctrl-C stops it.
 */
public final class DevUiServer {

    private DevUiServer() {
    }

    /** @param args {@code [--port 8080]} */
    public static void main(String[] args) throws Exception {
        int port = UiServer.DEFAULT_PORT;
        if (args.length == 2 && args[0].equals("--port")) {
            port = Integer.parseInt(args[1]);
        } else if (args.length != 0) {
            System.err.println("usage: DevUiServer [--port " + UiServer.DEFAULT_PORT + "]");
            System.exit(2);
        }
        FakeChoreoscopeApi api = FakeChoreoscopeApi.withSampleData(Instant.now());
        new TrafficSimulator(api).start();
        // This machine only: it is for working on the views, on made-up data.
        UiServer.serve(UiServer.LOOPBACK, port, api, "sample data, no backend");
    }
}
