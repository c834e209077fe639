package io.choreoscope.ui.client;

/**
 * A whole event payload as {@code GET /events/.../payload} returns it.
 *
 * @param contentType the content type the API gave, or {@code application/octet-stream}
 * @param bytes       the raw value
 */
public record RawPayload(String contentType, byte[] bytes) {
}
