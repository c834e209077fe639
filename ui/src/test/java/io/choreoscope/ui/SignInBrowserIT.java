package io.choreoscope.ui;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Route;

import io.choreoscope.ui.client.FakeChoreoscopeApi;

/**
 * Sign-in in a real browser (Debian's Chromium): the sign-in page, the roles' effect on the screens, and
 * Vaadin's CSRF protection of UI actions, shown by forging the CSRF token of the browser's own sign-in
 * request: the forged request signs nobody in, the same request with its real token does.
 */
class SignInBrowserIT {
    static FakeChoreoscopeApi api;
    static BrowserUi ui;
    static Browser browser;
    static String url;

    @BeforeAll
    static void start() throws Exception {
        Files.createDirectories(UiBrowserIT.SCREENSHOTS);
        api = FakeChoreoscopeApi.withSampleData(Instant.now())
                .addUser("vera", "viewer-pw", List.of("viewer"))
                .addUser("ada", "admin-pw", List.of("viewer", "operator", "admin"));
        ui = BrowserUi.start(api);
        url = ui.url();
        browser = ui.browser();
    }

    @AfterAll
    static void stop() {
        if (ui != null) {
            ui.close();
        }
    }

    private static void fillAndSubmit(Page page, String user, String password) {
        page.locator("#login-form input[name=username]").fill(user);
        page.locator("#login-form input[name=password]").fill(password);
        page.locator("#login-form input[name=password]").press("Enter");
    }

    @Test
    void aViewerSignsInLandsWhereTheyWereGoingAndSeesNoReplayControls() {
        try (BrowserContext context = browser.newContext(new Browser.NewContextOptions().setViewportSize(1440, 960))) {
            Page page = context.newPage();
            page.navigate(url + "stuck");
            page.waitForURL("**/login?next=stuck");
            assertThat(page.locator("#login-form")).isVisible();
            fillAndSubmit(page, "vera", "wrong");
            assertThat(page.locator("#login-form")).hasAttribute("error", "");
            fillAndSubmit(page, "vera", "viewer-pw");
            page.waitForURL("**/stuck");
            assertThat(page.locator("#signed-in-user")).hasText("vera");
            assertThat(page.locator("#stuck-grid")).isVisible();
            assertThat(page.locator("#stuck-replay")).hasCount(0);
            page.screenshot(new Page.ScreenshotOptions().setPath(UiBrowserIT.SCREENSHOTS.resolve("signed-in-viewer.png")));
            page.locator("#sign-out").click();
            page.waitForURL("**/login**");
            page.navigate(url + "alerts");
            page.waitForURL("**/login?next=alerts");
        }
    }

    @Test
    void aUiActionWithAForgedCsrfTokenIsRefusedAndTheSameActionWithItsOwnTokenWorks() {
        try (BrowserContext context = browser.newContext()) {
            Page page = context.newPage();
            page.navigate(url + "login");
            assertThat(page.locator("#login-form")).isVisible();
            int tokensBefore = api.tokensUsed().size();

            AtomicInteger forged = new AtomicInteger();
            page.route("**/*v-r=uidl*", (Route route) -> {
                String body = route.request().postData();
                if (body != null && body.contains("\"csrfToken\":\"") && body.contains("login")) {
                    forged.incrementAndGet();
                    route.resume(new Route.ResumeOptions().setPostData(
                            body.replaceFirst("\"csrfToken\":\"[^\"]*\"", "\"csrfToken\":\"forged-by-another-site\"")));
                } else {
                    route.resume();
                }
            });
            fillAndSubmit(page, "ada", "admin-pw");
            page.waitForTimeout(2_000);
            assertThat(forged.get()).as("the sign-in request went out with the forged token").isPositive();
            assertThat(api.tokensUsed()).as("nobody was signed in by the forged request").hasSize(tokensBefore);

            // the same sign-in with its own token, from a fresh page of the same browser: the refused page's client may
            // still be reacting to the refusal (once in a CI run, navigating that page away never reached its load event)
            page.unrouteAll();
            page.close();
            Page again = context.newPage();
            again.navigate(url + "login?next=alerts");
            fillAndSubmit(again, "ada", "admin-pw");
            again.waitForURL("**/alerts");
            assertThat(again.locator("#signed-in-user")).hasText("ada");
            assertThat(again.locator("#alerts-new")).isVisible();
            assertThat(api.tokensUsed()).hasSize(tokensBefore + 1);
        }
    }
}
