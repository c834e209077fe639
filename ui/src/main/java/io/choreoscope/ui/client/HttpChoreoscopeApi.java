package io.choreoscope.ui.client;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import io.choreoscope.model.api.AuthSettings;
import io.choreoscope.model.api.LoginRequest;
import io.choreoscope.model.api.SignedIn;
import io.choreoscope.model.api.SsoCodeExchange;
import io.choreoscope.model.api.AlertFiringView;
import io.choreoscope.model.api.AlertRuleRequest;
import io.choreoscope.model.api.AlertRuleView;
import io.choreoscope.model.api.ApiError;
import io.choreoscope.model.api.FlowSummaries;
import io.choreoscope.model.api.FlowSummary;
import io.choreoscope.model.api.EventPage;
import io.choreoscope.model.api.InstanceDetail;
import io.choreoscope.model.api.LiveUpdate;
import io.choreoscope.model.api.Page;
import io.choreoscope.model.api.ReplayPlanView;
import io.choreoscope.model.api.ReplayRequest;
import io.choreoscope.model.api.ReplayStatus;
import io.choreoscope.model.api.SearchHit;
import io.choreoscope.model.api.TopicInfo;
import io.choreoscope.model.flow.DependencyMap;
import io.choreoscope.model.flow.FlowModel;
import io.choreoscope.model.flow.InstanceSnapshot;

/**
 * {@link ChoreoscopeApi} over HTTP ({@code java.net.http} + Jackson). One instance per backend; share it.
 *
 * <p>The live stream is one Server-Sent Events connection shared by all subscribers, opened with the first
 * subscription and closed with the last; after a broken connection it is retried every
 * {@link #LIVE_RETRY} (or the server's {@code retry:} value).
 */
public final class HttpChoreoscopeApi implements ChoreoscopeApi {

    /** Connect timeout of every request. */
    public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** Whole-request timeout of every non-streaming request. */
    public static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    /** Pause before reconnecting the live stream. */
    public static final Duration LIVE_RETRY = Duration.ofSeconds(3);
    /** Header naming who asks for a replay, written to the backend's replay audit. */
    public static final String USER_HEADER = "X-Choreoscope-User";

    private final URI base;
    private final HttpClient http;
    private final ObjectMapper json;
    /** Writes request bodies; absent optional fields are left out so the backend applies its defaults. */
    private final ObjectMapper bodies;
    private final LiveStream live = new LiveStream();
    /** {@code Bearer <token>} of the signed-in user this client acts for, or null (not signed in). */
    private final String authorization;

    /** @param baseUrl the API root, e.g. {@code http://localhost:8081/api/v1} (a trailing slash is fine) */
    public HttpChoreoscopeApi(String baseUrl) {
        this.base = URI.create(baseUrl.endsWith("/") ? baseUrl : baseUrl + "/");
        this.http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NORMAL).build();
        this.json = mapper();
        this.bodies = mapper().setSerializationInclusion(JsonInclude.Include.NON_NULL);
        this.authorization = null;
    }

    private HttpChoreoscopeApi(HttpChoreoscopeApi from, String authorization) {
        this.base = from.base;
        this.http = from.http;
        this.json = from.json;
        this.bodies = from.bodies;
        this.authorization = authorization;
    }

    /** A client that sends {@code token} with every request (its own live stream, the same connection pool). */
    @Override
    public ChoreoscopeApi as(String token) {
        return new HttpChoreoscopeApi(this, "Bearer " + token);
    }

    @Override
    public AuthSettings authSettings() {
        return get(path("auth/settings", Map.of()), new TypeReference<>() { });
    }

    @Override
    public SignedIn login(String username, String password) {
        return call("POST", path("auth/login", Map.of()), new LoginRequest(username, password), Map.of(), new TypeReference<>() { });
    }

    @Override
    public void logout() {
        if (authorization != null) {
            call("POST", path("auth/logout", Map.of()), null, Map.of(), null);
        }
    }

    @Override
    public SignedIn exchangeSsoCode(String code) {
        return call("POST", path("auth/sso/exchange", Map.of()), new SsoCodeExchange(code), Map.of(), new TypeReference<>() { });
    }

    /** The Jackson setup the API's JSON needs: java.time, NaN for missing latencies, unknown fields ignored. */
    public static ObjectMapper mapper() {
        return JsonMapper.builder()
                .addModule(new JavaTimeModule())
                .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .build();
    }

    public URI baseUri() {
        return base;
    }

    @Override
    public List<FlowSummary> flows(TimeWindow window) {
        return get(path("flows", params("from", window == null ? null : window.from())), new TypeReference<>() { });
    }

    @Override
    public FlowSummaries.Narrowed busiestFlows(TimeWindow window, String contains, int limit) {
        URI uri = path("flows", params("from", window == null ? null : window.from(),
                "q", contains == null || contains.isBlank() ? null : contains.strip(), "sort", "started", "limit", limit));
        HttpResponse<String> r = send("GET", uri, null, Map.of(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        List<FlowSummary> flows = read(uri, r, new TypeReference<>() { });
        return new FlowSummaries.Narrowed(flows, count(uri, r, FlowSummaries.MATCHING_HEADER),
                count(uri, r, FlowSummaries.FLOWS_HEADER));
    }

    /** A count the API answered in a header; 502 when it is missing or not a count (an API this UI does not know). */
    private static int count(URI uri, HttpResponse<?> r, String header) {
        try {
            return Integer.parseInt(r.headers().firstValue(header).orElseThrow().strip());
        } catch (RuntimeException e) {
            throw new ApiException(new ApiError(502, "bad_response", "The API answered " + uri.getPath()
                    + " without a count in " + header + "; is it an older version than this UI?"), e);
        }
    }

    @Override
    public FlowModel flow(String flow) {
        return get(path("flows/" + segment(flow), Map.of()), new TypeReference<>() { });
    }

    @Override
    public FlowModel flow(String flow, TimeWindow window) {
        if (window == null || window.lifetime()) {
            return flow(flow);
        }
        return get(path("flows/" + segment(flow), params("from", window.from())), new TypeReference<>() { });
    }

    @Override
    public FlowModel flowByCause(String flow, TimeWindow window) {
        if (window == null || window.lifetime()) {
            return flow(flow, window);
        }
        return get(path("flows/" + segment(flow), params("from", window.from(), "edges", "causes")),
                new TypeReference<>() { });
    }

    @Override
    public FlowModel flowByCause(String flow, java.time.Instant from, java.time.Instant to) {
        return get(path("flows/" + segment(flow), params("from", from.toString(), "to", to.toString(), "edges", "causes")),
                new TypeReference<>() { });
    }

    @Override
    public FlowModel flow(String flow, java.time.Instant from, java.time.Instant to) {
        return get(path("flows/" + segment(flow), params("from", from.toString(), "to", to.toString())),
                new TypeReference<>() { });
    }

    @Override
    public List<io.choreoscope.model.flow.Variant> variants(String flow, TimeWindow window, int limit) {
        return get(path("flows/" + segment(flow) + "/variants", params("from",
                window == null || window.lifetime() ? null : window.from(), "limit", limit > 0 ? limit : null)),
                new TypeReference<>() { });
    }

    @Override
    public RawPayload export(String flow, TimeWindow window, String format, double minStepShare, double minPathShare,
                             boolean byCause) {
        boolean lifetime = window == null || window.lifetime();
        URI uri = path("flows/" + segment(flow) + "/export", params("format", format,
                "from", lifetime ? null : window.from(),
                "minStepShare", minStepShare, "minPathShare", minPathShare,
                "edges", byCause && !lifetime ? "causes" : null));
        HttpResponse<byte[]> r = send("GET", uri, null, Map.of(), HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() >= 400) {
            throw error(uri, r.statusCode(), new String(r.body(), StandardCharsets.UTF_8));
        }
        return new RawPayload(r.headers().firstValue("Content-Type").orElse("application/octet-stream"), r.body());
    }

    @Override
    public List<InstanceSnapshot> variantInstances(String flow, String variantId, TimeWindow window, int limit) {
        return get(path("flows/" + segment(flow) + "/variants/" + segment(variantId) + "/instances", params("from",
                window == null || window.lifetime() ? null : window.from(), "limit", limit > 0 ? limit : null)),
                new TypeReference<>() { });
    }

    @Override
    public Page<InstanceSnapshot> instances(InstanceQuery q) {
        Map<String, Object> p = params("flow", q.flow(), "state", q.state() == null ? null : q.state().name(),
                "from", q.from(), "to", q.to(), "eventType", q.eventType(), "service", q.service(),
                "cursor", q.cursor(), "limit", q.limit() > 0 ? q.limit() : null);
        return get(path("instances", p), new TypeReference<>() { });
    }

    @Override
    public InstanceDetail instance(String correlationId, int maxPayloadBytes) {
        return get(path("instances/" + segment(correlationId),
                params("maxPayloadBytes", maxPayloadBytes > 0 ? maxPayloadBytes : null)), new TypeReference<>() { });
    }

    @Override
    public EventPage instanceEvents(String correlationId, String cursor, int limit, int maxPayloadBytes) {
        return get(path("instances/" + segment(correlationId) + "/events", params("cursor", cursor,
                "limit", limit > 0 ? limit : null, "maxPayloadBytes", maxPayloadBytes > 0 ? maxPayloadBytes : null)),
                new TypeReference<>() { });
    }

    @Override
    public RawPayload payload(String topic, int partition, long offset) {
        URI uri = path("events/" + segment(topic) + "/" + partition + "/" + offset + "/payload", Map.of());
        HttpResponse<byte[]> r = send("GET", uri, null, Map.of(), HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() >= 400) {
            throw error(uri, r.statusCode(), new String(r.body(), StandardCharsets.UTF_8));
        }
        return new RawPayload(r.headers().firstValue("Content-Type").orElse("application/octet-stream"), r.body());
    }

    @Override
    public List<SearchHit> search(String query, SearchMode mode, int limit) {
        return get(path("search", params("q", query, "mode", mode == null ? null : mode.param(),
                "limit", limit > 0 ? limit : null)), new TypeReference<>() { });
    }

    @Override
    public io.choreoscope.model.api.SuspectReport suspects(String flow, TimeWindow window) {
        return get(path("flows/" + segment(flow) + "/suspects", params("from",
                window == null || window.lifetime() ? TimeWindow.LAST_24_HOURS.from() : window.from())),
                new TypeReference<>() { });
    }

    @Override
    public io.choreoscope.model.api.FlowSchemas schemas(String flow, TimeWindow window) {
        return get(path("flows/" + segment(flow) + "/schemas", params("from",
                window == null || window.lifetime() ? TimeWindow.LAST_24_HOURS.from() : window.from())),
                new TypeReference<>() { });
    }

    @Override
    public List<InstanceSnapshot> stuck(String flow, int limit) {
        return get(path("stuck", params("flow", flow, "limit", limit > 0 ? limit : null)), new TypeReference<>() { });
    }

    @Override
    public DependencyMap dependencies(TimeWindow window) {
        return get(path("dependencies", params("from", window == null ? null : window.from())),
                new TypeReference<>() { });
    }

    @Override
    public List<TopicInfo> topics() {
        return get(path("topics", Map.of()), new TypeReference<>() { });
    }

    @Override
    public List<io.choreoscope.model.api.ExchangeInfo> exchanges() {
        return get(path("exchanges", Map.of()), new TypeReference<>() { });
    }

    @Override
    public LiveSubscription live(LiveListener listener) {
        return live.add(listener);
    }

    @Override
    public List<AlertRuleView> alertRules() {
        return get(path("alerts/rules", Map.of()), new TypeReference<>() { });
    }

    @Override
    public AlertRuleView alertRule(long id) {
        return get(path("alerts/rules/" + id, Map.of()), new TypeReference<>() { });
    }

    @Override
    public AlertRuleView createAlertRule(AlertRuleRequest request) {
        return call("POST", path("alerts/rules", Map.of()), request, Map.of(), new TypeReference<>() { });
    }

    @Override
    public AlertRuleView updateAlertRule(long id, AlertRuleRequest request) {
        return call("PUT", path("alerts/rules/" + id, Map.of()), request, Map.of(), new TypeReference<>() { });
    }

    @Override
    public void deleteAlertRule(long id) {
        call("DELETE", path("alerts/rules/" + id, Map.of()), null, Map.of(), null);
    }

    @Override
    public AlertFiringView testAlertRule(long id) {
        return call("POST", path("alerts/rules/" + id + "/test", Map.of()), null, Map.of(), new TypeReference<>() { });
    }

    @Override
    public AlertRuleView silenceAlertRule(long id, Instant until) {
        return call("POST", path("alerts/rules/" + id + "/silence", params("until", until)), null, Map.of(),
                new TypeReference<>() { });
    }

    @Override
    public List<AlertFiringView> alertFirings(Long ruleId, int limit) {
        return get(path("alerts/firings", params("ruleId", ruleId, "limit", limit > 0 ? limit : null)),
                new TypeReference<>() { });
    }

    @Override
    public ReplayPlanView replay(ReplayRequest request, String requestedBy) {
        Map<String, String> headers = requestedBy == null || requestedBy.isBlank() ? Map.of()
                : Map.of(USER_HEADER, requestedBy.strip());
        return call("POST", path("replays", Map.of()), request, headers, new TypeReference<>() { });
    }

    @Override
    public ReplayStatus replayStatus(String id) {
        return get(path("replays/" + segment(id), Map.of()), new TypeReference<>() { });
    }

    @Override
    public ReplayStatus cancelReplay(String id) {
        return call("POST", path("replays/" + segment(id) + "/cancel", Map.of()), null, Map.of(),
                new TypeReference<>() { });
    }

    @Override
    public List<ReplayStatus> replays(int limit) {
        return get(path("replays", params("limit", limit > 0 ? limit : null)), new TypeReference<>() { });
    }

    // --- plumbing -------------------------------------------------------------------------------------

    private <T> T get(URI uri, TypeReference<T> type) {
        return call("GET", uri, null, Map.of(), type);
    }

    /**
     * One request with an optional JSON body; the answer is read as {@code type} (null: not read, for 204).
     * Any 4xx/5xx becomes an {@link ApiException} with the backend's reason.
     */
    private <T> T call(String method, URI uri, Object body, Map<String, String> headers, TypeReference<T> type) {
        return read(uri, send(method, uri, body, headers, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8)), type);
    }

    /** The answer {@code r} read as {@code type} (null: not read); any 4xx/5xx becomes an {@link ApiException}. */
    private <T> T read(URI uri, HttpResponse<String> r, TypeReference<T> type) {
        if (r.statusCode() >= 400) {
            throw error(uri, r.statusCode(), r.body());
        }
        if (type == null) {
            return null;
        }
        try {
            return json.readValue(r.body(), type);
        } catch (JsonProcessingException e) {
            throw new ApiException(new ApiError(502, "bad_response",
                    "The API answered " + uri.getPath() + " with something the UI cannot read: "
                            + e.getOriginalMessage()), e);
        }
    }

    /** {@code b} with the signed-in user's token, when this client acts for one. */
    private HttpRequest.Builder signed(HttpRequest.Builder b) {
        return authorization == null ? b : b.header("Authorization", authorization);
    }

    private <T> HttpResponse<T> send(String method, URI uri, Object body, Map<String, String> headers,
                                     HttpResponse.BodyHandler<T> handler) {
        HttpRequest.Builder b = signed(HttpRequest.newBuilder(uri)).timeout(REQUEST_TIMEOUT).header("Accept", "application/json");
        headers.forEach(b::header);
        if (body == null) {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            byte[] bytes;
            try {
                bytes = bodies.writeValueAsBytes(body);
            } catch (JsonProcessingException e) {
                throw new ApiException(new ApiError(500, "ui_error", "The UI could not write the request: "
                        + e.getOriginalMessage()), e);
            }
            b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofByteArray(bytes));
        }
        HttpRequest req = b.build();
        try {
            return http.send(req, handler);
        } catch (IOException e) {
            throw ApiException.unreachable("The choreoscope API at " + base + " cannot be reached ("
                    + describe(e) + "). Is the backend running?", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.unreachable("Interrupted while calling " + uri.getPath(), e);
        }
    }

    private ApiException error(URI uri, int status, String body) {
        try {
            ApiError e = json.readValue(body, ApiError.class);
            if (e.message() != null) {
                return new ApiException(new ApiError(status, e.error() == null ? "error" : e.error(), e.message()));
            }
        } catch (JsonProcessingException | IllegalArgumentException ignored) {
            // not an ApiError body: fall through to a message made from the status
        }
        return new ApiException(new ApiError(status, "http_" + status,
                "The API answered " + uri.getPath() + " with HTTP " + status + "."));
    }

    private static String describe(Throwable e) {
        if (e instanceof java.net.ConnectException) {
            return "connection refused";
        }
        if (e instanceof java.net.http.HttpTimeoutException) {
            return "no answer in time";
        }
        String m = e.getMessage();
        return (m == null || m.isBlank()) ? e.getClass().getSimpleName() : m;
    }

    private URI path(String relative, Map<String, Object> params) {
        StringJoiner q = new StringJoiner("&");
        params.forEach((k, v) -> {
            if (v != null) {
                q.add(k + "=" + URLEncoder.encode(String.valueOf(v), StandardCharsets.UTF_8));
            }
        });
        return base.resolve(q.length() == 0 ? relative : relative + "?" + q);
    }

    private static Map<String, Object> params(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    /** Encodes one path segment (correlation IDs may contain '/', spaces, anything). */
    static String segment(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** The shared SSE connection and its subscribers. */
    private final class LiveStream {
        private final List<LiveListener> listeners = new CopyOnWriteArrayList<>();
        private Thread reader;
        private volatile InputStream open;
        private volatile boolean connected;

        synchronized LiveSubscription add(LiveListener l) {
            listeners.add(l);
            if (reader == null) {
                reader = new Thread(this::run, "choreoscope-live");
                reader.setDaemon(true);
                reader.start();
            } else if (connected) {
                l.onConnectionChanged(true);
            }
            AtomicBoolean closed = new AtomicBoolean();
            return () -> {
                if (closed.compareAndSet(false, true)) {
                    remove(l);
                }
            };
        }

        private synchronized void remove(LiveListener l) {
            listeners.remove(l);
            if (listeners.isEmpty() && reader != null) {
                reader.interrupt();
                reader = null;
                closeQuietly(open);
            }
        }

        private void run() {
            long retryMs = LIVE_RETRY.toMillis();
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    HttpRequest req = signed(HttpRequest.newBuilder(base.resolve("live")))
                            .header("Accept", "text/event-stream").GET().build();
                    HttpResponse<InputStream> r = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
                    if (r.statusCode() >= 400) {
                        closeQuietly(r.body());
                        throw new IOException("HTTP " + r.statusCode());
                    }
                    open = r.body();
                    retryMs = read(r.body(), retryMs);
                } catch (IOException e) {
                    // broken or refused: tell the listeners, wait, retry
                } catch (InterruptedException e) {
                    return;
                } finally {
                    setConnected(false);
                }
                try {
                    Thread.sleep(retryMs);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        /** Reads events until the stream ends; returns the retry delay the server asked for. */
        private long read(InputStream in, long retryMs) throws IOException {
            setConnected(true);
            BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String event = null;
            StringBuilder data = new StringBuilder();
            for (String line; (line = lines.readLine()) != null; ) {
                if (Thread.currentThread().isInterrupted()) {
                    break;
                }
                if (line.isEmpty()) {
                    dispatch(event, data);
                    event = null;
                    data.setLength(0);
                } else if (line.startsWith(":")) {
                    continue; // comment (keep-alive)
                } else {
                    int colon = line.indexOf(':');
                    String field = colon < 0 ? line : line.substring(0, colon);
                    String value = colon < 0 ? "" : line.substring(colon + 1);
                    if (value.startsWith(" ")) {
                        value = value.substring(1);
                    }
                    switch (field) {
                        case "event" -> event = value;
                        case "data" -> data.append(data.length() > 0 ? "\n" : "").append(value);
                        case "retry" -> {
                            try {
                                retryMs = Long.parseLong(value.trim());
                            } catch (NumberFormatException ignored) {
                                // keep the current delay
                            }
                        }
                        default -> { }
                    }
                }
            }
            return retryMs;
        }

        private void dispatch(String event, StringBuilder data) {
            if (data.length() == 0) {
                return;
            }
            LiveUpdate u;
            try {
                u = json.readValue(data.toString(), LiveUpdate.class);
            } catch (JsonProcessingException e) {
                return; // a message this UI cannot read is skipped; the next "flows" tick re-syncs
            }
            if (u.type() == null && event != null) {
                u = new LiveUpdate(event, u.correlationId(), u.flow(), u.state(), u.at());
            }
            for (LiveListener l : listeners) {
                try {
                    l.onUpdate(u);
                } catch (RuntimeException ignored) {
                    // one broken listener (e.g. a detached UI) must not starve the others
                }
            }
        }

        private void setConnected(boolean c) {
            if (connected != c) {
                connected = c;
                for (LiveListener l : listeners) {
                    try {
                        l.onConnectionChanged(c);
                    } catch (RuntimeException ignored) {
                        // see dispatch
                    }
                }
            }
        }

        private void closeQuietly(InputStream in) {
            if (in != null) {
                try {
                    in.close();
                } catch (IOException ignored) {
                    // closing to stop reading; nothing to do
                }
            }
        }
    }
}
