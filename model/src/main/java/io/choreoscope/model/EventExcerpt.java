package io.choreoscope.model;

/**
 * A stored event read with at most a prefix of its payload: {@code event().payload()} holds the first bytes only
 * (at most what was asked), {@code payloadSize} the size of the whole stored payload (0 for a tombstone).
 */
public record EventExcerpt(Observation event, long payloadSize) {

    /** True when the payload read is shorter than the stored one. */
    public boolean payloadTruncated() {
        return event.payload() != null && event.payload().length < payloadSize;
    }
}
