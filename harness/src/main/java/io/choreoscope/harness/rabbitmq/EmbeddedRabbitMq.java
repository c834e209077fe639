package io.choreoscope.harness.rabbitmq;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import io.choreoscope.harness.FreePorts;
import io.choreoscope.harness.TempDirs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real RabbitMQ broker from the operating system's package (Debian {@code rabbitmq-server}), for tests, CI and the
 * demo. No Docker: the broker runs as a plain process ({@code /usr/lib/rabbitmq/bin/rabbitmq-server -detached}) with
 * its own {@code HOME} (the Erlang cookie lives there), its own epmd port and node name, every listener on 127.0.0.1,
 * the management plugin on, and all data and logs under one directory.
 *
 * <p>Binaries: system property {@value #BIN_DIR_PROPERTY}, env {@code CHOREOSCOPE_RABBITMQ_BIN}, else
 * {@code /usr/lib/rabbitmq/bin}; when missing, start fails and says to run {@code scripts/install-test-deps.sh}.
 *
 * <p>The Erlang VM is started with {@code +sbwt none} (no scheduler busy-waiting: the machine has 2 shared cores).
 * User {@code guest}/{@code guest} (RabbitMQ's default, loopback only). Start takes 7-12 s and costs 135-160 MB RSS.
 *
 * <p>Lifecycle: {@link #start()} returns once the broker and its plugins run (at most 120 s); {@link #close()} stops
 * it (SIGTERM, which the Erlang VM turns into a clean stop; forced after 20 s), kills its epmd and deletes a temporary
 * directory. A JVM shutdown hook does the same if the run ends without closing it. {@link #stopApp()} and
 * {@link #startApp()} take the broker down and up again in place (listeners closed, data kept), for outage tests.
 */
public final class EmbeddedRabbitMq implements AutoCloseable {
    public static final String BIN_DIR_PROPERTY = "choreoscope.rabbitmq.bin-dir";
    public static final String USER = "guest";
    public static final String PASSWORD = "guest";
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedRabbitMq.class);
    private static final String LOOPBACK = "127.0.0.1";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);

    private final Path binDir;
    private final Path dir;
    private final boolean temporary;
    private final int amqpPort;
    private final int managementPort;
    private final int epmdPort;
    private final int distPort;
    private final String nodeName;
    private final HttpClient http = HttpClient.newBuilder()
            // HTTP/1.1: the JDK client otherwise offers an h2c upgrade, which the management plugin (cowboy) answers
            // by closing the connection on requests with a body.
            .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private Thread shutdownHook;
    private volatile boolean running;

    private EmbeddedRabbitMq(Path binDir, Path dir, boolean temporary, int amqpPort, int managementPort) {
        this.binDir = binDir;
        this.dir = dir;
        this.temporary = temporary;
        this.amqpPort = amqpPort;
        this.managementPort = managementPort;
        int[] own = FreePorts.distinct(2, amqpPort, managementPort);
        this.epmdPort = own[0];
        this.distPort = own[1];
        this.nodeName = "choreoscope" + amqpPort + "@localhost";
    }

    /**
     * Starts a broker on free ports with a new temporary directory, deleted on {@link #close()}. A start that fails
     * (a port taken between being found free and being bound: the broker, started detached, then dies before it logs
     * anything) is tried once more on other ports and a new directory; the first failure is logged.
     */
    public static EmbeddedRabbitMq start() {
        try {
            return startOnFreePorts();
        } catch (IllegalStateException first) {
            LOG.warn("RabbitMQ did not start, trying once more on other ports: {}", first.getMessage());
            return startOnFreePorts();
        }
    }

    private static EmbeddedRabbitMq startOnFreePorts() {
        EmbeddedRabbitMq r;
        try {
            int[] ports = FreePorts.distinct(2);
            r = new EmbeddedRabbitMq(locateBinaries(), Files.createTempDirectory("choreoscope-rabbitmq-"), true, ports[0], ports[1]);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the RabbitMQ directory", e);
        }
        try {
            r.startBroker();
            return r;
        } catch (RuntimeException e) {
            try {
                TempDirs.deleteRecursively(r.dir);
            } catch (IOException | RuntimeException ignored) {
                // a leftover temporary directory; the failure is what matters
            }
            throw e;
        }
    }

    /**
     * Starts a broker on the given ports keeping its data in {@code dir} across runs (the demo: 5672 and 15672).
     * The directory is kept on {@link #close()}.
     */
    public static EmbeddedRabbitMq start(Path dir, int amqpPort, int managementPort) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
        EmbeddedRabbitMq r = new EmbeddedRabbitMq(locateBinaries(), dir.toAbsolutePath(), false, amqpPort, managementPort);
        r.startBroker();
        return r;
    }

    public int amqpPort() {
        return amqpPort;
    }

    public int managementPort() {
        return managementPort;
    }

    /** {@code amqp://guest:guest@127.0.0.1:<port>/%2F} (the default virtual host, {@code /}). */
    public String amqpUri() {
        return "amqp://" + USER + ":" + PASSWORD + "@" + LOOPBACK + ":" + amqpPort + "/%2F";
    }

    /** {@code http://127.0.0.1:<port>} , the management plugin's base address (the API is under {@code /api}). */
    public String managementUrl() {
        return "http://" + LOOPBACK + ":" + managementPort;
    }

    /** The broker's OS process ID (the Erlang VM), for measuring its CPU time. */
    public long pid() {
        try {
            return Long.parseLong(Files.readString(pidFile()).strip());
        } catch (IOException | NumberFormatException e) {
            throw new IllegalStateException("no readable pid file " + pidFile(), e);
        }
    }

    public String nodeName() {
        return nodeName;
    }

    /** Last {@code lines} lines of the broker log. */
    public String logTail(int lines) {
        try (var files = Files.list(dir.resolve("log"))) {
            Optional<Path> log = files.filter(p -> p.getFileName().toString().endsWith(".log")).findFirst();
            if (log.isEmpty()) {
                return "(no log)";
            }
            List<String> all = Files.readAllLines(log.get(), StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(cannot read the log: " + e.getMessage() + ")";
        }
    }

    /** Runs {@code rabbitmqctl -n <node> args...} and returns its output; fails on a non-zero exit. */
    public String ctl(String... args) {
        List<String> cmd = new ArrayList<>(List.of(bin("rabbitmqctl"), "-n", nodeName));
        cmd.addAll(List.of(args));
        return run(cmd, Duration.ofSeconds(60));
    }

    /** Stops the RabbitMQ application (every listener closes, clients lose their connections); the node stays up. */
    public void stopApp() {
        ctl("stop_app");
    }

    /** Starts the RabbitMQ application again after {@link #stopApp()}; returns once it accepts connections. */
    public void startApp() {
        ctl("start_app");
        ctl("await_startup", "--timeout", "60");
    }

    /**
     * Calls the management API: {@code method} on {@code path} (below {@code /api}, already encoded) with a JSON body
     * or null. Returns the response body; fails on a status of 400 or more.
     */
    public String management(String method, String path, String jsonBody) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(managementUrl() + "/api" + path))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Basic " + Base64.getEncoder()
                        .encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8)))
                .header("Content-Type", "application/json");
        b.method(method, jsonBody == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(jsonBody));
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() >= 400) {
                throw new IllegalStateException(method + " " + path + " answered " + r.statusCode() + ": " + r.body());
            }
            return r.body();
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Creates a virtual host where {@code guest} may do everything; tests keep apart by using one each. */
    public void createVhost(String vhost) {
        management("PUT", "/vhosts/" + segment(vhost), "{}");
        management("PUT", "/permissions/" + segment(vhost) + "/" + USER, "{\"configure\":\".*\",\"write\":\".*\",\"read\":\".*\"}");
    }

    /** An AMQP URI of {@code vhost} (guest/guest). */
    public String amqpUri(String vhost) {
        return "amqp://" + USER + ":" + PASSWORD + "@" + LOOPBACK + ":" + amqpPort + "/" + segment(vhost);
    }

    /** A path segment for the management API (a virtual host, exchange or queue name). */
    public static String segment(String name) {
        return URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** Stops the broker, kills its epmd and deletes a temporary directory. */
    @Override
    public synchronized void close() {
        if (running) {
            stopBroker();
            removeShutdownHook();
        }
        if (temporary) {
            try {
                TempDirs.deleteRecursively(dir);
            } catch (IOException e) {
                LOG.warn("Could not delete {}: {}", dir, e.getMessage());
            }
        }
    }

    @Override
    public String toString() {
        return "EmbeddedRabbitMq[amqp " + LOOPBACK + ":" + amqpPort + ", management " + managementPort + ", " + dir + "]";
    }

    // ---------------------------------------------------------------------------------------------

    private synchronized void startBroker() {
        try {
            Files.createDirectories(dir.resolve("log"));
            Files.writeString(dir.resolve("rabbitmq.conf"), String.join("\n",
                    "listeners.tcp.default = " + LOOPBACK + ":" + amqpPort,
                    "management.tcp.port = " + managementPort,
                    "management.tcp.ip = " + LOOPBACK,
                    // Tests and the demo publish in bursts on a shared machine: no flow-control surprises from disk.
                    "disk_free_limit.absolute = 50MB",
                    "vm_memory_high_watermark.relative = 0.6",
                    ""));
            Files.writeString(dir.resolve("enabled_plugins"), "[rabbitmq_management].\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the RabbitMQ configuration", e);
        }
        long began = System.nanoTime();
        run(List.of(bin("rabbitmq-server"), "-detached"), Duration.ofSeconds(60));
        running = true;
        shutdownHook = new Thread(this::stopBroker, "rabbitmq-shutdown-" + amqpPort);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        try {
            run(List.of(bin("rabbitmqctl"), "-n", nodeName, "wait", "--timeout", Long.toString(START_TIMEOUT.toSeconds()),
                    pidFile().toString()), START_TIMEOUT.plusSeconds(10));
        } catch (IllegalStateException e) {
            stopBroker();
            removeShutdownHook();
            throw new IllegalStateException(e.getMessage() + "\nBroker log ends with:\n" + logTail(30), e);
        }
        LOG.info("RabbitMQ ready at {} (management {}) in {} ms, data {}", amqpUri().replace(PASSWORD + "@", "***@"),
                managementUrl(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began), dir);
    }

    private Path pidFile() {
        return dir.resolve("rabbitmq.pid");
    }

    private void stopBroker() {
        if (!running) {
            return;
        }
        running = false;
        try {
            long pid = Long.parseLong(Files.readString(pidFile()).strip());
            Optional<ProcessHandle> beam = ProcessHandle.of(pid);
            if (beam.isPresent()) {
                // SIGTERM: the Erlang VM (OTP 20+) stops the node cleanly, as `rabbitmqctl stop` does, without
                // starting another VM for the CLI.
                beam.get().destroy();
                try {
                    beam.get().onExit().get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (Exception timeout) {
                    LOG.warn("RabbitMQ {} did not stop within {} s; killing it", nodeName, STOP_TIMEOUT.toSeconds());
                    beam.get().destroyForcibly();
                }
            }
        } catch (IOException | NumberFormatException e) {
            LOG.warn("No readable pid file for RabbitMQ {} ({}); trying rabbitmqctl stop", nodeName, e.toString());
            try {
                ctl("stop");
            } catch (RuntimeException ctlFailed) {
                LOG.warn("rabbitmqctl stop failed: {}", ctlFailed.getMessage());
            }
        }
        try {
            // The node's epmd outlives it; it listens on this broker's own port only.
            run(List.of("epmd", "-kill"), Duration.ofSeconds(10));
        } catch (RuntimeException e) {
            LOG.debug("epmd -kill: {}", e.getMessage());
        }
    }

    private void removeShutdownHook() {
        if (shutdownHook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs or has run
            }
            shutdownHook = null;
        }
    }

    private String bin(String name) {
        return binDir.resolve(name).toString();
    }

    private Map<String, String> environment() {
        Map<String, String> env = new HashMap<>();
        env.put("HOME", dir.toString());
        env.put("ERL_EPMD_PORT", Integer.toString(epmdPort));
        env.put("ERL_EPMD_ADDRESS", LOOPBACK);
        env.put("RABBITMQ_NODENAME", nodeName);
        env.put("RABBITMQ_NODE_IP_ADDRESS", LOOPBACK);
        env.put("RABBITMQ_NODE_PORT", Integer.toString(amqpPort));
        env.put("RABBITMQ_DIST_PORT", Integer.toString(distPort));
        env.put("RABBITMQ_MNESIA_BASE", dir.resolve("mnesia").toString());
        env.put("RABBITMQ_LOG_BASE", dir.resolve("log").toString());
        env.put("RABBITMQ_CONFIG_FILE", dir.resolve("rabbitmq.conf").toString());
        env.put("RABBITMQ_ENABLED_PLUGINS_FILE", dir.resolve("enabled_plugins").toString());
        env.put("RABBITMQ_PID_FILE", pidFile().toString());
        env.put("RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS",
                "+sbwt none +sbwtdcpu none +sbwtdio none -kernel inet_dist_use_interface {127,0,0,1}");
        return env;
    }

    /** Runs a command with the broker's environment; fails with its output on a non-zero exit or timeout. */
    private String run(List<String> command, Duration timeout) {
        try {
            Path out = Files.createTempFile("choreoscope-rabbitcmd-", ".out");
            try {
                ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                        .redirectOutput(out.toFile()).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
                pb.environment().putAll(environment());
                Process p = pb.start();
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly();
                    throw new IllegalStateException("`" + String.join(" ", command) + "` did not finish within "
                            + timeout.toSeconds() + " s:\n" + Files.readString(out));
                }
                String output = Files.readString(out);
                if (p.exitValue() != 0) {
                    throw new IllegalStateException("`" + String.join(" ", command) + "` failed with exit code "
                            + p.exitValue() + ":\n" + output);
                }
                return output;
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command, e);
        }
    }

    static Path locateBinaries() {
        String configured = System.getProperty(BIN_DIR_PROPERTY, System.getenv("CHOREOSCOPE_RABBITMQ_BIN"));
        Path dir = configured != null && !configured.isBlank() ? Paths.get(configured) : Paths.get("/usr/lib/rabbitmq/bin");
        if (!Files.isExecutable(dir.resolve("rabbitmq-server"))) {
            throw new IllegalStateException("RabbitMQ is not installed: no executable rabbitmq-server in " + dir
                    + ". Run scripts/install-test-deps.sh (installs Debian's rabbitmq-server), or point "
                    + BIN_DIR_PROPERTY + " / CHOREOSCOPE_RABBITMQ_BIN at its bin directory.");
        }
        return dir;
    }
}
