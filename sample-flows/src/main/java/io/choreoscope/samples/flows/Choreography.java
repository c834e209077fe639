package io.choreoscope.samples.flows;

import java.util.List;
import java.util.random.RandomGenerator;

import io.choreoscope.samples.service.Reaction;
import io.choreoscope.samples.service.ServiceSpec;

/** One sample flow: its services and how an instance starts. No I/O; the runner runs the services. */
public interface Choreography {

    /** Every service of the flow, the entry service included. */
    List<ServiceSpec> services();

    /** Name of the service that publishes the first event of an instance. */
    String entryService();

    /** The first event of a new instance (new correlation ID) and its topic. */
    Reaction.Emit firstEvent(RandomGenerator rnd);

    /** A one-element reply list. */
    static List<Reaction.Emit> emit(String topic, io.choreoscope.samples.wire.SampleEvent e) {
        return List.of(new Reaction.Emit(topic, e));
    }
}
