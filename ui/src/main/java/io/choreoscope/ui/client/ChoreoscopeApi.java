package io.choreoscope.ui.client;

import java.time.Instant;
import java.util.List;

import io.choreoscope.model.api.AuthSettings;
import io.choreoscope.model.api.SignedIn;
import io.choreoscope.model.api.AlertFiringView;
import io.choreoscope.model.api.AlertRuleRequest;
import io.choreoscope.model.api.AlertRuleView;
import io.choreoscope.model.api.FlowSummaries;
import io.choreoscope.model.api.FlowSummary;
import io.choreoscope.model.api.EventPage;
import io.choreoscope.model.api.InstanceDetail;
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
 * The choreoscope REST API v1 as the UI sees it: one method per endpoint of {@code docs/API.md}, returning
 * the shared model records. The UI reaches the backend only through this interface.
 *
 * <p>Every method throws {@link ApiException} when the backend answers with an error or cannot be
 * reached; its message is meant for people. Implementations are thread-safe.
 */
public interface ChoreoscopeApi {

    /** Default and largest {@code limit} the API accepts (defined once, on the model's {@link Page}). */
    int DEFAULT_LIMIT = Page.DEFAULT_LIMIT;
    int MAX_LIMIT = Page.MAX_LIMIT;

    /** {@code GET /flows}: one summary per flow over the window. */
    List<FlowSummary> flows(TimeWindow window);

    /**
     * {@code GET /flows?from&q&sort=started&limit}: the {@code limit} busiest flows over the window whose name contains
     * {@code contains} (blank: all), busiest first, with how many matched and how many flows there are (the answer's
     * headers): what a dashboard of thousands of flows draws without reading them all.
     */
    FlowSummaries.Narrowed busiestFlows(TimeWindow window, String contains, int limit);

    /** {@code GET /flows/{flow}}: the learned model; {@link ApiException#isNotFound()} for an unknown flow. */
    FlowModel flow(String flow);

    /**
     * {@code GET /flows/{flow}?from}: the model of the instances started in the window, from the stored events, with
     * per-step and per-transition instance counts (unfiltered: the UI filters with {@code FlowFilter}); a window that
     * is null or {@link TimeWindow#LIFETIME} answers the live lifetime model like {@link #flow(String)}.
     */
    FlowModel flow(String flow, TimeWindow window);

    /**
     * {@code GET /flows/{flow}?from&edges=causes}: the window's model with each step drawn after its cause (the step its
     * causation ID names, else the one before it) instead of after the step before it in time; unfiltered. A window is
     * needed: null or {@link TimeWindow#LIFETIME} answers {@link #flow(String, TimeWindow)}, the directly-follows model.
     */
    FlowModel flowByCause(String flow, TimeWindow window);

    /** {@code GET /flows/{flow}?from&to&edges=causes}: the model by cause of the instances started in [from, to). */
    FlowModel flowByCause(String flow, java.time.Instant from, java.time.Instant to);

    /**
     * {@code GET /flows/{flow}?from&to}: the model of the instances started in [from, to) (absolute bounds), unfiltered,
     * as {@link #flow(String, TimeWindow)}; the flow page's comparison reads two of these and compares them with
     * {@code FlowComparison}, the code {@code /flows/{flow}/compare} runs.
     */
    FlowModel flow(String flow, java.time.Instant from, java.time.Instant to);

    /** {@code GET /flows/{flow}/variants?from&limit}: the window's variants, most frequent first. */
    List<io.choreoscope.model.flow.Variant> variants(String flow, TimeWindow window, int limit);

    /**
     * {@code GET /flows/{flow}/export?format&from&minStepShare&minPathShare}: the map ({@code bpmn}, {@code mermaid},
     * {@code dot}, filtered like the map; with {@code byCause} and a window, its arrows by cause, {@code &edges=causes}) or
     * the window's event log ({@code xes}, {@code csv}) as a file.
     */
    RawPayload export(String flow, TimeWindow window, String format, double minStepShare, double minPathShare,
                      boolean byCause);

    /** {@code GET /flows/{flow}/variants/{id}/instances?from&limit}: one variant's instances, newest first. */
    List<InstanceSnapshot> variantInstances(String flow, String variantId, TimeWindow window, int limit);

    /** {@code GET /instances}: newest first, one page. */
    Page<InstanceSnapshot> instances(InstanceQuery query);

    /**
     * {@code GET /instances/{correlationId}}: any linked ID works.
     *
     * @param maxPayloadBytes payloads longer than this are cut (the API default is 64 KiB); 0 for the API default
     */
    InstanceDetail instance(String correlationId, int maxPayloadBytes);

    /**
     * {@code GET /instances/{correlationId}/events}: one page of an instance's events, after {@code cursor} (the
     * {@code nextCursor} of the detail or of the previous page; null for the first page).
     *
     * @param limit           events on the page; 0 for the API default (50)
     * @param maxPayloadBytes payloads longer than this are cut; 0 for the API default (64 KiB)
     */
    EventPage instanceEvents(String correlationId, String cursor, int limit, int maxPayloadBytes);

    /** {@code GET /events/{topic}/{partition}/{offset}/payload}: the whole raw payload. */
    RawPayload payload(String topic, int partition, long offset);

    /** {@code GET /search}: instances whose ID (mode {@link SearchMode#ID}) or any value matches. */
    List<SearchHit> search(String query, SearchMode mode, int limit);

    /** {@code GET /stuck}: stuck instances, oldest last event first; {@code flow} null for all flows. */
    List<InstanceSnapshot> stuck(String flow, int limit);

    /**
     * {@code GET /flows/{flow}/suspects?from}: values over-represented among the flow's stuck or failed instances
     * started in the window (the lifetime window asks for the last 24 hours); not found for an unknown flow.
     */
    io.choreoscope.model.api.SuspectReport suspects(String flow, TimeWindow window);

    /**
     * {@code GET /flows/{flow}/schemas?from}: the schemas each step of the flow was written with over the window (the
     * lifetime window asks for the last 24 hours), changed steps marked; not found for an unknown flow.
     */
    io.choreoscope.model.api.FlowSchemas schemas(String flow, TimeWindow window);

    /** {@code GET /dependencies}: producer service -> topic -> consumer service. */
    DependencyMap dependencies(TimeWindow window);

    /** {@code GET /topics}: topics with consumer-group lag. */
    List<TopicInfo> topics();

    /**
     * {@code GET /exchanges}: the RabbitMQ exchanges of the tapped virtual hosts with the queues bound to them (depth,
     * consumers); empty without a RabbitMQ tap.
     */
    List<io.choreoscope.model.api.ExchangeInfo> exchanges();

    /**
     * {@code GET /live}: subscribes to the live stream. Calls arrive on a background thread; an
     * implementation reconnects by itself after a broken connection and reports it through
     * {@link LiveListener#onConnectionChanged(boolean)}.
     */
    LiveSubscription live(LiveListener listener);

    // --- alerts (docs/ALERTS_AND_REPLAY.md) ---------------------------------------------------------------

    /** {@code GET /alerts/rules}: every rule, with the series firing and pending now. */
    List<AlertRuleView> alertRules();

    /** {@code GET /alerts/rules/{id}}: one rule; {@link ApiException#isNotFound()} when unknown. */
    AlertRuleView alertRule(long id);

    /** {@code POST /alerts/rules}: creates a rule; bad input is a 400 whose message names the field. */
    AlertRuleView createAlertRule(AlertRuleRequest request);

    /** {@code PUT /alerts/rules/{id}}: replaces a rule (its silence is kept); 400 for bad input, 404 when unknown. */
    AlertRuleView updateAlertRule(long id, AlertRuleRequest request);

    /** {@code DELETE /alerts/rules/{id}}: deletes a rule and resolves its open firings; 404 when unknown. */
    void deleteAlertRule(long id);

    /**
     * {@code POST /alerts/rules/{id}/test}: sends a test notification to the rule's webhook now (silenced or
     * not) and answers the history entry with the delivery outcome in {@code notificationStatus}; 400 when the
     * rule has no webhook.
     */
    AlertFiringView testAlertRule(long id);

    /** {@code POST /alerts/rules/{id}/silence?until=}: holds notifications back until then; a past instant lifts it. */
    AlertRuleView silenceAlertRule(long id, Instant until);

    /** {@code GET /alerts/firings?ruleId&limit}: the firing history, newest first; {@code ruleId} null for all rules. */
    List<AlertFiringView> alertFirings(Long ruleId, int limit);

    // --- replay (docs/ALERTS_AND_REPLAY.md) ---------------------------------------------------------------

    /**
     * {@code POST /replays}: plans a replay and, unless it is a dry run, starts it. A dry run answers every
     * record exactly as it would be sent; a real run answers its status (final when it finished within the
     * backend's sync wait, {@code RUNNING} otherwise) and the first records.
     *
     * @param requestedBy sent as {@code X-Choreoscope-User} for the audit; null leaves it out ({@code anonymous})
     */
    ReplayPlanView replay(ReplayRequest request, String requestedBy);

    /** {@code GET /replays/{id}}: where a replay stands; {@link ApiException#isNotFound()} when unknown. */
    ReplayStatus replayStatus(String id);

    /** {@code POST /replays/{id}/cancel}: stops a running replay and answers its status (a finished one is unchanged). */
    ReplayStatus cancelReplay(String id);

    /** {@code GET /replays?limit}: the replay audit, newest first. */
    List<ReplayStatus> replays(int limit);

    // --- sign-in (docs/ACCESS.md) -----------------------------------------------------------------------

    /** {@code GET /auth/settings}: whether sign-in is on, and how (password, single sign-on providers). */
    AuthSettings authSettings();

    /** {@code POST /auth/login}: a local user's token; {@link ApiException#status()} 401 for a wrong name or password. */
    SignedIn login(String username, String password);

    /** {@code POST /auth/sso/exchange}: the token behind a single sign-on's one-time code. */
    SignedIn exchangeSsoCode(String code);

    /**
     * {@code POST /auth/logout}: ends the session of the token this client sends (see {@link #as}); the API refuses that
     * token from then on. Clients without a token (and fakes without sign-in) do nothing.
     */
    default void logout() {
    }

    /** This API as the user whose bearer {@code token} it sends with every call. */
    ChoreoscopeApi as(String token);
}
