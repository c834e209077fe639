package io.choreoscope.e2e;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Base64;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.assertions.PlaywrightAssertions;
import com.microsoft.playwright.options.AriaRole;
import com.microsoft.playwright.options.ColorScheme;
import io.choreoscope.faults.AppProcess;
import io.choreoscope.harness.TempDirs;
import io.choreoscope.harness.clickhouse.EmbeddedClickHouse;
import io.choreoscope.harness.kafka.EmbeddedKafka;
import io.choreoscope.model.flow.FlowFilter;
import io.choreoscope.model.flow.FlowModel;
import io.choreoscope.samples.Flow;
import io.choreoscope.samples.SampleFlowsRunner;
import io.choreoscope.samples.SampleFlowsSettings;
import io.choreoscope.ui.browser.Chromium;
import io.choreoscope.ui.browser.FlowMapChecks;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceAccessMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * Issue 15's first "done when": the order saga's map as a user sees it after ten minutes of the demo, checked in
 * Chromium on the real application. Real Kafka and ClickHouse (the harness's, as the fault suite starts them), the
 * packaged application as its own JVM with its web UI, and the sample order saga with every default of the demo's
 * noise (lagging clocks, duplicates, drops, dead letters, declines, shortages, the faulty SKU), only faster: the
 * demo's ten minutes of orders ({@value SampleFlowsSettings#DEFAULT_RATE} instances/s over three flows, so about
 * 1,000 orders) are sent in {@link #TRAFFIC}. Then the flow page, on its default window and filter, must show the
 * start leftmost, the end rightmost, at most 12 transitions (every one that at least 5% of instances take), labels of
 * at least 11 px, and the hidden-transitions note the API's filtered model gives: with its default arrows (by cause)
 * and with the arrows in order.
 *
 * <p>The view is saved to {@code target/screenshots/demo-flow-order-saga.png}; with
 * {@code -Dchoreoscope.readme-screenshot=true} it also replaces {@code docs/screenshots/demo-flow-order-saga.png},
 * the README's (scripts/readme-screenshot.sh).
 *
 * <p>Only the order saga runs: the page checked is its map, and the signup and content flows sped up the same way
 * would only cost CPU (the content flow's slow transcoding step could not keep up with six times the demo's rate).
 * RabbitMQ is left out (the demo uses it for shipping only when it is installed; the map's steps are the same).
 *
 * <p>It runs beside {@link DemoLauncherTest} (both mostly wait for instances to settle), never beside the fault suite
 * ({@link E2eLocks#MACHINE}).
 */
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock(value = E2eLocks.MACHINE, mode = ResourceAccessMode.READ)
class DemoFlowMapBrowserTest {
    /** The demo's sample flows run at their default rate, shared evenly by the three flows. */
    static final double DEMO_ORDERS_PER_SECOND = SampleFlowsSettings.DEFAULT_RATE / Flow.values().length;
    /** What the README's screenshot must match: the demo after ten minutes. */
    static final Duration DEMO_TIME = Duration.ofMinutes(10);
    /** The same orders, sent in this time. */
    static final Duration TRAFFIC = Duration.ofSeconds(40);
    static final String FLOW = "OrderPlaced";
    static final Path SCREENSHOT = Path.of("target", "screenshots", "demo-flow-order-saga.png");
    static final Path README_SCREENSHOT = Path.of("..", "docs", "screenshots", "demo-flow-order-saga.png");

    private static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static EmbeddedClickHouse clickHouse;
    private static EmbeddedKafka kafka;
    private static AppProcess app;
    private static SampleFlowsRunner samples;
    private static Playwright playwright;
    private static long startNanos;
    private static Path dir;
    /** Set by the test's last line: when false at the end, the app's log is printed before its directory goes. */
    private static volatile boolean passed;

    @BeforeAll
    static void startEverything() throws Exception {
        startNanos = System.nanoTime();
        Path root = Path.of("..").toAbsolutePath().normalize();
        dir = Files.createTempDirectory("choreoscope-demo-map-");
        clickHouse = EmbeddedClickHouse.start(dir.resolve("clickhouse"), 0);
        kafka = EmbeddedKafka.start(dir.resolve("kafka"), 0);
        app = new AppProcess(root, dir.resolve("app"), "all", Map.of(
                "choreoscope.kafka.bootstrap-servers", kafka.bootstrapServers(),
                "choreoscope.clickhouse.url", clickHouse.httpUrl())).withUi();
        app.start();
        app.awaitHealthy(Duration.ofMinutes(3));
        log("services and application up");
    }

    /** Stops everything and deletes the work directory (Kafka, ClickHouse, the app's data and log), also after a failure. */
    @AfterAll
    static void stopEverything() throws Exception {
        try {
            if (samples != null) {
                samples.close();
            }
            if (playwright != null) {
                playwright.close();
            }
            if (app != null) {
                app.stop();
                if (!passed) {
                    System.out.println("--- app log (last 60 lines) ---\n" + app.tail(60));
                }
            }
            if (kafka != null) {
                kafka.close();
            }
            if (clickHouse != null) {
                clickHouse.close();
            }
            log("stopped");
        } finally {
            TempDirs.deleteUnlessKept(dir);
        }
    }

    private static void log(String what) {
        System.out.printf("DemoFlowMapBrowserTest: %s at %d s%n", what,
                TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startNanos));
    }

    private static JsonNode get(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(app.apiUrl() + "/api/v1" + path))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                        "viewer:viewer".getBytes(StandardCharsets.UTF_8)))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new AssertionError("GET " + path + " -> " + r.statusCode() + ": " + r.body());
        }
        return JSON.readTree(r.body());
    }

    /** The order saga's model over the flow page's default window (the last hour), filtered as given. */
    private static JsonNode model(String filter) throws IOException, InterruptedException {
        return get("/flows/" + URLEncoder.encode(FLOW, StandardCharsets.UTF_8) + "?from=-1h" + filter);
    }

    /** Every transition of {@code whole} that at least 5% of its instances take is in {@code shown}. */
    private static void assertEveryFrequentTransitionShown(JsonNode whole, Set<String> shown) {
        long instances = whole.get("instances").asLong();
        for (JsonNode t : whole.get("transitions")) {
            if (t.get("instances").asLong() >= FlowFilter.DEFAULT_MIN_PATH_SHARE * instances) {
                assertThat(shown).contains(t.get("from").asText() + " -> " + t.get("to").asText());
            }
        }
    }

    private static Set<String> transitions(JsonNode model) {
        Set<String> out = new HashSet<>();
        model.get("transitions").forEach(t -> out.add(t.get("from").asText() + " -> " + t.get("to").asText()));
        return out;
    }

    private static long fingerprint(JsonNode model) {
        long events = 0;
        for (JsonNode n : model.get("nodes")) {
            events += n.get("count").asLong();
        }
        return model.get("instances").asLong() * 1_000_003L + events;
    }

    @Test
    void tenMinutesOfTheDemosOrdersGiveAReadableMapWithTheHiddenNote() throws Exception {
        long orders = Math.round(DEMO_ORDERS_PER_SECOND * DEMO_TIME.toSeconds());
        SampleFlowsSettings settings = SampleFlowsSettings.defaults().toBuilder()
                .bootstrapServers(kafka.bootstrapServers()).otlpEndpoint(app.otlpTracesUrl()).only(Flow.ORDERS)
                .rate((double) orders / TRAFFIC.toSeconds()).duration(TRAFFIC).build();
        samples = SampleFlowsRunner.start(settings);
        assertThat(samples.generator().orElseThrow().awaitFinished(TRAFFIC.toSeconds() + 30, TimeUnit.SECONDS)).isTrue();
        long started = samples.generator().orElseThrow().startedCount();
        log(started + " orders started at " + settings.rate() + "/s (" + orders + " wanted)");

        // Settled: the window's model stops changing once the services' last events are stored (they keep running),
        // and the saga's end is learned (instances idle 10x the slowest step's p99, at least 30 s).
        AtomicReference<Long> last = new AtomicReference<>(-1L);
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(3)).untilAsserted(() -> {
            JsonNode whole = model("");
            long now = fingerprint(whole);
            long before = last.getAndSet(now);
            assertThat(now).as("the window's model is unchanged since the last read").isEqualTo(before);
            assertThat(whole.get("learnedEnds").toString()).contains("\"OrderShipped\"");
        });
        JsonNode whole = model("");
        long instances = whole.get("instances").asLong();
        log(instances + " instances stored, " + whole.get("transitions").size() + " transitions");
        // the map is drawn from (nearly) every order sent: a few may be named by an event stamped before their start
        assertThat(instances).isBetween(started * 95 / 100, started);

        String defaults = "&minStepShare=" + FlowFilter.DEFAULT_MIN_STEP_SHARE + "&minPathShare=" + FlowFilter.DEFAULT_MIN_PATH_SHARE;
        // the page's default arrows are by cause; the map in order (arrows=order) is checked after it
        JsonNode wholeByCause = model("&edges=causes");
        JsonNode byCause = model("&edges=causes" + defaults);
        Set<String> shownByCause = transitions(byCause);
        assertEveryFrequentTransitionShown(wholeByCause, shownByCause);
        String noteByCause = FlowFilter.describe(JSON.treeToValue(byCause.get("hidden"), FlowModel.Hidden.class));
        JsonNode filtered = model(defaults);
        Set<String> shown = transitions(filtered);
        assertEveryFrequentTransitionShown(whole, shown);
        FlowModel.Hidden hidden = JSON.treeToValue(filtered.get("hidden"), FlowModel.Hidden.class);
        assertThat(hidden.transitions()).as("the noise is there and hidden").isPositive();
        String note = FlowFilter.describe(hidden);
        log("by cause: " + shownByCause.size() + " of " + wholeByCause.get("transitions").size() + " arrows shown ("
                + noteByCause + "); in order: " + shown.size() + " of " + whole.get("transitions").size() + " (" + note + ")");

        PlaywrightAssertions.setDefaultAssertionTimeout(30_000);
        playwright = Chromium.playwright();
        Browser browser = Chromium.launch(playwright);
        BrowserContext context = browser.newContext(new Browser.NewContextOptions().setViewportSize(1440, 900)
                .setColorScheme(ColorScheme.LIGHT));
        context.setDefaultTimeout(60_000);
        Page page = context.newPage();
        // e.g. "ELK layout failed, falling back to dagre": the reason when the checks below fail
        page.onConsoleMessage(m -> {
            if (!m.type().equals("debug")) {
                System.out.println("browser console " + m.type() + ": " + m.text());
            }
        });
        page.onPageError(e -> System.out.println("browser page error: " + e));
        page.navigate(app.uiUrl() + "login");
        page.locator("#login-form input[name=username]").fill("viewer");
        page.locator("#login-form input[name=password]").fill("viewer");
        page.locator("#login-form input[name=password]").press("Enter");
        page.waitForURL(url -> !url.contains("/login"));
        page.navigate(app.uiUrl() + "flows/" + FLOW);
        assertThat(page.locator("#flow-graph[data-rendered=true]")).isVisible();
        assertThat(page.getByRole(AriaRole.RADIO, new Page.GetByRoleOptions().setName("By cause"))).isChecked();
        assertThat(page.locator("#hidden-note")).hasText(noteByCause.isEmpty() ? "Nothing hidden" : noteByCause);
        assertThat(page.locator("#flow-graph")).hasAttribute("data-nodes", String.valueOf(byCause.get("nodes").size()));
        Files.createDirectories(SCREENSHOT.getParent());
        page.screenshot(new Page.ScreenshotOptions().setPath(SCREENSHOT));
        log("flow page drawn; hidden note \"" + noteByCause + "\"; screenshot " + SCREENSHOT.toAbsolutePath());
        FlowMapChecks.assertMapIsReadable(page, FLOW, "OrderShipped", shownByCause.size());

        page.navigate(app.uiUrl() + "flows/" + FLOW + "?arrows=order");
        assertThat(page.locator("#flow-graph[data-rendered=true]")).isVisible();
        assertThat(page.locator("#hidden-note")).hasText(note);
        assertThat(page.locator("#flow-graph")).hasAttribute("data-nodes", String.valueOf(filtered.get("nodes").size()));
        log("flow page in order drawn; hidden note \"" + note + "\"");
        FlowMapChecks.assertMapIsReadable(page, FLOW, "OrderShipped", shown.size());

        if (Boolean.getBoolean("choreoscope.readme-screenshot")) {
            Files.copy(SCREENSHOT, README_SCREENSHOT, StandardCopyOption.REPLACE_EXISTING);
            log("copied to " + README_SCREENSHOT.toAbsolutePath().normalize());
        }
        context.close();
        passed = true;
    }
}
