package io.choreoscope.model;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

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

    /**
     * Makes a batch durable like {@link #accept}, and says when what lies behind the store is durable too. Returns
     * once the batch is stored; the stage completes once everything the sink feeds from it (live inference in the
     * same process) has persisted its own state, so that no crash after the stage completed can lose what the batch
     * changed. A caller that commits source offsets (the Kafka tap) commits the batch's offsets when the stage
     * completes, not when this returns: after a crash the uncommitted records are delivered again and the sink
     * rebuilds from them what was not persisted. The stage never completes exceptionally; a sink that stops leaves
     * it incomplete (nothing is committed). Default: {@link #accept}, then an already completed stage.
     *
     * @throws SinkUnavailableException as {@link #accept}
     */
    default CompletionStage<Void> acceptForCommit(List<Observation> batch) throws SinkUnavailableException {
        accept(batch);
        return CompletableFuture.completedFuture(null);
    }
}
