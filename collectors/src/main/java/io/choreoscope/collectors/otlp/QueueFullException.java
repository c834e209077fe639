package io.choreoscope.collectors.otlp;

import io.choreoscope.model.SinkUnavailableException;

/**
 * The receiver's queue or byte budget is full: the request is refused with 429 (gRPC RESOURCE_EXHAUSTED) and
 * Retry-After, as the OTLP specification asks of a server that throttles, so that exporters retry later. Distinct
 * from a store that fails (503 / UNAVAILABLE).
 */
public final class QueueFullException extends SinkUnavailableException {
    public QueueFullException(String message) {
        super(message, null);
    }
}
