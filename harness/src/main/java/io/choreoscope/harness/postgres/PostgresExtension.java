package io.choreoscope.harness.postgres;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension giving tests a real PostgreSQL: one {@link EmbeddedPostgres} per test JVM, started
 * lazily by the first test class that uses the extension, and stopped (data directory deleted) when
 * the JUnit root context closes.
 *
 * <p>Tests get the server as a parameter ({@link EmbeddedPostgres}) or statically through
 * {@link #server()}, and a fresh database of their own with {@link #createDatabase()}.
 *
 * <pre>{@code
 * @ExtendWith(PostgresExtension.class)
 * class RuleRepositoryOnPostgresTest {
 *     @Test
 *     void saves() {
 *         String db = PostgresExtension.createDatabase();
 *         String url = PostgresExtension.server().jdbcUrl(db); // user "postgres", no password
 *     }
 * }
 * }</pre>
 */
public final class PostgresExtension implements BeforeAllCallback, ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(PostgresExtension.class);
    private static volatile EmbeddedPostgres shared;

    /** The shared server; only after the extension has started it for some test class. */
    public static EmbeddedPostgres server() {
        EmbeddedPostgres server = shared;
        if (server == null) {
            throw new IllegalStateException("PostgreSQL not started: annotate the test class with @ExtendWith(PostgresExtension.class)");
        }
        return server;
    }

    /** Creates a database with a unique name on the shared server and returns the name. */
    public static String createDatabase() {
        return server().createDatabase("test");
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        server(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == EmbeddedPostgres.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return server(context);
    }

    private static EmbeddedPostgres server(ExtensionContext context) {
        // The root store closes AutoCloseable values when the test plan ends (JUnit 5.13+).
        return context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent("server", key -> SharedServer.start(), SharedServer.class)
                .server;
    }

    private static final class SharedServer implements AutoCloseable {
        final EmbeddedPostgres server;

        private SharedServer(EmbeddedPostgres server) {
            this.server = server;
        }

        static SharedServer start() {
            EmbeddedPostgres server = EmbeddedPostgres.start();
            shared = server;
            return new SharedServer(server);
        }

        @Override
        public void close() {
            shared = null;
            server.close();
        }
    }
}
