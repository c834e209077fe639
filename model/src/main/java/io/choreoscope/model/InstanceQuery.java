package io.choreoscope.model;

import java.time.Instant;

import io.choreoscope.model.flow.InstanceState;

/**
 * A filter over stored instances: those active in [{@code from}, {@code to}) (started before {@code to}, last
 * event at or after {@code from}), newest last event first. Null fields do not filter.
 *
 * @param flow          flow name
 * @param state         state
 * @param from          window start, inclusive
 * @param to            window end, exclusive
 * @param eventType     instances containing an event of this type
 * @param service       instances with an event produced by this service inside the window
 * @param afterLastEvent cursor: only instances sorting after ({@code afterLastEvent}, {@code afterId}) in
 *                       (last event desc, correlation ID desc) order
 * @param afterId       cursor, see above
 * @param limit         rows at most
 */
public record InstanceQuery(String flow, InstanceState state, Instant from, Instant to, String eventType,
                            String service, Instant afterLastEvent, String afterId, int limit) {
}
