package io.choreoscope.collectors.rabbitmq;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import io.choreoscope.collectors.extract.ExtractionRules;
import io.choreoscope.collectors.extract.Field;
import io.choreoscope.collectors.extract.RawRecord;
import io.choreoscope.collectors.extract.RecordNormalizer;
import io.choreoscope.model.DeadLetters;
import io.choreoscope.model.Header;
import io.choreoscope.model.Observation;

/**
 * Normalises RabbitMQ messages with the same ordered rule language as Kafka records ({@link RecordNormalizer}), plus
 * the AMQP defaults, tried before the configured rules of each field:
 * <ul>
 *   <li>correlation ID: the {@code correlation_id} property ({@code header:amqp:correlation_id});</li>
 *   <li>event ID: the {@code message_id} property;</li>
 *   <li>event type: the {@code type} property;</li>
 *   <li>source service: the {@code app_id} property.</li>
 * </ul>
 * The configured rules (headers such as {@code correlationId}, CloudEvents attributes, JSON pointers, {@code
 * traceparent} last) follow. The routing key is the record key, so {@code routing-key} / {@code key} and {@code
 * routing-key-regex:REGEX} rules read it. CloudEvents in the AMQP binding are understood: binary mode (attributes in
 * headers {@code cloudEvents:ATTR} or {@code cloudEvents_ATTR}, data content type in the {@code content_type}
 * property) and structured mode ({@code content_type} {@code application/cloudevents+json}); the rules see them as
 * they see Kafka's {@code ce_*} headers, while the stored headers stay the message's own.
 *
 * <p>Never throws for a message's content: like the Kafka path, a record that cannot be read is kept and flagged.
 */
public final class AmqpNormalizer {
    /** The AMQP property rule tried first for each field. */
    public static final String CORRELATION_ID_PROPERTY = "header:" + AmqpRecord.PROPERTY_PREFIX + "correlation_id";
    public static final String MESSAGE_ID_PROPERTY = "header:" + AmqpRecord.PROPERTY_PREFIX + "message_id";
    public static final String TYPE_PROPERTY = "header:" + AmqpRecord.PROPERTY_PREFIX + "type";
    public static final String APP_ID_PROPERTY = "header:" + AmqpRecord.PROPERTY_PREFIX + "app_id";

    private final RecordNormalizer normalizer;

    /** @param rules the configured rules (the Kafka tap's); the AMQP property rules are put first */
    public AmqpNormalizer(ExtractionRules rules) {
        this.normalizer = new RecordNormalizer(withAmqpDefaults(rules));
    }

    /**
     * @param rules   the configured rules (the Kafka tap's); the AMQP property rules are put first
     * @param decoder decodes Avro, Protobuf and JSON Schema bodies as the Kafka tap does (docs/SCHEMAS.md); a registry's
     *                {@code topics} regex sees the stored topic name, {@code rabbitmq:[vhost:]exchange}
     */
    public AmqpNormalizer(ExtractionRules rules, io.choreoscope.collectors.schema.PayloadDecoder decoder) {
        this.normalizer = new RecordNormalizer(withAmqpDefaults(rules), decoder);
    }

    /** {@code rules} with the AMQP property rules tried first. */
    public static ExtractionRules withAmqpDefaults(ExtractionRules rules) {
        return rules.withRulesFirst(Field.CORRELATION_ID, List.of(CORRELATION_ID_PROPERTY))
                .withRulesFirst(Field.EVENT_ID, List.of(MESSAGE_ID_PROPERTY))
                .withRulesFirst(Field.EVENT_TYPE, List.of(TYPE_PROPERTY))
                .withRulesFirst(Field.SOURCE_SERVICE, List.of(APP_ID_PROPERTY));
    }

    public Observation normalize(AmqpRecord message, Instant ingestTime) {
        RawRecord stored = message.toRawRecord();
        List<Header> seen = new ArrayList<>(stored.headers());
        boolean hasContentType = false;
        for (Header h : stored.headers()) {
            String n = h.name().toLowerCase(Locale.ROOT);
            if (n.equals("content-type")) {
                hasContentType = true;
            } else if (n.startsWith("cloudevents:") || n.startsWith("cloudevents_")) {
                // AMQP binding of CloudEvents: the same attributes as Kafka's binary mode under another prefix.
                seen.add(new Header("ce_" + n.substring("cloudevents:".length()), h.value()));
            }
        }
        Object contentType = message.properties().get("content_type");
        if (!hasContentType && contentType != null) {
            seen.add(new Header("content-type", AmqpRecord.bytes(contentType)));
        }
        RawRecord view = new RawRecord(stored.topic(), stored.partition(), stored.offset(), stored.timestamp(),
                stored.key(), List.copyOf(seen), stored.value());
        Observation o = normalizer.normalize(view, ingestTime);
        boolean deadLetter = o.sourceService() != null
                && DeadLetters.deadLetteredByRabbitMq(n -> message.applicationHeaders().containsKey(n) ? n : null);
        if (seen.size() == stored.headers().size() && !deadLetter) {
            return o;
        }
        Observation.Builder b = o.toBuilder().headers(stored.headers());
        if (deadLetter) {
            // RabbitMQ put it on the dead-letter exchange, no service published it there: its properties still name
            // its publisher, who must not appear on the dependency map as producing to the dead-letter exchange.
            b.sourceService(null);
        }
        return b.build();
    }
}
