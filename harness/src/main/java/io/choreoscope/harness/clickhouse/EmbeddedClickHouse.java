package io.choreoscope.harness.clickhouse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.choreoscope.harness.FreePorts;

/**
 * A real ClickHouse (chDB 26.7, the engine of {@code libchdb.so}) served over HTTP by the small native
 * process {@code chdb-host}, for tests and the demo. No Docker needed.
 *
 * <p>Where the pieces come from (first match wins):
 * <ul>
 *   <li>host binary: system property {@value #HOST_PROPERTY}, env {@code CHOREOSCOPE_CHDB_HOST},
 *       else {@code <cache>/bin/chdb-host};</li>
 *   <li>library: system property {@value #LIBRARY_PROPERTY}, env {@code CHOREOSCOPE_CHDB_LIBRARY},
 *       else {@code <cache>/chdb/node_modules/@chdb/lib-linux-x64-gnu/libchdb.so};</li>
 *   <li>{@code <cache>}: system property {@value #CACHE_PROPERTY}, env {@code CHOREOSCOPE_CACHE},
 *       else {@code ~/.cache/choreoscope}.</li>
 * </ul>
 * If the host or the library is missing, or the host is older than {@code harness/src/main/c/chdb_host.c},
 * and {@code scripts/install-clickhouse.sh} is found in the working directory or above it (as in a
 * checkout), that script is run first (npm download ~540 MB once, then gcc). Otherwise start fails
 * and says to run the script.
 *
 * <p>Lifecycle: {@link #start(Path, int)} launches and waits for {@code /ping}; {@link #stop()} ends the
 * process (SIGTERM, then SIGKILL) and keeps the data; {@link #restart()} starts again on the same data
 * directory and port, so tests can make ClickHouse unreachable for a while and bring it back with its
 * data. {@link #pause()}/{@link #resume()} freeze the process instead (SIGSTOP/SIGCONT): connections
 * are accepted by the kernel but never answered, the "hanging server" kind of outage. The process also
 * ends by itself within about a second when the JVM that started it dies.
 *
 * <p>Output of the process goes to {@code chdb-host.log} in the data directory.
 */
public final class EmbeddedClickHouse implements AutoCloseable {

    public static final String CACHE_PROPERTY = "choreoscope.cache";
    public static final String HOST_PROPERTY = "choreoscope.clickhouse.host-binary";
    public static final String LIBRARY_PROPERTY = "choreoscope.clickhouse.library";
    public static final String LOG_FILE_NAME = "chdb-host.log";
    public static final String CONFIG_FILE_NAME = "chdb-host.xml";
    static final String MIN_FREE_MEMORY_PER_THREAD_SETTING = "max_threads_min_free_memory_per_thread";
    static final String LIBRARY_RELATIVE = "chdb/node_modules/@chdb/lib-linux-x64-gnu/libchdb.so";
    static final String INSTALL_SCRIPT = "scripts/install-clickhouse.sh";
    static final String HOST_SOURCE = "harness/src/main/c/chdb_host.c";

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedClickHouse.class);
    private static final String LOOPBACK = "127.0.0.1";

    /**
     * How the engine is run.
     *
     * @param maxServerMemoryBytes ClickHouse {@code max_server_memory_usage} (0 = ClickHouse default, 90% of RAM)
     * @param startTimeout how long to wait for {@code /ping} to answer
     * @param extraArguments passed to ClickHouse as they are, e.g. {@code --max_threads=2} (query settings
     *     given this way apply to HTTP sessions too); server settings go through {@code configXml}
     * @param configXml extra elements inside {@code <clickhouse>} of the generated config file, may be empty
     * @param tcpPort the native protocol's port on loopback (0: none). chDB serves only HTTP by itself; with a port
     *     given, the engine is told {@code SYSTEM START LISTEN TCP} once it answers {@code /ping}, after every (re)start.
     *     {@code Distributed} tables and {@code remote()} reach their shards over this protocol ({@link ClickHouseCluster}).
     */
    public record Options(long maxServerMemoryBytes, Duration startTimeout, List<String> extraArguments,
                          String configXml, int tcpPort) {
        public Options {
            Objects.requireNonNull(startTimeout, "startTimeout");
            extraArguments = List.copyOf(extraArguments);
            configXml = configXml == null ? "" : configXml;
            if (tcpPort < 0 || tcpPort > 65535) {
                throw new IllegalArgumentException("tcpPort must be 0..65535, was " + tcpPort);
            }
        }

        /** 2 GiB server memory cap, 60 s start timeout, nothing extra, HTTP only. */
        public static Options defaults() {
            return new Options(2L << 30, Duration.ofSeconds(60), List.of(), "", 0);
        }

        public Options withMaxServerMemoryBytes(long bytes) {
            return new Options(bytes, startTimeout, extraArguments, configXml, tcpPort);
        }

        public Options withStartTimeout(Duration timeout) {
            return new Options(maxServerMemoryBytes, timeout, extraArguments, configXml, tcpPort);
        }

        public Options withExtraArguments(List<String> arguments) {
            return new Options(maxServerMemoryBytes, startTimeout, arguments, configXml, tcpPort);
        }

        public Options withConfigXml(String xml) {
            return new Options(maxServerMemoryBytes, startTimeout, extraArguments, xml, tcpPort);
        }

        public Options withTcpPort(int port) {
            return new Options(maxServerMemoryBytes, startTimeout, extraArguments, configXml, port);
        }
    }

    private final Path dataDir;
    private final int httpPort;
    private final Options options;
    private final Path hostBinary;
    private final Path library;
    private final HttpClient http = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(2))
            .version(HttpClient.Version.HTTP_1_1)
            .build();
    private Process process;
    /** The process {@link #stop()} is ending: its exit is expected, any other exit is logged as a failure. */
    private volatile Process stopping;
    private Thread shutdownHook;
    private boolean paused;
    private Duration lastStartDuration = Duration.ZERO;

    private EmbeddedClickHouse(Path dataDir, int httpPort, Options options, Path hostBinary, Path library) {
        this.dataDir = dataDir;
        this.httpPort = httpPort;
        this.options = options;
        this.hostBinary = hostBinary;
        this.library = library;
    }

    /** Starts ClickHouse on {@code dataDir} (created if needed), HTTP on {@code httpPort} (0 = a free port). */
    public static EmbeddedClickHouse start(Path dataDir, int httpPort) {
        return start(dataDir, httpPort, Options.defaults());
    }

    public static EmbeddedClickHouse start(Path dataDir, int httpPort, Options options) {
        Path[] binaries = locateOrInstall();
        int port = httpPort == 0 ? FreePorts.one() : httpPort;
        EmbeddedClickHouse engine = new EmbeddedClickHouse(dataDir.toAbsolutePath().normalize(), port, options,
                binaries[0], binaries[1]);
        engine.launch();
        return engine;
    }

    public int httpPort() {
        return httpPort;
    }

    /** The native protocol's port, 0 when the engine serves HTTP only ({@link Options#tcpPort()}). */
    public int tcpPort() {
        return options.tcpPort();
    }

    /** {@code http://127.0.0.1:PORT} (no trailing slash). */
    public String httpUrl() {
        return "http://" + LOOPBACK + ":" + httpPort;
    }

    /** clickhouse-jdbc 0.9.x URL of the {@code default} database. */
    public String jdbcUrl() {
        return jdbcUrl("default");
    }

    public String jdbcUrl(String database) {
        return "jdbc:clickhouse://" + LOOPBACK + ":" + httpPort + "/" + database;
    }

    /**
     * Properties for {@code DriverManager.getConnection(jdbcUrl(), jdbcProperties())}: user {@code default}
     * with an empty password. Needed because clickhouse-jdbc 0.9.9 sends the password "null" when none is
     * given (also with {@code ?password=} in the URL), which ClickHouse refuses.
     */
    public java.util.Properties jdbcProperties() {
        java.util.Properties properties = new java.util.Properties();
        properties.setProperty("user", "default");
        properties.setProperty("password", "");
        return properties;
    }

    /** A JDBC connection to {@code database} (clickhouse-jdbc must be on the classpath). */
    public java.sql.Connection jdbcConnection(String database) throws java.sql.SQLException {
        return java.sql.DriverManager.getConnection(jdbcUrl(database), jdbcProperties());
    }

    /** A JDBC connection to the {@code default} database (clickhouse-jdbc must be on the classpath). */
    public java.sql.Connection jdbcConnection() throws java.sql.SQLException {
        return jdbcConnection("default");
    }

    public Path dataDir() {
        return dataDir;
    }

    public Path logFile() {
        return dataDir.resolve(LOG_FILE_NAME);
    }

    /** How long the last (re)start took until {@code /ping} answered. */
    public synchronized Duration lastStartDuration() {
        return lastStartDuration;
    }

    /** Process id of the running host, -1 when stopped. */
    public synchronized long pid() {
        return process != null && process.isAlive() ? process.pid() : -1;
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Ends the engine process (SIGTERM, then SIGKILL after 10 s) and waits for it. The data stays. */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        if (paused) {
            signal("CONT");
            paused = false;
        }
        stopping = process;
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                LOG.warn("ClickHouse pid {} ignored SIGTERM for 10 s, killing it", process.pid());
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        process = null;
        removeShutdownHook();
    }

    /** Starts the engine again on the same data directory and port (stops it first if it runs). */
    public synchronized void restart() {
        stop();
        launch();
    }

    /** Freezes the process (SIGSTOP): the port accepts connections that are never answered. */
    public synchronized void pause() {
        requireRunning();
        signal("STOP");
        paused = true;
    }

    /** Undoes {@link #pause()} (SIGCONT). */
    public synchronized void resume() {
        requireRunning();
        signal("CONT");
        paused = false;
    }

    @Override
    public void close() {
        stop();
    }

    /**
     * Runs one statement through the HTTP interface and returns the response body (for SELECTs add a
     * FORMAT clause, e.g. {@code FORMAT TSV}; the default is TabSeparated).
     *
     * @throws IllegalStateException with ClickHouse's message when the statement fails
     */
    public String query(String sql) {
        return query(sql, null);
    }

    /** Like {@link #query(String)}, with {@code database} as the default database (null: {@code default}). */
    public String query(String sql, String database) {
        String url = httpUrl() + "/" + (database == null ? ""
                : "?database=" + java.net.URLEncoder.encode(database, StandardCharsets.UTF_8));
        HttpRequest request = HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofString(sql, StandardCharsets.UTF_8))
                .build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            if (response.statusCode() != 200) {
                throw new IllegalStateException("ClickHouse answered " + response.statusCode() + " to `" + sql + "`: "
                        + response.body().strip());
            }
            return response.body();
        } catch (IOException e) {
            throw new UncheckedIOException("ClickHouse at " + httpUrl() + " not reachable" + exitedWhy(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * When the engine's process is gone without {@link #stop()}, what it left (its exit code and the end of its log,
     * which goes with the data directory when a test's cluster is closed); empty while it runs or when it was stopped.
     */
    private synchronized String exitedWhy() {
        if (process == null || process.isAlive()) {
            return "";
        }
        return ": its process " + process.pid() + " exited with code " + process.exitValue() + ". Log " + logFile()
                + " ends with:\n" + logTail(30);
    }

    /**
     * An engine that dies under a test (a crash, a kill from outside) is logged at once with its exit code and its log's
     * end: the tests that fail after it only see connections refused, and the log is deleted with a test cluster.
     */
    private void reportAnExitNotAskedFor(Process started) {
        started.onExit().thenAccept(ended -> {
            if (ended != stopping) {
                LOG.error("ClickHouse pid {} at {} exited with code {} without being stopped. Log {} ends with:\n{}",
                        ended.pid(), httpUrl(), ended.exitValue(), logFile(), logTail(40));
            }
        });
    }

    /** Creates a database with a unique name starting with {@code prefix} and returns the name. */
    public String createDatabase(String prefix) {
        String name = uniqueDatabaseName(prefix);
        query("CREATE DATABASE " + name);
        return name;
    }

    /** A new database name starting with {@code prefix} (made an identifier). */
    static String uniqueDatabaseName(String prefix) {
        return prefix.replaceAll("[^A-Za-z0-9_]", "_").toLowerCase(Locale.ROOT) + "_"
                + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    /** Last {@code lines} lines of the process log. */
    public String logTail(int lines) {
        try {
            if (!Files.exists(logFile())) {
                return "(no log file " + logFile() + ")";
            }
            List<String> all = Files.readAllLines(logFile(), StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(cannot read " + logFile() + ": " + e + ")";
        }
    }

    @Override
    public String toString() {
        return "EmbeddedClickHouse[" + httpUrl() + ", data " + dataDir + ", pid " + pid() + "]";
    }

    // ---------------------------------------------------------------------------------------------

    private synchronized void launch() {
        if (isRunning()) {
            return;
        }
        requirePortFree();
        long began = System.nanoTime();
        try {
            Files.createDirectories(dataDir);
            Path config = dataDir.resolve(CONFIG_FILE_NAME);
            Files.writeString(config, configXml(), StandardCharsets.UTF_8);
            List<String> command = new ArrayList<>(List.of(hostBinary.toString(), library.toString(),
                    dataDir.toString(), Integer.toString(httpPort), "--config-file=" + config));
            if (options.tcpPort() > 0) {
                command.add("--tcp_port=" + options.tcpPort());
            }
            command.addAll(threadsKeptUnderTheCap(options));
            command.addAll(options.extraArguments());
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile()))
                    .redirectErrorStream(true);
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + hostBinary, e);
        }
        addShutdownHook();
        awaitPing(began); // an exit before the engine answers is reported by the failure to start
        reportAnExitNotAskedFor(process);
        if (options.tcpPort() > 0) {
            // chDB starts no listener but the one its serving query starts (HTTP); the native one on request.
            query("SYSTEM START LISTEN TCP");
        }
        lastStartDuration = Duration.ofNanos(System.nanoTime() - began);
        LOG.info("ClickHouse ready at {} in {} ms (pid {}, data {})", httpUrl(), lastStartDuration.toMillis(),
                process.pid(), dataDir);
    }

    /**
     * ClickHouse 26.x lowers a query's {@code max_threads} to N where N times
     * {@value #MIN_FREE_MEMORY_PER_THREAD_SETTING} (default 1 GiB) fits in the memory still free under
     * {@code max_server_memory_usage}. Under the default 2 GiB cap, with the caches filled, that is one thread: every
     * read of the embedded engine ran on one of the two cores (a day's value search at 100M events: 3.3 s on one core,
     * 1.7 s on two). The per-thread reserve is scaled to the cap instead (a sixteenth of it, 128 MiB under 2 GiB), so a
     * query still runs on fewer threads when memory is really short. Left alone without a cap, or when the caller passes
     * the setting itself.
     */
    static List<String> threadsKeptUnderTheCap(Options options) {
        String option = "--" + MIN_FREE_MEMORY_PER_THREAD_SETTING + "=";
        if (options.maxServerMemoryBytes() <= 0 || options.extraArguments().stream().anyMatch(a -> a.startsWith(option))) {
            return List.of();
        }
        return List.of(option + options.maxServerMemoryBytes() / 16);
    }

    private String configXml() {
        StringBuilder xml = new StringBuilder("<clickhouse>\n");
        if (options.maxServerMemoryBytes() > 0) {
            xml.append("  <max_server_memory_usage>").append(options.maxServerMemoryBytes())
                    .append("</max_server_memory_usage>\n");
        }
        xml.append(options.configXml()).append("\n</clickhouse>\n");
        return xml.toString();
    }

    private void awaitPing(long began) {
        long deadline = began + options.startTimeout().toNanos();
        HttpRequest ping = HttpRequest.newBuilder(URI.create(httpUrl() + "/ping")).timeout(Duration.ofSeconds(2)).GET().build();
        while (true) {
            if (!process.isAlive()) {
                int exit = process.exitValue();
                process = null;
                removeShutdownHook();
                throw new IllegalStateException("ClickHouse host exited with code " + exit + " before answering /ping on "
                        + httpUrl() + ". Log " + logFile() + " ends with:\n" + logTail(30));
            }
            try {
                HttpResponse<String> response = http.send(ping, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200 && response.body().startsWith("Ok.")) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stop();
                throw new IllegalStateException("interrupted while waiting for ClickHouse", e);
            }
            if (System.nanoTime() > deadline) {
                String tail = logTail(30);
                stop();
                throw new IllegalStateException("ClickHouse did not answer " + httpUrl() + "/ping within "
                        + options.startTimeout().toSeconds() + " s. Log " + logFile() + " ends with:\n" + tail);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stop();
                throw new IllegalStateException("interrupted while waiting for ClickHouse", e);
            }
        }
    }

    /** A ClickHouse still on the port (ours from before, or someone else's) would answer our pings. */
    private void requirePortFree() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try (ServerSocket socket = new ServerSocket(httpPort, 1, InetAddress.getByName(LOOPBACK))) {
                socket.setReuseAddress(true);
                return;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("port " + httpPort + " on " + LOOPBACK + " is in use, cannot start ClickHouse there", e);
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", ie);
                }
            }
        }
    }

    private void requireRunning() {
        if (!isRunning()) {
            throw new IllegalStateException("ClickHouse is not running: " + this);
        }
    }

    private void signal(String name) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid()))
                    .redirectErrorStream(true).start();
            String out = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (kill.waitFor() != 0) {
                throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed: " + out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private void addShutdownHook() {
        Process running = process;
        shutdownHook = new Thread(() -> {
            stopping = running;
            running.descendants().forEach(ProcessHandle::destroyForcibly);
            running.destroyForcibly();
        }, "clickhouse-shutdown-" + httpPort);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
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

    // --- locating and installing the engine ------------------------------------------------------

    static Path cacheDir() {
        String configured = setting(CACHE_PROPERTY, "CHOREOSCOPE_CACHE");
        return configured != null ? Paths.get(configured)
                : Paths.get(System.getProperty("user.home"), ".cache", "choreoscope");
    }

    private static Path[] locateOrInstall() {
        Path cache = cacheDir();
        String hostSetting = setting(HOST_PROPERTY, "CHOREOSCOPE_CHDB_HOST");
        String librarySetting = setting(LIBRARY_PROPERTY, "CHOREOSCOPE_CHDB_LIBRARY");
        Path host = hostSetting != null ? Paths.get(hostSetting) : cache.resolve("bin/chdb-host");
        Path library = librarySetting != null ? Paths.get(librarySetting) : cache.resolve(LIBRARY_RELATIVE);

        Path script = findUpward(INSTALL_SCRIPT);
        boolean missing = !Files.isExecutable(host) || !Files.isRegularFile(library);
        boolean stale = script != null && hostSetting == null && isNewer(script.getParent().getParent().resolve(HOST_SOURCE), host);
        if ((missing || stale) && script != null) {
            runInstaller(script, cache);
        }
        if (!Files.isExecutable(host) || !Files.isRegularFile(library)) {
            throw new IllegalStateException("ClickHouse engine not installed: need host " + host + " and library "
                    + library + ". Run scripts/install-clickhouse.sh from a choreoscope checkout (set "
                    + "CHOREOSCOPE_CACHE to install elsewhere), or point -D" + HOST_PROPERTY + " and -D"
                    + LIBRARY_PROPERTY + " at them.");
        }
        return new Path[] {host, library};
    }

    private static boolean isNewer(Path source, Path target) {
        try {
            return Files.exists(source) && Files.exists(target)
                    && Files.getLastModifiedTime(source).compareTo(Files.getLastModifiedTime(target)) > 0;
        } catch (IOException e) {
            return false;
        }
    }

    private static void runInstaller(Path script, Path cache) {
        LOG.info("Installing the ClickHouse engine with {} into {}", script, cache);
        try {
            Path log = Files.createTempFile("install-clickhouse-", ".log");
            ProcessBuilder builder = new ProcessBuilder("bash", script.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            builder.environment().put("CHOREOSCOPE_CACHE", cache.toString());
            Process installer = builder.start();
            if (!installer.waitFor(15, TimeUnit.MINUTES)) {
                installer.destroyForcibly();
                throw new IllegalStateException(script + " did not finish within 15 minutes, see " + log);
            }
            String output = Files.readString(log, StandardCharsets.UTF_8);
            if (installer.exitValue() != 0) {
                throw new IllegalStateException(script + " failed with code " + installer.exitValue() + ":\n" + output);
            }
            LOG.info("{}", output.strip());
            Files.deleteIfExists(log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + script, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while installing ClickHouse", e);
        }
    }

    private static Path findUpward(String relative) {
        for (Path dir = Paths.get("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(relative);
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    private static String setting(String property, String env) {
        String value = System.getProperty(property);
        if (value == null || value.isBlank()) {
            value = System.getenv(env);
        }
        return value == null || value.isBlank() ? null : value;
    }



    /** The running host process, for {@link io.choreoscope.harness.DemoServices} to wait on. */
    public synchronized Process process() {
        return process;
    }
}
