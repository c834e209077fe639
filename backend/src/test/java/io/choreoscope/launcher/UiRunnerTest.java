package io.choreoscope.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Where the UI in this process calls its own API, from the address the API listens on. */
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
}
