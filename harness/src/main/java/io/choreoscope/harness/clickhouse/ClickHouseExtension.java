package io.choreoscope.harness.clickhouse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension giving tests a real ClickHouse: one {@link EmbeddedClickHouse} per test JVM, started
 * lazily by the first test class that uses the extension, on a temporary data directory and a free
 * port, and stopped (data directory deleted) when the JUnit root context closes.
 *
 * <p>Tests get it as a parameter ({@link EmbeddedClickHouse}, or {@link ClickHouseDatabase} for a fresh
 * database of their own test class), or statically through {@link #engine()} and {@link #createDatabase()}.
 *
 * <pre>{@code
 * @ExtendWith(ClickHouseExtension.class)
 * class EventWriterTest {
 *     @Test
 *     void writes(ClickHouseDatabase db) throws Exception {
 *         try (Connection c = DriverManager.getConnection(db.jdbcUrl())) { ... }
 *     }
 * }
 * }</pre>
 *
 * Set {@code -Dchoreoscope.clickhouse.keep-data=true} to keep the data directory for a post-mortem.
 */
public final class ClickHouseExtension implements BeforeAllCallback, ParameterResolver {

    public static final String KEEP_DATA_PROPERTY = "choreoscope.clickhouse.keep-data";
    /**
     * JUnit resource lock on the shared engine, for modules that run some test classes concurrently: a class that
     * stops, pauses or restarts the shared engine takes it {@code READ_WRITE}, a class that runs beside others
     * ({@code @Execution(CONCURRENT)}) and uses the shared engine takes it {@code READ}.
     */
    public static final String SHARED_ENGINE_LOCK = "choreoscope.clickhouse.shared-engine";

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(ClickHouseExtension.class);
    private static volatile EmbeddedClickHouse shared;

    /** The shared engine; only after the extension has started it for some test class. */
    public static EmbeddedClickHouse engine() {
        EmbeddedClickHouse engine = shared;
        if (engine == null) {
            throw new IllegalStateException("ClickHouse not started: annotate the test class with @ExtendWith(ClickHouseExtension.class)");
        }
        return engine;
    }

    /** Creates a database with a unique name on the shared engine and returns the name. */
    public static String createDatabase() {
        return engine().createDatabase("test");
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        engine(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == EmbeddedClickHouse.class || type == ClickHouseDatabase.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        EmbeddedClickHouse engine = engine(context);
        if (parameter.getParameter().getType() == EmbeddedClickHouse.class) {
            return engine;
        }
        ExtensionContext classContext = classContext(context);
        String prefix = classContext.getRequiredTestClass().getSimpleName();
        return classContext.getStore(NAMESPACE).getOrComputeIfAbsent("database",
                key -> ClickHouseDatabase.create(engine, prefix), ClickHouseDatabase.class);
    }

    private static ExtensionContext classContext(ExtensionContext context) {
        ExtensionContext current = context;
        while (current.getTestMethod().isPresent() && current.getParent().isPresent()) {
            current = current.getParent().get();
        }
        return current;
    }

    private static EmbeddedClickHouse engine(ExtensionContext context) {
        // The root store closes AutoCloseable values when the test plan ends (JUnit 5.13+).
        return context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent("engine", key -> SharedEngine.start(), SharedEngine.class)
                .engine;
    }

    private static final class SharedEngine implements AutoCloseable {
        final EmbeddedClickHouse engine;
        final Path dataDir;

        private SharedEngine(EmbeddedClickHouse engine, Path dataDir) {
            this.engine = engine;
            this.dataDir = dataDir;
        }

        static SharedEngine start() {
            try {
                Path dataDir = Files.createTempDirectory("choreoscope-clickhouse-");
                EmbeddedClickHouse engine = EmbeddedClickHouse.start(dataDir, 0);
                shared = engine;
                return new SharedEngine(engine, dataDir);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        @Override
        public void close() throws IOException {
            shared = null;
            engine.stop();
            if (!Boolean.getBoolean(KEEP_DATA_PROPERTY)) {
                io.choreoscope.harness.TempDirs.deleteRecursively(dataDir);
            }
        }
    }
}
