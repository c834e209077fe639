package io.choreoscope.api;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

import io.choreoscope.model.Header;
import io.choreoscope.model.Observation;
import io.choreoscope.model.SchemaRef;
import io.choreoscope.model.api.EventView;

/**
 * Observations as the API shows them: valid UTF-8 as text, anything else base64; payloads cut at
 * {@code maxPayloadBytes} (on a character boundary for text). A key that is not UTF-8 is shown as
 * {@code base64:<value>}.
 */
final class EventViews {
    private EventViews() {
    }

    /**
     * An event read with only a prefix of its payload ({@link io.choreoscope.model.EventReader#eventPage}): the prefix
     * is shown as text when it is valid UTF-8 up to a character the cut may have split (then dropped), else base64.
     * (A payload whose invalid bytes all lie past the prefix is shown as text; the raw endpoint has the whole.)
     */
    static EventView of(io.choreoscope.model.EventExcerpt x, int maxPayloadBytes) {
        Observation o = x.event();
        byte[] p = o.payload();
        if (p == null) {
            return of(o, maxPayloadBytes);
        }
        byte[] cut = p.length > maxPayloadBytes ? Arrays.copyOf(p, maxPayloadBytes) : p;
        boolean truncated = cut.length < x.payloadSize();
        String text = truncated ? lenientText(cut) : utf8(cut);
        return view(o, text != null ? text : Base64.getEncoder().encodeToString(cut), text != null ? "text" : "base64",
                truncated, x.payloadSize(), maxPayloadBytes);
    }

    /** A prefix as text when it is valid UTF-8 but for a last character the cut split; else null. */
    private static String lenientText(byte[] cut) {
        int end = completeLength(cut);
        return utf8(end == cut.length ? cut : Arrays.copyOf(cut, end));
    }

    static EventView of(Observation o, int maxPayloadBytes) {
        byte[] p = o.payload();
        String payload = null;
        String encoding = null;
        boolean truncated = false;
        long size = p == null ? 0 : p.length;
        if (p != null) {
            byte[] cut = p.length > maxPayloadBytes ? Arrays.copyOf(p, maxPayloadBytes) : p;
            truncated = cut.length < p.length;
            String text = utf8(p) != null ? lenientPrefix(cut) : null;
            if (text != null) {
                payload = text;
                encoding = "text";
            } else {
                payload = Base64.getEncoder().encodeToString(cut);
                encoding = "base64";
            }
        }
        return view(o, payload, encoding, truncated, size, maxPayloadBytes);
    }

    private static EventView view(Observation o, String payload, String encoding, boolean truncated, long size,
                                  int maxPayloadBytes) {
        List<EventView.HeaderView> headers = new ArrayList<>();
        for (Header h : o.headers()) {
            String text = h.value() == null ? null : utf8(h.value());
            headers.add(h.value() == null ? new EventView.HeaderView(h.name(), null, "text")
                    : text != null ? new EventView.HeaderView(h.name(), text, "text")
                    : new EventView.HeaderView(h.name(), Base64.getEncoder().encodeToString(h.value()), "base64"));
        }
        String key = null;
        if (o.key() != null) {
            String k = utf8(o.key());
            key = k != null ? k : "base64:" + Base64.getEncoder().encodeToString(o.key());
        }
        return new EventView(o.topic(), o.partition(), o.offset(), o.timestamp(), o.ingestTime(), key, headers, payload,
                encoding, truncated, size, o.contentType(), o.correlationId(), o.eventId(), o.eventType(),
                o.sourceService(), o.causationId(), o.traceId(), o.spanId(), o.parseStatus().name(), o.parseError(), o.replayed(),
                decoded(o.decodedPayload(), maxPayloadBytes), schema(o.schema()));
    }

    /** The decoded JSON cut at {@code maxBytes} (on a character boundary), or null. */
    private static String decoded(String json, int maxBytes) {
        if (json == null) {
            return null;
        }
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        return b.length <= maxBytes ? json : lenientPrefix(Arrays.copyOf(b, maxBytes));
    }

    private static EventView.SchemaView schema(SchemaRef s) {
        return s == null ? null : new EventView.SchemaView(s.format(), s.id(), s.name(), s.subject(), s.version());
    }

    /** The bytes as UTF-8, or null when they are not valid UTF-8. */
    static String utf8(byte[] b) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** A cut of valid UTF-8 text, dropping a character split by the cut. */
    private static String lenientPrefix(byte[] cut) {
        return new String(cut, 0, completeLength(cut), StandardCharsets.UTF_8);
    }

    /** The length of {@code cut} without a last UTF-8 character the cut split (all of it when none was split). */
    private static int completeLength(byte[] cut) {
        int end = cut.length;
        // step back over continuation bytes of a split character
        int i = end;
        while (i > 0 && (cut[i - 1] & 0xC0) == 0x80) {
            i--;
        }
        if (i > 0 && i < end + 1) {
            int lead = cut[i - 1] & 0xFF;
            int need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
            if (end - (i - 1) < need) {
                end = i - 1;
            }
        }
        return end;
    }
}
