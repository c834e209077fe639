package io.choreoscope.harness.rabbitmq;

import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension giving tests a real RabbitMQ broker: one {@link EmbeddedRabbitMq} per test JVM, started lazily
 * by the first test class that uses the extension (free ports, temporary directory, management plugin on), and
 * stopped (directory deleted) when the JUnit root context closes, or by the JVM shutdown hook.
 *
 * <p>Tests share the broker: each uses its own virtual host, exchanges and queues ({@link #uniqueName(String)}).
 *
 * <pre>{@code
 * @ExtendWith(RabbitMqExtension.class)
 * class TapTest {
 *     @Test
 *     void taps(EmbeddedRabbitMq rabbit) {
 *         String uri = rabbit.amqpUri(); // guest/guest on 127.0.0.1
 *     }
 * }
 * }</pre>
 */
public final class RabbitMqExtension implements BeforeAllCallback, ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(RabbitMqExtension.class);
    private static final AtomicInteger SEQ = new AtomicInteger();
    private static volatile EmbeddedRabbitMq shared;

    /** The shared broker; only after the extension has started it for some test class. */
    public static EmbeddedRabbitMq broker() {
        EmbeddedRabbitMq broker = shared;
        if (broker == null) {
            throw new IllegalStateException("RabbitMQ not started: annotate the test class with @ExtendWith(RabbitMqExtension.class)");
        }
        return broker;
    }

    /** A name unique in this JVM: {@code prefix-<n>-<millis base 36>}. */
    public static String uniqueName(String prefix) {
        return prefix + "-" + SEQ.incrementAndGet() + "-" + Long.toString(System.currentTimeMillis(), 36);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        broker(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == EmbeddedRabbitMq.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return broker(context);
    }

    private static EmbeddedRabbitMq broker(ExtensionContext context) {
        // The root store closes AutoCloseable values when the test plan ends.
        return context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent("broker", key -> SharedBroker.start(), SharedBroker.class)
                .broker;
    }

    private static final class SharedBroker implements AutoCloseable {
        final EmbeddedRabbitMq broker;

        private SharedBroker(EmbeddedRabbitMq broker) {
            this.broker = broker;
        }

        static SharedBroker start() {
            EmbeddedRabbitMq broker = EmbeddedRabbitMq.start();
            shared = broker;
            return new SharedBroker(broker);
        }

        @Override
        public void close() {
            shared = null;
            broker.close();
        }
    }
}
