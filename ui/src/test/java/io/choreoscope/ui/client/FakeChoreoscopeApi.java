package io.choreoscope.ui.client;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;

import io.choreoscope.model.api.ApiError;
import io.choreoscope.model.api.AuthSettings;
import io.choreoscope.model.api.SignedIn;
import io.choreoscope.model.api.UserInfo;
import io.choreoscope.model.api.AlertFiringView;
import io.choreoscope.model.api.AlertRuleRequest;
import io.choreoscope.model.api.AlertRuleView;
import io.choreoscope.model.api.EventView;
import io.choreoscope.model.api.FlowSummaries;
import io.choreoscope.model.api.FlowSummary;
import io.choreoscope.model.api.EventPage;
import io.choreoscope.model.api.InstanceDetail;
import io.choreoscope.model.api.LiveUpdate;
import io.choreoscope.model.api.Page;
import io.choreoscope.model.api.ReplayMode;
import io.choreoscope.model.api.ReplayPlanView;
import io.choreoscope.model.api.ReplayRequest;
import io.choreoscope.model.api.ReplayStatus;
import io.choreoscope.model.api.SearchHit;
import io.choreoscope.model.api.TopicInfo;
import io.choreoscope.model.flow.DependencyMap;
import io.choreoscope.model.flow.FlowModel;
import io.choreoscope.model.flow.InstanceSnapshot;
import io.choreoscope.model.flow.InstanceState;

/**
 * An in-memory {@link ChoreoscopeApi} for browserless tests, browser tests, other modules' tests
 * (through the ui test-jar) and the dev launcher ({@code io.choreoscope.ui.DevUiServer}). Every
 * piece of data can be replaced from a test; {@link #updateFlow} and {@link #emit} push live updates to
 * subscribers exactly like the real {@code /live} stream, so "the dashboard updates live" can be shown
 * without a backend. Thread-safe (coarse locking: it is a fake).
 *
 * <p>Alerts and replay behave like the backend's (see {@link FakeAlerts} and {@link FakeReplays}): the same
 * checks and messages for bad input, dry runs answering every record, real replays that advance with
 * {@link #setClock the clock} at most {@link FakeReplays#ACK_RATE} records per second and can be cancelled,
 * and an audit. Records on dead-letter topics are added with {@link #putTopicRecords}.
 */
public final class FakeChoreoscopeApi implements ChoreoscopeApi {

    /** The API's default payload cut, 64 KiB. */
    public static final int DEFAULT_MAX_PAYLOAD_BYTES = 64 * 1024;

    private final Map<String, FlowSummary> flows = new LinkedHashMap<>();
    private final Map<String, FlowModel> models = new LinkedHashMap<>();
    private final Map<String, InstanceDetail> instances = new LinkedHashMap<>();
    private DependencyMap dependencies = new DependencyMap(List.of(), List.of());
    private List<TopicInfo> topics = List.of();
    private List<io.choreoscope.model.api.ExchangeInfo> exchanges = List.of();
    private final List<LiveListener> listeners = new CopyOnWriteArrayList<>();
    private final List<String> calls = new CopyOnWriteArrayList<>();
    private volatile ApiException failure;
    private volatile Duration delay = Duration.ZERO;
    private volatile Clock clock = Clock.systemUTC();
    /** Where relative windows ("last hour") end; the clock's now unless frozen ({@link #freezeWindowsAt}). */
    private volatile Instant windowsEnd;
    /** Stored records of topics that no instance owns (dead-letter topics), by topic. */
    private final Map<String, List<EventView>> topicRecords = new LinkedHashMap<>();
    private final FakeAlerts alerts = new FakeAlerts(() -> clock);
    private final FakeReplays replays = new FakeReplays(() -> clock, new FakeReplays.Store() {
        @Override
        public Optional<EventView> event(String topic, int partition, long offset) {
            return findEvent(topic, partition, offset);
        }

        @Override
        public Optional<EventView> lastEventOf(String correlationId) {
            InstanceDetail d = find(correlationId);
            return d == null ? Optional.empty() : d.events().stream().max(Comparator.comparing(EventView::timestamp)
                    .thenComparingInt(EventView::partition).thenComparingLong(EventView::offset));
        }

        @Override
        public List<EventView> topic(String topic) {
            return recordsOf(topic);
        }
    });

    /** Users who may sign in (name -> password and roles); empty: sign-in is off. */
    private final Map<String, Map.Entry<String, List<String>>> users = new java.util.concurrent.ConcurrentHashMap<>();
    private final List<AuthSettings.SsoProvider> ssoProviders = new CopyOnWriteArrayList<>();
    private final Map<String, SignedIn> ssoCodes = new java.util.concurrent.ConcurrentHashMap<>();
    private final List<String> tokensUsed = new CopyOnWriteArrayList<>();

    /** An empty fake: no flows, no instances. */
    public FakeChoreoscopeApi() {
    }

    // --- sign-in, for tests ----------------------------------------------------------------------------

    /** Turns sign-in on and adds a local user with {@code roles} as the API would expand them. */
    public FakeChoreoscopeApi addUser(String name, String password, List<String> roles) {
        users.put(name, Map.entry(password, List.copyOf(roles)));
        return this;
    }

    /** Turns sign-in on (if no user does) and lists a single sign-on provider. */
    public FakeChoreoscopeApi addSsoProvider(String name, String loginUrl) {
        ssoProviders.add(new AuthSettings.SsoProvider(name, loginUrl));
        return this;
    }

    /** A one-time code as the API's single sign-on callback would hand to the UI. */
    public String ssoCodeFor(String name, List<String> roles) {
        String code = "code-" + java.util.UUID.randomUUID();
        ssoCodes.put(code, signedIn(name, roles));
        return code;
    }

    /** The tokens {@link #as} was asked to act with, oldest first. */
    public List<String> tokensUsed() {
        return List.copyOf(tokensUsed);
    }

    private SignedIn signedIn(String name, List<String> roles) {
        return new SignedIn("fake-token-" + name + "-" + java.util.UUID.randomUUID(), clock.instant().plus(Duration.ofHours(12)),
                new UserInfo(name, roles));
    }

    /** Not subject to {@link #failWith}: tests of an unreachable API keep their views, not the sign-in page. */
    @Override
    public AuthSettings authSettings() {
        calls.add("authSettings");
        boolean on = !users.isEmpty() || !ssoProviders.isEmpty();
        return new AuthSettings(on, !users.isEmpty(), List.copyOf(ssoProviders));
    }

    /** As the backend: a 400 while sign-in is off (no users and no single sign-on), else 401 for a wrong name or password. */
    @Override
    public SignedIn login(String username, String password) {
        enter("login");
        if (users.isEmpty() && ssoProviders.isEmpty()) {
            throw new ApiException(new ApiError(400, "auth_disabled",
                    "sign-in is off (choreoscope.auth.enabled=false): no token is needed"));
        }
        Map.Entry<String, List<String>> u = username == null ? null : users.get(username);
        if (u == null || !u.getKey().equals(password)) {
            throw new ApiException(new ApiError(401, "unauthorized", "unknown user or wrong password"));
        }
        return signedIn(username, u.getValue());
    }

    @Override
    public SignedIn exchangeSsoCode(String code) {
        enter("exchangeSsoCode");
        SignedIn s = code == null ? null : ssoCodes.remove(code);
        if (s == null) {
            throw new ApiException(new ApiError(401, "unauthorized", "this sign-in code is unknown, used or expired"));
        }
        return s;
    }

    /** The fake answers every caller alike (who may do what is the API's and tested there); it records the token. */
    @Override
    public ChoreoscopeApi as(String token) {
        tokensUsed.add(token);
        return this;
    }

    /** A fake filled with {@link SampleData} as of {@code now}. */
    public static FakeChoreoscopeApi withSampleData(java.time.Instant now) {
        FakeChoreoscopeApi api = new FakeChoreoscopeApi();
        SampleData.fill(api, now);
        return api;
    }

    // --- mutation, for tests ---------------------------------------------------------------------------

    public synchronized FakeChoreoscopeApi putFlow(FlowSummary summary) {
        flows.put(summary.flow(), summary);
        return this;
    }

    public synchronized FakeChoreoscopeApi removeFlow(String flow) {
        flows.remove(flow);
        return this;
    }

    /** Changes one flow's summary and pushes a {@code flows} live update, as the backend's tick would. */
    public void updateFlow(String flow, UnaryOperator<FlowSummary> change) {
        synchronized (this) {
            FlowSummary f = flows.get(flow);
            if (f == null) {
                throw new IllegalArgumentException("no flow " + flow);
            }
            flows.put(flow, change.apply(f));
        }
        emit(new LiveUpdate("flows", null, flow, null, java.time.Instant.now()));
    }

    public synchronized FakeChoreoscopeApi putModel(FlowModel model) {
        models.put(model.flow(), model);
        return this;
    }

    /** Adds or replaces an instance (keyed by its primary correlation ID). */
    public synchronized FakeChoreoscopeApi putInstance(InstanceDetail detail) {
        instances.put(detail.snapshot().correlationId(), detail);
        return this;
    }

    /** Removes the instance whose primary correlation ID is {@code correlationId}, if there is one. */
    public synchronized FakeChoreoscopeApi removeInstance(String correlationId) {
        instances.remove(correlationId);
        return this;
    }

    public synchronized FakeChoreoscopeApi setDependencies(DependencyMap map) {
        this.dependencies = map;
        return this;
    }

    public synchronized FakeChoreoscopeApi setTopics(List<TopicInfo> topics) {
        this.topics = List.copyOf(topics);
        return this;
    }

    public synchronized FakeChoreoscopeApi setExchanges(List<io.choreoscope.model.api.ExchangeInfo> exchanges) {
        this.exchanges = List.copyOf(exchanges);
        return this;
    }

    /**
     * Relative windows ("last hour", "the hour before") end at {@code end} instead of the clock's now: the sample data
     * are placed relative to the instant they were made at, so a test class that runs for minutes would otherwise see
     * instances near a window's edge slide out of it (UiBrowserIT's counts of the last hour were one short on a slow
     * run). Alerts and replays still follow the clock.
     */
    public FakeChoreoscopeApi freezeWindowsAt(Instant end) {
        this.windowsEnd = end;
        return this;
    }

    private Instant windowEnd() {
        Instant end = windowsEnd;
        return end != null ? end : clock.instant();
    }

    /** The clock alerts and replays use (a replay's progress follows it); the system clock by default. */
    public FakeChoreoscopeApi setClock(Clock clock) {
        this.clock = clock;
        return this;
    }

    /**
     * Adds stored records to a topic that no instance owns, e.g. a dead-letter topic for a redrive. Each
     * record's own {@code topic} must be {@code topic}.
     */
    public synchronized FakeChoreoscopeApi putTopicRecords(String topic, List<EventView> records) {
        for (EventView e : records) {
            if (!topic.equals(e.topic())) {
                throw new IllegalArgumentException("record of " + e.topic() + " given for " + topic);
            }
        }
        topicRecords.computeIfAbsent(topic, t -> new ArrayList<>()).addAll(records);
        return this;
    }

    /** Sets the series a rule fires and waits for now, as the backend's evaluation round would. */
    public FakeChoreoscopeApi setAlertSeries(long ruleId, List<String> firing, List<String> pending) {
        alerts.setSeries(ruleId, firing, pending);
        return this;
    }

    /** Adds an entry to the firing history (its ID is assigned by the fake); returns it. */
    public AlertFiringView addFiring(AlertFiringView firing) {
        return alerts.addFiring(firing);
    }

    /** Adds a finished replay to the audit, as if it had run before. */
    public FakeChoreoscopeApi addPastReplay(ReplayMode mode, boolean dryRun, String user, Instant requestedAt,
                                            Instant finishedAt, int total, int sent, int errors, double rate,
                                            ReplayStatus.State state, String message, String subject) {
        replays.addFinished(mode, dryRun, user, requestedAt, finishedAt, total, sent, errors, rate, state, message, subject);
        return this;
    }

    /** Every later call throws {@code e} until {@link #clearFailure()}. */
    public FakeChoreoscopeApi failWith(ApiException e) {
        this.failure = e;
        return this;
    }

    public FakeChoreoscopeApi clearFailure() {
        this.failure = null;
        return this;
    }

    /** Every later call waits this long first (to see loading indicators). */
    public FakeChoreoscopeApi setDelay(Duration delay) {
        this.delay = delay;
        return this;
    }

    /** Sends {@code update} to every live subscriber, on the calling thread. */
    public void emit(LiveUpdate update) {
        for (LiveListener l : listeners) {
            l.onUpdate(update);
        }
    }

    /** Tells subscribers the live stream dropped or came back. */
    public void setLiveConnected(boolean connected) {
        for (LiveListener l : listeners) {
            l.onConnectionChanged(connected);
        }
    }

    /** Calls made so far, e.g. {@code "flows -1h"}, {@code "instances flow=OrderPlaced eventType=X"}. */
    public List<String> calls() {
        return List.copyOf(calls);
    }

    public int liveSubscribers() {
        return listeners.size();
    }

    public synchronized List<String> flowNames() {
        return List.copyOf(flows.keySet());
    }

    public synchronized FlowSummary flowSummary(String flow) {
        return flows.get(flow);
    }

    // --- the API ---------------------------------------------------------------------------------------

    @Override
    public List<FlowSummary> flows(TimeWindow window) {
        enter("flows " + (window == null ? "" : window.from()));
        synchronized (this) {
            return List.copyOf(flows.values());
        }
    }

    @Override
    public FlowSummaries.Narrowed busiestFlows(TimeWindow window, String contains, int limit) {
        enter("flows " + (window == null ? "" : window.from()) + " q=" + (contains == null ? "" : contains)
                + " busiest " + limit);
        synchronized (this) {
            return FlowSummaries.narrow(List.copyOf(flows.values()), contains, FlowSummaries.Order.STARTED, limit);
        }
    }

    @Override
    public FlowModel flow(String flow) {
        enter("flow " + flow);
        synchronized (this) {
            FlowModel m = models.get(flow);
            if (m == null) {
                throw ApiException.notFound("No flow named '" + flow + "' has been seen.");
            }
            return m;
        }
    }

    @Override
    public FlowModel flow(String flow, TimeWindow window) {
        return window == null || window.lifetime() ? flow(flow) : windowModel("flow ", flow, window, false);
    }

    @Override
    public FlowModel flowByCause(String flow, TimeWindow window) {
        return window == null || window.lifetime() ? flow(flow) : windowModel("flowByCause ", flow, window, true);
    }

    private FlowModel windowModel(String call, String flow, TimeWindow window, boolean byCause) {
        enter(call + flow + " " + window.from());
        Instant to = windowEnd();
        return modelOf(flow, to.minus(window.duration()), to, byCause);
    }

    /** The model of the flow's instances started in [from, to), in order or by cause; 404 for an unknown flow. */
    private synchronized FlowModel modelOf(String flow, Instant from, Instant to, boolean byCause) {
        FlowModel lifetime = models.get(flow);
        List<InstanceDetail> in = startedIn(flow, from, to);
        if (lifetime == null && in.isEmpty()) {
            throw ApiException.notFound("No flow named '" + flow + "' has been seen.");
        }
        return FakeWindows.model(flow, in, from, to, lifetime == null ? List.of() : lifetime.learnedEnds(), byCause);
    }

    /** What {@link #suspects} answers per flow (tests set it); flows without an entry answer no suspects. */
    public final Map<String, List<io.choreoscope.model.api.Suspect>> suspects = new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public io.choreoscope.model.api.SuspectReport suspects(String flow, TimeWindow window) {
        enter("suspects " + flow + " " + (window == null || window.lifetime() ? "-24h" : window.from()));
        synchronized (this) {
            if (!models.containsKey(flow) && instances.values().stream().noneMatch(d -> flow.equals(d.snapshot().flow()))) {
                throw ApiException.notFound("No flow named '" + flow + "' has been seen.");
            }
            Instant to = windowEnd();
            Instant from = to.minus(window == null || window.lifetime() ? java.time.Duration.ofHours(24) : window.duration());
            java.util.function.Predicate<InstanceSnapshot> inWindow = x -> flow.equals(x.flow()) && x.startedAt() != null
                    && !x.startedAt().isBefore(from) && x.startedAt().isBefore(to);
            long stuck = instances.values().stream().map(InstanceDetail::snapshot).filter(inWindow)
                    .filter(x -> x.state() == InstanceState.STUCK || x.state() == InstanceState.FAILED).count();
            long completed = instances.values().stream().map(InstanceDetail::snapshot).filter(inWindow)
                    .filter(x -> x.state() == InstanceState.COMPLETED).count();
            return new io.choreoscope.model.api.SuspectReport(flow, from, to, stuck, completed, false, 5000, 3, 0.1, 2.0,
                    suspects.getOrDefault(flow, List.of()));
        }
    }

    /** The schema rows {@link #schemas} answers per flow (tests set them); flows without an entry answer no steps. */
    public final Map<String, List<io.choreoscope.model.FlowSchemaReader.StepSchema>> schemaRows =
            new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public io.choreoscope.model.api.FlowSchemas schemas(String flow, TimeWindow window) {
        enter("schemas " + flow + " " + (window == null || window.lifetime() ? "-24h" : window.from()));
        synchronized (this) {
            if (!models.containsKey(flow) && instances.values().stream().noneMatch(d -> flow.equals(d.snapshot().flow()))) {
                throw ApiException.notFound("No flow named '" + flow + "' has been seen.");
            }
            Instant to = windowEnd();
            Instant from = to.minus(window == null || window.lifetime() ? java.time.Duration.ofHours(24) : window.duration());
            return io.choreoscope.model.api.FlowSchemas.of(flow, from, to, schemaRows.getOrDefault(flow, List.of()), false);
        }
    }

    @Override
    public FlowModel flow(String flow, Instant from, Instant to) {
        return boundedModel("flow ", flow, from, to, false);
    }

    @Override
    public FlowModel flowByCause(String flow, Instant from, Instant to) {
        return boundedModel("flowByCause ", flow, from, to, true);
    }

    private FlowModel boundedModel(String call, String flow, Instant from, Instant to, boolean byCause) {
        enter(call + flow + " " + from + " " + to);
        if (!from.isBefore(to)) {
            throw new ApiException(new io.choreoscope.model.api.ApiError(400, "bad_request", "from must be before to"));
        }
        return modelOf(flow, from, to, byCause);
    }

    @Override
    public List<io.choreoscope.model.flow.Variant> variants(String flow, TimeWindow window, int limit) {
        enter("variants " + flow);
        synchronized (this) {
            Instant to = windowEnd();
            Instant from = window == null || window.lifetime() ? Instant.EPOCH : to.minus(window.duration());
            List<io.choreoscope.model.flow.Variant> all = FakeWindows.variants(startedIn(flow, from, to));
            if (all.isEmpty() && !models.containsKey(flow)) {
                throw ApiException.notFound("No flow named '" + flow + "' has been seen.");
            }
            return List.copyOf(all.subList(0, Math.min(all.size(), limit > 0 ? limit : DEFAULT_LIMIT)));
        }
    }

    /** The fake's export: the filtered map's transitions as Mermaid-like text, or the instances' events as CSV. */
    @Override
    public RawPayload export(String flow, TimeWindow window, String format, double minStepShare, double minPathShare,
                             boolean byCause) {
        enter("export " + flow + " " + format + (byCause ? " by cause" : ""));
        FlowModel m = io.choreoscope.model.flow.FlowFilter.apply(byCause ? flowByCause(flow, window) : flow(flow, window),
                minStepShare, minPathShare);
        StringBuilder b = new StringBuilder();
        if (format.equals("csv") || format.equals("xes")) {
            b.append("case_id,activity,timestamp,resource\n");
            synchronized (this) {
                instances.values().stream().filter(d -> d.snapshot().flow().equals(flow)).forEach(d -> d.events().forEach(e ->
                        b.append(d.snapshot().correlationId()).append(',').append(e.eventType()).append(',')
                                .append(e.timestamp()).append(",\n")));
            }
        } else {
            b.append("flowchart LR\n");
            m.transitions().forEach(t -> b.append("    ").append(t.from()).append(" --> ").append(t.to()).append('\n'));
        }
        return new RawPayload("text/plain", b.toString().getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public List<InstanceSnapshot> variantInstances(String flow, String variantId, TimeWindow window, int limit) {
        enter("variant instances " + flow + " " + variantId);
        synchronized (this) {
            Instant to = windowEnd();
            Instant from = window == null || window.lifetime() ? Instant.EPOCH : to.minus(window.duration());
            return startedIn(flow, from, to).stream()
                    .filter(d -> FakeWindows.id(d.events().stream().map(io.choreoscope.model.api.EventView::eventType).toList())
                            .equals(variantId))
                    .map(InstanceDetail::snapshot)
                    .sorted(java.util.Comparator.comparing(InstanceSnapshot::lastEventAt).reversed())
                    .limit(limit > 0 ? limit : 20).toList();
        }
    }

    private List<InstanceDetail> startedIn(String flow, Instant from, Instant to) {
        return instances.values().stream().filter(d -> d.snapshot().flow().equals(flow)
                && !d.snapshot().startedAt().isBefore(from) && d.snapshot().startedAt().isBefore(to)).toList();
    }

    @Override
    public Page<InstanceSnapshot> instances(InstanceQuery q) {
        enter("instances" + (q.flow() == null ? "" : " flow=" + q.flow())
                + (q.state() == null ? "" : " state=" + q.state())
                + (q.eventType() == null ? "" : " eventType=" + q.eventType()));
        List<InstanceSnapshot> all = new ArrayList<>();
        synchronized (this) {
            for (InstanceDetail d : instances.values()) {
                InstanceSnapshot s = d.snapshot();
                if ((q.flow() == null || q.flow().equals(s.flow()))
                        && (q.state() == null || q.state() == s.state())
                        && (q.eventType() == null || d.events().stream().anyMatch(e -> q.eventType().equals(e.eventType())))
                        && (q.service() == null || d.events().stream().anyMatch(e -> q.service().equals(e.sourceService())))) {
                    all.add(s);
                }
            }
        }
        // as the backend: newest last event first, ties by correlation ID, descending
        all.sort(Comparator.comparing(InstanceSnapshot::lastEventAt).thenComparing(InstanceSnapshot::correlationId).reversed());
        int from = q.cursor() == null ? 0 : Integer.parseInt(q.cursor());
        int limit = q.limit() > 0 ? q.limit() : DEFAULT_LIMIT;
        int to = Math.min(all.size(), from + limit);
        return new Page<>(List.copyOf(all.subList(Math.min(from, to), to)), to < all.size() ? String.valueOf(to) : null);
    }

    @Override
    public InstanceDetail instance(String correlationId, int maxPayloadBytes) {
        enter("instance " + correlationId);
        InstanceDetail d = find(correlationId);
        if (d == null) {
            throw ApiException.notFound("No instance with correlation ID '" + correlationId + "'.");
        }
        EventPage first = page(d, null, 0, maxPayloadBytes);
        return new InstanceDetail(d.snapshot(), first.events(), d.spans(), d.graph(), first.total(), first.nextCursor());
    }

    @Override
    public EventPage instanceEvents(String correlationId, String cursor, int limit, int maxPayloadBytes) {
        enter("instanceEvents " + correlationId + " " + cursor);
        InstanceDetail d = find(correlationId);
        if (d == null) {
            throw ApiException.notFound("No instance with correlation ID '" + correlationId + "'.");
        }
        return page(d, cursor, limit, maxPayloadBytes);
    }

    /** As the backend: pages of {@code limit} (default 50) events; the cursor here is the index of the next event. */
    private static EventPage page(InstanceDetail d, String cursor, int limit, int maxPayloadBytes) {
        int max = maxPayloadBytes > 0 ? maxPayloadBytes : DEFAULT_MAX_PAYLOAD_BYTES;
        int n = limit > 0 ? limit : DEFAULT_LIMIT;
        int from;
        try {
            from = cursor == null ? 0 : Integer.parseInt(cursor);
        } catch (NumberFormatException e) {
            throw new ApiException(new io.choreoscope.model.api.ApiError(400, "bad_request", "cursor is not one this API issued; pass back nextCursor unchanged"));
        }
        List<EventView> all = d.events();
        int to = Math.min(all.size(), from + n);
        List<EventView> cut = new ArrayList<>();
        for (EventView e : all.subList(Math.min(from, to), to)) {
            byte[] bytes = e.payload() == null ? new byte[0] : e.payload().getBytes(StandardCharsets.UTF_8);
            if (bytes.length > max) {
                // as the backend: a character the cut would split is left out whole
                int end = max;
                while (end > 0 && (bytes[end] & 0xC0) == 0x80) {
                    end--;
                }
                String head = new String(bytes, 0, end, StandardCharsets.UTF_8);
                cut.add(new EventView(e.topic(), e.partition(), e.offset(), e.timestamp(), e.ingestTime(), e.key(),
                        e.headers(), head, e.payloadEncoding(), true, bytes.length, e.contentType(),
                        e.correlationId(), e.eventId(), e.eventType(), e.sourceService(), e.causationId(),
                        e.traceId(), e.spanId(), e.parseStatus(), e.parseError(), e.replayed()));
            } else {
                cut.add(e);
            }
        }
        return new EventPage(cut, all.size(), to < all.size() ? String.valueOf(to) : null);
    }

    @Override
    public RawPayload payload(String topic, int partition, long offset) {
        enter("payload " + topic + "/" + partition + "/" + offset);
        Optional<EventView> found = findEvent(topic, partition, offset);
        if (found.isPresent()) {
            EventView e = found.get();
            String p = e.payload() == null ? "" : e.payload();
            return new RawPayload(contentType(e), p.getBytes(StandardCharsets.UTF_8));
        }
        throw ApiException.notFound("No event at " + topic + "/" + partition + "/" + offset + ".");
    }

    @Override
    public List<SearchHit> search(String query, SearchMode mode, int limit) {
        enter("search " + mode + " " + query);
        if (query == null || query.isBlank()) {
            throw new ApiException(new io.choreoscope.model.api.ApiError(400, "bad_request", "q must not be empty"));
        }
        String q = query.trim();
        int max = limit > 0 ? limit : DEFAULT_LIMIT;
        List<SearchHit> all = new ArrayList<>();
        synchronized (this) {
            if (mode == SearchMode.VALUE) {
                // as the backend: one hit per matching event, newest first
                String lower = q.toLowerCase(Locale.ROOT);
                for (InstanceDetail d : instances.values()) {
                    for (EventView e : d.events()) {
                        SearchHit h = valueHit(d.snapshot(), e, lower);
                        if (h != null) {
                            all.add(h);
                        }
                    }
                }
                all.sort(Comparator.comparing(SearchHit::timestamp, Comparator.nullsLast(Comparator.reverseOrder())));
            } else {
                // as the backend: the instance a primary or linked ID names exactly, then primary IDs starting with
                // the query, by ID
                List<SearchHit> prefix = new ArrayList<>();
                for (InstanceDetail d : instances.values()) {
                    InstanceSnapshot s = d.snapshot();
                    EventView last = d.events().isEmpty() ? null : d.events().get(d.events().size() - 1);
                    if (s.correlationId().equals(q) || s.linkedIds().contains(q)) {
                        all.add(hit(s, last, "correlationId", q));
                    } else if (s.correlationId().startsWith(q)) {
                        prefix.add(hit(s, last, "correlationId", s.correlationId()));
                    }
                }
                prefix.sort(Comparator.comparing(SearchHit::correlationId));
                all.addAll(prefix);
            }
        }
        return List.copyOf(all.subList(0, Math.min(max, all.size())));
    }

    @Override
    public List<InstanceSnapshot> stuck(String flow, int limit) {
        enter("stuck " + (flow == null ? "*" : flow));
        List<InstanceSnapshot> out = new ArrayList<>();
        synchronized (this) {
            for (InstanceDetail d : instances.values()) {
                InstanceSnapshot s = d.snapshot();
                if (s.state() == InstanceState.STUCK && (flow == null || flow.equals(s.flow()))) {
                    out.add(s);
                }
            }
        }
        out.sort(Comparator.comparing(InstanceSnapshot::lastEventAt));
        int max = limit > 0 ? limit : DEFAULT_LIMIT;
        return List.copyOf(out.subList(0, Math.min(max, out.size())));
    }

    @Override
    public synchronized DependencyMap dependencies(TimeWindow window) {
        enter("dependencies " + (window == null ? "" : window.from()));
        return dependencies;
    }

    @Override
    public synchronized List<TopicInfo> topics() {
        enter("topics");
        return topics;
    }

    @Override
    public synchronized List<io.choreoscope.model.api.ExchangeInfo> exchanges() {
        enter("exchanges");
        return exchanges;
    }

    @Override
    public List<AlertRuleView> alertRules() {
        enter("alertRules");
        return alerts.rules();
    }

    @Override
    public AlertRuleView alertRule(long id) {
        enter("alertRule " + id);
        return alerts.rule(id);
    }

    @Override
    public AlertRuleView createAlertRule(AlertRuleRequest request) {
        enter("createAlertRule " + (request == null ? null : request.name()));
        return alerts.create(request);
    }

    @Override
    public AlertRuleView updateAlertRule(long id, AlertRuleRequest request) {
        enter("updateAlertRule " + id);
        return alerts.update(id, request);
    }

    @Override
    public void deleteAlertRule(long id) {
        enter("deleteAlertRule " + id);
        alerts.delete(id);
    }

    @Override
    public AlertFiringView testAlertRule(long id) {
        enter("testAlertRule " + id);
        return alerts.testFire(id);
    }

    @Override
    public AlertRuleView silenceAlertRule(long id, Instant until) {
        enter("silenceAlertRule " + id + " " + until);
        return alerts.silence(id, until);
    }

    @Override
    public List<AlertFiringView> alertFirings(Long ruleId, int limit) {
        enter("alertFirings " + (ruleId == null ? "*" : ruleId));
        return alerts.firings(ruleId, limit);
    }

    @Override
    public ReplayPlanView replay(ReplayRequest request, String requestedBy) {
        enter("replay " + (request == null ? null : request.mode())
                + (request != null && Boolean.TRUE.equals(request.dryRun()) ? " dry-run" : ""));
        return replays.replay(request, requestedBy);
    }

    @Override
    public ReplayStatus replayStatus(String id) {
        enter("replayStatus " + id);
        return replays.status(id);
    }

    @Override
    public ReplayStatus cancelReplay(String id) {
        enter("cancelReplay " + id);
        return replays.cancel(id);
    }

    @Override
    public List<ReplayStatus> replays(int limit) {
        enter("replays");
        return replays.history(limit);
    }

    @Override
    public LiveSubscription live(LiveListener listener) {
        listeners.add(listener);
        listener.onConnectionChanged(true);
        return () -> listeners.remove(listener);
    }

    // --- helpers ---------------------------------------------------------------------------------------

    private void enter(String call) {
        calls.add(call);
        Duration d = delay;
        if (!d.isZero()) {
            try {
                Thread.sleep(d.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        ApiException f = failure;
        if (f != null) {
            throw f;
        }
    }

    private synchronized Optional<EventView> findEvent(String topic, int partition, long offset) {
        for (InstanceDetail d : instances.values()) {
            for (EventView e : d.events()) {
                if (e.topic().equals(topic) && e.partition() == partition && e.offset() == offset) {
                    return Optional.of(e);
                }
            }
        }
        return topicRecords.getOrDefault(topic, List.of()).stream()
                .filter(e -> e.partition() == partition && e.offset() == offset).findFirst();
    }

    /** Stored records of a topic, by partition then offset: instance events and records put on it. */
    private synchronized List<EventView> recordsOf(String topic) {
        List<EventView> out = new ArrayList<>(topicRecords.getOrDefault(topic, List.of()));
        for (InstanceDetail d : instances.values()) {
            d.events().stream().filter(e -> e.topic().equals(topic)).forEach(out::add);
        }
        out.sort(Comparator.comparingInt(EventView::partition).thenComparingLong(EventView::offset));
        return out;
    }

    /** The content type the backend answers a raw payload with: the record's own, else what its parse found. */
    private static String contentType(EventView e) {
        if (e.contentType() != null) {
            return e.contentType();
        }
        if ("base64".equals(e.payloadEncoding())) {
            return "application/octet-stream";
        }
        return "OK".equals(e.parseStatus()) ? "application/json" : "text/plain";
    }

    private synchronized InstanceDetail find(String id) {
        InstanceDetail d = instances.get(id);
        if (d != null) {
            return d;
        }
        for (InstanceDetail x : instances.values()) {
            if (x.snapshot().linkedIds().contains(id)) {
                return x;
            }
        }
        return null;
    }

    private static SearchHit hit(InstanceSnapshot s, EventView last, String field, String value) {
        return new SearchHit(s.correlationId(), s.flow(), s.state().name(),
                last == null ? s.lastEventType() : last.eventType(), s.lastEventAt(), field, cut(value));
    }

    /**
     * Where {@code q} (lower case) occurs in one event, looked for as the backend does: event ID, key, the first
     * header value, then the payload (shown from 80 characters before the match, 200 characters long); null when
     * nowhere.
     */
    private static SearchHit valueHit(InstanceSnapshot s, EventView e, String q) {
        String field = null;
        String value = null;
        if (contains(e.eventId(), q)) {
            field = "eventId";
            value = e.eventId();
        } else if (contains(e.key(), q)) {
            field = "key";
            value = e.key();
        } else {
            for (EventView.HeaderView h : e.headers()) {
                if (contains(h.value(), q)) {
                    field = "header:" + h.name();
                    value = h.value();
                    break;
                }
            }
            if (field == null && contains(e.payload(), q)) {
                int from = Math.max(0, e.payload().toLowerCase(Locale.ROOT).indexOf(q) - 80);
                field = "payload";
                value = e.payload().substring(from, Math.min(e.payload().length(), from + 200));
            }
        }
        return field == null ? null
                : new SearchHit(s.correlationId(), s.flow(), s.state().name(), e.eventType(), e.timestamp(), field, cut(value),
                        e.topic(), e.partition(), e.offset());
    }

    private static boolean contains(String text, String lowerCaseQuery) {
        return text != null && text.toLowerCase(Locale.ROOT).contains(lowerCaseQuery);
    }

    private static String cut(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200);
    }
}
