package io.choreoscope.ui.client;

import io.choreoscope.model.flow.InstanceState;

/**
 * Parameters of {@code GET /instances}. Null fields are left out of the request.
 *
 * @param limit 1..500; 0 for the API default (50)
 */
public record InstanceQuery(String flow, InstanceState state, String from, String to, String eventType,
                            String service, String cursor, int limit) {

    public static InstanceQuery ofFlow(String flow) {
        return new InstanceQuery(flow, null, null, null, null, null, null, 0);
    }

    public InstanceQuery withEventType(String eventType) {
        return new InstanceQuery(flow, state, from, to, eventType, service, cursor, limit);
    }

    public InstanceQuery withState(InstanceState state) {
        return new InstanceQuery(flow, state, from, to, eventType, service, cursor, limit);
    }

    public InstanceQuery withLimit(int limit) {
        return new InstanceQuery(flow, state, from, to, eventType, service, cursor, limit);
    }

    public InstanceQuery withCursor(String cursor) {
        return new InstanceQuery(flow, state, from, to, eventType, service, cursor, limit);
    }
}
