package io.choreoscope.ui.instance;

import io.choreoscope.model.Topics;
import io.choreoscope.model.api.EventView;

/**
 * Where an event travelled, for the event list: {@code Kafka · topic / partition / offset}, or
 * {@code RabbitMQ · exchange · routing key} (a RabbitMQ message has no partition or offset worth showing; its topic is
 * {@code rabbitmq:<exchange>} and its key the routing key). Plain text: the grid escapes it.
 */
final class BusLabel {
    private BusLabel() {
    }

    static String of(EventView e) {
        String bus = e.bus() != null ? e.bus() : Topics.bus(e.topic());
        if (Topics.RABBITMQ.equals(bus)) {
            String exchange = Topics.rabbitMqLabel(e.topic());
            return "RabbitMQ · " + exchange + (e.key() == null || e.key().isEmpty() ? "" : " · " + e.key());
        }
        return "Kafka · " + e.topic() + " / " + e.partition() + " / " + e.offset();
    }
}
