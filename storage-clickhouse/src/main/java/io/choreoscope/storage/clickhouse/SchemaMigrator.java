package io.choreoscope.storage.clickhouse;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the versioned schema migrations under {@code db/clickhouse/} at start, in the order of
 * {@code migrations.txt}, each once. Applied versions are recorded in {@code schema_migrations}.
 * Statements are written idempotently ({@code IF NOT EXISTS}) so a migration interrupted half-way
 * can simply run again. They run on a connection that waits up to {@link ClickHouseStore#MIGRATION_TIMEOUT} for each
 * statement (a refill of a large table takes minutes), and each statement is logged before it runs.
 */
public final class SchemaMigrator {
    private static final Logger LOG = LoggerFactory.getLogger(SchemaMigrator.class);
    private static final String BASE = "db/clickhouse/";

    private final ClickHouseStore store;

    public SchemaMigrator(ClickHouseStore store) {
        this.store = store;
    }

    /**
     * Creates the database if needed and applies pending migrations. Returns the versions applied now (on a cluster,
     * those applied now on any node).
     *
     * <p>On a cluster ({@link ClickHouseConfig#isClustered()}) each node is migrated in turn, as one server is: the
     * statements create and alter the local tables ({@link ClusterLayout}), and after each migration the
     * {@code Distributed} tables over the local tables it named are made again from them. {@code ON CLUSTER} is not
     * used: the engine the tests run (chDB) refuses it, and running each statement on every node listed does the same
     * for a fixed set of nodes. Each node records its own applied versions, so a node added later, or one that was
     * down, catches up at the next start.
     */
    public List<String> migrate() throws SQLException {
        store.ensureDatabase();
        ClickHouseConfig config = store.config();
        ClusterLayout layout = config.isClustered() ? new ClusterLayout(store.database(), config.getClusterName()) : null;
        Set<String> appliedNow = new java.util.LinkedHashSet<>();
        for (String node : config.ddlNodes()) {
            try (Connection c = store.connectNode(node, true)) {
                appliedNow.addAll(migrate(c, node, layout));
            }
        }
        return new ArrayList<>(appliedNow);
    }

    private List<String> migrate(Connection c, String node, ClusterLayout layout) throws SQLException {
        List<String> appliedNow = new ArrayList<>();
        String where = layout == null ? "" : " on " + node;
        try (Statement s = ClickHouseStore.statement(c)) {
            s.execute("CREATE TABLE IF NOT EXISTS " + store.database() + ".schema_migrations "
                    + "(version String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3)) "
                    + "ENGINE = ReplacingMergeTree ORDER BY version");
        }
        Set<String> done = new HashSet<>();
        try (Statement s = ClickHouseStore.statement(c);
             ResultSet rs = s.executeQuery("SELECT version FROM " + store.database() + ".schema_migrations FINAL")) {
            while (rs.next()) {
                done.add(rs.getString(1));
            }
        }
        for (String file : migrationFiles()) {
            String version = file.substring(0, file.indexOf("__"));
            if (done.contains(version)) {
                continue;
            }
            List<String> statements = statements(file);
            List<String> run = new ArrayList<>(statements.size());
            for (String sql : statements) {
                run.add(layout == null ? sql : layout.onNode(sql));
            }
            for (int i = 0; i < run.size(); i++) {
                // A refill of a large table can take minutes: say what runs, so a slow start is not a silent one.
                LOG.info("Applying ClickHouse migration {}, statement {} of {}{}", file, i + 1, run.size(), where);
                execute(c, file, run.get(i));
            }
            if (layout != null) {
                for (String table : layout.tablesNamed(statements)) {
                    boolean exists;
                    try (PreparedStatement ps = ClickHouseStore.prepare(c, ClusterLayout.EXISTS)) {
                        ps.setString(1, store.database());
                        ps.setString(2, ClusterLayout.local(table));
                        try (ResultSet rs = ps.executeQuery()) {
                            exists = rs.next() && rs.getLong(1) > 0;
                        }
                    }
                    execute(c, file, exists ? layout.distributed(table) : layout.dropDistributed(table));
                }
            }
            try (PreparedStatement ps = ClickHouseStore.prepare(c,
                    "INSERT INTO " + store.database() + ".schema_migrations (version) VALUES (?)")) {
                ps.setString(1, version);
                ps.executeUpdate();
            }
            appliedNow.add(version);
            LOG.info("Applied ClickHouse migration {}{}", file, where);
        }
        return appliedNow;
    }

    private static void execute(Connection c, String file, String sql) throws SQLException {
        try (Statement s = ClickHouseStore.statement(c)) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new SQLException("Migration " + file + " failed: " + e.getMessage(), e);
        }
    }

    static List<String> migrationFiles() {
        List<String> files = new ArrayList<>();
        for (String line : resource("migrations.txt").split("\n")) {
            String l = line.strip();
            if (!l.isEmpty() && !l.startsWith("#")) {
                files.add(l);
            }
        }
        return files;
    }

    /** The statements of one migration file as this database runs them (also for tests that rebuild an old schema). */
    List<String> statements(String file) {
        return statementsOf(resource(file));
    }

    private List<String> statementsOf(String text) {
        String sql = text.replace("${database}", store.database())
                .replace("${raw_ttl_days}", String.valueOf(store.config().getRawTtlDays()));
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : sql.split("\n")) {
            if (line.strip().startsWith("--")) {
                continue;
            }
            current.append(line).append('\n');
            if (line.strip().endsWith(";")) {
                add(out, current);
            }
        }
        add(out, current);
        return out;
    }

    private static void add(List<String> out, StringBuilder sb) {
        String s = sb.toString().strip();
        if (s.endsWith(";")) {
            s = s.substring(0, s.length() - 1).strip();
        }
        if (!s.isEmpty()) {
            out.add(s);
        }
        sb.setLength(0);
    }

    private static String resource(String name) {
        try (InputStream in = SchemaMigrator.class.getClassLoader().getResourceAsStream(BASE + name)) {
            if (in == null) {
                throw new IllegalStateException("missing migration resource " + BASE + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
