package io.choreoscope.ui.instance;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;

import io.choreoscope.model.Topics;
import io.choreoscope.model.api.EventView;

import org.junit.jupiter.api.Test;

class BusLabelTest {

    private static EventView event(String topic, String key) {
        Instant t = Instant.parse("2026-12-06T19:00:00Z");
        return new EventView(topic, 2, 41, t, t, key, List.of(), "{}", "text", false, 2, null, "o-1", null,
                "OrderPlaced", "orders", null, null, null, "OK", null, false);
    }

    @Test
    void aKafkaRecordShowsItsTopicPartitionAndOffset() {
        assertThat(BusLabel.of(event("orders", "o-1"))).isEqualTo("Kafka · orders / 2 / 41");
    }

    @Test
    void aRabbitMqMessageShowsItsExchangeItsVirtualHostWhenNotTheDefaultAndItsRoutingKey() {
        assertThat(BusLabel.of(event(Topics.rabbitMq("/", "shipping"), "order.shipped")))
                .isEqualTo("RabbitMQ · shipping · order.shipped");
        assertThat(BusLabel.of(event(Topics.rabbitMq("/", "events:orders"), "")))
                .isEqualTo("RabbitMQ · events:orders");
        assertThat(BusLabel.of(event(Topics.rabbitMq("tenant:a", "shipping"), "k")))
                .isEqualTo("RabbitMQ · shipping on vhost tenant:a · k");
    }
}
