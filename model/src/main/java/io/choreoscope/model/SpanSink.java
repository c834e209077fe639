package io.choreoscope.model;

import java.util.List;

/**
 * Where collectors hand decoded OpenTelemetry spans. The write seam for spans between collectors and
 * storage (and live inference), the twin of {@link ObservationSink}.
 */
public interface SpanSink {

    /**
     * Makes a batch durable. Returns only when every span in the batch is stored; the OTLP receiver
     * answers the exporter with success after that and not before.
     *
     * @throws SinkUnavailableException when the store cannot take the batch now (the receiver answers
     *                                  503 with Retry-After, and the exporter retries; nothing is
     *                                  acknowledged that was not stored)
     */
    void accept(List<Span> batch) throws SinkUnavailableException;
}
