package io.choreoscope.ui.client;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;

import io.choreoscope.model.api.EventView;
import io.choreoscope.model.api.FlowSummary;
import io.choreoscope.model.api.InstanceDetail;
import io.choreoscope.model.api.LiveUpdate;
import io.choreoscope.model.api.Page;
import io.choreoscope.model.api.SearchHit;
import io.choreoscope.model.api.TopicInfo;
import io.choreoscope.model.flow.DependencyMap;
import io.choreoscope.model.flow.FlowModel;
import io.choreoscope.model.flow.InstanceSnapshot;
import io.choreoscope.model.flow.InstanceState;

/**
 * An in-memory {@link ChoreoscopeApi} for browserless tests, browser tests and the UI-only demo. Every
 * piece of data can be replaced from a test; {@link #updateFlow} and {@link #emit} push live updates to
 * subscribers exactly like the real {@code /live} stream, so "the dashboard updates live" can be shown
 * without a backend. Thread-safe (coarse locking: it is a fake).
 */
public final class FakeChoreoscopeApi implements ChoreoscopeApi {

    /** The API's default payload cut, 64 KiB. */
    public static final int DEFAULT_MAX_PAYLOAD_BYTES = 64 * 1024;

    private final Map<String, FlowSummary> flows = new LinkedHashMap<>();
    private final Map<String, FlowModel> models = new LinkedHashMap<>();
    private final Map<String, InstanceDetail> instances = new LinkedHashMap<>();
    private DependencyMap dependencies = new DependencyMap(List.of(), List.of());
    private List<TopicInfo> topics = List.of();
    private final List<LiveListener> listeners = new CopyOnWriteArrayList<>();
    private final List<String> calls = new CopyOnWriteArrayList<>();
    private volatile ApiException failure;
    private volatile Duration delay = Duration.ZERO;

    /** An empty fake: no flows, no instances. */
    public FakeChoreoscopeApi() {
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

    public synchronized FakeChoreoscopeApi setDependencies(DependencyMap map) {
        this.dependencies = map;
        return this;
    }

    public synchronized FakeChoreoscopeApi setTopics(List<TopicInfo> topics) {
        this.topics = List.copyOf(topics);
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
        all.sort(Comparator.comparing(InstanceSnapshot::startedAt).reversed());
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
        int max = maxPayloadBytes > 0 ? maxPayloadBytes : DEFAULT_MAX_PAYLOAD_BYTES;
        List<EventView> cut = new ArrayList<>();
        for (EventView e : d.events()) {
            byte[] bytes = e.payload() == null ? new byte[0] : e.payload().getBytes(StandardCharsets.UTF_8);
            if (bytes.length > max) {
                String head = new String(bytes, 0, max, StandardCharsets.UTF_8);
                cut.add(new EventView(e.topic(), e.partition(), e.offset(), e.timestamp(), e.ingestTime(), e.key(),
                        e.headers(), head, e.payloadEncoding(), true, bytes.length, e.contentType(),
                        e.correlationId(), e.eventId(), e.eventType(), e.sourceService(), e.causationId(),
                        e.traceId(), e.spanId(), e.parseStatus(), e.parseError(), e.replayed()));
            } else {
                cut.add(e);
            }
        }
        return new InstanceDetail(d.snapshot(), cut, d.spans(), d.graph());
    }

    @Override
    public RawPayload payload(String topic, int partition, long offset) {
        enter("payload " + topic + "/" + partition + "/" + offset);
        synchronized (this) {
            for (InstanceDetail d : instances.values()) {
                for (EventView e : d.events()) {
                    if (e.topic().equals(topic) && e.partition() == partition && e.offset() == offset) {
                        String p = e.payload() == null ? "" : e.payload();
                        return new RawPayload(e.contentType(), p.getBytes(StandardCharsets.UTF_8));
                    }
                }
            }
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
        List<SearchHit> exact = new ArrayList<>();
        List<SearchHit> more = new ArrayList<>();
        synchronized (this) {
            for (InstanceDetail d : instances.values()) {
                InstanceSnapshot s = d.snapshot();
                EventView last = d.events().isEmpty() ? null : d.events().get(d.events().size() - 1);
                if (mode == SearchMode.VALUE) {
                    SearchHit h = valueHit(d, q.toLowerCase(Locale.ROOT));
                    if (h != null) {
                        more.add(h);
                    }
                    continue;
                }
                for (String id : ids(s)) {
                    if (id.equals(q)) {
                        exact.add(hit(s, last, "correlationId", id));
                        break;
                    } else if (id.startsWith(q)) {
                        more.add(hit(s, last, "correlationId", id));
                        break;
                    }
                }
            }
        }
        List<SearchHit> all = new ArrayList<>(exact);
        more.sort(Comparator.comparing(SearchHit::timestamp, Comparator.nullsLast(Comparator.reverseOrder())));
        all.addAll(more);
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

    private static List<String> ids(InstanceSnapshot s) {
        List<String> ids = new ArrayList<>();
        ids.add(s.correlationId());
        List<String> linked = new ArrayList<>(s.linkedIds());
        Collections.sort(linked);
        for (String l : linked) {
            if (!l.equals(s.correlationId())) {
                ids.add(l);
            }
        }
        return ids;
    }

    private static SearchHit hit(InstanceSnapshot s, EventView last, String field, String value) {
        return new SearchHit(s.correlationId(), s.flow(), s.state().name(),
                last == null ? s.lastEventType() : last.eventType(), s.lastEventAt(), field, cut(value));
    }

    private static SearchHit valueHit(InstanceDetail d, String q) {
        InstanceSnapshot s = d.snapshot();
        for (EventView e : d.events()) {
            for (EventView.HeaderView h : e.headers()) {
                if (h.value() != null && h.value().toLowerCase(Locale.ROOT).contains(q)) {
                    return new SearchHit(s.correlationId(), s.flow(), s.state().name(), e.eventType(), e.timestamp(),
                            "header:" + h.name(), cut(h.value()));
                }
            }
            if (e.key() != null && e.key().toLowerCase(Locale.ROOT).contains(q)) {
                return new SearchHit(s.correlationId(), s.flow(), s.state().name(), e.eventType(), e.timestamp(),
                        "key", cut(e.key()));
            }
            if (e.payload() != null) {
                int at = e.payload().toLowerCase(Locale.ROOT).indexOf(q);
                if (at >= 0) {
                    int from = Math.max(0, at - 40);
                    return new SearchHit(s.correlationId(), s.flow(), s.state().name(), e.eventType(), e.timestamp(),
                            "payload", cut(e.payload().substring(from, Math.min(e.payload().length(), at + q.length() + 80))));
                }
            }
        }
        return null;
    }

    private static String cut(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200);
    }
}
