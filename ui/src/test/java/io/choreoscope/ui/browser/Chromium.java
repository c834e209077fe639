package io.choreoscope.ui.browser;

import java.nio.file.Paths;
import java.util.List;
import java.util.Map;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Playwright;

/**
 * Playwright driving Debian's Chromium ({@code -Dchromium.path}, default /usr/bin/chromium), never a
 * downloaded browser, with the flags this machine's closed network needs. In the ui test-jar: the e2e module's
 * browser test drives the real application's UI with it.
 */
public final class Chromium {
    public static final String PATH = System.getProperty("chromium.path", "/usr/bin/chromium");

    private Chromium() {
    }

    public static Playwright playwright() {
        return Playwright.create(new Playwright.CreateOptions().setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
    }

    public static Browser launch(Playwright playwright) {
        return playwright.chromium().launch(new BrowserType.LaunchOptions()
                .setExecutablePath(Paths.get(PATH))
                .setHeadless(true)
                .setArgs(List.of("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync", "--no-first-run")));
    }
}
