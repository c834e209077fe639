package io.choreoscope.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.yaml.snakeyaml.Yaml;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

import io.choreoscope.alerts.AlertRuleRepository;
import io.choreoscope.harness.clickhouse.ClickHouseExtension;
import io.choreoscope.harness.kafka.KafkaExtension;
import io.choreoscope.ingest.TestApplication;
import io.choreoscope.replay.ReplayAuditRepository;
import io.choreoscope.replay.ReplayController;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;

/**
 * Who may do what, against the running application with sign-in on (real Kafka and ClickHouse): every
 * operation of the OpenAPI document is called anonymously and as viewer, operator and admin, and the
 * answer is checked against the role it needs; then the two guarded actions are done for real.
 */
@ExtendWith({KafkaExtension.class, ClickHouseExtension.class})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AccessTest {
    static final String SECRET = "test-secret-that-is-long-enough-for-hmac-sha256";
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private EmbeddedServer server;
    private String prefix;
    private final Map<String, String> tokens = new LinkedHashMap<>();

    /** Who may call an operation: the lowest role, or null for everyone. */
    static String needed(String method, String path) {
        if (Set.of("/api/v1/auth/settings", "/api/v1/auth/login", "/api/v1/auth/sso/exchange", "/api/v1/openapi.yml").contains(path)) {
            return null;
        }
        if (path.startsWith("/api/v1/alerts/rules") && !method.equals("GET")) {
            return Roles.ADMIN;
        }
        if (path.startsWith("/api/v1/replays") && method.equals("POST")) {
            return Roles.OPERATOR;
        }
        return Roles.VIEWER;
    }

    @BeforeAll
    void start() throws Exception {
        prefix = KafkaExtension.uniqueName("access");
        Map<String, Object> p = TestApplication.properties(prefix, ClickHouseExtension.createDatabase());
        p.put("choreoscope.auth.enabled", true);
        p.put("choreoscope.auth.token-secret", SECRET);
        p.put("choreoscope.otlp.enabled", false);
        p.put("choreoscope.alerts.evaluation-interval", "1h");
        for (String role : List.of(Roles.VIEWER, Roles.OPERATOR, Roles.ADMIN)) {
            p.put("choreoscope.auth.users." + role + "-user.password-hash", PasswordHashes.hash(("pw-" + role).toCharArray()));
            p.put("choreoscope.auth.users." + role + "-user.roles", List.of(role));
        }
        server = ApplicationContext.run(EmbeddedServer.class, p);
        for (String role : List.of(Roles.VIEWER, Roles.OPERATOR, Roles.ADMIN)) {
            tokens.put(role, signIn(role));
        }
    }

    private String signIn(String role) throws Exception {
        HttpResponse<String> r = send("POST", "/api/v1/auth/login", null,
                "{\"username\":\"" + role + "-user\",\"password\":\"pw-" + role + "\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode signedIn = JSON.readTree(r.body());
        assertThat(signedIn.at("/user/name").asText()).isEqualTo(role + "-user");
        return "Bearer " + signedIn.get("token").asText();
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.getApplicationContext().close();
        }
    }

    private HttpResponse<String> send(String method, String path, String authorization, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.getURL() + path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The status only; the body is not read (the live stream never ends). */
    private int status(String method, String path, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.getURL() + path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .method(method, method.equals("GET") || method.equals("DELETE") ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString("{}"));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        HttpResponse<InputStream> r = http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofInputStream()).get(30, TimeUnit.SECONDS);
        r.body().close();
        return r.statusCode();
    }

    @SuppressWarnings("unchecked")
    private List<String[]> operations() throws Exception {
        HttpResponse<String> doc = send("GET", "/api/v1/openapi.yml", null, null);
        assertThat(doc.statusCode()).as("the OpenAPI document is public").isEqualTo(200);
        Map<String, Object> paths = (Map<String, Object>) ((Map<String, Object>) new Yaml().load(doc.body())).get("paths");
        List<String[]> ops = new ArrayList<>();
        paths.forEach((path, item) -> ((Map<String, Object>) item).keySet().forEach(m -> {
            if (Set.of("get", "post", "put", "delete", "patch").contains(m)) {
                ops.add(new String[] {m.toUpperCase(), path});
            }
        }));
        return ops;
    }

    private static String concrete(String path) {
        return path.replace("{topic}", "t").replace("{partition}", "0").replace("{offset}", "0").replace("{id}", "999999")
                .replace("{correlationId}", "nobody").replace("{flow}", "NoSuchFlow").replace("{variant}", "0");
    }

    @Test
    void everyOperationOfTheApiAnswersEachRoleAsItsRoleAllows() throws Exception {
        List<String[]> ops = operations();
        assertThat(ops).as("operations in the OpenAPI document").hasSizeGreaterThan(20);
        List<String> wrong = new ArrayList<>();
        for (String[] op : ops) {
            String method = op[0];
            String path = concrete(op[1]);
            String needed = needed(method, op[1]);
            int anonymous = status(method, path, null);
            if (needed == null ? anonymous == 401 || anonymous == 403 : anonymous != 401) {
                wrong.add(method + " " + op[1] + " anonymous -> " + anonymous);
            }
            for (String role : List.of(Roles.VIEWER, Roles.OPERATOR, Roles.ADMIN)) {
                boolean allowed = needed == null || Roles.expand(List.of(role)).contains(needed);
                // Signing out revokes the token it is called with: use a token of its own, the others are still needed.
                int s = status(method, path, path.equals("/api/v1/auth/logout") ? signIn(role) : tokens.get(role));
                if (allowed ? s == 401 || s == 403 : s != 403) {
                    wrong.add(method + " " + op[1] + " as " + role + " -> " + s + " (needs " + needed + ")");
                }
            }
        }
        assertThat(wrong).isEmpty();
    }

    @Test
    void refusalsSayWhyInTheApiErrorFormat() throws Exception {
        HttpResponse<String> anonymous = send("GET", "/api/v1/flows", null, null);
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"choreoscope\"");
        assertThat(JSON.readTree(anonymous.body()).get("error").asText()).isEqualTo("unauthorized");

        HttpResponse<String> viewer = send("POST", "/api/v1/replays", tokens.get(Roles.VIEWER), "{\"mode\":\"EVENT\"}");
        assertThat(viewer.statusCode()).isEqualTo(403);
        JsonNode e = JSON.readTree(viewer.body());
        assertThat(e.get("error").asText()).isEqualTo("forbidden");
        assertThat(e.get("message").asText()).contains("viewer-user").contains("operators also replay");
    }

    @Test
    void wrongPasswordsUnknownUsersForgedAndForeignTokensAreRefused() throws Exception {
        assertThat(send("POST", "/api/v1/auth/login", null, "{\"username\":\"admin-user\",\"password\":\"nope\"}").statusCode()).isEqualTo(401);
        assertThat(send("POST", "/api/v1/auth/login", null, "{\"username\":\"mallory\",\"password\":\"pw-admin\"}").statusCode()).isEqualTo(401);
        assertThat(send("POST", "/api/v1/auth/login", null, "{\"username\":\"admin-user\"}").statusCode()).isEqualTo(400);
        assertThat(send("POST", "/api/v1/auth/login", null, "not json").statusCode()).isEqualTo(400);

        // A token that claims admin, signed with another key, and one signed with our key but another issuer.
        Map<String, Object> admin = Map.of("sub", "mallory", "roles", Roles.expand(List.of(Roles.ADMIN)));
        assertThat(send("GET", "/api/v1/auth/me", "Bearer " + hs256(admin, "choreoscope", "another-secret-that-is-long-enough-for-hs256"), null)
                .statusCode()).isEqualTo(401);
        assertThat(send("GET", "/api/v1/auth/me", "Bearer " + hs256(admin, "someone-else", SECRET), null).statusCode()).isEqualTo(401);
        assertThat(send("GET", "/api/v1/auth/me", "Bearer not.a.token", null).statusCode()).isEqualTo(401);
        // The same token from our issuer and key is accepted: the two refusals above are about key and issuer.
        assertThat(send("GET", "/api/v1/auth/me", "Bearer " + hs256(admin, "choreoscope", SECRET), null).statusCode()).isEqualTo(200);
    }

    private static String hs256(Map<String, Object> claims, String issuer, String secret) throws Exception {
        JWTClaimsSet.Builder b = new JWTClaimsSet.Builder().issuer(issuer)
                .expirationTime(new java.util.Date(System.currentTimeMillis() + 600_000));
        claims.forEach(b::claim);
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), b.build());
        jwt.sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
        return jwt.serialize();
    }

    @Test
    void basicAuthAndTokensNameTheUserAndTheirExpandedRoles() throws Exception {
        String basic = "Basic " + Base64.getEncoder().encodeToString("operator-user:pw-operator".getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> me = send("GET", "/api/v1/auth/me", basic, null);
        assertThat(me.statusCode()).as(me.body()).isEqualTo(200);
        assertThat(JSON.readTree(me.body()).get("roles").toString()).isEqualTo("[\"viewer\",\"operator\"]");
        String wrongBasic = "Basic " + Base64.getEncoder().encodeToString("operator-user:wrong".getBytes(StandardCharsets.UTF_8));
        assertThat(send("GET", "/api/v1/auth/me", wrongBasic, null).statusCode()).isEqualTo(401);

        JsonNode adminMe = JSON.readTree(send("GET", "/api/v1/auth/me", tokens.get(Roles.ADMIN), null).body());
        assertThat(adminMe.get("name").asText()).isEqualTo("admin-user");
        assertThat(adminMe.get("roles").toString()).isEqualTo("[\"viewer\",\"operator\",\"admin\"]");

        JsonNode settings = JSON.readTree(send("GET", "/api/v1/auth/settings", null, null).body());
        assertThat(settings.get("enabled").asBoolean()).isTrue();
        assertThat(settings.get("passwordLogin").asBoolean()).isTrue();
        assertThat(settings.get("providers")).isEmpty();

        assertThat(send("GET", "/health", null, null).statusCode()).as("health stays open for probes").isEqualTo(200);
        assertThat(send("GET", "/prometheus", null, null).statusCode()).as("metrics stay open for scrapers").isEqualTo(200);
    }

    @Test
    void healthShowsItsStatusToEveryoneAndItsDetailsOnlyToSignedInUsers() throws Exception {
        String clickHouseUrl = ClickHouseExtension.engine().httpUrl();
        HttpResponse<String> anonymous = send("GET", "/health", null, null);
        assertThat(anonymous.statusCode()).as("probes need no credentials").isEqualTo(200);
        JsonNode status = JSON.readTree(anonymous.body());
        assertThat(status.get("status").asText()).isEqualTo("UP");
        assertThat(status.path("details").isContainerNode()).as(anonymous.body()).isFalse();
        assertThat(anonymous.body()).doesNotContain(clickHouseUrl).doesNotContain("jdbc:");

        for (String auth : List.of(tokens.get(Roles.VIEWER),
                "Basic " + Base64.getEncoder().encodeToString("viewer-user:pw-viewer".getBytes(StandardCharsets.UTF_8)))) {
            HttpResponse<String> signedIn = send("GET", "/health", auth, null);
            assertThat(signedIn.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(signedIn.body()).at("/details/clickhouse/details/url").asText()).isEqualTo(clickHouseUrl);
        }
    }

    @Test
    void onlyOperatorsReplayAndTheAuditNamesTheSignedInUserWhateverTheHeaderSays() throws Exception {
        String topic = prefix + "-orders";
        KafkaExtension.kafka().createTopic(topic, 1);
        RecordMetadata m;
        try (KafkaProducer<byte[], byte[]> p = KafkaExtension.kafka().producer()) {
            ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, "o-1".getBytes(StandardCharsets.UTF_8),
                    "{\"amount\":3}".getBytes(StandardCharsets.UTF_8));
            r.headers().add("correlationId", "o-1".getBytes(StandardCharsets.UTF_8));
            r.headers().add("eventType", "OrderPlaced".getBytes(StandardCharsets.UTF_8));
            m = p.send(r).get();
        }
        String body = "{\"mode\":\"EVENT\",\"events\":[{\"topic\":\"" + topic + "\",\"partition\":0,\"offset\":" + m.offset() + "}]}";
        // Stored by the tap first: the replay reads the record from ClickHouse.
        await().atMost(Duration.ofSeconds(60)).until(() ->
                send("GET", "/api/v1/instances/o-1", tokens.get(Roles.VIEWER), null).statusCode() == 200);
        ReplayAuditRepository audit = server.getApplicationContext().getBean(ReplayAuditRepository.class);
        long before = audit.count();

        HttpResponse<String> refused = send("POST", "/api/v1/replays", tokens.get(Roles.VIEWER), body);
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(audit.count()).as("a refused replay leaves no audit entry and sends nothing").isEqualTo(before);

        HttpResponse<String> done = http.send(HttpRequest.newBuilder(URI.create(server.getURL() + "/api/v1/replays"))
                .header("Content-Type", "application/json").header("Authorization", tokens.get(Roles.OPERATOR))
                .header(ReplayController.USER_HEADER, "someone-else")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(done.statusCode()).as(done.body()).isEqualTo(200);
        JsonNode status = JSON.readTree(done.body()).get("status");
        assertThat(status.get("state").asText()).isEqualTo("SUCCEEDED");
        assertThat(status.get("sent").asInt()).isEqualTo(1);
        assertThat(status.get("requestedBy").asText()).isEqualTo("operator-user");
        assertThat(audit.findByReplayId(status.get("id").asText())).hasValueSatisfying(
                row -> assertThat(row.requestedBy()).isEqualTo("operator-user"));
    }

    @Test
    void onlyAdminsChangeAlertRules() throws Exception {
        AlertRuleRepository rules = server.getApplicationContext().getBean(AlertRuleRepository.class);
        String rule = "{\"name\":\"completion\",\"kind\":\"COMPLETION_RATE_BELOW\",\"threshold\":90,\"windowMs\":60000}";
        long before = rules.count();
        for (String role : List.of(Roles.VIEWER, Roles.OPERATOR)) {
            assertThat(send("POST", "/api/v1/alerts/rules", tokens.get(role), rule).statusCode()).as(role).isEqualTo(403);
        }
        assertThat(rules.count()).isEqualTo(before);
        HttpResponse<String> created = send("POST", "/api/v1/alerts/rules", tokens.get(Roles.ADMIN), rule);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        long id = JSON.readTree(created.body()).get("id").asLong();
        assertThat(send("GET", "/api/v1/alerts/rules/" + id, tokens.get(Roles.VIEWER), null).statusCode()).isEqualTo(200);
        assertThat(send("DELETE", "/api/v1/alerts/rules/" + id, tokens.get(Roles.OPERATOR), null).statusCode()).isEqualTo(403);
        assertThat(send("POST", "/api/v1/alerts/rules/" + id + "/silence?until=2099-01-01T00:00:00Z", tokens.get(Roles.VIEWER), null)
                .statusCode()).isEqualTo(403);
        assertThat(rules.findById(id)).isPresent();
        assertThat(send("DELETE", "/api/v1/alerts/rules/" + id, tokens.get(Roles.ADMIN), null).statusCode()).isEqualTo(204);
        assertThat(rules.findById(id)).isEmpty();
    }
}
