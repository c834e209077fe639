package io.choreoscope.ui;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;

import io.choreoscope.ui.client.FakeChoreoscopeApi;

/**
 * Loading the sign-in page makes a session with a UI, kept for the session timeout: a client loading it in a loop held
 * heap without bound. On real Jetty with a budget of {@value #BUDGET} sessions nobody is signed in to, a flood of
 * sign-in pages over HTTP ends the oldest of them, and a user signed in in a real browser before the flood stays signed
 * in through it. A user signing in again and again (the API lets a remembered password in at once) keeps only their
 * newest {@value #PER_USER} sessions.
 */
class SessionBudgetBrowserIT {
    static final int BUDGET = 10;
    static final int PER_USER = 2;
    static final int FLOOD = 30;
    static BrowserUi ui;

    @BeforeAll
    static void start() throws Exception {
        ui = BrowserUi.start(new FakeChoreoscopeApi().addUser("vera", "viewer-pw", List.of("viewer"))
                        .addUser("ada", "admin-pw", List.of("viewer", "operator", "admin")),
                new UiServer().maxSessionsNotSignedIn(BUDGET).maxSessionsPerUser(PER_USER));
    }

    @AfterAll
    static void stop() {
        if (ui != null) {
            ui.close();
        }
    }

    /**
     * Whether Vaadin answers a message from the session as from one that is gone (the page then says so and loads
     * again). Each on a connection of its own: the server closes the one it answered that on without saying so, and
     * the client retries a GET on a closed connection but not a POST.
     */
    private static boolean expired(String cookie) throws Exception {
        String body = new UiHttp(ui.url()).postEmptyMessage(cookie).body();
        return body.contains("\"sessionExpired\":true");
    }

    @Test
    void aFloodOfSignInPagesEndsTheOldestOfThemAndNoSignedInSession() throws Exception {
        try (BrowserContext context = ui.browser().newContext()) {
            Page page = context.newPage();
            signIn(page, "vera", "viewer-pw");

            UiHttp http = new UiHttp(ui.url());
            List<String> flood = new ArrayList<>();
            for (int i = 0; i < FLOOD; i++) {
                flood.add(http.sessionWithUi());
            }
            List<Boolean> gone = new ArrayList<>();
            for (String cookie : flood) {
                gone.add(expired(cookie));
            }
            List<Boolean> expected = new ArrayList<>();
            for (int i = 0; i < FLOOD; i++) {
                expected.add(i < FLOOD - BUDGET);
            }
            assertThat(gone).as("ended, per session of the flood in the order made").isEqualTo(expected);

            // The signed-in user, whose session is older than the whole flood, is still signed in.
            page.navigate(ui.url() + "alerts");
            page.waitForURL("**/alerts");
            assertThat(page.locator("#signed-in-user")).hasText("vera");
        }
    }

    private static void signIn(Page page, String user, String password) {
        page.navigate(ui.url() + "stuck");
        page.waitForURL("**/login?next=stuck");
        page.locator("#login-form input[name=username]").fill(user);
        page.locator("#login-form input[name=password]").fill(password);
        page.locator("#login-form input[name=password]").press("Enter");
        page.waitForURL("**/stuck");
    }

    @Test
    void aUserSigningInAgainAndAgainKeepsOnlyTheirNewestSessions() {
        List<BrowserContext> browsers = new ArrayList<>();
        try {
            List<Page> pages = new ArrayList<>();
            for (int i = 0; i < PER_USER + 1; i++) {
                BrowserContext context = ui.browser().newContext();
                browsers.add(context);
                Page page = context.newPage();
                signIn(page, "ada", "admin-pw");
                pages.add(page);
            }
            // The first browser's session was ended by the third sign-in: it is sent to sign in again. Asked from a new
            // page of that browser (same cookie): the old page's client may itself be reloading on learning that its
            // session is gone, which aborted a navigation of that page once in a CI run.
            pages.get(0).close();
            Page again = browsers.get(0).newPage();
            again.navigate(ui.url() + "alerts");
            again.waitForURL("**/login?next=alerts");
            for (Page page : pages.subList(1, pages.size())) {
                page.navigate(ui.url() + "alerts");
                page.waitForURL("**/alerts");
                assertThat(page.locator("#signed-in-user")).hasText("ada");
            }
        } finally {
            browsers.forEach(BrowserContext::close);
        }
    }
}
