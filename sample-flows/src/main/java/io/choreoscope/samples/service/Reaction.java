package io.choreoscope.samples.service;

import java.util.List;
import java.util.random.RandomGenerator;

import io.choreoscope.samples.wire.SampleEvent;

/** What a service does with one event type: the events it publishes in reply (maybe none). Pure; no I/O. */
@FunctionalInterface
public interface Reaction {
    List<Emit> react(SampleEvent in, RandomGenerator rnd);

    /** One event to publish, and the (full) topic name it goes to. */
    record Emit(String topic, SampleEvent event) {
    }
}
