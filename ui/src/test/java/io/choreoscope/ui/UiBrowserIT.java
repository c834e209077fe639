package io.choreoscope.ui;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.AriaRole;

import io.choreoscope.model.api.FlowSummary;
import io.choreoscope.model.api.TopicInfo;
import io.choreoscope.model.flow.DependencyMap;
import io.choreoscope.model.flow.FlowFilter;
import io.choreoscope.model.flow.FlowModel;
import io.choreoscope.model.flow.InstanceSnapshot;
import io.choreoscope.model.flow.StuckCause;
import io.choreoscope.ui.browser.FlowMapChecks;
import io.choreoscope.ui.client.TimeWindow;
import io.choreoscope.ui.client.FakeChoreoscopeApi;
import io.choreoscope.ui.client.SampleData;

/**
 * The key paths in a real browser (Debian's Chromium driven by Playwright) against {@link UiServer} with
 * the fake API: the dashboard updates live, search leads to the instance view, the flow graph renders
 * and a click on a node shows its details, an alert rule is created and stuck instances are replayed
 * after a dry run. Screenshots go to {@code target/screenshots/}.
 */
class UiBrowserIT {

    static final Path SCREENSHOTS = Paths.get("target", "screenshots");

    static FakeChoreoscopeApi api;
    static BrowserUi ui;
    static Browser browser;
    static String url;
    BrowserContext context;
    Page page;

    @BeforeAll
    static void startUiAndBrowser() throws Exception {
        // Assertions wait up to 15 s for a view's first render (Playwright's 5 s default failed twice on a 2-core
        // machine at load average 13: a view that renders in ~1 s on a quiet machine).
        com.microsoft.playwright.assertions.PlaywrightAssertions.setDefaultAssertionTimeout(15_000);
        Files.createDirectories(SCREENSHOTS);
        Instant now = Instant.now();
        api = FakeChoreoscopeApi.withSampleData(now).freezeWindowsAt(now);
        ui = BrowserUi.start(api);
        url = ui.url();
        browser = ui.browser();
    }

    @AfterAll
    static void stopAll() {
        if (ui != null) {
            ui.close();
        }
    }

    @BeforeEach
    void openPage() {
        context = browser.newContext(new Browser.NewContextOptions().setViewportSize(1440, 960)
                .setColorScheme(com.microsoft.playwright.options.ColorScheme.LIGHT));
        context.setDefaultTimeout(30_000);
        page = context.newPage();
    }

    @AfterEach
    void closePage() {
        context.close();
    }

    /**
     * Fails when the grid scrolls sideways, cuts a header or cell, or draws a header wider or narrower than its column
     * at one of the widths (window width in px); the window is 1440 x 960 again afterwards.
     */
    private void assertGridFits(String grid, int... widths) {
        String sideways = "() => { const t = document.querySelector('" + grid + "').shadowRoot.querySelector('#table');"
                + " return t.scrollWidth > t.clientWidth + 1 ? t.scrollWidth + '/' + t.clientWidth : ''; }";
        String clipped = "() => [...document.querySelectorAll('" + grid + " vaadin-grid-cell-content')]"
                + ".filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1).map(e => e.textContent)";
        // a sortable header's text is cut inside the sorter's own shadow part ("Thresh…"), not in the cell content
        String clippedHeaders = "() => [...document.querySelectorAll('" + grid + " vaadin-grid-sorter')]"
                + ".filter(s => s.offsetParent !== null && s.shadowRoot).map(s => s.shadowRoot.querySelector('[part=content]'))"
                + ".filter(c => c && c.scrollWidth > c.clientWidth + 1).map(c => c.getRootNode().host.textContent)";
        // each header cell as wide as its column below it (widths in em once made headers, in a smaller font, narrower)
        String misaligned = "() => { const s = document.querySelector('" + grid + "').shadowRoot;"
                + " const shown = c => !c.hidden && c.getBoundingClientRect().width > 0;"
                + " const row = [...s.querySelectorAll('tbody#items tr')].find(r => !r.hidden && [...r.cells].some(shown));"
                + " if (!row) return ['no row to compare the headers with'];"
                + " const heads = [...s.querySelectorAll('thead tr:last-child th')].filter(shown);"
                + " const cells = [...row.cells].filter(shown);"
                + " return heads.map((h, i) => { const a = h.getBoundingClientRect(), b = cells[i] && cells[i].getBoundingClientRect();"
                + "   return !b || Math.abs(a.left - b.left) > 1 || Math.abs(a.width - b.width) > 1"
                + "     ? ((h.querySelector('slot') || {assignedElements: () => []}).assignedElements()[0] || h).textContent.trim()"
                + "       + ': header ' + Math.round(a.left) + '+' + Math.round(a.width)"
                + "       + ', column ' + (b ? Math.round(b.left) + '+' + Math.round(b.width) : 'none') : null; })"
                + "   .filter(x => x); }";
        for (int width : widths) {
            page.setViewportSize(width, 900);
            page.waitForTimeout(300);
            assertThat(page.evaluate(sideways)).as("%s scrolls sideways at %d px", grid, width).isEqualTo("");
            assertThat((List<?>) page.evaluate(misaligned)).as("%s headers off their columns at %d px", grid, width).isEmpty();
            assertThat((List<?>) page.evaluate(clipped)).as("%s cuts cells at %d px", grid, width).isEmpty();
            assertThat((List<?>) page.evaluate(clippedHeaders)).as("%s cuts headers at %d px", grid, width).isEmpty();
        }
        page.setViewportSize(1440, 960);
    }

    private void shot(String name) {
        page.screenshot(new Page.ScreenshotOptions().setPath(SCREENSHOTS.resolve(name + ".png")).setFullPage(true));
    }

    private static FlowSummary withStuckAndThroughput(FlowSummary f, long stuck, double eps) {
        return new FlowSummary(f.flow(), f.windowSeconds(), eps, f.started(), f.running(), f.completed(),
                f.compensated(), f.failed(), stuck, f.completionRate(), f.p50Ms(), f.p95Ms(), f.p99Ms(), f.sparkline());
    }

    @Test
    void theDashboardUpdatesLiveWithoutAReload() {
        page.navigate(url);
        Locator stuck = page.locator("#flow-card-OrderPlaced [data-metric=stuck]");
        assertThat(stuck).hasText(String.valueOf(api.flowSummary(SampleData.ORDER_FLOW).stuck()));
        assertThat(page.locator("#live-indicator")).hasText("Live");
        String icon = page.locator("link[rel=icon]").getAttribute("href");
        com.microsoft.playwright.APIResponse iconResponse = page.request().get(url + icon);
        assertThat(iconResponse.status()).isEqualTo(200);
        assertThat(iconResponse.headers().get("content-type")).startsWith("image/svg+xml");
        shot("dashboard");
        // every tile's label and figure readable whole, at this width and a laptop's ("Throughput" was "Through…")
        String clipped = "() => [...document.querySelectorAll('.flow-card .metric-label, .flow-card .metric-value')]"
                + ".filter(e => e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1)"
                + ".map(e => e.textContent + ' ' + e.scrollWidth + '/' + e.clientWidth + ' x ' + e.scrollHeight + '/' + e.clientHeight)";
        assertThat((List<?>) page.evaluate(clipped)).isEmpty();
        page.setViewportSize(1280, 800);
        page.waitForTimeout(300);
        assertThat((List<?>) page.evaluate(clipped)).isEmpty();
        shot("dashboard-1280");
        page.setViewportSize(1440, 960);
        page.evaluate("window.__sameDocument = 'yes'");

        api.updateFlow(SampleData.ORDER_FLOW, f -> withStuckAndThroughput(f, 17, 123.4));

        assertThat(stuck).hasText("17");
        assertThat(page.locator("#flow-card-OrderPlaced [data-metric=throughput]")).hasText("123/s");
        assertThat(page.evaluate("window.__sameDocument")).isEqualTo("yes");
        shot("dashboard-after-live-update");
    }

    @Test
    void anUnknownPathIsAPageNotFoundWithTheMenuAndAWayOn() {
        page.navigate(url + "replay"); // the page itself answers 200: Vaadin resolves the route after it loads
        assertThat(page.locator("#not-found h2")).hasText("Page not found");
        assertThat(page.locator("#not-found-path")).hasText("Nothing is at /replay.");
        assertThat(page.locator("vaadin-side-nav")).isVisible();
        shot("not-found");
        page.locator("#not-found-meant").click();
        page.waitForURL("**/replays");

        // markup in the path is shown as text; a long path is cut
        page.navigate(url + "%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E" + "a".repeat(400));
        assertThat(page.locator("#not-found-path")).containsText("Nothing is at /<img src=x onerror=alert(1)>aaa");
        assertThat(page.locator("#not-found-path")).containsText("….");
        assertThat(page.locator("#not-found img")).hasCount(0);
    }

    @Test
    void searchLeadsToTheInstanceView() {
        page.navigate(url);
        page.locator("#global-search input").fill(SampleData.STUCK_ORDER);
        page.locator("#global-search input").press("Enter");
        page.waitForURL("**/search?q=" + SampleData.STUCK_ORDER);
        Locator result = page.locator("#search-results").getByRole(AriaRole.LINK,
                new Locator.GetByRoleOptions().setName(SampleData.STUCK_ORDER));
        assertThat(result).isVisible();
        // every header and cell of the results readable whole ("Matche…", "order-…" in the demo at 1400 px)
        assertGridFits("#search-results", 1440, 1280);
        shot("search");

        result.click();
        page.waitForURL("**/instances/" + SampleData.STUCK_ORDER);
        assertThat(page.locator("#instance-id")).hasText(SampleData.STUCK_ORDER);
        assertThat(page.locator("#instance-state")).hasText("Stuck");
        assertThat(page.locator("#expected-next")).containsText("StockReserved");
        assertThat(page.locator("#waterfall .wf-event-row")).hasCount(2);
        shot("instance-stuck");
    }

    /**
     * A correlation ID or flow name with characters a URL path does not carry as they are opens its own page: from a
     * search result, from the address bar after a reload, and from the dashboard's card. On the demo an instance
     * {@code tenant-a/order-77} led to "Page not found" (its link was a path of two segments), and one whose ID had a
     * {@code ?} opened the page of the ID cut before it.
     */
    @Test
    void namesWithSlashesQuestionMarksAndPercentSignsOpenTheirOwnPages() {
        String id = "tenant-a/order-7?x=1&y=2#top 100%";
        String flow = "orders/v2 ?#%";
        SampleData.putManyEvents(api, id, 3);
        FlowSummary orders = api.flowSummary("OrderPlaced");
        api.putFlow(new FlowSummary(flow, orders.windowSeconds(), orders.eventsPerSecond(), orders.started(),
                orders.running(), orders.completed(), orders.compensated(), orders.failed(), orders.stuck(),
                orders.completionRate(), orders.p50Ms(), orders.p95Ms(), orders.p99Ms(), orders.sparkline()));
        try {
            page.navigate(url + "search?q=tenant-a");
            Locator result = page.locator("#search-results").getByRole(AriaRole.LINK,
                    new Locator.GetByRoleOptions().setName(id));
            assertThat(result).isVisible();
            result.click();
            assertThat(page.locator("#instance-id")).hasText(id);
            assertThat(page.locator("#waterfall .wf-event-row")).hasCount(3);
            page.reload();
            assertThat(page.locator("#instance-id")).hasText(id);
            assertThat(page.url()).contains("/instances?id=");

            page.navigate(url);
            Locator card = page.locator(".flow-card-title").getByText(flow, new Locator.GetByTextOptions().setExact(true));
            assertThat(card).isVisible();
            card.click();
            assertThat(page).hasTitle(flow + " · choreoscope");
            // the page asked the API for this flow's model by its whole name
            assertThat(api.calls()).contains("flowByCause " + flow + " -1h");
            // a plain name keeps its readable path
            page.navigate(url + "instances/" + SampleData.STUCK_ORDER);
            assertThat(page.locator("#instance-id")).hasText(SampleData.STUCK_ORDER);
        } finally {
            api.removeInstance(id);
            api.removeFlow(flow);
        }
    }

    /**
     * A value search marks the match in each result's excerpt, and the match is read whole: in a payload without
     * spaces the demo's "cust-295" was split across two lines of the narrow column ("cus" / "t-295").
     */
    @Test
    void aValueSearchShowsEachMatchOnOneLine() {
        page.setViewportSize(1280, 900);
        page.navigate(url + "search?q=SKU-10000&mode=value");
        Locator marks = page.locator("#search-results mark");
        assertThat(marks.first()).isVisible();
        assertThat(marks.first()).hasText("SKU-10000");
        @SuppressWarnings("unchecked")
        List<Number> lines = (List<Number>) page.evaluate("() => [...document.querySelectorAll('#search-results mark')]"
                + ".map(m => { const r = document.createRange(); r.selectNodeContents(m);"
                + " return new Set([...r.getClientRects()].map(c => Math.round(c.top))).size; })");
        assertThat(lines).hasSizeGreaterThan(10).allMatch(n -> n.intValue() == 1);
        shot("search-values");
    }

    @Test
    void aDeepLinkOpensTheInstanceWithItsTimelineGraphAndPayloads() {
        page.navigate(url + "instances/" + SampleData.COMPLETED_ORDER);
        assertThat(page.locator("#instance-state")).hasText("Completed");
        assertThat(page.locator("#waterfall .wf-gap")).not().hasCount(0);
        shot("instance");

        page.getByRole(AriaRole.TAB, new Page.GetByRoleOptions().setName("Graph")).click();
        assertThat(page.locator("#instance-graph[data-rendered=true]")).isVisible();
        page.waitForTimeout(300); // the fit after the first frame
        shot("instance-graph");
        // readable (the demo's order model, fitted whole, drew its labels at 6-7 px), and the instance's own steps in
        // the box when the model around them is wider than it
        @SuppressWarnings("unchecked")
        Map<String, Object> g = (Map<String, Object>) page.evaluate("() => document.querySelector('#instance-graph').metrics()");
        assertThat(((Number) g.get("minNodeLabelPx")).doubleValue()).as("%s", g).isGreaterThanOrEqualTo(11);
        assertThat(((Number) g.get("minEdgeLabelPx")).doubleValue()).as("%s", g).isGreaterThanOrEqualTo(11);
        assertThat((List<?>) g.get("visitedOutOfView")).as("%s", g).isEmpty();
        assertThat((List<?>) g.get("arrowsThroughBoxes")).as("arrows across another box: %s", g).isEmpty();
        try {
            // narrower, the path does not fit whole at 11 px: its end is in view, where the instance is now
            page.setViewportSize(1100, 960);
            page.waitForTimeout(500);
            @SuppressWarnings("unchecked")
            Map<String, Object> narrow = (Map<String, Object>) page.evaluate(
                    "() => document.querySelector('#instance-graph').metrics()");
            assertThat(((Number) narrow.get("minNodeLabelPx")).doubleValue()).as("%s", narrow).isGreaterThanOrEqualTo(11);
            assertThat((List<Object>) narrow.get("visitedOutOfView")).as("%s", narrow).isNotEmpty()
                    .doesNotContain("OrderShipped");
        } finally {
            page.setViewportSize(1440, 960);
        }

        page.navigate(url + "instances/" + SampleData.LARGE_PAYLOAD_ORDER);
        page.getByRole(AriaRole.TAB, new Page.GetByRoleOptions().setName("Events & payloads (4)")).click();
        assertThat(page.locator("#payload-truncation")).containsText("64.0 KiB");
        // the bus, topic and coordinates of every event readable whole ("Kafka · moderatio…" in the demo at 1400 px)
        assertGridFits("#events-grid", 1440, 1280);
        page.locator("#payload-show-all").click();
        assertThat(page.locator("#payload-truncation")).isHidden();
        // markup in data is shown as text: no script element was created from it
        assertThat(page.locator("#payload-text")).containsText("<script>alert('x')</script>");
        assertThat(page.locator("#payload-text script")).hasCount(0);
        shot("instance-payload");
    }

    /**
     * Arrows by cause in the browser: the sign-up's WelcomeEmailSent, caused by UserSignedUp but sent after
     * ProfileCompleted, gets its arrow from UserSignedUp once "By cause" is picked (by keyboard) on the map in order,
     * in the map and in the transitions table; the address keeps the choice, and arrow keys go back to the arrows in
     * order.
     */
    @Test
    void arrowsByCauseAreDrawnFromTheCauseAndPickedByKeyboard() {
        SampleData.welcomeMailCausedBySignUp(api);
        page.navigate(url + "flows/" + SampleData.SIGNUP_FLOW + "?arrows=order");
        assertThat(page.locator("#flow-graph[data-rendered=true]")).isVisible();
        Locator table = page.locator("#transitions-table");
        assertThat(table).containsText("ProfileCompleted");
        Locator inOrder = page.getByRole(AriaRole.RADIO, new Page.GetByRoleOptions().setName("In order"));
        assertThat(inOrder).isChecked();
        page.evaluate("() => document.querySelector('#flow-graph').removeAttribute('data-rendered')");
        inOrder.focus();
        page.keyboard().press("ArrowRight");
        page.waitForURL("**arrows=cause**");
        assertThat(page.getByRole(AriaRole.RADIO, new Page.GetByRoleOptions().setName("By cause"))).isChecked();
        assertThat(page.locator("#flow-graph[data-rendered=true]")).isVisible();
        assertThat(page.locator(".view-subtitle")).containsText("arrows by cause shown");
        Locator graph = page.locator("#flow-graph");
        assertThat(graph.evaluate("(g, id) => g.positionOf(id)", "ProfileCompleted → WelcomeEmailSent")).isNull();
        @SuppressWarnings("unchecked")
        Map<String, Object> edge = (Map<String, Object>) graph.evaluate("(g, id) => g.positionOf(id)",
                "UserSignedUp → WelcomeEmailSent");
        assertThat(edge).as("an arrow from the cause").isNotNull();
        double x = ((Number) edge.get("x")).doubleValue();
        double y = ((Number) edge.get("y")).doubleValue();
        page.mouse().move(x - 3, y);
        page.mouse().click(x, y);
        assertThat(page.locator("#selection-details")).containsText("Of instances with UserSignedUp");
        shot("flow-by-cause");

        page.evaluate("() => document.querySelector('#flow-graph').removeAttribute('data-rendered')");
        page.getByRole(AriaRole.RADIO, new Page.GetByRoleOptions().setName("By cause")).focus();
        page.keyboard().press("ArrowLeft");
        page.waitForURL("**arrows=order**");
        assertThat(page.locator("#flow-graph[data-rendered=true]")).isVisible();
        assertThat(page.locator(".view-subtitle")).containsText("transitions shown");

        // comparing two windows by cause, straight from a shared address
        page.navigate(url + "flows/" + SampleData.SIGNUP_FLOW + "?compare=1h&arrows=cause");
        assertThat(page.locator("#compare-legend")).isVisible();
        assertThat(page.locator("#flow-graph[data-rendered=true]")).isVisible();
        assertThat(page.locator(".view-subtitle")).containsText("arrows by cause");
        assertThat(graph.evaluate("(g, id) => g.positionOf(id)", "UserSignedUp → WelcomeEmailSent")).isNotNull();
        assertThat(graph.evaluate("(g, id) => g.positionOf(id)", "ProfileCompleted → WelcomeEmailSent")).isNull();
        shot("flow-compare-by-cause");
    }

    @Test
    void anInstanceWithManyEventsShowsTheFirstPageAndLoadsMore() {
        SampleData.putManyEvents(api, "ord-many-events", 120);
        page.navigate(url + "instances/ord-many-events");
        assertThat(page.locator("#instance-state")).isVisible();
        page.getByRole(AriaRole.TAB, new Page.GetByRoleOptions().setName("Events & payloads (50 of 120)")).click();
        Locator more = page.locator("#load-more-events");
        assertThat(more).isVisible();
        more.click();
        assertThat(page.getByRole(AriaRole.TAB, new Page.GetByRoleOptions().setName("Events & payloads (100 of 120)")))
                .isVisible();
        more.click();
        assertThat(page.getByRole(AriaRole.TAB, new Page.GetByRoleOptions().setName("Events & payloads (120)"))).isVisible();
        assertThat(more).isHidden();
        shot("instance-many-events");
    }

    @Test
    void theFlowGraphRendersAndANodeClickShowsItsDetails() {
        page.navigate(url + "flows/" + SampleData.ORDER_FLOW);
        Locator graph = page.locator("#flow-graph[data-rendered=true]");
        assertThat(graph).isVisible();
        // the default arrows: by cause (variants are orders of steps, so they do not filter this map)
        FlowModel shown = FlowFilter.apply(api.flowByCause(SampleData.ORDER_FLOW, TimeWindow.LAST_HOUR),
                FlowFilter.DEFAULT_MIN_STEP_SHARE, FlowFilter.DEFAULT_MIN_PATH_SHARE, null);
        assertThat(graph).hasAttribute("data-nodes", String.valueOf(shown.nodes().size()));
        shot("flow");
        Map<String, Object> drawn = FlowMapChecks.assertMapIsReadable(page, "OrderPlaced", "OrderShipped",
                shown.transitions().size());
        // the whole map in its box at this width (beside the variants, the demo's order map ran 60-90 px off the right
        // edge at 1400 and 1536 px: its labels may not shrink below 11 px)
        assertThat(((Number) drawn.get("width")).doubleValue() * ((Number) drawn.get("zoom")).doubleValue())
                .as("drawn width of the map").isLessThanOrEqualTo(((Number) drawn.get("boxWidth")).doubleValue());
        assertThat(page.locator("#hidden-note")).hasText(FlowFilter.describe(shown.hidden()));
        @SuppressWarnings("unchecked")
        Map<String, Object> at = (Map<String, Object>) page.evaluate(
                "id => document.querySelector('#flow-graph').positionOf(id)", "PaymentCaptured");
        assertThat(at).isNotNull();

        page.mouse().click(((Number) at.get("x")).doubleValue(), ((Number) at.get("y")).doubleValue());

        Locator details = page.locator("#selection-details");
        assertThat(details.locator("h3").first()).hasText("PaymentCaptured");
        assertThat(details).containsText("stuck here");
        assertThat(details.locator("h3").first()).isInViewport(); // under the map at this width: scrolled to
        assertThat(page.locator("#step-instances")).isVisible();
        shot("flow-node-selected");
    }

    /**
     * Issue 15 items 6 and 7 in the browser: the last hour against the hour before (20 orders there shipped straight
     * after the payment) draws the map with the marks and the legend, a hover tip gives both windows' figures, and the
     * view downloads as a well-formed SVG naming every drawn step and as a PNG.
     */
    /**
     * The flow page's tables show long step, schema and version names whole at a laptop's width (the demo's content
     * flow had 37 cut cells at 1400 px: "content/ContentUploaded-v1.avsc → conten…", fingerprints, times).
     */
    @Test
    void theFlowPageTablesShowLongNamesWhole() {
        java.time.Instant t = Instant.now().minusSeconds(600);
        io.choreoscope.model.SchemaRef v1 = new io.choreoscope.model.SchemaRef("avro", "fp:04776e80aa19c0de",
                "com.acme.billing.events.InvoiceIssuedWithExtendedLineItems", "billing/InvoiceIssuedWithExtendedLineItems-v1.avsc", 0);
        io.choreoscope.model.SchemaRef v2 = new io.choreoscope.model.SchemaRef("avro", "fp:9f3ab1c2d4e5f607",
                "com.acme.billing.events.InvoiceIssuedWithExtendedLineItems", "billing/InvoiceIssuedWithExtendedLineItems-v2.avsc", 0);
        api.schemaRows.put(SampleData.INVOICE_FLOW, List.of(
                new io.choreoscope.model.FlowSchemaReader.StepSchema("InvoiceIssued", v1, 120, t, t.plusSeconds(300)),
                new io.choreoscope.model.FlowSchemaReader.StepSchema("InvoiceIssued", v2, 30, t.plusSeconds(290), t.plusSeconds(590))));
        try {
            page.navigate(url + "flows/" + SampleData.INVOICE_FLOW);
            assertThat(page.locator("#schemas-table")).containsText("InvoiceIssuedWithExtendedLineItems-v2.avsc");
            assertThat(page.locator("#steps-table")).containsText("→");
            assertGridFits("#steps-table", 1440, 1280);
            assertGridFits("#transitions-table", 1440, 1280);
            assertGridFits("#schemas-table", 1440, 1280);
        } finally {
            api.schemaRows.remove(SampleData.INVOICE_FLOW);
        }
    }

    @Test
    void comparingTwoWindowsMarksTheMapAndTheViewDownloadsAsSvgAndPng() throws Exception {
        SampleData.placeOrders(api, Instant.now(), "before-deploy", List.of("OrderPlaced", "PaymentCaptured", "OrderShipped"),
                Instant.now().minus(java.time.Duration.ofMinutes(110)), 20);
        page.navigate(url + "flows/" + SampleData.ORDER_FLOW + "?compare=1h");
        Locator graph = page.locator("#flow-graph[data-rendered=true]");
        assertThat(graph).isVisible();
        assertThat(page.locator("#compare-legend")).containsText("GONE: only before");
        assertThat(page.locator("#compare-table")).isVisible();
        assertThat(page.locator("#compare-table")).containsText("PaymentCaptured → OrderShipped");
        @SuppressWarnings("unchecked")
        Map<String, Object> at = (Map<String, Object>) page.evaluate(
                "id => document.querySelector('#flow-graph').positionOf(id)", "StockReserved");
        page.mouse().move(((Number) at.get("x")).doubleValue(), ((Number) at.get("y")).doubleValue());
        assertThat(page.locator("#flow-graph .choreo-graph-tip")).containsText("Before: 0×");
        shot("flow-compare");

        com.microsoft.playwright.Download svgFile = page.waitForDownload(() -> page.locator("#export-svg").click());
        assertThat(svgFile.suggestedFilename()).isEqualTo("OrderPlaced.svg");
        javax.xml.parsers.DocumentBuilderFactory f = javax.xml.parsers.DocumentBuilderFactory.newInstance();
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        f.setNamespaceAware(true);
        org.w3c.dom.Document svg = f.newDocumentBuilder().parse(svgFile.path().toFile()); // throws unless well-formed
        assertThat(svg.getDocumentElement().getLocalName()).isEqualTo("svg");
        assertThat(svg.getDocumentElement().getNamespaceURI()).isEqualTo("http://www.w3.org/2000/svg");
        org.w3c.dom.NodeList texts = svg.getElementsByTagNameNS("http://www.w3.org/2000/svg", "text");
        StringBuilder words = new StringBuilder();
        for (int i = 0; i < texts.getLength(); i++) {
            words.append(texts.item(i).getTextContent()).append('\n');
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) page.evaluate("() => document.querySelector('#flow-graph').metrics()");
        @SuppressWarnings("unchecked")
        Map<String, Object> drawn = (Map<String, Object>) m.get("positions");
        assertThat(drawn).containsKeys("OrderPlaced", "PaymentCaptured", "StockReserved", "OrderShipped");
        String flat = words.toString().replace("\n", "");
        for (String step : drawn.keySet()) {
            assertThat(flat).as("the SVG names the step " + step).contains(step);
        }
        assertThat(words.toString()).contains("GONE").contains("NEW");
        assertThat(svg.getElementsByTagNameNS("http://www.w3.org/2000/svg", "rect").getLength()).isGreaterThan(drawn.size());

        com.microsoft.playwright.Download pngFile = page.waitForDownload(() -> page.locator("#export-png").click());
        assertThat(pngFile.suggestedFilename()).isEqualTo("OrderPlaced.png");
        java.awt.image.BufferedImage png = javax.imageio.ImageIO.read(pngFile.path().toFile());
        assertThat(png).as("a PNG the JDK can read").isNotNull();
        assertThat(png.getWidth()).isGreaterThan(300);

        // the custom windows: picked from the list, four date-time fields and a Compare button appear
        page.locator("#compare-select").click();
        page.getByRole(AriaRole.OPTION, new Page.GetByRoleOptions().setName("Two custom windows…")).click();
        assertThat(page.locator("#compare-custom")).isVisible();
        assertThat(page.locator("#compare-apply")).isVisible();
        // the map drawn before the click must not pass for the one drawn after it: "Compare" takes the map away while
        // both windows load (the next step found no #flow-graph once, 2026-12-05)
        page.evaluate("() => document.querySelector('#flow-graph').removeAttribute('data-rendered')");
        page.locator("#compare-apply").click();
        assertThat(page.locator("#compare-legend")).isVisible();
        assertThat(page.locator("#flow-graph[data-rendered=true]")).isVisible();
        shot("flow-compare-custom");

        // hostile step names (markup, quotes, control characters, a lone surrogate) still give a well-formed SVG
        String hostile = "Order<script>&\"'\u0001\uD800";
        page.evaluate("name => { const g = document.querySelector('#flow-graph'); g.removeAttribute('data-rendered');"
                + " g.graph = JSON.stringify({nodes: [{data: {id: name, label: name + '\\n1x', w: 200, h: 50}, classes: 'start'},"
                + " {data: {id: 'B', label: 'B', w: 80, h: 34}, classes: 'end'}], edges: [{data: {id: 'e', source: name,"
                + " target: 'B', label: name, width: 2}, classes: ''}], rankDir: 'LR', rankSep: 80}); }", hostile);
        assertThat(page.locator("#flow-graph[data-rendered=true]")).isVisible();
        String hostileSvg = (String) page.evaluate("() => document.querySelector('#flow-graph').toSvg('x<y')");
        org.w3c.dom.Document parsed = f.newDocumentBuilder().parse(new org.xml.sax.InputSource(new java.io.StringReader(hostileSvg)));
        assertThat(parsed.getElementsByTagNameNS("http://www.w3.org/2000/svg", "script").getLength()).isZero();
        assertThat(parsed.getDocumentElement().getTextContent()).contains("Order<script>&\"'");
    }

    /**
     * Issue 16 in the browser: the stuck list groups by cause (each kind the sample data has: dead-lettered, error span,
     * consumed and silent) and filters by a group; an instance page says who it waits on and why, markup in the cause
     * shown as text.
     */
    @Test
    void stuckInstancesAreGroupedByCauseAndTheInstancePageSaysWhoAndWhy() {
        page.navigate(url + "stuck");
        Locator groups = page.locator("#stuck-causes vaadin-button.cause-group");
        assertThat(groups.first()).isVisible();
        assertThat(page.locator("#stuck-causes")).containsText("stuck: dead-lettered by ");
        assertThat(page.locator("#stuck-causes")).containsText(" failed (error span)");
        assertThat(page.locator("#stuck-causes")).containsText(" consumed and produced nothing");
        assertThat(page.locator("#stuck-grid")).containsText("consumed and produced nothing");
        // every column in view, every cell readable whole, on a laptop's width too (the demo's list scrolled sideways
        // at any width, "Expected next" cut at the right edge, until 2026-12-05)
        assertGridFits("#stuck-grid", 1440, 1280);
        String label = groups.first().innerText();
        long inGroup = Long.parseLong(label.substring(0, label.indexOf(' ')));
        groups.first().click();
        assertThat(page.locator("#stuck-causes vaadin-button.cause-group[theme~=primary]")).hasCount(1);
        page.waitForCondition(() -> ((Number) page.locator("#stuck-grid").evaluate("g => g.items ? g.items.length : g.size"))
                .longValue() == inGroup);
        shot("stuck-causes");
        page.navigate(url + "instances/" + SampleData.STUCK_ORDER);
        assertThat(page.locator("#instance-waiting-on")).containsText("Waiting on ");
        assertThat(page.locator("#instance-cause")).containsText("Why: ");
        shot("instance-cause");

        InstanceSnapshot failed = api.stuck(null, 500).stream()
                .filter(s -> s.cause() != null && s.cause().kind() == StuckCause.Kind.ERROR_SPAN).findFirst().orElseThrow();
        page.navigate(url + "instances/" + failed.correlationId());
        assertThat(page.locator("#instance-waiting-on")).hasText("Waiting on " + String.join(", ", failed.waitingOn()));
        assertThat(page.locator("#instance-cause")).hasText("Why: " + failed.cause().detail());
        assertThat(page.locator("#instance-cause *")).hasCount(0);
        shot("instance-cause-error-span");
    }

    /**
     * Issue 16 item 5 in the browser: the flow page and the stuck list of one flow show what the flow's stuck instances
     * have in common (the sample data's warehouse), with the figures; the stuck list of all flows does not.
     */
    @Test
    void theFlowPageAndTheStuckListOfOneFlowShowWhatStuckInstancesHaveInCommon() {
        io.choreoscope.model.api.SuspectReport report = api.suspects(SampleData.ORDER_FLOW, TimeWindow.LAST_HOUR);
        assertThat(report.suspects()).isNotEmpty();
        io.choreoscope.model.api.Suspect first = report.suspects().get(0);
        assertThat(first.value()).isEqualTo(SampleData.SUSPECT_WAREHOUSE);

        page.navigate(url + "flows/" + SampleData.ORDER_FLOW);
        Locator panel = page.locator("#suspects");
        Locator sentence = panel.locator(".suspects-step[data-step=OrderPlaced] .suspect-sentence").first();
        assertThat(sentence).hasText(first.sentence());
        assertThat(sentence).isVisible();
        assertThat(panel.locator(".suspect").first()).containsText(String.format(java.util.Locale.ROOT, "%.1f× · %d stuck, %d completed",
                first.lift(), first.stuckInstances(), first.completedInstances()));
        assertThat(page.locator("#suspects-summary")).containsText(report.stuckInstances() + " stuck or failed vs "
                + report.completedInstances() + " completed");
        panel.scrollIntoViewIfNeeded();
        panel.screenshot(new Locator.ScreenshotOptions().setPath(SCREENSHOTS.resolve("flow-suspects.png")));
        shot("flow-with-suspects");

        page.navigate(url + "stuck?flow=" + SampleData.ORDER_FLOW);
        assertThat(page.locator("#suspects .suspect-sentence").first()).hasText(first.sentence());
        shot("stuck-one-flow-suspects");

        page.navigate(url + "stuck");
        assertThat(page.locator("#stuck-grid")).isVisible();
        assertThat(page.locator("#suspects")).isHidden();
    }

    @Test
    void stuckDependenciesAndDarkThemeRender() throws IOException {
        page.navigate(url + "stuck");
        assertThat(page.locator("#stuck-grid")).isVisible();
        shot("stuck");
        page.navigate(url + "dependencies");
        assertThat(page.locator("#dependency-graph[data-rendered=true]")).isVisible();
        shot("dependencies");
        page.navigate(url + "instances/" + SampleData.COMPENSATED_ORDER);
        page.locator("#theme-toggle").click();
        assertThat(page.locator("html[theme~=dark]")).isAttached();
        shot("instance-dark");
        // the choice is kept for the session: the next page opens dark too
        page.navigate(url);
        assertThat(page.locator("html[theme~=dark]")).isAttached();
        assertThat(page.locator("#flow-card-OrderPlaced")).isVisible();
        shot("dashboard-dark");
    }

    @Test
    void separateFlowsOnTheDependencyMapArePackedIntoTheBoxNotDrawnAsOneStrip() {
        // Three unrelated flows, each one service fanning out through a topic to four: dagre puts them side by side,
        // a strip about ten times as wide as high, which "fit" shrank to unreadable labels (the demo's map, 2026-12-05).
        List<DependencyMap.Node> nodes = new ArrayList<>();
        List<DependencyMap.Edge> edges = new ArrayList<>();
        for (String flow : List.of("orders", "users", "content")) {
            nodes.add(new DependencyMap.Node(DependencyMap.NodeKind.SERVICE, flow + "-api"));
            nodes.add(new DependencyMap.Node(DependencyMap.NodeKind.TOPIC, flow));
            edges.add(new DependencyMap.Edge(DependencyMap.EdgeRole.PRODUCES,
                    flow + "-api", flow, Set.of("Created"), 360, 0.1, Double.NaN, Double.NaN, Set.of("observation")));
            for (int i = 1; i <= 4; i++) {
                String consumer = flow + "-worker-" + i;
                nodes.add(new DependencyMap.Node(DependencyMap.NodeKind.SERVICE, consumer));
                edges.add(new DependencyMap.Edge(DependencyMap.EdgeRole.CONSUMES,
                        consumer, flow, Set.of(), 360, 0.1, 12, 80, Set.of("span")));
            }
        }
        onTheDependencyPage(new DependencyMap(nodes, edges), m -> {
            shot("dependencies-three-flows");
            double graphShape = ((Number) m.get("width")).doubleValue() / ((Number) m.get("height")).doubleValue();
            double boxShape = ((Number) m.get("boxWidth")).doubleValue() / ((Number) m.get("boxHeight")).doubleValue();
            assertThat(((Number) m.get("parts")).intValue()).isEqualTo(3);
            assertThat(graphShape)
                    .as("the graph's width / height (%s) against the box's (%s): %s", graphShape, boxShape, m)
                    .isLessThan(2 * boxShape);
            // fitted, an edge label is drawn at 3.4 px as one strip; packed, and grown where need be, at 11 px or more
            assertThat(((Number) m.get("minEdgeLabelPx")).doubleValue()).as("%s", m).isGreaterThanOrEqualTo(11);
            // each topic's four consumer labels sat on top of each other at their edges' midpoints
            assertThat(((Number) m.get("overlappingEdgeLabels")).intValue()).as("%s", m).isZero();
        });
    }

    @Test
    void aDeepDependencyMapGrowsTallerRatherThanShrinkItsLabels() {
        // Three flows of eleven layers each (a service, a topic, a service...), deeper than the demo's: fitted into the
        // 680 px box beside the details, the demo's map (seven layers) drew its node labels at 7.6 px, its edge labels
        // at 6.3 px.
        List<DependencyMap.Node> nodes = new ArrayList<>();
        List<DependencyMap.Edge> edges = new ArrayList<>();
        for (String flow : List.of("orders", "users", "content")) {
            List<String> services = List.of(flow + "-api", flow + "-checker", flow + "-enricher", flow + "-pricer",
                    flow + "-notifier", flow + "-sink");
            services.forEach(sv -> nodes.add(new DependencyMap.Node(DependencyMap.NodeKind.SERVICE, sv)));
            for (int i = 0; i < services.size() - 1; i++) {
                String topic = flow + "-step-" + i;
                nodes.add(new DependencyMap.Node(DependencyMap.NodeKind.TOPIC, topic));
                edges.add(new DependencyMap.Edge(DependencyMap.EdgeRole.PRODUCES, services.get(i), topic,
                        Set.of("Step" + i), 360, 0.1, Double.NaN, Double.NaN, Set.of("observation")));
                edges.add(new DependencyMap.Edge(DependencyMap.EdgeRole.CONSUMES, services.get(i + 1), topic,
                        Set.of(), 360, 0.1, 12, 80, Set.of("span")));
            }
        }
        onTheDependencyPage(new DependencyMap(nodes, edges), m -> {
            shot("dependencies-deep");
            double zoom = ((Number) m.get("zoom")).doubleValue();
            assertThat(((Number) m.get("minNodeLabelPx")).doubleValue()).as("node labels: %s", m).isGreaterThanOrEqualTo(11);
            assertThat(((Number) m.get("minEdgeLabelPx")).doubleValue()).as("edge labels: %s", m).isGreaterThanOrEqualTo(11);
            // the whole map in its box, grown taller than the 680 px it starts from (and than the window): nothing to pan to
            assertThat(((Number) m.get("boxHeight")).doubleValue()).as("%s", m).isGreaterThan(960);
            assertThat(((Number) m.get("width")).doubleValue() * zoom).as("drawn width: %s", m)
                    .isLessThanOrEqualTo(((Number) m.get("boxWidth")).doubleValue());
            assertThat(((Number) m.get("height")).doubleValue() * zoom).as("drawn height: %s", m)
                    .isLessThanOrEqualTo(((Number) m.get("boxHeight")).doubleValue());

            // the details of a step at the bottom of the map are in view beside it, not back at the top of the page
            String last = "service:content-sink";
            // the pointer over the map first, as a reader's is before scrolling down (the map measured where it was)
            com.microsoft.playwright.options.BoundingBox box = page.locator("#dependency-graph").boundingBox();
            page.mouse().move(box.x + 12, box.y + 200);
            page.mouse().move(box.x + 14, box.y + 220);
            page.evaluate("() => document.querySelector('#dependency-graph').scrollIntoView({block: 'end'})");
            Map<String, Object> at = settledPositionOf("#dependency-graph", last);
            page.mouse().click(((Number) at.get("x")).doubleValue(), ((Number) at.get("y")).doubleValue());
            Locator details = page.locator("#dependency-details");
            assertThat(details).containsText("content-sink");
            assertThat(details.locator("h3").first()).isInViewport();
            // what it talks to stays, through its topic the service on the other side too; the rest fades
            @SuppressWarnings("unchecked")
            List<String> faded = (List<String>) graphMetrics().get("faded");
            assertThat(faded).contains("service:orders-api", "service:users-sink", "topic:content-step-3")
                    .doesNotContain(last, "topic:content-step-4", "service:content-notifier");
            shot("dependencies-deep-selected");
            // a tap on the background brings the map back
            page.mouse().click(page.locator("#dependency-graph").boundingBox().x + 12, ((Number) at.get("y")).doubleValue());
            page.waitForFunction("() => document.querySelector('#dependency-graph').metrics().faded.length === 0");

            // found by name with the keyboard from the top of the page: selected, described, and scrolled to
            page.evaluate("() => document.querySelector('#dependency-find').scrollIntoView({block: 'center'})");
            page.locator("#dependency-find input").fill("orders-notifier");
            assertThat(page.locator("vaadin-combo-box-item")).hasText("orders-notifier · service");
            page.locator("#dependency-find input").press("ArrowDown");
            page.locator("#dependency-find input").press("Enter");
            assertThat(details.locator("h3").first()).hasText("orders-notifier");
            page.waitForFunction("() => document.querySelector('#dependency-graph').selected === 'service:orders-notifier'");
            Map<String, Object> found = settledPositionOf("#dependency-graph", "service:orders-notifier");
            double y = ((Number) found.get("y")).doubleValue();
            assertThat(y).as("the found step's place on the page, in a 960 px window").isBetween(0.0, 960.0);
            shot("dependencies-deep-found");
        });
    }

    @Test
    void noArrowOfTheDependencyMapIsDrawnAcrossAnotherBox() {
        // The demo's content pipeline and order saga, as its map showed them (2026-12-06): dagre laid the loop back from
        // the content topic to moderation past uploads, and cytoscape drew it straight through uploads' box, as it did
        // the arrows back from the payments and orders topics through the services between.
        DependencyMap map = dependencies("uploads>content", "moderation<content", "moderation>moderation",
                "transcoding<moderation", "transcoding>transcoding", "publishing<transcoding", "publishing>content",
                "orders>orders", "payments<orders", "payments>payments", "orders<payments", "inventory<payments",
                "inventory>inventory", "payments<inventory", "shipping<inventory", "shipping>rabbitmq:shipping",
                "notifications<rabbitmq:shipping", "inventory>dead-letters", "payments>dead-letters",
                "shipping>dead-letters");
        onTheDependencyPage(map, m -> {
            shot("dependencies-routed");
            assertThat((List<?>) m.get("arrowsThroughBoxes")).as("arrows across another box: %s", m).isEmpty();
            // the loops back up drew across the labels of moderation's and publishing's arrows (placed without
            // looking at other arrows' lines); each label has a place along its own arrow that no other crosses
            assertThat((List<?>) m.get("labelsCrossedByArrows")).as("labels another arrow crosses: %s", m).isEmpty();
            assertThat(page.locator("#dependency-graph").getAttribute("data-routed-edges")).as("arrows bent around boxes")
                    .isNotEqualTo("0");
            assertThat(((Number) m.get("minEdgeLabelPx")).doubleValue()).as("%s", m).isGreaterThanOrEqualTo(11);
        });
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"demo-dependencies-12min.json", "demo-dependencies-14min.json"})
    void theDemosDependencyMapKeepsItsLabelsClearOfOtherArrows(String capture) throws Exception {
        // The demo's map and topics as GET /api/v1/dependencies and /topics gave them after 12 and 14 minutes of its
        // traffic (2026-12-07), with the demo's three flows, whose start events put each saga's first service at the
        // top. After 12 minutes, the arrow back up from the inventory topic to payments went round the right of the
        // payments topic, across both dead-letter arrows, where the left crosses one arrow. After 14 minutes, its label
        // was tried at seven fixed places along it, none free between the payments topic, inventory's box and another
        // label, and sat on the arrow back up to orders.
        com.fasterxml.jackson.databind.ObjectMapper json = io.choreoscope.ui.client.HttpChoreoscopeApi.mapper();
        com.fasterxml.jackson.databind.JsonNode captured;
        try (java.io.InputStream in = UiBrowserIT.class.getResourceAsStream(capture)) {
            captured = json.readTree(in);
        }
        DependencyMap map = json.convertValue(captured.get("dependencies"), DependencyMap.class);
        List<TopicInfo> topicsBefore = api.topics();
        api.setTopics(json.convertValue(captured.get("topics"),
                new com.fasterxml.jackson.core.type.TypeReference<List<TopicInfo>>() { }));
        FlowSummary orders = api.flowSummary("OrderPlaced");
        List<String> added = List.of("ContentUploaded", "UserRegistered");
        added.forEach(f -> api.putFlow(new FlowSummary(f, orders.windowSeconds(), orders.eventsPerSecond(), orders.started(),
                orders.running(), orders.completed(), orders.compensated(), orders.failed(), orders.stuck(),
                orders.completionRate(), orders.p50Ms(), orders.p95Ms(), orders.p99Ms(), orders.sparkline())));
        try {
            onTheDependencyPage(map, m -> {
                shot("dependencies-" + capture.replace(".json", ""));
                assertThat((List<?>) m.get("arrowsThroughBoxes")).as("arrows across another box: %s", m).isEmpty();
                assertThat((List<?>) m.get("labelsUnderNodes")).as("%s", m).isEmpty();
                // the arrows back up to orders (from the payments topic) and to payments (from the inventory topic)
                // pass the payments topic on the same side: the layout leaves them one crossing
                assertThat((List<?>) m.get("arrowCrossings")).as("arrows crossing: %s", m).hasSizeLessThanOrEqualTo(1);
                // only where the users topic fans out to four consumers 20-40 px apart: their short arrows have no
                // place a label's width fits clear of the others' lines and labels (two of them touch)
                @SuppressWarnings("unchecked")
                List<String> crossed = (List<String>) m.get("labelsCrossedByArrows");
                assertThat(crossed).as("labels another arrow crosses: %s", m).isSubsetOf("CONSUMES:analytics:users",
                        "CONSUMES:crm:users", "CONSUMES:email:users", "CONSUMES:welcome-campaign:users");
                assertThat(((Number) m.get("overlappingEdgeLabels")).intValue()).as("%s", m).isLessThanOrEqualTo(1);
            });
        } finally {
            api.setTopics(topicsBefore);
            added.forEach(api::removeFlow);
        }
    }

    /** A dependency map from {@code "service>topic"} (produces) and {@code "service<topic"} (consumes). */
    private static DependencyMap dependencies(String... arrows) {
        java.util.Set<DependencyMap.Node> nodes = new java.util.LinkedHashSet<>();
        List<DependencyMap.Edge> edges = new ArrayList<>();
        for (String a : arrows) {
            boolean produces = a.contains(">");
            String[] ends = a.split(produces ? ">" : "<");
            nodes.add(new DependencyMap.Node(DependencyMap.NodeKind.SERVICE, ends[0]));
            nodes.add(new DependencyMap.Node(DependencyMap.NodeKind.TOPIC, ends[1]));
            edges.add(produces
                    ? new DependencyMap.Edge(DependencyMap.EdgeRole.PRODUCES, ends[0], ends[1], Set.of("Made"), 360, 0.1,
                            Double.NaN, Double.NaN, Set.of("observation"))
                    : new DependencyMap.Edge(DependencyMap.EdgeRole.CONSUMES, ends[0], ends[1], Set.of(), 360, 0.1, 12, 80,
                            Set.of("span")));
        }
        return new DependencyMap(new ArrayList<>(nodes), edges);
    }

    @Test
    void aDependencyMapIsPackedAgainWhenItsBoxChangesShape() {
        // Four unrelated flows, one producer and one consumer each: tall narrow parts. The map's box has a fixed
        // height; in a wide window they go four to a row, in the usual one two or three to a row.
        List<DependencyMap.Node> nodes = new ArrayList<>();
        List<DependencyMap.Edge> edges = new ArrayList<>();
        for (String flow : List.of("orders", "users", "content", "billing")) {
            nodes.add(new DependencyMap.Node(DependencyMap.NodeKind.SERVICE, flow + "-api"));
            nodes.add(new DependencyMap.Node(DependencyMap.NodeKind.TOPIC, flow));
            nodes.add(new DependencyMap.Node(DependencyMap.NodeKind.SERVICE, flow + "-worker"));
            edges.add(new DependencyMap.Edge(DependencyMap.EdgeRole.PRODUCES,
                    flow + "-api", flow, Set.of("Created"), 360, 0.1, Double.NaN, Double.NaN, Set.of("observation")));
            edges.add(new DependencyMap.Edge(DependencyMap.EdgeRole.CONSUMES,
                    flow + "-worker", flow, Set.of(), 360, 0.1, 12, 80, Set.of("span")));
        }
        DependencyMap before = api.dependencies(null);
        api.setDependencies(new DependencyMap(nodes, edges));
        try {
            page.setViewportSize(2400, 960);
            page.navigate(url + "dependencies");
            assertThat(page.locator("#dependency-graph[data-rendered=true]")).isVisible();
            page.waitForTimeout(300);
            Map<String, Object> wide = graphMetrics();
            assertThat(shape(wide)).as("four to a row in the wide box: %s", wide).isGreaterThan(2.2);

            // Made narrow again: packed again (before, a resize only refitted the graph: the row of four stayed,
            // drawn smaller, in a box left mostly empty).
            page.setViewportSize(1440, 960);
            page.waitForFunction("w => document.querySelector('#dependency-graph').metrics().boxWidth < w - 300",
                    ((Number) wide.get("boxWidth")).doubleValue());
            page.waitForTimeout(300);
            Map<String, Object> narrow = graphMetrics();
            double box = ((Number) narrow.get("boxWidth")).doubleValue() / ((Number) narrow.get("boxHeight")).doubleValue();
            assertThat(shape(narrow)).as("the graph's width / height against the box's (%s): %s", box, narrow)
                    .isLessThan(2 * box);
        } finally {
            page.setViewportSize(1440, 960);
            api.setDependencies(before);
        }
    }

    /**
     * Page coordinates of a graph element once they stop moving (read every 50 ms until two agree): a click right
     * after a scroll or a resize of the map once landed on another element's arrow.
     */
    @SuppressWarnings("unchecked")
    private Map<String, Object> settledPositionOf(String graph, String id) {
        return (Map<String, Object>) page.evaluate("async ([g, id]) => { const el = document.querySelector(g);"
                + " let a = el.positionOf(id); for (let i = 0; i < 60; i++) {"
                + " await new Promise((r) => setTimeout(r, 50)); const b = el.positionOf(id);"
                + " if (a && b && Math.abs(a.x - b.x) < 0.5 && Math.abs(a.y - b.y) < 0.5) { return b; } a = b; }"
                + " return a; }", List.of(graph, id));
    }

    /** Shows {@code map} on the dependency page, checks it once drawn (given its metrics), and puts the sample back. */
    private void onTheDependencyPage(DependencyMap map, java.util.function.Consumer<Map<String, Object>> checks) {
        DependencyMap before = api.dependencies(null);
        api.setDependencies(map);
        try {
            page.navigate(url + "dependencies");
            assertThat(page.locator("#dependency-graph[data-rendered=true]")).isVisible();
            page.waitForTimeout(300); // the fit after the first frame
            checks.accept(graphMetrics());
        } finally {
            api.setDependencies(before);
        }
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> graphMetrics() {
        return (Map<String, Object>) page.evaluate("() => document.querySelector('#dependency-graph').metrics()");
    }

    private static double shape(Map<String, Object> metrics) {
        return ((Number) metrics.get("width")).doubleValue() / ((Number) metrics.get("height")).doubleValue();
    }

    @Test
    void anAlertRuleIsCreatedAndStuckInstancesAreReplayedAfterADryRun() {
        page.navigate(url + "alerts");
        assertThat(page.locator("#alerts-grid")).containsText(SampleData.FIRING_RULE);
        page.locator("#alerts-new").click();
        page.locator("#rule-name input").fill("Invoices completing (browser)");
        page.locator("#rule-window input").fill("15m");
        page.locator("#rule-threshold input").fill("99");
        page.locator("#rule-threshold input").press("Enter"); // Enter saves the dialog
        assertThat(page.locator("#rule-dialog")).isHidden();
        assertThat(page.locator("#alerts-outcome")).containsText("Created “Invoices completing (browser)”");
        assertThat(page.locator("#alerts-grid")).containsText("Invoices completing (browser)");
        assertThat(page.locator("#alerts-grid")).containsText("< 99%");
        assertThat(api.alertRules()).anyMatch(r -> r.name().equals("Invoices completing (browser)")
                && r.threshold() == 99.0 && r.windowMs() == 900_000);
        assertThat(page.locator("vaadin-dialog-overlay")).hasCount(0); // closed, not just closing
        shot("alerts");
        // nine columns in view, states and names whole (the demo's rules scrolled sideways at 1400 px: 1080/1028)
        assertGridFits("#alerts-grid", 1440, 1280);

        page.navigate(url + "stuck");
        Locator rowBoxes = page.locator("#stuck-grid vaadin-grid-cell-content vaadin-checkbox");
        assertThat(rowBoxes.nth(2)).isVisible();
        rowBoxes.nth(1).click(); // nth(0) is "select all" in the header
        rowBoxes.nth(2).click();
        assertThat(page.locator("#stuck-selection")).hasText("2 selected");
        page.locator("#stuck-replay").click();
        // the dialog asks for a dry run first and lists the records
        assertThat(page.locator("#replay-summary")).containsText("these 2 records would be sent");
        assertThat(page.locator("#replay-record-payload")).containsText("\"orderId\"");
        assertThat(page.locator("#replay-record-headers")).containsText("choreoscope-replay-of");
        assertThat(page.locator("#replay-confirm")).hasText("Replay 2 records");
        assertThat(page.locator("vaadin-dialog-overlay img")).hasCount(0);
        shot("replay-dry-run");

        page.locator("#replay-confirm").click();
        page.waitForURL("**/replays?id=*");
        Locator card = page.locator(".replay-card").first();
        assertThat(card).containsText("of 2 sent");
        assertThat(page.locator("vaadin-dialog-overlay")).hasCount(0);
        shot("replay-progress");
        // the fake sends 2 records/s: the page polls until the replay has finished
        assertThat(card).hasAttribute("data-state", "SUCCEEDED");
        assertThat(card).containsText("2 of 2 sent");
        assertThat(page.locator("#replay-audit")).containsText("2 records sent");
        shot("replay-done");

        // A refused request is a row with its reason whole and a coloured badge (it was a bare bold word, the reason
        // cut to "refused (400 bad_…"), and no row has an empty band under it (the first rows had one, 2026-12-05).
        org.junit.jupiter.api.Assertions.assertThrows(io.choreoscope.ui.client.ApiException.class, () -> api.replay(
                new io.choreoscope.model.api.ReplayRequest(io.choreoscope.model.api.ReplayMode.STUCK_LAST_EVENT, null,
                        List.of(), null, null, false, null), "operator"));
        api.setDelay(java.time.Duration.ofMillis(400)); // the audit arrives after the page, as from a real backend
        try {
            page.navigate(url + "replays");
            assertThat(page.locator("#replay-audit")).isVisible();
        } finally {
            api.setDelay(java.time.Duration.ZERO);
        }
        Locator refused = page.locator("#replay-audit vaadin-grid-cell-content").filter(
                new Locator.FilterOptions().setHasText("correlationIds"));
        assertThat(refused).isVisible();
        assertThat(page.locator("#replay-audit .state-badge.state-refused")).hasCount(1);
        page.waitForTimeout(500);
        assertThat((List<?>) page.evaluate("() => [...document.querySelectorAll('#replay-audit .state-badge')]"
                + ".filter(b => getComputedStyle(b).getPropertyValue('--cs-state').trim() === '').map(b => b.textContent)"))
                .as("state badges without a colour").isEmpty();
        assertThat((List<?>) page.evaluate("() => [...document.querySelector('#replay-audit').shadowRoot"
                + ".querySelectorAll('#items tr')].filter(r => !r.hasAttribute('details-opened'))"
                + ".map(r => r.querySelector('td[part~=details-cell]')).filter(c => c && !c.hidden).map(c => c.offsetHeight)"))
                .as("details bands shown under rows whose details are closed").isEmpty();
        shot("replay-audit-refused");
        assertGridFits("#replay-audit", 1440);
    }
}
