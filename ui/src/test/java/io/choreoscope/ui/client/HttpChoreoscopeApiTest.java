package io.choreoscope.ui.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.choreoscope.model.api.FlowSummary;
import io.choreoscope.model.api.LiveUpdate;
import io.choreoscope.model.flow.DependencyMap;
import io.choreoscope.model.flow.InstanceState;

/** The HTTP client against a small stand-in server that answers like docs/API.md says. */
class HttpChoreoscopeApiTest {

    private HttpServer server;
    private HttpChoreoscopeApi api;
    private final AtomicReference<String> lastRawPath = new AtomicReference<>();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.start();
        api = new HttpChoreoscopeApi("http://127.0.0.1:" + server.getAddress().getPort() + "/api/v1");
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private void answer(String path, int status, String contentType, String body) {
        server.createContext(path, ex -> {
            lastRawPath.set(ex.getRequestURI().getRawPath() + (ex.getRequestURI().getRawQuery() == null ? ""
                    : "?" + ex.getRequestURI().getRawQuery()));
            send(ex, status, contentType, body);
        });
    }

    private static void send(HttpExchange ex, int status, String contentType, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", contentType);
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream o = ex.getResponseBody()) {
            o.write(b);
        }
    }

    @Test
    void readsFlowSummariesAndSendsTheWindow() {
        answer("/api/v1/flows", 200, "application/json", """
                [{"flow":"OrderPlaced","windowSeconds":900,"eventsPerSecond":1.5,"started":10,"running":2,
                  "completed":7,"compensated":1,"failed":0,"stuck":0,"completionRate":0.875,"p50Ms":120,
                  "p95Ms":900,"p99Ms":null,"sparkline":[1,2,3],"someFutureField":true}]""");
        List<FlowSummary> flows = api.flows(TimeWindow.LAST_15_MINUTES);
        assertThat(flows).singleElement().satisfies(f -> {
            assertThat(f.flow()).isEqualTo("OrderPlaced");
            assertThat(f.completionRate()).isEqualTo(0.875);
            assertThat(f.p99Ms()).isNull();
            assertThat(f.sparkline()).containsExactly(1L, 2L, 3L);
        });
        assertThat(lastRawPath.get()).isEqualTo("/api/v1/flows?from=-15m");
    }

    @Test
    void readsNaNLatenciesOfTheDependencyMap() {
        answer("/api/v1/dependencies", 200, "application/json", """
                {"nodes":[{"kind":"SERVICE","name":"a"},{"kind":"TOPIC","name":"t"}],
                 "edges":[{"role":"CONSUMES","service":"a","topic":"t","eventTypes":["X"],"count":3,
                           "ratePerSecond":0.5,"p50Ms":NaN,"p99Ms":"NaN","evidence":["span"]}]}""");
        DependencyMap m = api.dependencies(null);
        assertThat(m.edges().get(0).p50Ms()).isNaN();
        assertThat(m.edges().get(0).p99Ms()).isNaN();
    }

    @Test
    void readsInstancesWithTimestampsAndStates() {
        answer("/api/v1/instances", 200, "application/json", """
                {"items":[{"correlationId":"c1","linkedIds":["c1"],"flow":"F","state":"STUCK","reason":"r",
                  "startedAt":"2026-11-22T10:00:00Z","lastEventAt":"2026-11-22T10:00:01.5Z","eventCount":2,
                  "droppedEvents":0,"lastEventType":"B","lastService":"s","expectedNext":[],"deviations":[]}],
                 "nextCursor":"abc"}""");
        var page = api.instances(InstanceQuery.ofFlow("F").withState(InstanceState.STUCK).withLimit(10));
        assertThat(page.nextCursor()).isEqualTo("abc");
        assertThat(page.items().get(0).lastEventAt()).isEqualTo(Instant.parse("2026-11-22T10:00:01.500Z"));
        assertThat(lastRawPath.get()).isEqualTo("/api/v1/instances?flow=F&state=STUCK&limit=10");
    }

    @Test
    void encodesCorrelationIdsThatContainSlashesAndSpaces() {
        answer("/api/v1/instances/", 404, "application/json",
                "{\"status\":404,\"error\":\"not_found\",\"message\":\"No instance 'a/b c'.\"}");
        assertThatThrownBy(() -> api.instance("a/b c", 0)).isInstanceOf(ApiException.class);
        assertThat(lastRawPath.get()).isEqualTo("/api/v1/instances/a%2Fb%20c");
    }

    @Test
    void anErrorBodyBecomesTheExceptionMessage() {
        answer("/api/v1/search", 400, "application/json",
                "{\"status\":400,\"error\":\"bad_request\",\"message\":\"limit must be 1..500, was 0\"}");
        assertThatThrownBy(() -> api.search("x", SearchMode.ID, 0))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.getMessage()).isEqualTo("limit must be 1..500, was 0");
                });
    }

    @Test
    void anErrorWithoutApiErrorBodyStillSaysWhatFailed() {
        answer("/api/v1/topics", 503, "text/html", "<html>busy</html>");
        assertThatThrownBy(() -> api.topics()).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.getMessage()).contains("/api/v1/topics").contains("503"));
    }

    @Test
    void anUnreachableBackendSaysSo() throws IOException {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        HttpChoreoscopeApi down = new HttpChoreoscopeApi("http://127.0.0.1:" + closed + "/api/v1");
        assertThatThrownBy(() -> down.flows(TimeWindow.LAST_HOUR)).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.isUnreachable()).isTrue();
            assertThat(e.getMessage()).contains("cannot be reached (connection refused)")
                    .contains(String.valueOf(closed));
        });
    }

    @Test
    void returnsTheWholeRawPayloadWithItsContentType() {
        answer("/api/v1/events/", 200, "application/json", "{\"big\":true}");
        RawPayload p = api.payload("orders", 2, 41);
        assertThat(new String(p.bytes(), StandardCharsets.UTF_8)).isEqualTo("{\"big\":true}");
        assertThat(p.contentType()).isEqualTo("application/json");
        assertThat(lastRawPath.get()).isEqualTo("/api/v1/events/orders/2/41/payload");
    }

    @Test
    void liveStreamDeliversEventsAndReconnectsAfterTheServerClosesIt() {
        AtomicInteger connections = new AtomicInteger();
        server.createContext("/api/v1/live", ex -> {
            int n = connections.incrementAndGet();
            ex.getResponseHeaders().set("Content-Type", "text/event-stream");
            ex.sendResponseHeaders(200, 0);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(("retry: 100\n\n: keep-alive\n\nevent: flows\ndata: {\"type\":\"flows\",\"flow\":\"F" + n
                        + "\",\"at\":\"2026-11-22T10:00:00Z\"}\n\nevent: instance\ndata: {\"correlationId\":\"c1\","
                        + "\ndata: \"state\":\"STUCK\"}\n\n").getBytes(StandardCharsets.UTF_8));
            }
        });
        List<LiveUpdate> got = new CopyOnWriteArrayList<>();
        List<Boolean> states = new CopyOnWriteArrayList<>();
        LiveSubscription sub = api.live(new LiveListener() {
            @Override
            public void onUpdate(LiveUpdate update) {
                got.add(update);
            }

            @Override
            public void onConnectionChanged(boolean connected) {
                states.add(connected);
            }
        });
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> connections.get() >= 2 && got.size() >= 4);
            assertThat(got.get(0).type()).isEqualTo("flows");
            assertThat(got.get(0).flow()).isEqualTo("F1");
            // the type comes from the SSE event name when the data lacks it; data lines are joined
            assertThat(got.get(1).type()).isEqualTo("instance");
            assertThat(got.get(1).state()).isEqualTo("STUCK");
            assertThat(states).startsWith(true, false, true);
        } finally {
            sub.close();
        }
    }
}
