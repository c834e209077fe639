package io.choreoscope.model;

import java.time.Instant;
import java.util.Collection;
import java.util.List;

import io.choreoscope.model.flow.DependencyMap;
import io.choreoscope.model.flow.FlowModel;

/**
 * Where live inference persists what it learned: instance states, flow models and dependency maps. Each
 * call returns once the store acknowledged the write and throws {@link StorageException} otherwise.
 * Models and maps are kept per owner (a partition of the correlation-ID space, or {@code all} for the
 * embedded engine); readers merge the owners ({@link io.choreoscope.model.flow.ModelMerge}).
 */
public interface InstanceWriter {

    /** Writes instance rows; a later row of one correlation ID replaces an earlier one. An empty list writes nothing. */
    void write(List<InstanceRecord> rows);

    /** Replaces the flow models of one owner, each by flow name. Flows not in {@code models} are left as they are. */
    void writeFlowModels(String owner, List<FlowModel> models, Instant now);

    /**
     * Takes flows off one owner's models: the owner had them and no longer has (an instance first named a flow by an
     * event that arrived before its real start, then re-rooted or merged into another flow's instance). Readers no
     * longer list or merge that owner's model of these flows; another owner's model of them stays. An empty collection
     * writes nothing.
     */
    void retractFlowModels(String owner, Collection<String> flows, Instant now);

    /** Replaces the dependency map of one owner. */
    void writeDependencyMap(String owner, DependencyMap map, Instant now);
}
