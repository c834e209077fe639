package io.choreoscope.model;

import java.util.List;

/**
 * Where collectors hand normalised records. The single write seam between collectors and storage
 * (and live inference): collectors know nothing else of what lies behind it.
 */
public interface ObservationSink {
    /**
     * The name under which the storage module offers its own {@link ObservationSink} and {@link SpanSink}
     * (they write to the store and nothing else); the server wraps them in the sinks collectors see.
     */
    String STORE = "store";

    /**
     * Makes a batch durable. Returns only when every observation in the batch is stored; the caller
     * commits Kafka offsets after that and not before.
     *
     * @throws SinkUnavailableException when the store cannot take the batch now (the caller keeps it
     *                                  and retries; nothing may be dropped)
     */
    void accept(List<Observation> batch) throws SinkUnavailableException;
}
