package io.choreoscope.harness.clickhouse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import io.choreoscope.harness.FreePorts;

/**
 * Several {@link EmbeddedClickHouse} processes as the shards of one ClickHouse cluster, for tests of the cluster
 * layout: each engine on its own data directory, HTTP port and native (TCP) port, all with the same
 * {@code remote_servers} entry naming every engine as one shard of cluster {@value #NAME}, so that a
 * {@code Distributed} table on any of them reaches all of them.
 *
 * <p>What chDB 26.7 cannot do (docs/SCALING.md): replication (no interserver port, no Keeper) and {@code ON CLUSTER}
 * DDL (refused). Each shard is one replica; DDL is run on every node by whoever needs it.
 */
public final class ClickHouseCluster implements AutoCloseable {
    /** The cluster's name in {@code remote_servers}. */
    public static final String NAME = "choreoscope_test";

    private final Path baseDir;
    private final List<EmbeddedClickHouse> nodes;

    private ClickHouseCluster(Path baseDir, List<EmbeddedClickHouse> nodes) {
        this.baseDir = baseDir;
        this.nodes = List.copyOf(nodes);
    }

    /** Starts {@code shards} engines under a new temporary directory; {@link #close()} stops them and deletes it. */
    public static ClickHouseCluster start(int shards) {
        if (shards < 1) {
            throw new IllegalArgumentException("shards must be 1 or more, was " + shards);
        }
        Path base;
        try {
            base = Files.createTempDirectory("choreoscope-clickhouse-cluster-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int[] chosen = FreePorts.distinct(2 * shards); // every engine needs two ports of its own
        int[] http = new int[shards];
        int[] tcp = new int[shards];
        StringBuilder servers = new StringBuilder("<remote_servers><" + NAME + ">");
        for (int i = 0; i < shards; i++) {
            http[i] = chosen[2 * i];
            tcp[i] = chosen[2 * i + 1];
            servers.append("<shard><replica><host>127.0.0.1</host><port>").append(tcp[i])
                    .append("</port></replica></shard>");
        }
        servers.append("</").append(NAME).append("></remote_servers>");
        List<EmbeddedClickHouse> started = new ArrayList<>();
        try {
            for (int i = 0; i < shards; i++) {
                EmbeddedClickHouse.Options options = EmbeddedClickHouse.Options.defaults()
                        .withMaxServerMemoryBytes(1L << 30)
                        .withConfigXml(servers.toString())
                        .withTcpPort(tcp[i]);
                started.add(EmbeddedClickHouse.start(base.resolve("shard" + (i + 1)), http[i], options));
            }
        } catch (RuntimeException e) {
            started.forEach(EmbeddedClickHouse::stop);
            delete(base);
            throw e;
        }
        return new ClickHouseCluster(base, started);
    }

    /** The engines, shard 1 first. */
    public List<EmbeddedClickHouse> nodes() {
        return nodes;
    }

    /** Every node's HTTP URL, shard 1 first. */
    public List<String> httpUrls() {
        return nodes.stream().map(EmbeddedClickHouse::httpUrl).toList();
    }

    /** Creates a database of one new name on every node and returns the name. */
    public String createDatabase(String prefix) {
        String name = EmbeddedClickHouse.uniqueDatabaseName(prefix);
        for (EmbeddedClickHouse node : nodes) {
            node.query("CREATE DATABASE " + name);
        }
        return name;
    }

    @Override
    public void close() {
        nodes.forEach(EmbeddedClickHouse::stop);
        if (!Boolean.getBoolean(ClickHouseExtension.KEEP_DATA_PROPERTY)) {
            delete(baseDir);
        }
    }

    private static void delete(Path dir) {
        try {
            io.choreoscope.harness.TempDirs.deleteRecursively(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
    }
}
