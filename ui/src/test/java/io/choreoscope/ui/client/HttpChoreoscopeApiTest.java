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

import com.fasterxml.jackson.databind.JsonNode;

import io.choreoscope.model.api.AlertFiringView;
import io.choreoscope.model.api.AlertKind;
import io.choreoscope.model.api.AlertRuleRequest;
import io.choreoscope.model.api.AlertRuleView;
import io.choreoscope.model.api.FlowSummaries;
import io.choreoscope.model.api.FlowSummary;
import io.choreoscope.model.api.LiveUpdate;
import io.choreoscope.model.api.ReplayMode;
import io.choreoscope.model.api.ReplayPlanView;
import io.choreoscope.model.api.ReplayRequest;
import io.choreoscope.model.api.ReplayStatus;
import io.choreoscope.model.api.WebhookFormat;
import io.choreoscope.model.flow.DependencyMap;
import io.choreoscope.model.flow.InstanceState;

/** The HTTP client against a small stand-in server that answers like docs/API.md says. */
class HttpChoreoscopeApiTest {

    private HttpServer server;
    private HttpChoreoscopeApi api;
    private final AtomicReference<String> lastRawPath = new AtomicReference<>();
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final AtomicReference<String> lastBody = new AtomicReference<>();
    private final AtomicReference<String> lastUser = new AtomicReference<>();
    private final AtomicReference<String> lastContentType = new AtomicReference<>();

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

    /** Like {@link #answer}, and also keeps "METHOD /raw/path?query", the body and two request headers. */
    private void record(String path, int status, String body) {
        server.createContext(path, ex -> {
            String target = ex.getRequestURI().getRawPath() + (ex.getRequestURI().getRawQuery() == null ? ""
                    : "?" + ex.getRequestURI().getRawQuery());
            requests.add(ex.getRequestMethod() + " " + target);
            lastBody.set(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            lastUser.set(ex.getRequestHeaders().getFirst(HttpChoreoscopeApi.USER_HEADER));
            lastContentType.set(ex.getRequestHeaders().getFirst("Content-Type"));
            if (status == 204) {
                ex.sendResponseHeaders(204, -1);
                ex.close();
            } else {
                send(ex, status, "application/json", body);
            }
        });
    }

    private static JsonNode json(String s) throws IOException {
        return HttpChoreoscopeApi.mapper().readTree(s);
    }

    private static final String RULE_JSON = """
            {"id":7,"name":"orders completion","flow":"OrderPlaced","subject":null,"kind":"COMPLETION_RATE_BELOW",
             "threshold":95.0,"windowMs":600000,"forMs":60000,"hysteresis":2.0,"webhookUrl":"https://hooks.example/x",
             "webhookFormat":"SLACK","enabled":true,"silencedUntil":"2026-11-22T18:00:00Z",
             "createdAt":"2026-11-22T10:00:00Z","updatedAt":"2026-11-22T10:05:00Z",
             "firing":["OrderPlaced"],"pending":[]}""";

    private static final String STATUS_JSON = """
            {"id":"r-1","mode":"DEAD_LETTER","state":"RUNNING","dryRun":false,"requestedBy":"ana",
             "requestedAt":"2026-11-22T10:00:00Z","finishedAt":null,"total":40,"sent":12,"errors":1,
             "ratePerSecond":5.0,"message":null,"errorSamples":["payments.DLT/0/3 -> payments: TimeoutException"]}""";

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
    void asksForTheBusiestFlowsAndReadsTheCountsFromTheHeaders() {
        server.createContext("/api/v1/flows", ex -> {
            lastRawPath.set(ex.getRequestURI().getRawPath() + "?" + ex.getRequestURI().getRawQuery());
            ex.getResponseHeaders().set(FlowSummaries.MATCHING_HEADER, "311");
            ex.getResponseHeaders().set(FlowSummaries.FLOWS_HEADER, "10002");
            send(ex, 200, "application/json", """
                    [{"flow":"order-7","windowSeconds":3600,"eventsPerSecond":0,"started":9,"running":0,"completed":9,
                      "compensated":0,"failed":0,"stuck":0,"completionRate":1.0,"p50Ms":1,"p95Ms":1,"p99Ms":1,
                      "sparkline":[]}]""");
        });
        FlowSummaries.Narrowed n = api.busiestFlows(TimeWindow.LAST_HOUR, " order & co ", 48);
        assertThat(lastRawPath.get()).isEqualTo("/api/v1/flows?from=-1h&q=order+%26+co&sort=started&limit=48");
        assertThat(n.flows()).extracting(FlowSummary::flow).containsExactly("order-7");
        assertThat(n.matching()).isEqualTo(311);
        assertThat(n.total()).isEqualTo(10_002);
    }

    @Test
    void anAnswerWithoutTheCountsIsABadResponseThatSaysSo() {
        answer("/api/v1/flows", 200, "application/json", "[]");
        assertThatThrownBy(() -> api.busiestFlows(TimeWindow.LAST_HOUR, "", 48))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.error().status()).isEqualTo(502))
                .hasMessageContaining("without a count in X-Total-Count");
        assertThat(lastRawPath.get()).isEqualTo("/api/v1/flows?from=-1h&sort=started&limit=48");
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

    // --- alerts ---------------------------------------------------------------------------------------

    @Test
    void readsAlertRulesWithTheirSeriesAndSilence() {
        record("/api/v1/alerts/rules", 200, "[" + RULE_JSON + "]");
        List<AlertRuleView> rules = api.alertRules();
        assertThat(rules).singleElement().satisfies(r -> {
            assertThat(r.id()).isEqualTo(7);
            assertThat(r.kind()).isEqualTo(AlertKind.COMPLETION_RATE_BELOW);
            assertThat(r.webhookFormat()).isEqualTo(WebhookFormat.SLACK);
            assertThat(r.silencedUntil()).isEqualTo(Instant.parse("2026-11-22T18:00:00Z"));
            assertThat(r.firing()).containsExactly("OrderPlaced");
        });
        assertThat(requests).containsExactly("GET /api/v1/alerts/rules");
    }

    @Test
    void readsOneRuleAndSaysWhenItIsUnknown() {
        record("/api/v1/alerts/rules/", 404, "{\"status\":404,\"error\":\"not_found\",\"message\":\"no alert rule with id 9\"}");
        assertThatThrownBy(() -> api.alertRule(9)).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.isNotFound()).isTrue();
            assertThat(e.getMessage()).isEqualTo("no alert rule with id 9");
        });
        assertThat(requests).containsExactly("GET /api/v1/alerts/rules/9");
    }

    @Test
    void createsARuleWithAJsonBodyThatLeavesOutAbsentFields() throws IOException {
        record("/api/v1/alerts/rules", 201, RULE_JSON);
        AlertRuleView v = api.createAlertRule(new AlertRuleRequest("orders completion", "OrderPlaced", null,
                AlertKind.COMPLETION_RATE_BELOW, 95.0, 600_000L, null, null, null, null, true));
        assertThat(v.id()).isEqualTo(7);
        assertThat(requests).containsExactly("POST /api/v1/alerts/rules");
        assertThat(lastContentType.get()).isEqualTo("application/json");
        JsonNode body = json(lastBody.get());
        assertThat(body.get("name").asText()).isEqualTo("orders completion");
        assertThat(body.get("kind").asText()).isEqualTo("COMPLETION_RATE_BELOW");
        assertThat(body.get("threshold").asDouble()).isEqualTo(95.0);
        assertThat(body.get("windowMs").asLong()).isEqualTo(600_000L);
        assertThat(body.get("enabled").asBoolean()).isTrue();
        // absent optional fields are not sent, so the backend applies its defaults
        assertThat(body.has("forMs")).isFalse();
        assertThat(body.has("subject")).isFalse();
        assertThat(body.has("webhookUrl")).isFalse();
    }

    @Test
    void aRejectedRuleCarriesTheBackendsReason() {
        record("/api/v1/alerts/rules", 400, "{\"status\":400,\"error\":\"bad_request\",\"message\":"
                + "\"threshold of COMPLETION_RATE_BELOW must be 0..100 (percent), was 150.0\"}");
        assertThatThrownBy(() -> api.createAlertRule(new AlertRuleRequest("x", null, null,
                AlertKind.COMPLETION_RATE_BELOW, 150.0, null, null, null, null, null, null)))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.error().error()).isEqualTo("bad_request");
                    assertThat(e.getMessage()).isEqualTo("threshold of COMPLETION_RATE_BELOW must be 0..100 (percent), was 150.0");
                });
    }

    @Test
    void updatesDeletesTestsAndSilencesARule() throws IOException {
        record("/api/v1/alerts/rules/", 200, RULE_JSON);
        api.updateAlertRule(7, new AlertRuleRequest("renamed", null, null, AlertKind.STUCK_INSTANCES_ABOVE, 3.0,
                null, null, null, null, WebhookFormat.GENERIC, false));
        assertThat(json(lastBody.get()).get("name").asText()).isEqualTo("renamed");
        assertThat(json(lastBody.get()).get("enabled").asBoolean()).isFalse();
        api.silenceAlertRule(7, Instant.parse("2026-11-22T18:00:00Z"));
        assertThat(lastBody.get()).isEmpty();
        assertThat(requests).containsExactly("PUT /api/v1/alerts/rules/7",
                "POST /api/v1/alerts/rules/7/silence?until=2026-11-22T18%3A00%3A00Z");
    }

    @Test
    void deletingAcceptsAnEmptyNoContentAnswer() {
        record("/api/v1/alerts/rules/", 204, "");
        api.deleteAlertRule(7);
        assertThat(requests).containsExactly("DELETE /api/v1/alerts/rules/7");
    }

    @Test
    void aTestFireAnswersTheHistoryEntryWithTheDeliveryOutcome() {
        record("/api/v1/alerts/rules/", 200, """
                {"id":31,"ruleId":7,"ruleName":"orders completion","kind":"COMPLETION_RATE_BELOW","series":"test",
                 "threshold":95.0,"firedValue":null,"pendingSince":null,"firedAt":"2026-11-22T10:00:00Z",
                 "resolvedAt":"2026-11-22T10:00:00Z","resolvedValue":null,"resolution":"test","test":true,
                 "silenced":false,"notificationStatus":"delivered (200) after 1 attempt"}""");
        AlertFiringView f = api.testAlertRule(7);
        assertThat(f.test()).isTrue();
        assertThat(f.firedValue()).isNull();
        assertThat(f.notificationStatus()).isEqualTo("delivered (200) after 1 attempt");
        assertThat(requests).containsExactly("POST /api/v1/alerts/rules/7/test");
    }

    @Test
    void readsTheFiringHistoryOfOneRule() {
        record("/api/v1/alerts/firings", 200, "[]");
        assertThat(api.alertFirings(7L, 100)).isEmpty();
        api.alertFirings(null, 0);
        assertThat(requests).containsExactly("GET /api/v1/alerts/firings?ruleId=7&limit=100",
                "GET /api/v1/alerts/firings");
    }

    // --- replay ---------------------------------------------------------------------------------------

    @Test
    void aDryRunSendsTheRequestAndTheUserAndReadsEveryRecord() throws IOException {
        record("/api/v1/replays", 200, """
                {"status":{"id":"d-1","mode":"STUCK_LAST_EVENT","state":"DRY_RUN","dryRun":true,"requestedBy":"ana",
                  "requestedAt":"2026-11-22T10:00:00Z","finishedAt":"2026-11-22T10:00:00Z","total":1,"sent":0,
                  "errors":0,"ratePerSecond":0,"message":"dry run: 1 record would be sent","errorSamples":[]},
                 "records":[{"source":"payments/1/41","targetTopic":"payments","key":"ord-1","keyEncoding":"text",
                  "headers":[{"name":"choreoscope-replay-id","value":"d-1","encoding":"text"}],
                  "payload":"<img src=x onerror=alert(1)>","payloadEncoding":"text"}]}""");
        ReplayPlanView plan = api.replay(new ReplayRequest(ReplayMode.STUCK_LAST_EVENT, null, List.of("ord-1"),
                null, null, true, 5.0), "ana");
        assertThat(plan.status().state()).isEqualTo(ReplayStatus.State.DRY_RUN);
        assertThat(plan.records()).singleElement().satisfies(r -> {
            assertThat(r.source()).isEqualTo("payments/1/41");
            assertThat(r.payload()).isEqualTo("<img src=x onerror=alert(1)>");
            assertThat(r.headers().get(0).name()).isEqualTo("choreoscope-replay-id");
        });
        assertThat(requests).containsExactly("POST /api/v1/replays");
        assertThat(lastUser.get()).isEqualTo("ana");
        JsonNode body = json(lastBody.get());
        assertThat(body.get("mode").asText()).isEqualTo("STUCK_LAST_EVENT");
        assertThat(body.get("correlationIds").get(0).asText()).isEqualTo("ord-1");
        assertThat(body.get("dryRun").asBoolean()).isTrue();
        assertThat(body.get("ratePerSecond").asDouble()).isEqualTo(5.0);
        assertThat(body.has("targetTopic")).isFalse();
    }

    @Test
    void aRunningReplayAnswers202WithItsStatusAndNoUserHeaderWhenNoneIsKnown() throws IOException {
        record("/api/v1/replays", 202, "{\"status\":" + STATUS_JSON + ",\"records\":[]}");
        ReplayPlanView plan = api.replay(new ReplayRequest(ReplayMode.EVENT,
                List.of(new ReplayRequest.EventRef("orders", 2, 41)), null, null, null, false, null), null);
        assertThat(plan.status().state()).isEqualTo(ReplayStatus.State.RUNNING);
        assertThat(plan.status().errorSamples()).hasSize(1);
        assertThat(lastUser.get()).isNull();
        JsonNode ev = json(lastBody.get()).get("events").get(0);
        assertThat(ev.get("topic").asText()).isEqualTo("orders");
        assertThat(ev.get("partition").asInt()).isEqualTo(2);
        assertThat(ev.get("offset").asLong()).isEqualTo(41);
    }

    @Test
    void aRefusedReplayCarriesTheBackendsReason() {
        record("/api/v1/replays", 400, "{\"status\":400,\"error\":\"bad_request\",\"message\":\"2 of 5 records "
                + "on 'orders.DLT' carry no original-topic header, the first at orders.DLT/0/3: choose a targetTopic for them\"}");
        assertThatThrownBy(() -> api.replay(new ReplayRequest(ReplayMode.DEAD_LETTER, null, null, "orders.DLT",
                null, true, null), null)).isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.getMessage()).startsWith("2 of 5 records").endsWith("choose a targetTopic for them");
                });
    }

    @Test
    void readsCancelsAndListsReplays() {
        record("/api/v1/replays/", 200, STATUS_JSON);
        ReplayStatus s = api.replayStatus("r 1/x");
        assertThat(s.sent()).isEqualTo(12);
        assertThat(s.finished()).isFalse();
        api.cancelReplay("r-1");
        assertThat(requests).containsExactly("GET /api/v1/replays/r%201%2Fx", "POST /api/v1/replays/r-1/cancel");
    }

    @Test
    void listsTheAuditWithTheLimit() {
        record("/api/v1/replays", 200, "[" + STATUS_JSON + "]");
        assertThat(api.replays(20)).extracting(ReplayStatus::requestedBy).containsExactly("ana");
        assertThat(requests).containsExactly("GET /api/v1/replays?limit=20");
    }

    @Test
    void anUnknownReplaySaysSo() {
        record("/api/v1/replays/", 404, "{\"status\":404,\"error\":\"not_found\",\"message\":\"no replay with id nope\"}");
        assertThatThrownBy(() -> api.cancelReplay("nope")).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.getMessage()).isEqualTo("no replay with id nope"));
    }

    @Test
    void signsInAndThenSendsTheUsersTokenWithEveryCallIncludingTheLiveStream() throws Exception {
        java.util.List<String> auth = new CopyOnWriteArrayList<>();
        server.createContext("/api/v1/auth/login", ex -> {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            if (body.contains("\"password\":\"right\"")) {
                send(ex, 200, "application/json", "{\"token\":\"t-123\",\"expiresAt\":\"2026-11-23T10:00:00Z\","
                        + "\"user\":{\"name\":\"ada\",\"roles\":[\"viewer\",\"operator\"]}}");
            } else {
                send(ex, 401, "application/json", "{\"status\":401,\"error\":\"unauthorized\",\"message\":\"unknown user or wrong password\"}");
            }
        });
        server.createContext("/api/v1/flows", ex -> {
            auth.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
            send(ex, 200, "application/json", "[]");
        });
        server.createContext("/api/v1/live", ex -> {
            auth.add("live " + ex.getRequestHeaders().getFirst("Authorization"));
            ex.getResponseHeaders().add("Content-Type", "text/event-stream");
            ex.sendResponseHeaders(200, 0);
            ex.getResponseBody().write(": hello\n\n".getBytes(StandardCharsets.UTF_8));
            ex.getResponseBody().flush();
        });

        assertThatThrownBy(() -> api.login("ada", "wrong")).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.status()).isEqualTo(401);
            assertThat(e.getMessage()).contains("wrong password");
        });
        var signedIn = api.login("ada", "right");
        assertThat(signedIn.user().roles()).containsExactly("viewer", "operator");
        ChoreoscopeApi ada = api.as(signedIn.token());
        ada.flows(TimeWindow.LAST_HOUR);
        api.flows(TimeWindow.LAST_HOUR);
        LiveSubscription sub = ada.live(new LiveListener() {
            @Override
            public void onUpdate(io.choreoscope.model.api.LiveUpdate update) {
            }
        });
        try {
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> auth.size() >= 3);
        } finally {
            sub.close();
        }
        assertThat(auth).containsExactly("Bearer t-123", "null", "live Bearer t-123");
    }
}
