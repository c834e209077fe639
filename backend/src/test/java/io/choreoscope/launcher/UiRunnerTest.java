package io.choreoscope.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.micronaut.context.ApplicationContext;

/** Where the UI in this process calls its own API, from the address the API listens on; what it is configured with. */
class UiRunnerTest {

    @Test
    void everyInterfaceIsReachedOverLocalhost() {
        assertThat(UiRunner.apiHost(null)).isEqualTo("localhost");
        assertThat(UiRunner.apiHost("")).isEqualTo("localhost");
        assertThat(UiRunner.apiHost("0.0.0.0")).isEqualTo("localhost");
        assertThat(UiRunner.apiHost("::")).isEqualTo("localhost");
    }

    @Test
    void oneAddressIsReachedThere() {
        // The demo's API listens on 127.0.0.1 only; an address of one interface is not reachable as localhost at all.
        assertThat(UiRunner.apiHost("127.0.0.1")).isEqualTo("127.0.0.1");
        assertThat(UiRunner.apiHost(" 10.0.0.5 ")).isEqualTo("10.0.0.5");
        assertThat(UiRunner.apiHost("::1")).isEqualTo("[::1]");
        assertThat(UiRunner.apiHost("[fd00::5]")).isEqualTo("[fd00::5]");
    }

    @Test
    void theUisSessionBoundsComeFromTheConfigurationWithTheirDefaults() {
        Map<String, Object> off = Map.of("choreoscope.tap.enabled", false, "choreoscope.otlp.enabled", false,
                "choreoscope.alerts.enabled", false, "choreoscope.ui.enabled", false);
        try (ApplicationContext context = ApplicationContext.run(off)) {
            UiConfig ui = context.getBean(UiConfig.class);
            assertThat(ui.getMaxSessionsNotSignedIn()).isEqualTo(5_000);
            assertThat(ui.getMaxSessionsPerUser()).isEqualTo(50);
        }
        Map<String, Object> set = new java.util.HashMap<>(off);
        set.put("choreoscope.ui.max-sessions-not-signed-in", "120");
        set.put("choreoscope.ui.max-sessions-per-user", "7");
        try (ApplicationContext context = ApplicationContext.run(set)) {
            UiConfig ui = context.getBean(UiConfig.class);
            assertThat(ui.getMaxSessionsNotSignedIn()).isEqualTo(120);
            assertThat(ui.getMaxSessionsPerUser()).isEqualTo(7);
        }
    }
}
