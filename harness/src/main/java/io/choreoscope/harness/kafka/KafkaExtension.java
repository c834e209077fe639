package io.choreoscope.harness.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension that gives tests a real Kafka broker: one per test JVM, started on first use on a
 * free port with a temporary directory, shut down when the JVM's test run ends. Tests receive it as
 * an {@link EmbeddedKafka} parameter or through {@link #kafka()}.
 *
 * <p>Tests share the broker, so each uses its own topic names (see {@link #uniqueName(String)}).
 */
public final class KafkaExtension implements BeforeAllCallback, ParameterResolver {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(KafkaExtension.class);
    private static volatile EmbeddedKafka shared;
    private static final java.util.concurrent.atomic.AtomicInteger SEQ = new java.util.concurrent.atomic.AtomicInteger();

    @Override
    public void beforeAll(ExtensionContext context) {
        ensureStarted(context);
    }

    private static synchronized EmbeddedKafka ensureStarted(ExtensionContext context) {
        if (shared == null) {
            try {
                Path dir = Files.createTempDirectory("choreoscope-kafka-");
                EmbeddedKafka kafka = EmbeddedKafka.start(dir, 0);
                shared = kafka;
                context.getRoot().getStore(NS).put("kafka", new Shutdown(kafka, dir));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return shared;
    }

    /** The running broker; only valid inside a test class that uses this extension. */
    public static EmbeddedKafka kafka() {
        if (shared == null) {
            throw new IllegalStateException("Kafka is not started: annotate the test class with @ExtendWith(KafkaExtension.class)");
        }
        return shared;
    }

    /** A name unique in this JVM, for topics and consumer groups: {@code prefix-<n>-<millis>}. */
    public static String uniqueName(String prefix) {
        return prefix + "-" + SEQ.incrementAndGet() + "-" + Long.toString(System.currentTimeMillis(), 36);
    }

    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext e) {
        return p.getParameter().getType() == EmbeddedKafka.class;
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext e) {
        return ensureStarted(e);
    }

    /** Closes the shared broker when the root context closes (the end of the JVM's test run). */
    private record Shutdown(EmbeddedKafka kafka, Path dir) implements ExtensionContext.Store.CloseableResource, AutoCloseable {
        @Override
        public void close() {
            kafka.close();
            try {
                io.choreoscope.harness.TempDirs.deleteRecursively(dir);
            } catch (IOException ignored) {
                // a leftover temp dir is harmless
            }
            shared = null;
        }
    }
}
