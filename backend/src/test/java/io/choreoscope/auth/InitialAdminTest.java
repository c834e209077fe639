package io.choreoscope.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.choreoscope.harness.clickhouse.ClickHouseExtension;
import io.choreoscope.harness.kafka.KafkaExtension;
import io.choreoscope.ingest.TestApplication;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;

/**
 * The {@code docker compose up} path: sign-in on, no user, no single sign-on, no demo users. The server makes
 * one admin on its first start (a random password printed once in the log, or the configured one) and keeps
 * only the hash under the data directory, so the next start signs in the same way.
 */
@ExtendWith({KafkaExtension.class, ClickHouseExtension.class})
class InitialAdminTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern PRINTED = Pattern.compile("Sign in as \"admin\" with the password (\\S+)");
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private final String database = ClickHouseExtension.createDatabase();

    @TempDir
    Path dataDir;

    @BeforeEach
    void captureTheLog() {
        log.start();
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(log);
    }

    @AfterEach
    void releaseTheLog() {
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(log);
    }

    /** The server as {@code docker compose up} starts it: sign-in on and nothing configured to sign in with. */
    private EmbeddedServer start(Map<String, Object> extra) {
        Map<String, Object> p = TestApplication.properties(KafkaExtension.uniqueName("initial-admin"), database);
        p.put("choreoscope.tap.enabled", false);
        p.put("choreoscope.otlp.enabled", false);
        p.put("choreoscope.auth.enabled", true);
        p.put("choreoscope.data-dir", dataDir.toString());
        p.putAll(extra);
        return ApplicationContext.run(EmbeddedServer.class, p);
    }

    private HttpResponse<String> login(EmbeddedServer server, String user, String password) throws Exception {
        String body = JSON.writeValueAsString(Map.of("username", user, "password", password));
        return http.send(HttpRequest.newBuilder(URI.create(server.getURL() + "/api/v1/auth/login"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /**
     * What was logged so far. The application's other threads keep logging while a test reads; the appender adds under
     * its own lock (logback's {@code AppenderBase.doAppend} is synchronized), so the list is copied under it.
     */
    private List<String> messages() {
        List<ILoggingEvent> events;
        synchronized (log) {
            events = List.copyOf(log.list);
        }
        return events.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    private List<String> printedPasswords() {
        return messages().stream().map(PRINTED::matcher).filter(Matcher::find).map(m -> m.group(1)).toList();
    }

    private Path hashFile() {
        return dataDir.resolve("auth").resolve("admin-password-hash");
    }

    @Test
    void aFirstStartWithoutUsersMakesAnAdminWhosePasswordIsPrintedOnceAndOnlyItsHashIsKept() throws Exception {
        String password;
        try (EmbeddedServer server = start(Map.of())) {
            assertThat(printedPasswords()).as(String.join("\n", messages())).hasSize(1);
            password = printedPasswords().get(0);
            assertThat(password).hasSizeGreaterThanOrEqualTo(20);

            HttpResponse<String> signedIn = login(server, "admin", password);
            assertThat(signedIn.statusCode()).as(signedIn.body()).isEqualTo(200);
            JsonNode user = JSON.readTree(signedIn.body()).get("user");
            assertThat(user.get("name").asText()).isEqualTo("admin");
            assertThat(user.get("roles").toString()).isEqualTo("[\"viewer\",\"operator\",\"admin\"]");
            assertThat(login(server, "admin", password + "x").statusCode()).isEqualTo(401);
        }
        String stored = Files.readString(hashFile()).strip();
        assertThat(stored).startsWith("pbkdf2-sha256$").doesNotContain(password);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(hashFile()))).isEqualTo("rw-------");

        synchronized (log) {
            log.list.clear();
        }
        try (EmbeddedServer again = start(Map.of())) {
            assertThat(printedPasswords()).as("a restart makes no new password").isEmpty();
            assertThat(String.join("\n", messages())).doesNotContain(password);
            assertThat(login(again, "admin", password).statusCode()).isEqualTo(200);
        }
        assertThat(Files.readString(hashFile()).strip()).isEqualTo(stored);
    }

    @Test
    void aConfiguredAdminPasswordIsUsedNeverPrintedAndKeptForTheNextStart() throws Exception {
        String password = "correct horse battery staple";
        try (EmbeddedServer server = start(Map.of("choreoscope.auth.admin-password", password))) {
            assertThat(login(server, "admin", password).statusCode()).isEqualTo(200);
        }
        assertThat(printedPasswords()).isEmpty();
        assertThat(String.join("\n", messages())).doesNotContain(password);
        assertThat(Files.readString(hashFile())).startsWith("pbkdf2-sha256$").doesNotContain(password);

        // Started again without it (the variable removed from the compose file): the same password still works.
        try (EmbeddedServer again = start(Map.of())) {
            assertThat(printedPasswords()).isEmpty();
            assertThat(login(again, "admin", password).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void noInitialAdminWhenAUserIsConfigured() throws Exception {
        try (EmbeddedServer server = start(Map.of(
                "choreoscope.auth.users.alice.password-hash", PasswordHashes.hash("alice-pw".toCharArray(), 10_000),
                "choreoscope.auth.users.alice.roles", List.of("admin")))) {
            assertThat(login(server, "alice", "alice-pw").statusCode()).isEqualTo(200);
            assertThat(login(server, "admin", "admin").statusCode()).isEqualTo(401);
        }
        assertThat(printedPasswords()).isEmpty();
        assertThat(hashFile()).doesNotExist();
    }
}
