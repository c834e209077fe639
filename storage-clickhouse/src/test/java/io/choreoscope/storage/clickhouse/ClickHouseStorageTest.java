package io.choreoscope.storage.clickhouse;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

import io.choreoscope.harness.clickhouse.ClickHouseCluster;
import io.choreoscope.harness.clickhouse.ClickHouseExtension;
import io.choreoscope.harness.contract.EventStoreContract;
import io.choreoscope.harness.contract.FlowModelStoreContract;
import io.choreoscope.harness.contract.FlowWindowContract;
import io.choreoscope.harness.contract.InstanceStoreContract;
import io.choreoscope.harness.contract.SpanStoreContract;
import io.choreoscope.model.InstanceRecord;
import io.choreoscope.model.InstanceWriter;
import io.choreoscope.model.flow.DependencyMap;
import io.choreoscope.model.flow.FlowModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every storage contract against the real ClickHouse engine, each test on a fresh database with the schema
 * migrated (about a quarter of a second each), twice: on one server, and on a cluster of two shards
 * ({@link ClickHouseCluster}: two engine processes, {@code Distributed} tables over local ones, see
 * {@link ClusterLayout}), where the answers must be the ones one server gives. {@link ClickHouseClusterStorageTest}
 * checks what only a cluster has.
 */
@ExtendWith(ClickHouseExtension.class)
@ParameterizedClass(name = "on {0}")
@EnumSource(ClickHouseStorageTest.Target.class)
class ClickHouseStorageTest {
    /** Where the contracts run. */
    enum Target { ONE_SERVER, TWO_SHARDS }

    /** Unbounded, as the application's blocking pool: the span reader waits for what it runs here. */
    private static final ExecutorService BESIDE = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "span-lookup-beside");
        t.setDaemon(true);
        return t;
    });
    /** Started by the first test on {@link Target#TWO_SHARDS}. */
    private static ClickHouseCluster cluster;

    @Parameter
    Target target;

    private final Deque<AutoCloseable> open = new ArrayDeque<>();

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
            cluster = null;
        }
    }

    /** Where a test's new database is: a database of its own on the shared engine, or on every node of the cluster. */
    private ClickHouseConfig newDatabase() {
        if (target == Target.ONE_SERVER) {
            return new ClickHouseConfig(ClickHouseExtension.engine().httpUrl(), ClickHouseExtension.createDatabase());
        }
        if (cluster == null) {
            cluster = ClickHouseCluster.start(2);
        }
        return ClickHouseClusterStorageTest.newDatabase(cluster);
    }

    /** A new database with the current schema, and a connection pool on it; both closed after the test. */
    private SqlRunner freshDatabase() {
        ClickHouseStore store = new ClickHouseStore(newDatabase());
        open.push(store);
        try {
            new SchemaMigrator(store).migrate();
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("cannot migrate the test database: " + e.getMessage(), e);
        }
        SqlRunner sql = new SqlRunner(store);
        open.push(sql);
        return sql;
    }

    @AfterEach
    void closeDatabases() throws Exception {
        while (!open.isEmpty()) {
            open.pop().close();
        }
    }

    @Nested
    class Events extends EventStoreContract {
        @Override
        protected EventStore storage() {
            SqlRunner sql = freshDatabase();
            return new EventStore(new ClickHouseEventWriter(sql.store()), new ClickHouseEventReader(sql));
        }
    }

    @Nested
    class Spans extends SpanStoreContract {
        @Override
        protected SpanStore storage() {
            SqlRunner sql = freshDatabase();
            return new SpanStore(new ClickHouseSpanWriter(sql.store()), new ClickHouseSpanReader(sql),
                    new ClickHouseEventWriter(sql.store()), new ClickHouseEventReader(sql));
        }
    }

    /** The same contract with the span lookup run beside the trace read, as the application's reader does. */
    @Nested
    class SpansWithTheLookupBeside extends SpanStoreContract {
        @Override
        protected SpanStore storage() {
            SqlRunner sql = freshDatabase();
            return new SpanStore(new ClickHouseSpanWriter(sql.store()), new ClickHouseSpanReader(sql, BESIDE),
                    new ClickHouseEventWriter(sql.store()), new ClickHouseEventReader(sql));
        }
    }

    /** The instance store over a fresh database, with the instance reader {@code reader} makes. */
    private InstanceStoreContract.InstanceStore instanceStore(
            Function<SqlRunner, ClickHouseInstanceReader> reader) {
        SqlRunner sql = freshDatabase();
        return new InstanceStoreContract.InstanceStore(new ClickHouseInstanceWriter(sql.store(), sql), reader.apply(sql),
                new ClickHouseStateChangeReader(sql), new ClickHouseSearchReader(sql), new ClickHouseFlowKpiReader(sql),
                new ClickHouseEventWriter(sql.store()));
    }

    @Nested
    class Instances extends InstanceStoreContract {
        @Override
        protected InstanceStore storage() {
            return instanceStore(ClickHouseInstanceReader::new);
        }
    }

    /** The same contract with the stuck list folding the whole table (more stuck rows than its bound of candidates). */
    @Nested
    class InstancesWithTheStuckListFoldingEverything extends InstanceStoreContract {
        @Override
        protected InstanceStore storage() {
            return instanceStore(sql -> new ClickHouseInstanceReader(sql, 0));
        }
    }

    @Nested
    class FlowModels extends FlowModelStoreContract {
        @Override
        protected FlowModelStore storage() {
            SqlRunner sql = freshDatabase();
            return new FlowModelStore(new ClickHouseInstanceWriter(sql.store(), sql), new ClickHouseFlowModelReader(sql),
                    new ClickHouseDependencyReader(sql), new ClickHouseEventWriter(sql.store()),
                    new ClickHouseSpanWriter(sql.store()));
        }
    }

    @Nested
    class FlowWindows extends FlowWindowContract {
        @Override
        protected FlowWindowStore storage() {
            SqlRunner sql = freshDatabase();
            return new FlowWindowStore(new ClickHouseEventWriter(sql.store()), new ClickHouseInstanceWriter(sql.store(), sql),
                    new ClickHouseFlowWindowReader(sql));
        }
    }

    /** The same contract over instance rows written without step times (before migration V011): read from events. */
    @Nested
    class FlowWindowsOfRowsBeforeV011 extends FlowWindowContract {
        @Override
        protected FlowWindowStore storage() {
            SqlRunner sql = freshDatabase();
            ClickHouseInstanceWriter writer = new ClickHouseInstanceWriter(sql.store(), sql);
            return new FlowWindowStore(new ClickHouseEventWriter(sql.store()), new InstanceWriter() {
                @Override
                public void write(List<InstanceRecord> rows) {
                    writer.write(rows, false);
                }

                @Override
                public void writeFlowModels(String owner, List<FlowModel> models, Instant now) {
                    writer.writeFlowModels(owner, models, now);
                }

                @Override
                public void retractFlowModels(String owner, Collection<String> flows, Instant now) {
                    writer.retractFlowModels(owner, flows, now);
                }

                @Override
                public void writeDependencyMap(String owner, DependencyMap map, Instant now) {
                    writer.writeDependencyMap(owner, map, now);
                }
            }, new ClickHouseFlowWindowReader(sql));
        }
    }
}
