package io.choreoscope.alerts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class WebhookAddressPolicyTest {
    private final WebhookAddressPolicy strict = new WebhookAddressPolicy(List.of());

    @ParameterizedTest
    @ValueSource(strings = {
            "http://169.254.169.254/latest/meta-data", "http://127.0.0.1:8123/", "http://localhost:8080/hook",
            "http://127.1.2.3/", "http://[::1]/", "http://10.0.0.1/", "http://172.16.0.1/", "http://172.31.255.255/",
            "http://192.168.1.1/", "http://[fc00::1]/", "http://[fd12:3456::1]/", "http://[fe80::1]/",
            "http://0.0.0.0/", "http://[::]/", "http://224.0.0.1/", "http://[ff02::1]/", "http://[::ffff:169.254.169.254]/",
            "http://[::ffff:127.0.0.1]/", "http://0.1.2.3/"})
    void internalAddressesAreRefused(String url) {
        assertThat(strict.refusal(url)).as(url).isNotNull().contains("webhooks may only call public addresses");
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://93.184.216.34/hook", "https://172.32.0.1/", "https://[2001:4860:4860::8888]/"})
    void publicAddressesAreAllowed(String url) {
        assertThat(strict.refusal(url)).as(url).isNull();
    }

    @Test
    void theRefusalNamesTheAddressItsKindAndTheSetting() {
        assertThat(strict.refusal("http://169.254.169.254/latest/meta-data"))
                .contains("169.254.169.254", "link-local", "choreoscope.alerts.webhook.allowed-hosts");
        assertThat(strict.refusal("http://localhost:8123/")).contains("localhost", "loopback");
    }

    @Test
    void aListedNetworkOrHostIsAllowedAndNothingElse() {
        WebhookAddressPolicy p = new WebhookAddressPolicy(List.of("10.20.0.0/16", " LocalHost ", "fd00::/8"));
        assertThat(p.refusal("http://10.20.3.4/")).isNull();
        assertThat(p.refusal("http://10.21.3.4/")).isNotNull();
        assertThat(p.refusal("http://localhost:9000/")).isNull();
        assertThat(p.refusal("http://127.0.0.1:9000/")).isNotNull();
        assertThat(p.refusal("http://[fd00::5]/")).isNull();
        assertThat(p.refusal("http://169.254.169.254/")).isNotNull();
    }

    @Test
    void unresolvableHostsAndBadUrlsAreRefused() {
        assertThat(strict.refusal("http://no-such-host.invalid/")).contains("does not resolve");
        assertThat(strict.refusal("http:///nohost")).isNotNull();
    }

    @Test
    void aBadAllowListEntryIsRefusedWithTheKey() {
        assertThatThrownBy(() -> new WebhookAddressPolicy(List.of("10.0.0.0/33")))
                .hasMessageContaining("choreoscope.alerts.webhook.allowed-hosts");
        assertThatThrownBy(() -> new WebhookAddressPolicy(List.of("example.com/8")))
                .hasMessageContaining("not a CIDR block");
    }

    @Test
    void maskedUrlsKeepSchemeAndHostOnly() {
        assertThat(AlertService.maskedWebhookUrl("https://hooks.slack.com/services/T0/B0/secret"))
                .isEqualTo("https://hooks.slack.com/…");
        assertThat(AlertService.maskedWebhookUrl(null)).isNull();
    }
}
