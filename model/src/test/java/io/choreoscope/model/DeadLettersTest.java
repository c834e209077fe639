package io.choreoscope.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.function.Function;

import org.junit.jupiter.api.Test;

class DeadLettersTest {
    private static Function<String, String> headers(Map<String, String> h) {
        return h::get;
    }

    @Test
    void aDeadLetterIsKnownByItsTopicsNameOrByTheHeadersOfKafkaToolsOrOfRabbitMq() {
        assertThat(DeadLetters.isDeadLetter("payments.DLT", headers(Map.of()))).isTrue();
        assertThat(DeadLetters.isDeadLetter("rabbitmq:orders.dlq", headers(Map.of()))).isTrue();
        assertThat(DeadLetters.isDeadLetter("payments", headers(Map.of()))).isFalse();
        assertThat(DeadLetters.isDeadLetter("errors", headers(Map.of("kafka_dlt-original-topic", "payments")))).isTrue();
        assertThat(DeadLetters.isDeadLetter("connect-errors", headers(Map.of("__connect.errors.topic", "payments")))).isTrue();
        assertThat(DeadLetters.isDeadLetter("rabbitmq:shipping.dlx", headers(Map.of("x-first-death-queue", "notifications"))))
                .isTrue();
        assertThat(DeadLetters.isDeadLetter("rabbitmq:shipping", headers(Map.of("x-first-death-queue", "notifications",
                Observation.REPLAY_ID_HEADER, "r-1")))).as("sent back by a redrive").isFalse();
        assertThat(DeadLetters.isDeadLetter(null, headers(Map.of()))).isFalse();
    }

    @Test
    void theReasonIsTheExceptionHeaderOrRabbitMqsReasonAndQueue() {
        assertThat(DeadLetters.reason(headers(Map.of("x-exception-message", "boom", "error", "later")))).isEqualTo("boom");
        assertThat(DeadLetters.reason(headers(Map.of("x-first-death-queue", "notifications", "x-first-death-reason", "expired"))))
                .isEqualTo("expired in queue notifications");
        assertThat(DeadLetters.reason(headers(Map.of("x-first-death-queue", "notifications"))))
                .isEqualTo("dead-lettered in queue notifications");
        assertThat(DeadLetters.reason(headers(Map.of("x-original-topic", "payments")))).isNull();
        assertThat(DeadLetters.originalTopic(headers(Map.of("x-original-topic", "payments")))).isEqualTo("payments");
        assertThat(DeadLetters.originalTopic(headers(Map.of("x-first-death-exchange", "shipping")))).isEqualTo("shipping");
    }
}
