package io.choreoscope.collectors.extract;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.choreoscope.model.Header;
import io.choreoscope.collectors.schema.DecodedPayload;
import io.choreoscope.model.ParseStatus;
import io.choreoscope.model.SchemaRef;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.format.EventFormat;
import io.cloudevents.core.provider.EventFormatProvider;
import io.cloudevents.jackson.JsonFormat;
import io.cloudevents.kafka.KafkaMessageFactory;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * One record seen through the eyes of the extraction rules. The payload is classified once (JSON,
 * text, binary, empty, null) and CloudEvents are decoded once, lazily, through the CloudEvents SDK;
 * every rule then reads from the same view. Not thread-safe: one view per record.
 */
public final class RecordView {
    static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            // Parse errors must not echo megabytes of payload back into the error message.
            .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
            .build();
    private static final EventFormat CE_JSON = EventFormatProvider.getInstance().resolveFormat(JsonFormat.CONTENT_TYPE);
    /** Longest parse error message kept on a record. */
    private static final int MAX_ERROR_CHARS = 300;

    private final RawRecord record;
    private String[] lowerNames;
    private boolean classified;
    private ParseStatus status = ParseStatus.OK;
    private String error;
    private JsonNode json;
    private boolean treeParsed;
    /** Top-level scalar fields of a JSON object payload (text form), read without building a tree. */
    private java.util.Map<String, String> topLevel;
    private boolean ceDecoded;
    private CloudEvent cloudEvent;
    private boolean traceParsed;
    private TraceContext trace;
    private String keyText;

    /** Top-level fields whose text the payload scan keeps. */
    private final JsonScanner.Members scanned;
    /** The payload decoded through its schema, or null when it carried no schema framing. */
    private final DecodedPayload decoded;

    public RecordView(RawRecord record) {
        this(record, JsonScanner.Members.ALL);
    }

    /**
     * A view whose payload scan keeps the text of the {@code scanned} top-level fields only; other fields are
     * answered from the parsed tree. Skipping the rest saves decoding every value of every record.
     */
    RecordView(RawRecord record, JsonScanner.Members scanned) {
        this(record, scanned, null);
    }

    /**
     * A view of a schema-framed record: the rules read {@code decoded}'s JSON instead of the raw value, and its status
     * (schema unavailable, not found, decode error) is the record's. When {@code decoded} brings its top-level fields
     * ({@link DecodedPayload#topLevel()}), they must have been kept for {@code scanned}'s names: the view answers
     * from them and does not scan the JSON.
     */
    RecordView(RawRecord record, JsonScanner.Members scanned, DecodedPayload decoded) {
        this.record = record;
        this.scanned = scanned;
        this.decoded = decoded;
    }

    /** The schema the payload names, or null when it carried no schema framing. */
    public SchemaRef schema() {
        return decoded == null ? null : decoded.schema();
    }

    /** The JSON the rules read: the decoded payload for a schema-framed record, else the raw value. */
    private byte[] jsonBytes() {
        return decoded != null ? decoded.json() : record.value();
    }

    public RawRecord record() {
        return record;
    }

    /** First header with that name, compared case-insensitively, as UTF-8 text; or null. */
    public String headerText(String name) {
        return lowerCaseHeaderText(isLowerCase(name) ? name : name.toLowerCase(Locale.ROOT));
    }

    /** As {@link #headerText}, for a name already in lower case (rules keep theirs so). */
    String lowerCaseHeaderText(String lowerCaseName) {
        if (lowerNames == null) {
            // Rules look up ~20 names per record: lower-case the record's few header names once.
            List<Header> headers = record.headers();
            lowerNames = new String[headers.size()];
            for (int i = 0; i < lowerNames.length; i++) {
                lowerNames[i] = headers.get(i).name().toLowerCase(Locale.ROOT);
            }
        }
        for (int i = 0; i < lowerNames.length; i++) {
            if (lowerNames[i].equals(lowerCaseName)) {
                return record.headers().get(i).text();
            }
        }
        return null;
    }

    private static boolean isLowerCase(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 'A' && c <= 'Z' || c >= 0x80) {
                return false;
            }
        }
        return true;
    }

    public String keyText() {
        if (keyText == null && record.key() != null) {
            keyText = new String(record.key(), StandardCharsets.UTF_8);
        }
        return keyText;
    }

    /**
     * The parsed JSON payload (a structured CloudEvent's whole envelope), or null when not JSON. Built
     * on first use only: most rules read top-level fields through {@link #topLevelField(String)}.
     */
    public JsonNode json() {
        classify();
        if (!treeParsed) {
            treeParsed = true;
            if (status == ParseStatus.OK || topLevel != null) {
                try {
                    json = JSON.readTree(jsonBytes());
                } catch (Exception e) {
                    json = null; // cannot happen: classify() read the same bytes as valid JSON
                }
            }
        }
        return json;
    }

    /**
     * A top-level scalar field of a JSON object payload as text (numbers and booleans in their
     * source form), or null when absent, null, not scalar, or the payload is no JSON object.
     */
    public String topLevelField(String name) {
        classify();
        if (topLevel == null) {
            return null;
        }
        if (scanned.contains(name)) {
            return topLevel.get(name);
        }
        JsonNode n = json().get(name);
        return n != null && n.isValueNode() && !n.isNull() ? n.asText() : null;
    }

    /** True when the payload is a JSON object (so {@link #topLevelField} answers for it). */
    boolean isJsonObject() {
        classify();
        return topLevel != null;
    }

    public ParseStatus status() {
        classify();
        cloudEvent();
        return status;
    }

    public String error() {
        status();
        return error;
    }

    /** A content type: the header's, the CloudEvent's, or one derived from the payload. */
    public String contentType() {
        String declared = lowerCaseHeaderText("content-type");
        if (declared == null) {
            declared = lowerCaseHeaderText("contenttype");
        }
        CloudEvent ce = cloudEvent();
        if (declared == null && ce != null && ce.getDataContentType() != null) {
            declared = ce.getDataContentType();
        }
        if (declared != null) {
            return declared;
        }
        if (decoded != null) {
            return switch (decoded.schema().format()) {
                case SchemaRef.AVRO -> "application/vnd.apache.avro+binary";
                case SchemaRef.PROTOBUF -> "application/x-protobuf";
                case SchemaRef.JSON -> "application/json";
                default -> "application/octet-stream";
            };
        }
        return switch (status()) {
            case OK -> "application/json";
            case NOT_JSON -> "text/plain";
            case BINARY -> "application/octet-stream";
            default -> null;
        };
    }

    public TraceContext traceContext() {
        if (!traceParsed) {
            traceParsed = true;
            trace = TraceContext.parse(lowerCaseHeaderText("traceparent"));
        }
        return trace;
    }

    /**
     * A CloudEvents attribute or extension, in binary mode ({@code ce_*} headers) or structured mode
     * ({@code application/cloudevents+json}, or a JSON payload with {@code specversion}, {@code id}
     * and {@code type}). Null when the record is no CloudEvent or lacks the attribute.
     */
    public String cloudEventAttribute(String name) {
        CloudEvent ce = cloudEvent();
        if (ce == null) {
            return null;
        }
        Object v;
        if (ce.getAttributeNames().contains(name)) {
            v = ce.getAttribute(name);
        } else {
            v = ce.getExtension(name);
        }
        return v == null ? null : v.toString();
    }

    private CloudEvent cloudEvent() {
        if (ceDecoded) {
            return cloudEvent;
        }
        ceDecoded = true;
        classify(); // the payload status comes first so that a CloudEvent failure can refine it
        String contentType = lowerCaseHeaderText("content-type");
        boolean binary = lowerCaseHeaderText("ce_specversion") != null;
        boolean structured = contentType != null
                && contentType.toLowerCase(Locale.ROOT).startsWith("application/cloudevents");
        try {
            if (binary || structured) {
                RecordHeaders headers = new RecordHeaders();
                for (Header h : record.headers()) {
                    // The SDK looks for lower-case ce_ names and "content-type".
                    String n = h.name().toLowerCase(Locale.ROOT);
                    headers.add(n.startsWith("ce_") || n.equals("content-type") ? n : h.name(), h.value());
                }
                cloudEvent = KafkaMessageFactory.createReader(headers, record.value()).toEvent();
            } else if (hasCloudEventFields()) {
                cloudEvent = CE_JSON.deserialize(record.value());
            }
        } catch (RuntimeException e) {
            cloudEvent = null;
            status = ParseStatus.MALFORMED_CLOUDEVENT;
            error = clip("not a valid CloudEvent: " + e.getMessage());
        }
        return cloudEvent;
    }

    /** Whether a JSON payload carries every field of a structured CloudEvent ({@link ExtractionRules#CLOUD_EVENT_FIELDS}). */
    private boolean hasCloudEventFields() {
        for (String field : ExtractionRules.CLOUD_EVENT_FIELDS) {
            if (topLevelField(field) == null) {
                return false;
            }
        }
        return true;
    }

    private void classify() {
        if (classified) {
            return;
        }
        classified = true;
        if (decoded != null && decoded.status() != ParseStatus.OK) {
            status = decoded.status();
            error = decoded.error();
            return;
        }
        if (decoded != null && decoded.topLevel() != null) {
            // An Avro record read straight into JSON: its fields came with it, the JSON need not be scanned again.
            topLevel = decoded.topLevel();
            status = ParseStatus.OK;
            return;
        }
        byte[] v = jsonBytes();
        if (v == null) {
            status = ParseStatus.NULL_VALUE;
            error = "null value (tombstone)";
            return;
        }
        if (v.length == 0) {
            status = ParseStatus.EMPTY;
            error = "empty value";
            return;
        }
        if (looksLikeJson(v)) {
            try {
                topLevel = JsonScanner.scan(v, scanned);
                status = ParseStatus.OK;
                return;
            } catch (JsonScanner.MalformedJson e) {
                topLevel = null;
                error = clip("not JSON: " + e.getMessage());
            }
        }
        if (isUtf8(v)) {
            status = ParseStatus.NOT_JSON;
            if (error == null) {
                error = "text payload, not JSON";
            }
        } else {
            status = ParseStatus.BINARY;
            error = "payload is not valid UTF-8 (" + v.length + " bytes)";
        }
    }

    private static boolean looksLikeJson(byte[] v) {
        for (byte b : v) {
            switch (b) {
                case ' ', '\t', '\r', '\n' -> {
                    continue;
                }
                case '{', '[', '"', '-', 't', 'f', 'n', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9' -> {
                    return true;
                }
                default -> {
                    return false;
                }
            }
        }
        return false;
    }

    static boolean isUtf8(byte[] v) {
        try {
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(v));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    private static String clip(String s) {
        if (s == null) {
            return null;
        }
        String oneLine = s.replace('\n', ' ').replace('\r', ' ');
        return oneLine.length() <= MAX_ERROR_CHARS ? oneLine : oneLine.substring(0, MAX_ERROR_CHARS) + "...";
    }
}
