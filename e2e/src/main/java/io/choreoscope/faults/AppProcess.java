package io.choreoscope.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import io.choreoscope.harness.FreePorts;

/**
 * choreoscope as a real, separate JVM ({@code io.choreoscope.launcher.Application} from the packaged backend, as
 * {@code ./choreoscope server} runs it), so that {@link #kill()} is a real {@code kill -9}. Its output goes to
 * {@code <dir>/app.log} (appended over restarts). No UI unless {@link #withUi()} asked for it; the demo's users
 * (viewer/viewer ...).
 */
public final class AppProcess implements AutoCloseable {
    private final Path root;
    private final Path dir;
    private final String roles;
    private final int apiPort;
    private final Map<String, String> properties;
    private final int otlpPort;
    private int uiPort;
    private Process process;

    /**
     * @param root       the checkout (holds {@code backend/target/choreoscope-backend.jar} and {@code backend/target/lib})
     * @param dir        this process's own data directory (config store, log)
     * @param roles      {@code all}, {@code collector,api}, {@code inference} ...
     * @param properties configuration as {@code -D} properties (ports are added here)
     */
    public AppProcess(Path root, Path dir, String roles, Map<String, String> properties) {
        this.root = root;
        this.dir = dir.toAbsolutePath();
        this.roles = roles;
        this.apiPort = FreePorts.one();
        this.properties = new TreeMap<>(properties);
        this.properties.put("micronaut.server.port", String.valueOf(apiPort));
        this.otlpPort = FreePorts.one();
        this.properties.put("choreoscope.otlp.port", String.valueOf(otlpPort));
        // OTLP/gRPC too: its default, 4317, is the demo's, and tests run beside a demo (e2e DemoLauncherTest).
        this.properties.put("choreoscope.otlp.grpc-port", String.valueOf(FreePorts.one()));
        this.properties.put("choreoscope.data-dir", this.dir.toString());
        this.properties.put("choreoscope.ui.enabled", "false");
        this.properties.put("choreoscope.auth.demo-users", "true");
    }

    public String apiUrl() {
        return "http://127.0.0.1:" + apiPort;
    }

    /** The OTLP/HTTP traces endpoint, where instrumented services send their spans. */
    public String otlpTracesUrl() {
        return "http://127.0.0.1:" + otlpPort + "/v1/traces";
    }

    /** Serves the web UI too, on a free port (call before {@link #start}); see {@link #uiUrl()}. */
    public synchronized AppProcess withUi() {
        uiPort = FreePorts.one();
        properties.put("choreoscope.ui.enabled", "true");
        properties.put("choreoscope.ui.port", String.valueOf(uiPort));
        return this;
    }

    /** The web UI's address, ending in {@code /}; only after {@link #withUi()}. */
    public String uiUrl() {
        if (uiPort == 0) {
            throw new IllegalStateException("no UI: call withUi() before start()");
        }
        return "http://localhost:" + uiPort + "/";
    }

    public String roles() {
        return roles;
    }

    public Path log() {
        return dir.resolve("app.log");
    }

    /** Starts the JVM (returns at once; see {@link #awaitHealthy}). */
    public synchronized void start() {
        Path jar = root.resolve("backend/target/choreoscope-backend.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: package the backend first (mvn -DskipTests package)");
        }
        try {
            Files.createDirectories(dir);
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.add("-Xmx768m");
            cmd.add("-XX:+UseParallelGC");
            properties.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
            cmd.add("-cp");
            cmd.add(jar + ":" + root.resolve("backend/target/lib") + "/*");
            cmd.add("io.choreoscope.launcher.Application");
            cmd.add("--roles=" + roles);
            process = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits until {@code /health} answers 200; throws with the log's tail when it does not in time or the JVM died. */
    public void awaitHealthy(Duration timeout) throws InterruptedException {
        ApiReader api = new ApiReader(apiUrl(), "viewer");
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (api.healthy()) {
                return;
            }
            Process p = process;
            if (p == null || !p.isAlive()) {
                throw new IllegalStateException("choreoscope (" + roles + ") exited; its log ends with:\n" + tail(40));
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("choreoscope (" + roles + ") not healthy within " + timeout + "; log:\n" + tail(40));
    }

    /** SIGKILL, no shutdown hook runs: what {@code kill -9} does. Waits until the process is gone. */
    public synchronized void kill() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
            process = null;
        }
    }

    /** SIGTERM (a clean stop: the app stores its state), SIGKILL after 60 s. */
    public synchronized void stop() throws InterruptedException {
        if (process != null) {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(30, TimeUnit.SECONDS);
            }
            process = null;
        }
    }

    /** The JVM's process ID (for its CPU time in /proc); -1 when not running. */
    public synchronized long pid() {
        return process == null ? -1 : process.pid();
    }

    public synchronized boolean alive() {
        return process != null && process.isAlive();
    }

    /** The last {@code lines} lines of the log. */
    public String tail(int lines) {
        try {
            List<String> all = Files.readAllLines(log(), java.nio.charset.StandardCharsets.ISO_8859_1);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

}
