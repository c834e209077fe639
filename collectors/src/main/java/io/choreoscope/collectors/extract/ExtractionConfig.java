package io.choreoscope.collectors.extract;

import java.util.List;

import io.micronaut.context.annotation.ConfigurationProperties;

/**
 * Extraction rules from configuration, under {@value #PREFIX}. Each field takes an ordered list of
 * rule specs (see {@link Source}); a field left unset keeps its defaults, listed in
 * {@link ExtractionRules} ({@code DEFAULT_*}). Example:
 * <pre>
 * choreoscope:
 *   extraction:
 *     correlation-id: [ "header:orderId", "json:/order/id", "key-regex:^order-(.*)$", "traceparent" ]
 * </pre>
 * A spec that does not parse stops the start with a message naming it.
 */
@ConfigurationProperties(ExtractionConfig.PREFIX)
public class ExtractionConfig {
    public static final String PREFIX = "choreoscope.extraction";

    private List<String> correlationId;
    private List<String> eventId;
    private List<String> eventType;
    private List<String> sourceService;
    private List<String> causationId;

    /** The rules: defaults, with every configured field replaced. */
    public ExtractionRules toRules() {
        ExtractionRules r = ExtractionRules.defaults();
        r = correlationId == null ? r : r.withRules(Field.CORRELATION_ID, correlationId);
        r = eventId == null ? r : r.withRules(Field.EVENT_ID, eventId);
        r = eventType == null ? r : r.withRules(Field.EVENT_TYPE, eventType);
        r = sourceService == null ? r : r.withRules(Field.SOURCE_SERVICE, sourceService);
        r = causationId == null ? r : r.withRules(Field.CAUSATION_ID, causationId);
        return r;
    }

    public List<String> getCorrelationId() { return correlationId; }
    public void setCorrelationId(List<String> v) { correlationId = v; }
    public List<String> getEventId() { return eventId; }
    public void setEventId(List<String> v) { eventId = v; }
    public List<String> getEventType() { return eventType; }
    public void setEventType(List<String> v) { eventType = v; }
    public List<String> getSourceService() { return sourceService; }
    public void setSourceService(List<String> v) { sourceService = v; }
    public List<String> getCausationId() { return causationId; }
    public void setCausationId(List<String> v) { causationId = v; }
}
