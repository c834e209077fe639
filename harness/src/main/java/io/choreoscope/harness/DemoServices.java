package io.choreoscope.harness;

import java.nio.file.Path;

import io.choreoscope.harness.clickhouse.EmbeddedClickHouse;
import io.choreoscope.harness.kafka.EmbeddedKafka;

/**
 * Serves the demo's real services until stopped: a single-node Kafka broker and a ClickHouse engine,
 * both keeping their data under one directory so that a second demo run finds the first one's data.
 * <pre>
 * DemoServices [--kafka-port 9092] [--clickhouse-port 8123] [--data-dir data] [--clickhouse-max-memory BYTES]
 * </pre>
 * Stops both cleanly on SIGINT/SIGTERM. Exits non-zero if ClickHouse dies on its own.
 */
public final class DemoServices {
    private DemoServices() {
    }

    public static void main(String[] args) throws InterruptedException {
        int kafkaPort = 9092;
        int clickHousePort = 8123;
        Path dataDir = Path.of("data");
        EmbeddedClickHouse.Options options = EmbeddedClickHouse.Options.defaults();
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--kafka-port" -> kafkaPort = Integer.parseInt(args[++i]);
                    case "--clickhouse-port" -> clickHousePort = Integer.parseInt(args[++i]);
                    case "--data-dir" -> dataDir = Path.of(args[++i]);
                    case "--clickhouse-max-memory" -> options = options.withMaxServerMemoryBytes(Long.parseLong(args[++i]));
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
        } catch (RuntimeException e) {
            System.err.println("DemoServices: " + e.getMessage() + "\nusage: DemoServices [--kafka-port 9092] "
                    + "[--clickhouse-port 8123] [--data-dir data] [--clickhouse-max-memory BYTES]");
            System.exit(2);
        }
        EmbeddedClickHouse clickHouse = EmbeddedClickHouse.start(dataDir.resolve("clickhouse"), clickHousePort, options);
        EmbeddedKafka kafka;
        try {
            kafka = EmbeddedKafka.start(dataDir.resolve("kafka"), kafkaPort);
        } catch (RuntimeException e) {
            clickHouse.close();
            throw e;
        }
        Object stopping = new Object();
        boolean[] stopped = {false};
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            synchronized (stopping) {
                stopped[0] = true;
            }
            kafka.close();
            clickHouse.close();
        }, "demo-services-stop"));
        System.out.println("demo services ready: Kafka " + kafka.bootstrapServers() + ", ClickHouse "
                + clickHouse.query("SELECT version()").strip() + " at " + clickHouse.httpUrl() + ", data in "
                + dataDir.toAbsolutePath());
        int exit = clickHouse.process().waitFor();
        synchronized (stopping) {
            if (stopped[0]) {
                return;
            }
        }
        System.err.println("ClickHouse exited with code " + exit + "; its log ends with:\n" + clickHouse.logTail(20));
        System.exit(exit == 0 ? 1 : exit);
    }
}
