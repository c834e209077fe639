package io.choreoscope.samples.wire;

import java.io.IOException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The one shared (thread-safe) mapper and the byte conversions the codecs need. */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }

    static byte[] bytes(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise " + node, e);
        }
    }

    /** @throws MalformedEventException when {@code bytes} is not a JSON object */
    static ObjectNode object(byte[] bytes, String what) {
        if (bytes == null) {
            throw new MalformedEventException(what + " is empty");
        }
        JsonNode node;
        try {
            node = MAPPER.readTree(bytes);
        } catch (IOException e) {
            throw new MalformedEventException(what + " is not JSON: " + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()), e);
        }
        if (!(node instanceof ObjectNode o)) {
            throw new MalformedEventException(what + " is not a JSON object");
        }
        return o;
    }
}
