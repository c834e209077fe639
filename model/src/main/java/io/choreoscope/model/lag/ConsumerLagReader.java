package io.choreoscope.model.lag;

import java.time.Instant;
import java.util.List;

/**
 * Reads where consumers stand on a bus, now: the seam between the dependency map and lag alerts (which know only
 * {@link ConsumerLag}) and the bus's admin interface (Kafka's admin API, RabbitMQ's management API), implemented in
 * {@code collectors}. Each call may block for the bus's admin timeout.
 */
public interface ConsumerLagReader {

    /** The bus this reader answers for ({@code kafka}, {@code rabbitmq}). */
    String bus();

    /**
     * Every consumer's lag on every topic it reads, as of {@code now}.
     *
     * @throws LagUnavailableException when the bus did not answer
     */
    List<ConsumerLag> read(Instant now);

    /** The bus did not answer a lag read; the message says which and why. */
    final class LagUnavailableException extends RuntimeException {
        public LagUnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
