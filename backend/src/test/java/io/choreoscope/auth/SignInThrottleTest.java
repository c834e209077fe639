package io.choreoscope.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.choreoscope.harness.clickhouse.ClickHouseExtension;
import io.choreoscope.harness.kafka.KafkaExtension;
import io.choreoscope.ingest.TestApplication;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;

import static org.awaitility.Awaitility.await;

/**
 * Password sign-in under attack, over real HTTP against the running server: every password check is a PBKDF2, so the
 * server limits them per client address and per user name, runs them on a bounded pool (a full queue answers 429 at
 * once), and locks a user name after repeated failures without locking its owner out. The tests choose the client
 * address through {@code micronaut.server.client-address-header}, as a proxy in front would.
 */
@ExtendWith({KafkaExtension.class, ClickHouseExtension.class})
class SignInThrottleTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CLIENT = "X-Test-Client";
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private EmbeddedServer server;

    @TempDir
    Path dataDir;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private void start(Map<String, Object> signIn) {
        Map<String, Object> p = TestApplication.properties(KafkaExtension.uniqueName("sign-in"), ClickHouseExtension.createDatabase());
        p.put("choreoscope.tap.enabled", false);
        p.put("choreoscope.otlp.enabled", false);
        p.put("choreoscope.alerts.enabled", false);
        p.put("choreoscope.auth.enabled", true);
        p.put("choreoscope.auth.token-secret", AccessTest.SECRET);
        p.put("choreoscope.data-dir", dataDir.toString());
        p.put("micronaut.server.client-address-header", CLIENT);
        p.put("choreoscope.auth.users.erin.password-hash", PasswordHashes.hash("pw-erin".toCharArray(), 10_000));
        p.put("choreoscope.auth.users.erin.roles", List.of("viewer"));
        // As shipped: 600,000 iterations.
        p.put("choreoscope.auth.users.slow.password-hash", PasswordHashes.hash("pw-slow".toCharArray()));
        p.put("choreoscope.auth.users.slow.roles", List.of("viewer"));
        signIn.forEach((k, v) -> p.put("choreoscope.auth.sign-in." + k, v));
        server = ApplicationContext.run(EmbeddedServer.class, p);
    }

    private HttpResponse<String> login(String client, String user, String password) throws Exception {
        String body = JSON.writeValueAsString(Map.of("username", user, "password", password));
        return http.send(HttpRequest.newBuilder(URI.create(server.getURL() + "/api/v1/auth/login")).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").header(CLIENT, client)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> basic(String client, String user, String password) throws Exception {
        String auth = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        return http.send(HttpRequest.newBuilder(URI.create(server.getURL() + "/api/v1/auth/me")).timeout(Duration.ofSeconds(60))
                .header("Authorization", auth).header(CLIENT, client).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String error(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body()).get("error").asText();
    }

    private static long retryAfter(HttpResponse<String> r) {
        return Long.parseLong(r.headers().firstValue("Retry-After").orElse("-1"));
    }

    @Test
    void oneAddressGetsAFewPasswordChecksPerWindowThenA429WithRetryAfterOverLoginAndBasicAlike() throws Exception {
        start(Map.of("attempts-per-address", 3, "window", "1h", "lockout-failures", 100));
        for (int i = 0; i < 3; i++) {
            assertThat(login("10.0.0.1", "nobody-" + i, "guess").statusCode()).isEqualTo(401);
        }
        HttpResponse<String> refused = login("10.0.0.1", "nobody-3", "guess");
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(429);
        assertThat(error(refused)).isEqualTo("sign_in_rate");
        assertThat(JSON.readTree(refused.body()).get("message").asText()).contains("your address");
        // One token comes back every 20 minutes (3 per hour).
        assertThat(retryAfter(refused)).isBetween(60L, 1200L);

        HttpResponse<String> basic = basic("10.0.0.1", "erin", "pw-erin");
        assertThat(basic.statusCode()).as("HTTP Basic is a password check too").isEqualTo(429);
        assertThat(retryAfter(basic)).isPositive();

        assertThat(login("10.0.0.2", "erin", "pw-erin").statusCode()).as("another address is not limited").isEqualTo(200);
        // A password that matched is remembered briefly: Basic clients that send it on every request are not throttled.
        for (int i = 0; i < 10; i++) {
            assertThat(basic("10.0.0.2", "erin", "pw-erin").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void oneUserNameGetsAFewPasswordChecksPerWindowFromAddressesThatNeverSignedInAsIt() throws Exception {
        start(Map.of("attempts-per-address", 100, "attempts-per-user", 5, "window", "1h", "lockout-failures", 100));
        // The owner's first sign-in from an address takes one of the name's five checks; the address is then trusted.
        assertThat(login("10.2.0.1", "erin", "pw-erin").statusCode()).isEqualTo(200);
        for (int i = 0; i < 4; i++) {
            assertThat(login("10.2.1." + i, "erin", "guess-" + i).statusCode()).isEqualTo(401);
        }
        HttpResponse<String> refused = login("10.2.1.99", "erin", "guess");
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(429);
        assertThat(error(refused)).isEqualTo("sign_in_rate");
        assertThat(JSON.readTree(refused.body()).get("message").asText()).contains("user name");
        assertThat(retryAfter(refused)).isPositive();
        // Unknown names are limited alike, so a 429 does not tell which names exist.
        for (int i = 0; i < 5; i++) {
            assertThat(login("10.2.2." + i, "mallory", "guess-" + i).statusCode()).isEqualTo(401);
        }
        assertThat(login("10.2.2.99", "mallory", "guess").statusCode()).isEqualTo(429);

        assertThat(login("10.2.0.1", "erin", "pw-erin").statusCode()).as("the owner's own address is not limited by the flood")
                .isEqualTo(200);
    }

    @Test
    void repeatedFailuresLockTheNameForNewAddressesForAWhileButNotItsOwnerAndTheLockEndsByItself() throws Exception {
        start(Map.of("attempts-per-address", 100, "attempts-per-user", 100, "lockout-failures", 5, "lockout-duration", "4s"));
        assertThat(login("10.3.0.1", "erin", "pw-erin").statusCode()).as("the owner signs in from their usual address").isEqualTo(200);
        for (int i = 0; i < 5; i++) {
            assertThat(login("10.3.1." + i, "erin", "guess-" + i).statusCode()).isEqualTo(401);
        }
        HttpResponse<String> locked = login("10.3.2.1", "erin", "pw-erin");
        assertThat(locked.statusCode()).as("even the right password from a new address waits: " + locked.body()).isEqualTo(429);
        assertThat(error(locked)).isEqualTo("sign_in_locked");
        assertThat(retryAfter(locked)).isBetween(1L, 4L);
        assertThat(basic("10.3.2.1", "erin", "pw-erin").statusCode()).isEqualTo(429);

        HttpResponse<String> owner = login("10.3.0.1", "erin", "pw-erin");
        assertThat(owner.statusCode()).as("the attacker cannot lock the owner out: " + owner.body()).isEqualTo(200);

        // Attempts during the lock are refused without a check and do not extend it: it ends by itself.
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(500))
                .until(() -> login("10.3.2.1", "erin", "pw-erin").statusCode() == 200);
    }

    @Test
    void aFullPasswordCheckQueueAnswers429AtOnceAndTheServerKeepsAnswering() throws Exception {
        start(Map.of("attempts-per-address", 1000, "attempts-per-user", 1000, "lockout-failures", 1000, "check-threads", 1,
                "check-queue", 1));
        List<CompletableFuture<HttpResponse<String>>> flood = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            String body = JSON.writeValueAsString(Map.of("username", "slow", "password", "guess-" + i));
            flood.add(http.sendAsync(HttpRequest.newBuilder(URI.create(server.getURL() + "/api/v1/auth/login"))
                    .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json").header(CLIENT, "10.4.0." + i)
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        // While the flood is checked, requests that need no password check are answered.
        HttpResponse<String> settings = http.send(HttpRequest.newBuilder(URI.create(server.getURL() + "/api/v1/auth/settings"))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(settings.statusCode()).isEqualTo(200);

        int busy = 0;
        int checked = 0;
        for (CompletableFuture<HttpResponse<String>> f : flood) {
            HttpResponse<String> r = f.get();
            if (r.statusCode() == 429) {
                assertThat(error(r)).isEqualTo("sign_in_busy");
                assertThat(retryAfter(r)).isEqualTo(1);
                busy++;
            } else {
                assertThat(r.statusCode()).as(r.body()).isEqualTo(401);
                checked++;
            }
        }
        assertThat(busy).as("checks beyond one running and one queued are refused").isPositive();
        assertThat(checked).isGreaterThanOrEqualTo(2);
        assertThat(login("10.4.1.1", "slow", "pw-slow").statusCode()).as("afterwards sign-in works").isEqualTo(200);
    }

    @Test
    void aFloodOfDistinctAddressesKeepsTheLimiterWithinItsBound() throws Exception {
        start(Map.of("attempts-per-address", 1000, "attempts-per-user", 2, "window", "1h", "lockout-failures", 1000,
                "max-tracked", 50));
        for (int i = 0; i < 300; i++) {
            int s = login("10.5." + (i / 250) + "." + (i % 250), "flood", "guess").statusCode();
            assertThat(s).isIn(401, 429);
        }
        // IPv6 clients count by their /64: one host cannot mint new addresses to escape the limit.
        for (int i = 0; i < 5; i++) {
            login("2001:db8:0:1::" + Integer.toHexString(i + 1), "v6-" + i, "guess");
        }
        int[] sizes = server.getApplicationContext().getBean(SignInGuard.class).trackedSizes();
        assertThat(java.util.Arrays.stream(sizes).max().orElse(0)).as(java.util.Arrays.toString(sizes)).isLessThanOrEqualTo(50);
        assertThat(sizes[0]).as("the address table filled up to its bound").isEqualTo(50);
        assertThat(SignInGuard.addressKey("2001:db8:0:1::1")).isEqualTo(SignInGuard.addressKey("2001:db8:0:1:ffff::9"));
    }
}
