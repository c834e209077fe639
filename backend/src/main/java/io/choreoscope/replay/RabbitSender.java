package io.choreoscope.replay;

import java.io.IOException;

/** Sends a replay's records whose target is a RabbitMQ exchange, one at a time, confirmed by the broker. */
interface RabbitSender {

    /**
     * Publishes one record and waits for the broker's confirm.
     *
     * @return what the audit keeps as the record's "offset" (a publish sequence number)
     * @throws IOException naming the reason when the broker refused, returned or did not confirm the message
     */
    long publish(PlannedRecord r) throws IOException, InterruptedException;

    /** The job that used this sender ended (called once, last). */
    default void jobEnded() {
    }
}
