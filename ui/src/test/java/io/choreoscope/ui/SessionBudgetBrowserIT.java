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
 * in through it.
 */
class SessionBudgetBrowserIT {
    static final int BUDGET = 10;
    static final int FLOOD = 30;
    static BrowserUi ui;

    @BeforeAll
    static void start() throws Exception {
        ui = BrowserUi.start(new FakeChoreoscopeApi().addUser("vera", "viewer-pw", List.of("viewer")),
                new UiServer().maxSessionsNotSignedIn(BUDGET));
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
            page.navigate(ui.url() + "stuck");
            page.waitForURL("**/login?next=stuck");
            page.locator("#login-form input[name=username]").fill("vera");
            page.locator("#login-form input[name=password]").fill("viewer-pw");
            page.locator("#login-form input[name=password]").press("Enter");
            page.waitForURL("**/stuck");

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
}
