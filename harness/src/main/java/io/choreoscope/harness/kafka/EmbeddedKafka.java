package io.choreoscope.harness.kafka;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool$;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.choreoscope.harness.FreePorts;

/**
 * A real single-node Kafka broker (KRaft, broker and controller in one node) running inside this JVM.
 * Used by tests (on a free port, temporary directory) and by the demo (on localhost:9092 with a
 * persistent directory).
 *
 * <p>Config is the one verified on these machines: replication factors 1, no initial rebalance delay,
 * so that a consumer group test does not wait 3 s for its first assignment.
 */
public final class EmbeddedKafka implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);

    private final Path logDir;
    private final int port;
    private final int controllerPort;
    private KafkaRaftServer server;

    private EmbeddedKafka(Path logDir, int port, int controllerPort) {
        this.logDir = logDir;
        this.port = port;
        this.controllerPort = controllerPort;
    }

    /**
     * Formats (if new) and starts a broker.
     *
     * @param logDir data directory; kept as it is when already formatted, so a restart keeps topics
     * @param port   client port on 127.0.0.1, or 0 for a free one
     */
    public static EmbeddedKafka start(Path logDir, int port) {
        int[] ports = port == 0 ? FreePorts.distinct(2) : new int[] {port, FreePorts.distinct(1, port)[0]};
        EmbeddedKafka kafka = new EmbeddedKafka(logDir, ports[0], ports[1]); // broker, controller
        kafka.startServer();
        return kafka;
    }

    private Properties serverProperties() {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("log.dirs", logDir.toAbsolutePath().toString());
        p.put("num.partitions", "1");
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "4");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("auto.create.topics.enable", "true");
        p.put("log.flush.interval.messages", String.valueOf(Long.MAX_VALUE));
        p.put("message.max.bytes", String.valueOf(2 * 1024 * 1024));
        return p;
    }

    private void startServer() {
        try {
            Files.createDirectories(logDir);
            Properties props = serverProperties();
            Path propsFile = logDir.resolve("server.properties");
            try (OutputStream out = Files.newOutputStream(propsFile)) {
                props.store(out, "choreoscope embedded Kafka");
            }
            if (!Files.exists(logDir.resolve("meta.properties"))) {
                ByteArrayOutputStream buf = new ByteArrayOutputStream();
                int rc = StorageTool$.MODULE$.execute(new String[] {
                        "format", "-t", Uuid.randomUuid().toString(), "-c", propsFile.toString(), "--ignore-formatted"},
                        new PrintStream(buf, true, StandardCharsets.UTF_8));
                if (rc != 0) {
                    throw new IllegalStateException("Kafka storage format failed: " + buf.toString(StandardCharsets.UTF_8));
                }
            }
            server = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
            server.startup();
            awaitReady(Duration.ofSeconds(60));
            LOG.info("Embedded Kafka listening on {} (data in {})", bootstrapServers(), logDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        RuntimeException last = null;
        while (System.nanoTime() < deadline) {
            try (Admin admin = admin()) {
                admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
                return;
            } catch (Exception e) {
                last = new IllegalStateException("Kafka not ready on " + bootstrapServers(), e);
            }
        }
        throw last != null ? last : new IllegalStateException("Kafka not ready on " + bootstrapServers());
    }

    /** {@code host:port} for clients. */
    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** An admin client; the caller closes it. */
    public Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000));
    }

    /** A byte-array producer that waits for all acknowledgements; the caller closes it. */
    public org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]> producer() {
        return new org.apache.kafka.clients.producer.KafkaProducer<>(Map.of(
                org.apache.kafka.clients.producer.ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                org.apache.kafka.clients.producer.ProducerConfig.ACKS_CONFIG, "all",
                org.apache.kafka.clients.producer.ProducerConfig.LINGER_MS_CONFIG, 5,
                org.apache.kafka.clients.producer.ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 2 * 1024 * 1024),
                new org.apache.kafka.common.serialization.ByteArraySerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer());
    }

    /** Creates topics (replication 1) and waits until they exist. Existing topics are left as they are. */
    public void createTopic(String name, int partitions) {
        try (Admin admin = admin()) {
            if (admin.listTopics().names().get(20, TimeUnit.SECONDS).contains(name)) {
                return;
            }
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("Could not create topic " + name, e);
        }
    }

    /**
     * Stops the broker cleanly and starts it again on the same ports and data (a broker restart as an operator does
     * one); returns once it answers again.
     */
    public synchronized void restart() {
        close();
        startServer();
    }

    @Override
    public synchronized void close() {
        if (server != null) {
            server.shutdown();
            server.awaitShutdown();
            server = null;
        }
    }

}
