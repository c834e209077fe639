package io.choreoscope.model.api;

import java.util.List;

/**
 * A RabbitMQ exchange the tap sees, with the queues bound to it, from the management API.
 *
 * @param topic           the topic name its messages are stored under ({@code rabbitmq:<exchange>})
 * @param vhost           its virtual host
 * @param name            its name ({@code ""} for the default exchange)
 * @param type            direct, fanout, topic, headers...
 * @param bus             always {@code rabbitmq}
 * @param eventsPerSecond messages per second tapped over the last 5 minutes
 * @param queues          queues bound to it
 */
public record ExchangeInfo(String topic, String vhost, String name, String type, String bus, double eventsPerSecond,
                           List<QueueLag> queues) {

    /**
     * A queue bound to the exchange: its lag is what waits in it (ready plus delivered and not yet acknowledged).
     *
     * @param routingKeys the binding keys from the exchange to this queue
     */
    public record QueueLag(String name, List<String> routingKeys, long messagesReady, long messagesUnacknowledged,
                           int consumers, long lag) {
    }
}
