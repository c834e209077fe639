package io.choreoscope.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

class WebhookNotifierTest {
    private final WebhookNotifier notifier = new WebhookNotifier(Duration.ofSeconds(2), 4, Duration.ofMillis(20), Duration.ofMillis(50),
            new WebhookAddressPolicy(List.of(WebhookReceiver.ALLOWED_HOSTS)));

    @Test
    void theReceiversAnswerBodyIsNeitherKeptNorReported() throws Exception {
        try (WebhookReceiver receiver = new WebhookReceiver().answer(500, 500, 500, 500)) {
            WebhookNotifier.Delivery d = notifier.post(receiver.url(), "{}").join();
            assertThat(d.detail()).isEqualTo("HTTP 500");
            assertThat(d.summary()).isEqualTo("failed after 4 attempts: HTTP 500");
        }
    }

    @Test
    void aLoopbackReceiverIsNotCalledWhenTheAllowListDoesNotNameIt() throws Exception {
        WebhookNotifier strict = new WebhookNotifier(Duration.ofSeconds(2), 4, Duration.ofMillis(20), Duration.ofMillis(50));
        try (WebhookReceiver receiver = new WebhookReceiver()) {
            WebhookNotifier.Delivery d = strict.post(receiver.url(), "{}").join();
            assertThat(d.delivered()).isFalse();
            assertThat(d.attempts()).isZero();
            assertThat(d.summary()).isEqualTo("failed after 0 attempts: refused: not a public address");
            assertThat(receiver.bodies()).isEmpty();
        }
    }

    @Test
    void serverErrorsAreRetriedUntilTheReceiverTakesTheBody() throws Exception {
        try (WebhookReceiver receiver = new WebhookReceiver().answer(503, 500, 429)) {
            WebhookNotifier.Delivery d = notifier.post(receiver.url(), "{\"a\":1}").join();
            assertThat(d.delivered()).isTrue();
            assertThat(d.attempts()).isEqualTo(4);
            assertThat(d.summary()).isEqualTo("delivered (200) after 4 attempts");
            assertThat(receiver.bodies()).hasSize(4).containsOnly("{\"a\":1}");
        }
    }

    @Test
    void deliveryIsGivenUpAfterMaxAttempts() throws Exception {
        try (WebhookReceiver receiver = new WebhookReceiver().answer(502, 502, 502, 502, 502)) {
            WebhookNotifier.Delivery d = notifier.post(receiver.url(), "{}").join();
            assertThat(d.delivered()).isFalse();
            assertThat(d.attempts()).isEqualTo(4);
            assertThat(d.lastStatus()).isEqualTo(502);
            assertThat(d.summary()).startsWith("failed after 4 attempts: HTTP 502");
            assertThat(receiver.bodies()).hasSize(4);
        }
    }

    @Test
    void clientErrorsAreNotRetried() throws Exception {
        try (WebhookReceiver receiver = new WebhookReceiver().answer(400)) {
            WebhookNotifier.Delivery d = notifier.post(receiver.url(), "{}").join();
            assertThat(d.delivered()).isFalse();
            assertThat(d.attempts()).isEqualTo(1);
            assertThat(receiver.bodies()).hasSize(1);
        }
    }

    @Test
    void unreachableReceiverIsRetriedAndReported() throws Exception {
        String url;
        try (WebhookReceiver gone = new WebhookReceiver()) {
            url = gone.url();
        }
        WebhookNotifier.Delivery d = notifier.post(url, "{}").join();
        assertThat(d.delivered()).isFalse();
        assertThat(d.attempts()).isEqualTo(4);
        assertThat(d.detail()).startsWith("unreachable");
    }

    @Test
    void backoffDoublesUpToTheMaximum() {
        WebhookNotifier n = new WebhookNotifier(Duration.ofSeconds(1), 10, Duration.ofMillis(500), Duration.ofSeconds(3));
        assertThat(n.backoffMillis(1)).isEqualTo(500);
        assertThat(n.backoffMillis(2)).isEqualTo(1000);
        assertThat(n.backoffMillis(3)).isEqualTo(2000);
        assertThat(n.backoffMillis(4)).isEqualTo(3000);
        assertThat(n.backoffMillis(40)).isEqualTo(3000);
    }
}
