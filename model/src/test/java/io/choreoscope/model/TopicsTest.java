package io.choreoscope.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

class TopicsTest {

    @Test
    void deadLetterNamesAreTheSameForStuckCausesAlertsAndTheRedrive() {
        // Spring Kafka, Kafka Connect, hand-made and RabbitMQ queue names; the demo's own topic is "dead-letters"
        for (String name : List.of("payments.DLT", "orders-dlt", "orders_dlq", "billing.DLQ", "dead-letters", "dead-letter",
                "orders.deadletter", "DeadLetters", "dlq.billing.v2", "shipping-notifications.dlq", "dlt")) {
            assertThat(Topics.looksLikeDeadLetter(name)).as(name).isTrue();
        }
        for (String name : List.of("orders", "dltx", "handler-dlqueue", "deadline", "dlqs", "shipping.dlx", "", "payments.DLTs")) {
            assertThat(Topics.looksLikeDeadLetter(name)).as(name).isFalse();
        }
        assertThat(Topics.looksLikeDeadLetter(null)).isFalse();
    }

    @Test
    void anExchangeOrQueueIsNamedWithItsVirtualHostUnlessThatIsTheDefault() {
        assertThat(Topics.rabbitMq("/", "shipping")).isEqualTo("rabbitmq:shipping");
        assertThat(Topics.rabbitMq("tenant-a", "shipping")).isEqualTo("rabbitmq:tenant-a:shipping");
        assertThat(Topics.rabbitMq("/", "")).isEqualTo("rabbitmq:amq.default");
        assertThat(Topics.bus("rabbitmq:shipping")).isEqualTo(Topics.RABBITMQ);
        assertThat(Topics.bus("orders")).isEqualTo(Topics.KAFKA);
    }

    @Test
    void theVirtualHostAndTheExchangeAreReadBackFromTheName() {
        assertThat(Topics.rabbitMqVhost(Topics.rabbitMq("/", "shipping"))).isEqualTo("/");
        assertThat(Topics.rabbitMqName(Topics.rabbitMq("/", "shipping"))).isEqualTo("shipping");
        assertThat(Topics.rabbitMqVhost(Topics.rabbitMq("tenant-a", "orders.dlx"))).isEqualTo("tenant-a");
        assertThat(Topics.rabbitMqName(Topics.rabbitMq("tenant-a", "orders.dlx"))).isEqualTo("orders.dlx");
        // an exchange name holding ':' keeps it when the virtual host is named
        assertThat(Topics.rabbitMqName(Topics.rabbitMq("tenant-a", "a:b"))).isEqualTo("a:b");
        assertThat(Topics.rabbitMqVhost("orders")).isNull();
        assertThat(Topics.rabbitMqName("orders")).isNull();
        assertThat(Topics.rabbitMqVhost(null)).isNull();
    }
}
