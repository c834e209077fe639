package io.choreoscope.ui.client;

import java.util.List;

import io.choreoscope.model.api.FlowSummary;
import io.choreoscope.model.api.InstanceDetail;
import io.choreoscope.model.api.Page;
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

    /** Default and largest {@code limit} the API accepts. */
    int DEFAULT_LIMIT = 50;
    int MAX_LIMIT = 500;

    /** {@code GET /flows}: one summary per flow over the window. */
    List<FlowSummary> flows(TimeWindow window);

    /** {@code GET /flows/{flow}}: the learned model; {@link ApiException#isNotFound()} for an unknown flow. */
    FlowModel flow(String flow);

    /** {@code GET /instances}: newest first, one page. */
    Page<InstanceSnapshot> instances(InstanceQuery query);

    /**
     * {@code GET /instances/{correlationId}}: any linked ID works.
     *
     * @param maxPayloadBytes payloads longer than this are cut (the API default is 64 KiB); 0 for the API default
     */
    InstanceDetail instance(String correlationId, int maxPayloadBytes);

    /** {@code GET /events/{topic}/{partition}/{offset}/payload}: the whole raw payload. */
    RawPayload payload(String topic, int partition, long offset);

    /** {@code GET /search}: instances whose ID (mode {@link SearchMode#ID}) or any value matches. */
    List<SearchHit> search(String query, SearchMode mode, int limit);

    /** {@code GET /stuck}: stuck instances, oldest last event first; {@code flow} null for all flows. */
    List<InstanceSnapshot> stuck(String flow, int limit);

    /** {@code GET /dependencies}: producer service -> topic -> consumer service. */
    DependencyMap dependencies(TimeWindow window);

    /** {@code GET /topics}: topics with consumer-group lag. */
    List<TopicInfo> topics();

    /**
     * {@code GET /live}: subscribes to the live stream. Calls arrive on a background thread; an
     * implementation reconnects by itself after a broken connection and reports it through
     * {@link LiveListener#onConnectionChanged(boolean)}.
     */
    LiveSubscription live(LiveListener listener);
}
