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

    /** Creates the database if needed and applies pending migrations. Returns the versions applied now. */
    public List<String> migrate() throws SQLException {
        store.ensureDatabase();
        List<String> appliedNow = new ArrayList<>();
        try (Connection c = store.connectForMigrations()) {
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
                List<String> statements = statements(resource(file));
                for (int i = 0; i < statements.size(); i++) {
                    String sql = statements.get(i);
                    // A refill of a large table can take minutes: say what runs, so a slow start is not a silent one.
                    LOG.info("Applying ClickHouse migration {}, statement {} of {}", file, i + 1, statements.size());
                    try (Statement s = ClickHouseStore.statement(c)) {
                        s.execute(sql);
                    } catch (SQLException e) {
                        throw new SQLException("Migration " + file + " failed: " + e.getMessage(), e);
                    }
                }
                try (PreparedStatement ps = ClickHouseStore.prepare(c,
                        "INSERT INTO " + store.database() + ".schema_migrations (version) VALUES (?)")) {
                    ps.setString(1, version);
                    ps.executeUpdate();
                }
                appliedNow.add(version);
                LOG.info("Applied ClickHouse migration {}", file);
            }
        }
        return appliedNow;
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

    private List<String> statements(String text) {
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
