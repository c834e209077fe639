package io.choreoscope.services;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.choreoscope.model.DependencyReader;
import io.choreoscope.model.flow.DependencyMap;

/** A {@link DependencyReader} over nothing stored, for fakes that answer only what their test is about. */
interface NoDependencies extends DependencyReader {
    @Override
    default DependencyMap dependencies(Instant from, Instant to) {
        return new DependencyMap(List.of(), List.of());
    }

    @Override
    default DependencyMap spanDependencies(Instant from, Instant to) {
        return new DependencyMap(List.of(), List.of());
    }

    @Override
    default List<MinuteCount> consumerSpansPerMinute(Collection<String> topics, Instant from, Instant to) {
        return List.of();
    }

    @Override
    default Map<String, String> consumerGroupServices(Instant from, Instant to) {
        return Map.of();
    }

    @Override
    default Map<String, Map<String, Long>> routedQueues(Instant from, Instant to) {
        return Map.of();
    }

    @Override
    default List<DeadLettered> deadLettered(Instant from, Instant to) {
        return List.of();
    }

    @Override
    default Set<String> deadLetterTopicsByHeaders(Instant from, Instant to) {
        return Set.of();
    }

    @Override
    default Map<String, Double> topicRates() {
        return Map.of();
    }
}
