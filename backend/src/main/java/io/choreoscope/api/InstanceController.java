package io.choreoscope.api;

import io.choreoscope.http.ApiException;
import io.choreoscope.http.ApiParams;
import io.choreoscope.http.ClientDisconnect;
import io.micronaut.http.HttpRequest;
import io.micronaut.security.annotation.Secured;
import io.choreoscope.auth.Roles;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;

import io.choreoscope.inference.InstanceGraphBuilder;
import io.choreoscope.model.Beside;
import io.choreoscope.model.Observation;
import io.choreoscope.model.Span;
import io.choreoscope.model.SpanReader;
import io.choreoscope.model.EventExcerpt;
import io.choreoscope.model.EventPosition;
import io.choreoscope.model.api.EventPage;
import io.choreoscope.model.api.EventView;
import io.choreoscope.model.api.InstanceDetail;
import io.choreoscope.model.api.Page;
import io.choreoscope.model.api.SearchHit;
import io.choreoscope.model.flow.InstanceGraph;
import io.choreoscope.model.flow.InstanceSnapshot;
import io.choreoscope.model.flow.InstanceState;
import io.choreoscope.services.StuckDiagnosis;
import io.choreoscope.model.EventReader;
import io.choreoscope.model.InstanceReader;
import io.choreoscope.model.SearchReader;
import io.choreoscope.model.InstanceQuery;
import io.choreoscope.model.QueryLimitException;
import io.micronaut.core.annotation.Nullable;
import io.choreoscope.masking.ReadMasking;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import jakarta.inject.Named;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;

/** Instances: lists with filters and cursor pagination, one instance in full, raw payloads, search, stuck ones. */
@Secured(Roles.VIEWER)
@ExecuteOn(TaskExecutors.BLOCKING) // ClickHouse reads block: keep them off the event loop
@Controller("/api/v1")
@Tag(name = "instances")
public class InstanceController {
    /** Default window of value search: the last 7 days. */
    public static final Duration DEFAULT_SEARCH_WINDOW = Duration.ofDays(7);
    /**
     * Most payload bytes one page of an instance's events carries (16 MiB): a page holds at most
     * {@code 16 MiB / maxPayloadBytes} events, whatever the limit (and always at least one).
     */
    public static final long PAGE_PAYLOAD_BUDGET = 16L * 1024 * 1024;
    /**
     * Most events the instance graph and the span join of {@code GET /instances/{id}} cover (the first ones, read
     * without payloads); an instance with more shows the graph of its first 2,000 events. The snapshot (state,
     * counts) is the whole instance's whatever this bound.
     */
    public static final int GRAPH_MAX_EVENTS = 2_000;
    private final InstanceReader instances;
    private final SearchReader search;
    private final EventReader events;
    private final SpanReader spans;
    private final ExecutorService executor;
    private final ReadMasking masking;
    private final StuckDiagnosis diagnosis;
    private final Clock clock = Clock.systemUTC();

    public InstanceController(InstanceReader instances, SearchReader search, EventReader events, SpanReader spans,
                              @Named(TaskExecutors.BLOCKING) ExecutorService executor, ReadMasking masking,
                              StuckDiagnosis diagnosis) {
        this.masking = masking;
        this.diagnosis = diagnosis;
        this.instances = instances;
        this.search = search;
        this.events = events;
        this.spans = spans;
        this.executor = executor;
    }

    @Get("/instances")
    @Operation(summary = "Instances active in a window, newest last event first, with cursor pagination",
            description = "An instance is in the window when it started before `to` and its last event is at or after `from`.")
    @ApiResponse(responseCode = "200", description = "one page; pass nextCursor back as cursor for the next")
    @ApiResponse(responseCode = "400", description = "bad state, time range, limit or cursor")
    public Page<InstanceSnapshot> list(@Nullable @QueryValue String flow,
                                       @Parameter(description = "RUNNING, COMPLETED, COMPENSATED, FAILED or STUCK") @Nullable @QueryValue String state,
                                       @Nullable @QueryValue String from, @Nullable @QueryValue String to,
                                       @Parameter(description = "instances containing an event of this type") @Nullable @QueryValue String eventType,
                                       @Parameter(description = "instances with an event produced by this service in the window") @Nullable @QueryValue String service,
                                       @Nullable @QueryValue String cursor,
                                       @Parameter(description = "1..500, default 50") @Nullable @QueryValue String limit) {
        ApiParams.Range r = ApiParams.range(from, to, clock);
        int n = ApiParams.limit(limit);
        ApiParams.Cursor c = ApiParams.cursor(cursor);
        List<InstanceSnapshot> rows = instances.find(new InstanceQuery(ApiParams.text("flow", flow), ApiParams.state(state),
                r.from(), r.to(), ApiParams.text("eventType", eventType), ApiParams.text("service", service),
                c == null ? null : c.lastEventAt(), c == null ? null : c.correlationId(), n + 1));
        String next = null;
        if (rows.size() > n) {
            rows = rows.subList(0, n);
            InstanceSnapshot last = rows.get(n - 1);
            next = new ApiParams.Cursor(last.lastEventAt(), last.correlationId()).encode();
        }
        return new Page<>(rows.stream().map(diagnosis::live).toList(), next);
    }

    @Get("/instances/{correlationId}")
    @Operation(summary = "One instance: state with reason, expected next steps and deviations (of the whole instance), "
            + "the first page of its events in order with payloads and headers, the total count and the cursor of the next "
            + "page, its spans and its instance graph. Any linked ID works.")
    @ApiResponse(responseCode = "200", description = "the instance")
    @ApiResponse(responseCode = "400", description = "bad maxPayloadBytes or limit")
    @ApiResponse(responseCode = "403", description = "masked_value: the ID holds a value masked for the caller's role")
    @ApiResponse(responseCode = "404", description = "no instance known under this ID")
    public InstanceDetail instance(@PathVariable String correlationId,
                                   @Parameter(description = "payloads are cut at this many bytes, 0..16777216, default 65536")
                                   @Nullable @QueryValue String maxPayloadBytes,
                                   @Parameter(description = "events on the first page, 1..500, default 50 (fewer when "
                                           + "limit x maxPayloadBytes would pass 16 MiB)")
                                   @Nullable @QueryValue String limit) {
        int max = ApiParams.maxPayloadBytes(maxPayloadBytes);
        int n = pageSize(ApiParams.limit(limit), max);
        // Most IDs asked are an instance's own correlation ID, without linked IDs: its events and spans are read
        // beside its row on that guess, and read again only when the row names other IDs (a linked ID was asked,
        // or the instance has linked IDs) or does not exist (then the guess is dropped).
        List<String> guess = List.of(correlationId);
        CompletableFuture<DetailRead> guessed = CompletableFuture.supplyAsync(() -> detail(guess, n, max), executor);
        Optional<InstanceSnapshot> row;
        try {
            row = instances.byId(correlationId);
        } catch (RuntimeException e) {
            guessed.cancel(false);
            throw e;
        }
        if (row.isEmpty()) {
            guessed.cancel(false);
            throw ApiException.notFound("no instance known under '" + correlationId + "'");
        }
        InstanceSnapshot stored = row.get();
        // A stuck instance's cause comes from its records and spans: those the detail reads serve it when they are all
        // of the instance's (no second read of them). A stuck instance whose row counts more records than that is
        // diagnosed from its own reads, beside the detail's; any other instance only needs the cached producers map, here.
        boolean stuck = stored.state() == InstanceState.STUCK;
        CompletableFuture<InstanceSnapshot> diagnosed = !stuck ? CompletableFuture.completedFuture(diagnosis.diagnose(stored))
                : stored.eventCount() > StuckDiagnosis.MAX_EVENTS
                ? CompletableFuture.supplyAsync(() -> diagnosis.diagnose(stored), executor) : null;
        List<String> ids = idsOf(stored);
        DetailRead d;
        try {
            if (ids.equals(guess)) {
                d = Beside.joined(guessed);
            } else {
                guessed.cancel(false);
                d = detail(ids, n, max);
            }
        } catch (RuntimeException e) {
            if (diagnosed != null) {
                diagnosed.cancel(false);
            }
            throw e;
        }
        InstanceSnapshot s;
        if (diagnosed != null) {
            s = Beside.joined(diagnosed);
        } else {
            // Fewer heads than the graph's bound are all the instance's records (detail); more than the row counted
            // came since it was written: diagnosed after the detail, from reads of its own.
            s = d.heads().size() <= StuckDiagnosis.MAX_EVENTS ? diagnosis.diagnose(stored, d.heads(), d.spans())
                    : diagnosis.diagnose(stored);
        }
        InstanceGraph graph = InstanceGraphBuilder.build(s.correlationId(), d.heads(), d.spans());
        EventPage first = page(d.pageRows(), n, max, d.total());
        return new InstanceDetail(s, first.events(), d.spans(), graph, first.total(), first.nextCursor());
    }

    /** What {@code GET /instances/{id}} reads beside the instance row: the first page, the graph's events, spans, total. */
    private record DetailRead(List<EventExcerpt> pageRows, List<Observation> heads, List<Span> spans, long total) {
    }

    /**
     * The events and spans of an instance's IDs. One events read in the common case: the first page (with payloads
     * cut at {@code max}) holds every event when there are at most {@code n}, and then also serves the graph, the span
     * join and the total. Without payloads asked, the graph's read (the first {@link #GRAPH_MAX_EVENTS}, no payloads)
     * is the page. Only an instance with more events than the page reads the graph's events, and one with more than
     * {@link #GRAPH_MAX_EVENTS} its count, in further reads.
     */
    private DetailRead detail(List<String> ids, int n, int max) {
        List<EventExcerpt> pageRows;
        List<EventExcerpt> headRows;
        if (max == 0) {
            headRows = events.eventPage(ids, null, GRAPH_MAX_EVENTS, 0);
            pageRows = headRows.subList(0, Math.min(headRows.size(), n + 1));
        } else {
            pageRows = events.eventPage(ids, null, n + 1, max);
            headRows = pageRows.size() <= n ? pageRows : events.eventPage(ids, null, GRAPH_MAX_EVENTS, 0);
        }
        // Past the graph's bound the total is counted, beside the span join (as before this read was merged).
        CompletableFuture<Long> total = headRows.size() < GRAPH_MAX_EVENTS
                ? CompletableFuture.completedFuture((long) headRows.size())
                : CompletableFuture.supplyAsync(() -> events.countEventsOf(ids), executor);
        List<Observation> heads = headRows.stream().map(EventExcerpt::event).toList();
        List<Span> joined = spans.spansOf(ids, heads);
        return new DetailRead(pageRows, heads, joined, Beside.joined(total));
    }

    @Get("/instances/{correlationId}/events")
    @Operation(summary = "One page of an instance's events in order (timestamp, partition, offset, topic), with payloads "
            + "cut at maxPayloadBytes (the cut happens in the database), the instance's total count and the next cursor")
    @ApiResponse(responseCode = "200", description = "one page; pass nextCursor back as cursor for the next, null on the last")
    @ApiResponse(responseCode = "400", description = "bad cursor, limit or maxPayloadBytes")
    @ApiResponse(responseCode = "404", description = "no instance known under this ID")
    public EventPage instanceEvents(@PathVariable String correlationId,
                                    @Nullable @QueryValue String cursor,
                                    @Parameter(description = "1..500, default 50 (fewer when limit x maxPayloadBytes would pass 16 MiB)")
                                    @Nullable @QueryValue String limit,
                                    @Parameter(description = "payloads are cut at this many bytes, 0..16777216, default 65536")
                                    @Nullable @QueryValue String maxPayloadBytes) {
        int max = ApiParams.maxPayloadBytes(maxPayloadBytes);
        int n = pageSize(ApiParams.limit(limit), max);
        EventPosition after = ApiParams.eventCursor(cursor);
        InstanceSnapshot s = instances.byId(correlationId)
                .orElseThrow(() -> ApiException.notFound("no instance known under '" + correlationId + "'"));
        List<String> ids = idsOf(s);
        CompletableFuture<Long> total = CompletableFuture.supplyAsync(() -> events.countEventsOf(ids), executor);
        List<EventExcerpt> rows = events.eventPage(ids, after, n + 1, max);
        return page(rows, n, max, Beside.joined(total));
    }

    /**
     * Events on one page: the limit asked, but never more than {@link #PAGE_PAYLOAD_BUDGET} bytes of payload in all
     * ({@code limit x maxPayloadBytes}), and at least one.
     */
    static int pageSize(int limit, int maxPayloadBytes) {
        return maxPayloadBytes == 0 ? limit : (int) Math.max(1, Math.min(limit, PAGE_PAYLOAD_BUDGET / maxPayloadBytes));
    }

    /** The first {@code n} of {@code rows} (read with one more, to know whether a next page exists). */
    private static EventPage page(List<EventExcerpt> rows, int n, int max, long total) {
        String next = null;
        if (rows.size() > n) {
            rows = rows.subList(0, n);
            next = ApiParams.encode(EventPosition.of(rows.get(n - 1).event()));
        }
        List<EventView> views = new ArrayList<>(rows.size());
        for (EventExcerpt x : rows) {
            views.add(EventViews.of(x, max));
        }
        return new EventPage(views, total, next);
    }

    private static List<String> idsOf(InstanceSnapshot s) {
        Set<String> ids = new LinkedHashSet<>();
        ids.add(s.correlationId());
        ids.addAll(s.linkedIds());
        return List.copyOf(ids);
    }

    /**
     * The raw payload as a download. It keeps the record's own content type, so the headers make sure no
     * browser renders or runs it from the API's origin: {@code nosniff}, {@code attachment}, and a CSP that
     * sandboxes it and allows it to load nothing (a {@code text/html} record would otherwise be a page of the
     * producer's making, with scripts, served from choreoscope's own origin).
     */
    @Get("/events/{topic}/{partition}/{offset}/payload")
    @Operation(summary = "The whole raw payload of one stored record, with its content type, as an attachment "
            + "(X-Content-Type-Options: nosniff, Content-Security-Policy: sandbox; default-src 'none')")
    @ApiResponse(responseCode = "200", description = "the bytes")
    @ApiResponse(responseCode = "400", description = "partition or offset not a number")
    @ApiResponse(responseCode = "404", description = "no such record, or it has no payload (tombstone)")
    public HttpResponse<byte[]> payload(@PathVariable String topic, @PathVariable String partition, @PathVariable String offset) {
        int p;
        long off;
        try {
            p = Integer.parseInt(partition);
            off = Long.parseLong(offset);
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("partition and offset must be whole numbers, were '" + partition + "' and '" + offset + "'");
        }
        if (p < 0 || off < 0) {
            throw ApiException.badRequest("partition and offset must not be negative");
        }
        Observation o = events.event(topic, p, off)
                .orElseThrow(() -> ApiException.notFound("no record stored at " + topic + "/" + p + "/" + off));
        if (o.payload() == null) {
            throw ApiException.notFound("the record at " + o.coordinates() + " has no payload (a tombstone)");
        }
        MediaType type = MediaType.APPLICATION_OCTET_STREAM_TYPE;
        if (o.contentType() != null) {
            try {
                type = MediaType.of(o.contentType());
            } catch (RuntimeException e) {
                type = MediaType.APPLICATION_OCTET_STREAM_TYPE;
            }
        } else if (EventViews.utf8(o.payload()) != null) {
            type = o.parseStatus() == io.choreoscope.model.ParseStatus.OK ? MediaType.APPLICATION_JSON_TYPE : MediaType.TEXT_PLAIN_TYPE;
        }
        return HttpResponse.ok(o.payload()).contentType(type)
                .header("X-Content-Type-Options", "nosniff")
                .header("Content-Security-Policy", PAYLOAD_CSP)
                .header("Content-Disposition", "attachment; filename=\"" + downloadName(topic, p, off, type) + "\"");
    }

    /** Sandboxed, and allowed to load nothing: a payload is data, never a page. */
    static final String PAYLOAD_CSP = "sandbox; default-src 'none'";

    /** {@code <topic>-<partition>-<offset>.json|.txt|.bin}, with anything but {@code [A-Za-z0-9._-]} in the topic as {@code _}. */
    static String downloadName(String topic, int partition, long offset, MediaType type) {
        String ext = type.getSubtype().equals("json") || type.getSubtype().endsWith("+json") ? ".json"
                : type.getType().equals("text") ? ".txt" : ".bin";
        return topic.replaceAll("[^A-Za-z0-9._-]", "_") + "-" + partition + "-" + offset + ext;
    }

    @Get("/search")
    @Operation(summary = "Search by correlation ID (exact, then prefix) or by any header, key, event ID or payload value (substring)")
    @ApiResponse(responseCode = "200", description = "hits, at most limit")
    @ApiResponse(responseCode = "400", description = "missing q, bad mode, limit or time range")
    @ApiResponse(responseCode = "403", description = "masked_value: q holds a value masked for the caller's role; callers who "
            + "see values masked only get hits whose matched field still holds q once masked")
    @ApiResponse(responseCode = "422", description = "value search only: the scan reached the server's limit on time or data "
            + "read before it covered the window (error query_limit); narrow from/to")
    public List<SearchHit> search(HttpRequest<?> request,
                                  @Parameter(description = "what to look for, 1..200 characters") @Nullable @QueryValue String q,
                                  @Parameter(description = "id (default) or value") @Nullable @QueryValue String mode,
                                  @Nullable @QueryValue String limit,
                                  @Parameter(description = "value mode only: window start, default 7 days before to") @Nullable @QueryValue String from,
                                  @Parameter(description = "value mode only: window end, default now") @Nullable @QueryValue String to) {
        if (q == null || q.isBlank()) {
            throw ApiException.badRequest("q is required: a correlation ID, its prefix, or a value to find");
        }
        ApiParams.query(q);
        int n = ApiParams.limit(limit);
        String m = mode == null || mode.isBlank() ? "id" : mode.strip().toLowerCase(java.util.Locale.ROOT);
        List<SearchHit> hits = switch (m) {
            case "id" -> search.searchId(q, n);
            case "value" -> {
                ApiParams.Range r = ApiParams.range(from, to, clock, DEFAULT_SEARCH_WINDOW);
                try {
                    // A scan may read for seconds: a client that disconnects stops it on ClickHouse too.
                    yield ClientDisconnect.cancelOnDisconnect(request, cancel -> search.searchValue(q, r.from(), r.to(), n, cancel));
                } catch (QueryLimitException e) {
                    // 422, not 5xx: retrying the same scan (as clients and proxies do on 5xx) cannot succeed.
                    throw new ApiException(HttpStatus.UNPROCESSABLE_ENTITY, "query_limit", "value search from " + r.from()
                            + " to " + r.to() + " stopped before it had read the whole window (" + e.getMessage()
                            + "); narrow the window with from/to (for example from=-1h) or search by correlation ID (mode=id)");
                }
            }
            default -> throw ApiException.badRequest("mode must be 'id' or 'value', was '" + mode + "'");
        };
        // A hit must not tell a caller who sees values masked that a record holds a masked value.
        return masking.masks(request) ? masking.visibleHits(q, hits, events) : hits;
    }

    @Get("/stuck")
    @Operation(summary = "Stuck instances, oldest last event first, each with the services it waits on and its cause")
    @ApiResponse(responseCode = "200", description = "stuck instances, at most limit")
    @ApiResponse(responseCode = "400", description = "bad limit")
    public List<InstanceSnapshot> stuck(@Nullable @QueryValue String flow, @Nullable @QueryValue String limit) {
        return diagnosis.diagnoseAll(instances.stuck(ApiParams.text("flow", flow), ApiParams.limit(limit)));
    }
}
