package io.choreoscope.harness.postgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.choreoscope.harness.FreePorts;

/**
 * A real PostgreSQL server from the operating system's package (Debian {@code postgresql}), for tests
 * and CI. No Docker: {@code initdb} into a fresh temporary directory, then {@code pg_ctl start} on a
 * free port of 127.0.0.1, trust authentication for the superuser {@value #SUPERUSER}, the Unix socket
 * inside the data directory (so nothing is written to {@code /var/run/postgresql}).
 *
 * <p>Where the binaries come from (first match wins): system property {@value #BIN_DIR_PROPERTY}, env
 * {@code CHOREOSCOPE_POSTGRES_BIN}, else the newest {@code /usr/lib/postgresql/<version>/bin}. When they
 * are missing, start fails and says to run {@code scripts/install-test-deps.sh}.
 *
 * <p>PostgreSQL refuses to run as root. When the JVM runs as root, every command is run through
 * {@code runuser -u <os user> --}, the OS user being system property {@value #OS_USER_PROPERTY} or
 * {@code postgres} (created by the Debian package); the data directory is handed to that user.
 * Otherwise commands run as the JVM's own user.
 *
 * <p>Lifecycle: {@link #start()} returns once the server accepts connections (at most 60 s);
 * {@link #close()} stops it ({@code pg_ctl stop -m fast}, which disconnects clients) and deletes the
 * data directory. A JVM shutdown hook does the same if the test run ends without closing it. Server
 * log: {@code postgres.log} in the data directory.
 */
public final class EmbeddedPostgres implements AutoCloseable {
    public static final String BIN_DIR_PROPERTY = "choreoscope.postgres.bin-dir";
    public static final String OS_USER_PROPERTY = "choreoscope.postgres.os-user";
    public static final String SUPERUSER = "postgres";
    static final String LOG_FILE_NAME = "postgres.log";
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPostgres.class);
    private static final String LOOPBACK = "127.0.0.1";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final Path binDir;
    private final Path dataDir;
    private final int port;
    private final String osUser;
    private Thread shutdownHook;
    private boolean running;

    private EmbeddedPostgres(Path binDir, Path dataDir, int port, String osUser) {
        this.binDir = binDir;
        this.dataDir = dataDir;
        this.port = port;
        this.osUser = osUser;
    }

    /** Initialises a cluster in a new temporary directory and starts it on a free port. */
    public static EmbeddedPostgres start() {
        Path bin = locateBinaries();
        String osUser = runningAsRoot() ? System.getProperty(OS_USER_PROPERTY, "postgres") : null;
        try {
            Path dir = Files.createTempDirectory("choreoscope-postgres-");
            if (osUser != null) {
                UserPrincipal owner;
                try {
                    owner = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(osUser);
                } catch (IOException e) {
                    throw new IllegalStateException("Running as root, PostgreSQL must run as another OS user, and '"
                            + osUser + "' does not exist. Install Debian's postgresql package (it creates the user "
                            + "'postgres'; scripts/install-test-deps.sh does), or name a user with -D" + OS_USER_PROPERTY, e);
                }
                Files.setOwner(dir, owner);
            }
            EmbeddedPostgres pg = new EmbeddedPostgres(bin, dir, FreePorts.one(), osUser);
            pg.initAndStart();
            return pg;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the PostgreSQL data directory", e);
        }
    }

    public int port() {
        return port;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** The superuser name; it has no password (trust authentication on 127.0.0.1 only). */
    public String username() {
        return SUPERUSER;
    }

    /** PgJDBC URL of {@code database}. */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + LOOPBACK + ":" + port + "/" + database;
    }

    /**
     * Creates a database with a unique name starting with {@code prefix} (lower-cased, non-identifier
     * characters replaced by {@code _}) and returns the name.
     */
    public String createDatabase(String prefix) {
        String name = prefix.replaceAll("[^A-Za-z0-9_]", "_").toLowerCase(Locale.ROOT) + "_"
                + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        run(List.of(bin("createdb"), "-h", LOOPBACK, "-p", Integer.toString(port), "-U", SUPERUSER, name),
                Duration.ofSeconds(30));
        return name;
    }

    /** Last {@code lines} lines of the server log. */
    public String logTail(int lines) {
        Path log = dataDir.resolve(LOG_FILE_NAME);
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e.getMessage() + ")";
        }
    }

    /** Stops the server (fast shutdown: open connections are closed) and deletes the data directory. */
    @Override
    public synchronized void close() {
        if (running) {
            stopServer("fast");
            removeShutdownHook();
        }
        try {
            io.choreoscope.harness.TempDirs.deleteRecursively(dataDir);
        } catch (IOException e) {
            LOG.warn("Could not delete {}: {}", dataDir, e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "EmbeddedPostgres[" + LOOPBACK + ":" + port + ", data " + dataDir + "]";
    }

    // ---------------------------------------------------------------------------------------------

    private synchronized void initAndStart() {
        Path cluster = dataDir.resolve("cluster");
        run(List.of(bin("initdb"), "-D", cluster.toString(), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8",
                "--locale=C", "--no-sync"), Duration.ofSeconds(120));
        // Small: tests need a handful of connections, and the machine is shared.
        String options = "-p " + port + " -h " + LOOPBACK + " -k " + dataDir
                + " -c shared_buffers=16MB -c max_connections=60 -c fsync=off -c synchronous_commit=off"
                + " -c full_page_writes=off";
        long began = System.nanoTime();
        try {
            run(List.of(bin("pg_ctl"), "-D", cluster.toString(), "-l", dataDir.resolve(LOG_FILE_NAME).toString(),
                    "-o", options, "-w", "-t", Long.toString(START_TIMEOUT.toSeconds()), "start"),
                    START_TIMEOUT.plusSeconds(10));
        } catch (IllegalStateException e) {
            throw new IllegalStateException(e.getMessage() + "\nServer log ends with:\n" + logTail(30), e);
        }
        running = true;
        shutdownHook = new Thread(() -> stopServer("immediate"), "postgres-shutdown-" + port);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        LOG.info("PostgreSQL ready at {}:{} in {} ms (data {})", LOOPBACK, port,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began), dataDir);
    }

    private void stopServer(String mode) {
        try {
            run(List.of(bin("pg_ctl"), "-D", dataDir.resolve("cluster").toString(), "-m", mode, "-w", "-t", "30", "stop"),
                    Duration.ofSeconds(40));
        } catch (RuntimeException e) {
            LOG.warn("Stopping PostgreSQL at port {} failed: {}", port, e.getMessage());
        }
        running = false;
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

    /** Runs a command (as {@link #osUser} when set), fails with its output on a non-zero exit or timeout. */
    private void run(List<String> command, Duration timeout) {
        List<String> full = new ArrayList<>();
        if (osUser != null) {
            full.addAll(List.of("runuser", "-u", osUser, "--"));
        }
        full.addAll(command);
        try {
            Path out = Files.createTempFile("choreoscope-pgcmd-", ".out");
            try {
                // cwd: a directory the OS user can enter (initdb complains about an unreadable cwd).
                Process p = new ProcessBuilder(full).directory(dataDir.toFile()).redirectErrorStream(true)
                        .redirectOutput(out.toFile()).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                        .start();
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly();
                    throw new IllegalStateException("`" + String.join(" ", full) + "` did not finish within "
                            + timeout.toSeconds() + " s:\n" + Files.readString(out));
                }
                if (p.exitValue() != 0) {
                    throw new IllegalStateException("`" + String.join(" ", full) + "` failed with exit code "
                            + p.exitValue() + ":\n" + Files.readString(out));
                }
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + full, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + full, e);
        }
    }

    static Path locateBinaries() {
        String configured = System.getProperty(BIN_DIR_PROPERTY, System.getenv("CHOREOSCOPE_POSTGRES_BIN"));
        if (configured != null && !configured.isBlank()) {
            Path dir = Paths.get(configured);
            if (!Files.isExecutable(dir.resolve("initdb"))) {
                throw new IllegalStateException(BIN_DIR_PROPERTY + " / CHOREOSCOPE_POSTGRES_BIN point at " + dir
                        + ", which has no executable initdb");
            }
            return dir;
        }
        Path root = Paths.get("/usr/lib/postgresql");
        Path best = null;
        int bestVersion = -1;
        if (Files.isDirectory(root)) {
            try (DirectoryStream<Path> versions = Files.newDirectoryStream(root)) {
                for (Path v : versions) {
                    int version = parseVersion(v.getFileName().toString());
                    if (version > bestVersion && Files.isExecutable(v.resolve("bin/initdb"))) {
                        best = v.resolve("bin");
                        bestVersion = version;
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        if (best == null) {
            throw new IllegalStateException("PostgreSQL is not installed: no /usr/lib/postgresql/*/bin/initdb. Run "
                    + "scripts/install-test-deps.sh (installs Debian's postgresql package), or point -D"
                    + BIN_DIR_PROPERTY + " at a directory holding initdb, pg_ctl, postgres and createdb.");
        }
        return best;
    }

    private static int parseVersion(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static boolean runningAsRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

}
