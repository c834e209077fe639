package io.choreoscope.ui;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.jetty.ee10.servlet.SessionHandler;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.http.HttpCookie;
import org.eclipse.jetty.ee10.servlet.FilterHolder;

import com.github.mvysny.vaadinboot.VaadinBoot;

import io.choreoscope.model.UiLauncher;
import io.choreoscope.ui.client.ChoreoscopeApi;
import io.choreoscope.ui.client.HttpChoreoscopeApi;

/**
 * Runs the Vaadin UI on Jetty (vaadin-boot). Embeddable: {@code new UiServer().start(8080, api)}, later
 * {@link #stop()}. The API instance is handed to the web application as a servlet-context attribute,
 * so several servers may run in one JVM.
 *
 * <p>Command line: {@code --host 0.0.0.0} (default: every interface; {@code 127.0.0.1} for this machine only),
 * {@code --port 8080} (default 8080), {@code --api http://localhost:8081/api/v1} (default). To run the UI on sample
 * data without a backend, use the dev launcher in the test sources ({@code io.choreoscope.ui.DevUiServer}, see
 * ui/README.md).
 */
public final class UiServer {

    /** Default HTTP port of the UI. */
    public static final int DEFAULT_PORT = 8080;
    /** Default API root. */
    public static final String DEFAULT_API = "http://localhost:8081/api/v1";
    /** Threads that run blocking API calls for all sessions. */
    public static final int IO_THREADS = 4;
    /** Listen on every interface. */
    public static final String EVERY_INTERFACE = "0.0.0.0";
    /** Listen on this machine only. */
    public static final String LOOPBACK = "127.0.0.1";
    /**
     * The largest request body the UI reads, in bytes. Vaadin reads a UI request's whole body into one string before
     * it checks anything, and anyone who loads the sign-in page has a session to send one with: without a bound, one
     * request of a few hundred megabytes ran the whole JVM (the API, the tap and inference with it) out of heap. What
     * the browser sends is a few kilobytes (no upload, no text area) with its length declared; larger bodies get
     * 413, bodies without a declared length 411 ({@link RequestSizeLimit}).
     */
    public static final long MAX_REQUEST_BYTES = 1L << 20;
    /**
     * How many sessions nobody is signed in to the UI keeps ({@link SessionBudget}); more end the oldest of them. Each
     * costs about 10 KB of heap (a session and the sign-in page's UI): 5,000 held about 50 MB, where without the bound a
     * client loading the sign-in page in a loop held more for every page it loaded, until the session timeout (25,000:
     * about 245 MB; {@code SessionFloodBenchmark} in the test sources).
     */
    public static final int DEFAULT_MAX_SESSIONS_NOT_SIGNED_IN = UiLauncher.DEFAULT_MAX_SESSIONS_NOT_SIGNED_IN;
    /**
     * How many sessions one user may have signed in to at once ({@link SessionBudget}); a newer one ends the user's
     * oldest. The API lets a remembered password sign in again at once, so without it one user signing in in a loop
     * held memory without bound; a team sharing one account in 50 browsers keeps every one.
     */
    public static final int DEFAULT_MAX_SESSIONS_PER_USER = UiLauncher.DEFAULT_MAX_SESSIONS_PER_USER;
    private static final String PRODUCTION_MODE = "vaadin.productionMode";

    private int maxSessionsNotSignedIn = DEFAULT_MAX_SESSIONS_NOT_SIGNED_IN;
    private int maxSessionsPerUser = DEFAULT_MAX_SESSIONS_PER_USER;
    private VaadinBoot boot;
    private ExecutorService io;
    private int port;

    /** Sets how many sessions nobody is signed in to are kept (before {@code start}; at least 1). */
    public synchronized UiServer maxSessionsNotSignedIn(int max) {
        this.maxSessionsNotSignedIn = max;
        return this;
    }

    /** Sets how many sessions one user may have signed in to at once (before {@code start}; at least 1). */
    public synchronized UiServer maxSessionsPerUser(int max) {
        this.maxSessionsPerUser = max;
        return this;
    }

    /**
     * Starts the UI and returns once it accepts requests.
     *
     * @param port TCP port; 0 is not supported by vaadin-boot, pick a free one
     * @param api  the backend the views call
     * @throws Exception when Jetty cannot start (port in use, ...)
     */
    public synchronized void start(int port, ChoreoscopeApi api) throws Exception {
        start(port, api, false);
    }

    /** As {@link #start(String, int, ChoreoscopeApi, boolean)} on every interface ({@value #EVERY_INTERFACE}). */
    public synchronized void start(int port, ChoreoscopeApi api, boolean secureCookies) throws Exception {
        start(EVERY_INTERFACE, port, api, secureCookies);
    }

    /**
     * Starts the UI and returns once it accepts requests. The session cookie (the browser's only credential: the
     * user's token stays in the session on the server) is {@code HttpOnly} (no script reads it), {@code SameSite=Lax}
     * (not sent with cross-site subrequests or form posts; Lax, not Strict, because single sign-on comes back to
     * {@code /sso} by a cross-site redirect that must find the session) and {@code Secure} when the request came over
     * TLS or, with {@code secureCookies}, always (for a TLS proxy in front of plain-HTTP Jetty).
     *
     * @param host          the address to listen on: {@value #EVERY_INTERFACE} for every interface, {@value #LOOPBACK}
     *                      for this machine only
     * @param secureCookies true when browsers reach the UI only over HTTPS
     */
    public synchronized void start(String host, int port, ChoreoscopeApi api, boolean secureCookies) throws Exception {
        if (boot != null) {
            throw new IllegalStateException("already started on port " + this.port);
        }
        // The UI always runs on the bundle Maven built (there is no Vite dev server here). The plugin keeps
        // the production token only in the jar, so runs from target/classes (IDE, tests) need this too.
        if (System.getProperty(PRODUCTION_MODE) == null) {
            System.setProperty(PRODUCTION_MODE, "true");
        }
        io = Executors.newFixedThreadPool(IO_THREADS, daemonThreads());
        UiServices services = new UiServices(api, io);
        SessionBudget budget = new SessionBudget(maxSessionsNotSignedIn, maxSessionsPerUser);
        VaadinBoot b = new VaadinBoot() {
            @Override
            protected void onStarted(WebAppContext context) throws java.io.IOException {
                super.onStarted(context);
                // vaadin-boot gives no hook before Jetty starts; a servlet filter can still be added once it runs.
                context.addFilter(new FilterHolder(new RequestSizeLimit(MAX_REQUEST_BYTES)), "/*",
                        java.util.EnumSet.of(jakarta.servlet.DispatcherType.REQUEST));
                context.getServletContext().setAttribute(UiServices.attributeName(), services);
                QuietErrorPages.install(context);
                // No session exists before the first request, so the cookie's attributes set here apply to every one.
                SessionHandler sessions = context.getSessionHandler();
                sessions.setHttpOnly(true);
                sessions.setSameSite(HttpCookie.SameSite.LAX);
                sessions.setSecureRequestOnly(true);
                sessions.setSecureCookies(secureCookies);
                sessions.addEventListener(budget);
            }
        };
        b.setPort(port);
        b.setListenOn(host);
        b.openBrowserInDevMode(false);
        try {
            b.start();
        } catch (Exception e) {
            io.shutdownNow();
            throw e;
        }
        this.boot = b;
        this.port = port;
    }

    /** Stops Jetty and the API-call threads. Harmless when not started. */
    public synchronized void stop() {
        if (boot != null) {
            boot.stop("UiServer.stop");
            boot = null;
        }
        if (io != null) {
            io.shutdownNow();
            io = null;
        }
    }

    /** The URL the UI answers at, e.g. {@code http://localhost:8080/}. */
    public synchronized String url() {
        return "http://localhost:" + port + "/";
    }

    public static void main(String[] args) throws Exception {
        int port = DEFAULT_PORT;
        String host = EVERY_INTERFACE;
        String api = DEFAULT_API;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(value(args, ++i, "--port"));
                case "--host" -> host = value(args, ++i, "--host");
                case "--api" -> api = value(args, ++i, "--api");
                case "-h", "--help" -> {
                    System.out.println("usage: UiServer [--host " + EVERY_INTERFACE + "] [--port 8080] [--api "
                            + DEFAULT_API + "]");
                    return;
                }
                default -> {
                    System.err.println("unknown option '" + args[i] + "' (use --host, --port or --api)");
                    System.exit(2);
                }
            }
        }
        serve(host, port, new HttpChoreoscopeApi(api), "API " + api);
    }

    /** Runs the UI on {@code api} until the JVM is stopped (Ctrl-C); {@code what} says on what, for people. */
    static void serve(String host, int port, ChoreoscopeApi api, String what) throws Exception {
        UiServer server = new UiServer();
        server.start(host, port, api, false);
        Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "choreoscope-ui-stop"));
        System.out.println("choreoscope UI on " + server.url() + " (" + what + ")");
        Thread.currentThread().join();
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            System.err.println(option + " needs a value");
            System.exit(2);
        }
        return args[i];
    }

    private static ThreadFactory daemonThreads() {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "choreoscope-ui-io-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
