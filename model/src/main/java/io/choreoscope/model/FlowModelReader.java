package io.choreoscope.model;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.choreoscope.model.flow.FlowModel;

/** Reads the flow models live inference persisted. Reads that cannot be answered throw {@link StorageException}. */
public interface FlowModelReader {

    /** Names of the flows with a persisted model, sorted. */
    List<String> flowNames();

    /** The model of {@code flow}, merged over every owner; empty when no owner has one. */
    Optional<FlowModel> flowModel(String flow);

    /** The models persisted by one owner, by flow name (for recovery checks and tests). */
    Map<String, FlowModel> flowModelsOf(String owner);
}
