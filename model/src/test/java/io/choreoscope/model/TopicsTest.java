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

    @Test
    void namesHoldingColonsReadBackAsTheExchangeAndVirtualHostTheyWereMadeOf() {
        // an exchange or queue on "/" whose name holds ':' once read as another virtual host's ("orders" here)
        String onDefault = Topics.rabbitMq("/", "orders:dlq");
        assertThat(onDefault).isEqualTo("rabbitmq:%2F:orders:dlq");
        assertThat(Topics.rabbitMqVhost(onDefault)).isEqualTo("/");
        assertThat(Topics.rabbitMqName(onDefault)).isEqualTo("orders:dlq");
        assertThat(Topics.rabbitMqLabel(onDefault)).isEqualTo("orders:dlq");
        // a virtual host holding ':' or '%'
        for (String vhost : List.of("tenant:a", "100%", "%2F", "a%3Ab", "x:y:z", "/:", "tenant/b")) {
            for (String exchange : List.of("shipping", "a:b", "")) {
                String name = Topics.rabbitMq(vhost, exchange);
                assertThat(Topics.rabbitMqVhost(name)).as(name).isEqualTo(vhost);
                assertThat(Topics.rabbitMqName(name)).as(name).isEqualTo(exchange.isEmpty() ? Topics.DEFAULT_EXCHANGE : exchange);
                assertThat(Topics.bus(name)).isEqualTo(Topics.RABBITMQ);
            }
        }
        assertThat(Topics.rabbitMq("tenant:a", "shipping")).isEqualTo("rabbitmq:tenant%3Aa:shipping");
        assertThat(Topics.rabbitMqLabel("rabbitmq:tenant%3Aa:shipping")).isEqualTo("shipping on vhost tenant:a");
        // the names made before stay as they were when they were not ambiguous
        assertThat(Topics.rabbitMq("/", "shipping")).isEqualTo("rabbitmq:shipping");
        assertThat(Topics.rabbitMq("tenant-a", "a:b")).isEqualTo("rabbitmq:tenant-a:a:b");
        assertThat(Topics.rabbitMqLabel("orders")).isEqualTo("orders");
        // a typed name with "/" spelled out, or a '%' the name did not escape, is read as written
        assertThat(Topics.rabbitMqVhost("rabbitmq:/:orders.dlq")).isEqualTo("/");
        assertThat(Topics.rabbitMqVhost("rabbitmq:50%off:q")).isEqualTo("50%off");
    }

    @Test
    void displayNamesShowNoEscapedFormAndLeaveKafkaTopicsAlone() {
        assertThat(Topics.displayName("orders.v2")).isEqualTo("orders.v2");
        assertThat(Topics.displayName(null)).isNull();
        assertThat(Topics.displayName("rabbitmq:notifications")).isEqualTo("rabbitmq:notifications");
        assertThat(Topics.displayName(Topics.rabbitMq("/", "orders:dlq"))).isEqualTo("rabbitmq:orders:dlq");
        assertThat(Topics.displayName(Topics.rabbitMq("tenant:a", "shipping"))).isEqualTo("rabbitmq:shipping on vhost tenant:a");
        assertThat(Topics.displayName(Topics.rabbitMq("eu", ""))).isEqualTo("rabbitmq:amq.default on vhost eu");
    }
}
