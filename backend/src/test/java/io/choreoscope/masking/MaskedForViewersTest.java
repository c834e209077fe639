package io.choreoscope.masking;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

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
import com.sun.net.httpserver.HttpServer;

import io.choreoscope.auth.PasswordHashes;
import io.choreoscope.auth.Roles;
import io.choreoscope.harness.clickhouse.ClickHouseExtension;
import io.choreoscope.harness.kafka.KafkaExtension;
import io.choreoscope.ingest.TestApplication;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;

/**
 * A viewer never receives a masked value through any endpoint. Real Kafka and ClickHouse hold records with a card
 * number and e-mail addresses in payloads (text, JSON, binary), headers, keys and extracted fields (correlation ID,
 * event ID); every GET operation of the served OpenAPI document is called over HTTP as a viewer, with every ID the
 * data offers, and no body may hold a secret, in clear or base64. The same calls as an operator show the secrets
 * (the data is there), and searching for a secret, or for its first characters, finds nothing for a viewer.
 */
@ExtendWith({KafkaExtension.class, ClickHouseExtension.class})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MaskedForViewersTest {
    static final String CARD = "4111 1111 1111 1111";
    static final String CARD_DIGITS = "4111111111111111";
    static final String MAIL = "alice.smith@example.com";
    /** An e-mail address used as a correlation ID: an extracted field. */
    static final String MAIL_ID = "bob.jones@example.org";
    /** A later instance, seen on the live stream. */
    static final String LIVE_ID = "carol.white@example.net";
    /** Only the JSON pointer rule finds it. */
    static final String POINTER_SECRET = "PTR-SECRET-7731";
    /** Only the header rule finds it. */
    static final String HEADER_SECRET = "HDR-SECRET-5521";
    static final List<String> SECRETS = List.of(CARD, CARD_DIGITS, "4111 1111", "41111111", MAIL, "alice.smith", MAIL_ID, "bob.jones",
            LIVE_ID, "carol.white", POINTER_SECRET, HEADER_SECRET);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private EmbeddedServer server;
    private HttpServer hooks;
    private final List<String> hookBodies = Collections.synchronizedList(new ArrayList<>());
    private String topic;
    private final Map<String, String> tokens = new LinkedHashMap<>();
    private final List<RecordMetadata> records = new ArrayList<>();

    @BeforeAll
    void start() throws Exception {
        String prefix = KafkaExtension.uniqueName("mask");
        topic = prefix + "-orders";
        hooks = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        hooks.createContext("/", ex -> {
            try (InputStream in = ex.getRequestBody()) {
                hookBodies.add(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        hooks.start();
        Map<String, Object> p = TestApplication.properties(prefix, ClickHouseExtension.createDatabase());
        p.put("choreoscope.auth.enabled", true);
        p.put("choreoscope.auth.token-secret", "test-secret-that-is-long-enough-for-hmac-sha256");
        p.put("choreoscope.otlp.enabled", false);
        p.put("choreoscope.alerts.evaluation-interval", "1h");
        p.put("choreoscope.alerts.webhook.allowed-hosts", List.of("127.0.0.1/32"));
        p.put("choreoscope.masking.json-pointers", List.of("/customer/card"));
        p.put("choreoscope.masking.headers", List.of("X-Customer-Ref"));
        p.put("choreoscope.masking.patterns", List.of("builtin:card-number", "builtin:email"));
        for (String role : List.of(Roles.VIEWER, Roles.OPERATOR, Roles.ADMIN)) {
            p.put("choreoscope.auth.users." + role + "-user.password-hash", PasswordHashes.hash(("pw-" + role).toCharArray()));
            p.put("choreoscope.auth.users." + role + "-user.roles", List.of(role));
        }
        server = ApplicationContext.run(EmbeddedServer.class, p);
        for (String role : List.of(Roles.VIEWER, Roles.OPERATOR, Roles.ADMIN)) {
            HttpResponse<String> r = send("POST", "/api/v1/auth/login", null,
                    "{\"username\":\"" + role + "-user\",\"password\":\"pw-" + role + "\"}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            tokens.put(role, "Bearer " + JSON.readTree(r.body()).get("token").asText());
        }
        KafkaExtension.kafka().createTopic(topic, 1);
        try (KafkaProducer<byte[], byte[]> producer = KafkaExtension.kafka().producer()) {
            // JSON payload: a card number and an address found by the patterns, a reference only the pointer names
            ProducerRecord<byte[], byte[]> placed = record(("key-" + CARD_DIGITS).getBytes(StandardCharsets.UTF_8),
                    "{\"orderId\":\"o-1\",\"customer\":{\"card\":\"" + POINTER_SECRET + "\",\"email\":\"" + MAIL + "\"},"
                            + "\"paidWith\":\"" + CARD + "\",\"note\":\"fine\"}",
                    "correlationId", "o-1", "eventType", "OrderPlaced", "eventId", "e-1", "note", "card " + CARD,
                    "X-Customer-Ref", HEADER_SECRET);
            // an e-mail address as correlation ID and a card number in the event ID: extracted fields; a text payload
            ProducerRecord<byte[], byte[]> paid = record(null, "charged card " + CARD + " for " + MAIL + " ok",
                    "correlationId", MAIL_ID, "eventType", "PaymentCaptured", "eventId", "pay-" + CARD_DIGITS,
                    "causationId", "e-1", "X-Customer-Ref", "mail " + MAIL);
            // a binary payload (not UTF-8) and a binary header holding the secrets
            byte[] bin = concat(new byte[] {(byte) 0xff, (byte) 0xfe, 0x10}, CARD_DIGITS.getBytes(StandardCharsets.US_ASCII),
                    new byte[] {0x00, (byte) 0x80}, MAIL.getBytes(StandardCharsets.US_ASCII));
            ProducerRecord<byte[], byte[]> binary = new ProducerRecord<>(topic, null, bin);
            binary.headers().add("correlationId", "o-1".getBytes(StandardCharsets.UTF_8));
            binary.headers().add("eventType", "OrderShipped".getBytes(StandardCharsets.UTF_8));
            binary.headers().add("blob", concat(new byte[] {(byte) 0xc3}, MAIL.getBytes(StandardCharsets.US_ASCII)));
            for (ProducerRecord<byte[], byte[]> r : List.of(placed, paid, binary)) {
                records.add(producer.send(r).get());
            }
        }
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() ->
                send("GET", "/api/v1/instances/o-1", tokens.get(Roles.ADMIN), null).body().contains("OrderShipped")
                        && send("GET", "/api/v1/instances/" + enc(MAIL_ID), tokens.get(Roles.ADMIN), null).statusCode() == 200);
    }

    private ProducerRecord<byte[], byte[]> record(byte[] key, String payload, String... headers) {
        ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, key, payload.getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < headers.length; i += 2) {
            r.headers().add(headers[i], headers[i + 1].getBytes(StandardCharsets.UTF_8));
        }
        return r;
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.getApplicationContext().close();
        }
        if (hooks != null) {
            hooks.stop(0);
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private HttpResponse<String> send(String method, String path, String authorization, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.getURL() + path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.ISO_8859_1));
    }

    /** The secrets a body holds: in clear (bytes as ISO-8859-1, so binary payloads count), or in any base64 string of it. */
    static List<String> secretsIn(String body) {
        List<String> texts = new ArrayList<>();
        texts.add(body);
        texts.add(new String(body.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("[A-Za-z0-9+/]{8,}={0,2}").matcher(body);
        while (m.find()) {
            try {
                texts.add(new String(Base64.getDecoder().decode(m.group()), StandardCharsets.ISO_8859_1));
            } catch (IllegalArgumentException notBase64) {
                // not base64
            }
        }
        return SECRETS.stream().filter(s -> texts.stream().anyMatch(t -> t.toLowerCase().contains(s.toLowerCase()))).toList();
    }

    @SuppressWarnings("unchecked")
    private List<String> getOperations() throws Exception {
        HttpResponse<String> doc = send("GET", "/api/v1/openapi.yml", null, null);
        assertThat(doc.statusCode()).isEqualTo(200);
        Map<String, Object> paths = (Map<String, Object>) ((Map<String, Object>) new Yaml().load(doc.body())).get("paths");
        List<String> gets = new ArrayList<>();
        paths.forEach((path, item) -> {
            if (((Map<String, Object>) item).containsKey("get")) {
                gets.add(path);
            }
        });
        return gets;
    }

    /** Every concrete request worth making for a path of the document, with every ID the data offers. */
    private List<String> concrete(String path, Map<String, List<String>> ids) {
        List<String> out = new ArrayList<>(List.of(path));
        for (Map.Entry<String, List<String>> e : ids.entrySet()) {
            List<String> next = new ArrayList<>();
            for (String p : out) {
                if (p.contains("{" + e.getKey() + "}")) {
                    e.getValue().forEach(v -> next.add(p.replace("{" + e.getKey() + "}", v)));
                } else {
                    next.add(p);
                }
            }
            out = next;
        }
        List<String> withQueries = new ArrayList<>();
        for (String p : out) {
            assertThat(p).as("every path parameter has values").doesNotContain("{");
            withQueries.add(p);
            switch (path) {
                case "/api/v1/search" -> Stream.of("q=o-1", "q=o-1&mode=value&from=-1h", "q=charged&mode=value&from=-1h",
                        "q=alice&mode=value&from=-1h", "q=4111&mode=value&from=-1h", "q=4111%201111&mode=value&from=-1h",
                        "q=PTR-SECRET&mode=value&from=-1h", "q=HDR-SECRET&mode=value&from=-1h", "q=bob&mode=value&from=-1h",
                        "q=bob", "q=example&mode=value&from=-1h", "q=c3&mode=value&from=-1h")
                        .forEach(q -> withQueries.add(p + "?" + q));
                case "/api/v1/instances" -> withQueries.add(p + "?from=-1h&limit=500");
                case "/api/v1/instances/{correlationId}" -> withQueries.add(p + "?maxPayloadBytes=20");
                case "/api/v1/stuck", "/api/v1/flows", "/api/v1/dependencies", "/api/v1/alerts/firings", "/api/v1/replays" ->
                        withQueries.add(p + "?limit=500");
                default -> {
                }
            }
        }
        return withQueries;
    }

    @Test
    void aViewerNeverReceivesAMaskedValueThroughAnyGetEndpoint() throws Exception {
        // something in every part of the API: an alert rule (named after a customer) that fired, a replay of the events
        String rule = "{\"name\":\"tell " + MAIL + "\",\"kind\":\"COMPLETION_RATE_BELOW\",\"threshold\":90,\"windowMs\":60000,"
                + "\"webhookUrl\":\"http://127.0.0.1:" + hooks.getAddress().getPort() + "/hook\"}";
        HttpResponse<String> created = send("POST", "/api/v1/alerts/rules", tokens.get(Roles.ADMIN), rule);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String ruleId = JSON.readTree(created.body()).get("id").asText();
        HttpResponse<String> fired = send("POST", "/api/v1/alerts/rules/" + ruleId + "/test", tokens.get(Roles.ADMIN), null);
        assertThat(fired.statusCode()).as(fired.body()).isEqualTo(200);
        StringBuilder events = new StringBuilder();
        for (RecordMetadata m : records) {
            events.append(events.isEmpty() ? "" : ",").append("{\"topic\":\"").append(topic).append("\",\"partition\":")
                    .append(m.partition()).append(",\"offset\":").append(m.offset()).append('}');
        }
        HttpResponse<String> replayed = send("POST", "/api/v1/replays", tokens.get(Roles.OPERATOR),
                "{\"mode\":\"EVENT\",\"dryRun\":false,\"events\":[" + events + "]}");
        assertThat(replayed.statusCode()).as(replayed.body()).isEqualTo(200);
        String replayId = JSON.readTree(replayed.body()).at("/status/id").asText();

        Map<String, List<String>> ids = new LinkedHashMap<>();
        ids.put("correlationId", List.of("o-1"));
        ids.put("topic", List.of(topic));
        ids.put("partition", List.of("0"));
        ids.put("offset", records.stream().map(m -> Long.toString(m.offset())).toList());
        ids.put("flow", List.of("OrderPlaced", "PaymentCaptured", "OrderShipped"));
        ids.put("variant", List.of("0"));
        List<String> requests = new ArrayList<>();
        for (String path : getOperations()) {
            if (path.equals("/api/v1/live")) {
                continue; // endless: read below while it carries a change
            }
            Map<String, List<String>> forPath = new LinkedHashMap<>(ids);
            forPath.put("id", List.of(path.startsWith("/api/v1/replays") ? replayId : ruleId));
            requests.addAll(concrete(path, forPath));
        }
        assertThat(requests).as("GET requests").hasSizeGreaterThan(25);

        List<String> leaks = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        boolean operatorSawEverySecret = true;
        List<String> operatorSaw = new ArrayList<>();
        for (String request : requests) {
            HttpResponse<String> viewer = send("GET", request, tokens.get(Roles.VIEWER), null);
            if (viewer.statusCode() >= 500 || viewer.statusCode() == 401 || viewer.statusCode() == 403) {
                failures.add(request + " -> " + viewer.statusCode() + " " + viewer.body());
            }
            List<String> found = secretsIn(viewer.body());
            if (!found.isEmpty()) {
                leaks.add(request + " shows " + found + ": " + viewer.body().substring(0, Math.min(400, viewer.body().length())));
            }
            operatorSaw.addAll(secretsIn(send("GET", request, tokens.get(Roles.OPERATOR), null).body()));
        }
        assertThat(failures).isEmpty();
        assertThat(leaks).isEmpty();
        // the data holds them, and roles that see values unmasked see them
        assertThat(operatorSaw).contains(CARD, CARD_DIGITS, MAIL, MAIL_ID, POINTER_SECRET, HEADER_SECRET);

        // value search still works for viewers on what is not masked, with the excerpt masked
        JsonNode charged = JSON.readTree(send("GET", "/api/v1/search?mode=value&from=-1h&q=charged", tokens.get(Roles.VIEWER), null).body());
        assertThat(charged).isNotEmpty();
        assertThat(charged.get(0).get("matchedValue").asText()).isEqualTo("charged card *** for *** ok");
        // but finds no record by a masked value or its first characters
        for (String q : List.of("alice", "4111", "PTR-SECRET", "HDR-SECRET", "example.org")) {
            assertThat(JSON.readTree(send("GET", "/api/v1/search?mode=value&from=-1h&q=" + enc(q), tokens.get(Roles.VIEWER), null).body()))
                    .as(q).isEmpty();
            assertThat(JSON.readTree(send("GET", "/api/v1/search?mode=value&from=-1h&q=" + enc(q), tokens.get(Roles.OPERATOR), null).body()))
                    .as(q).isNotEmpty();
        }
        // naming a masked value in a request is refused rather than answered
        for (String request : List.of("/api/v1/instances/" + enc(MAIL_ID), "/api/v1/search?q=" + enc(MAIL_ID),
                "/api/v1/search?mode=value&q=" + enc(CARD))) {
            HttpResponse<String> r = send("GET", request, tokens.get(Roles.VIEWER), null);
            assertThat(r.statusCode()).as(request).isEqualTo(403);
            assertThat(JSON.readTree(r.body()).get("error").asText()).isEqualTo("masked_value");
            assertThat(send("GET", request, tokens.get(Roles.OPERATOR), null).statusCode()).as(request).isEqualTo(200);
        }
        // the webhook went out masked: its receiver has no role
        await().atMost(Duration.ofSeconds(10)).until(() -> !hookBodies.isEmpty());
        assertThat(hookBodies).allSatisfy(b -> assertThat(secretsIn(b)).isEmpty());
        assertThat(hookBodies.get(0)).contains("tell ***");
    }

    @Test
    void theLiveStreamShowsAViewerNoMaskedCorrelationId() throws Exception {
        CompletableFuture<HttpResponse<Stream<String>>> viewer = http.sendAsync(HttpRequest.newBuilder(
                        URI.create(server.getURL() + "/api/v1/live")).header("Authorization", tokens.get(Roles.VIEWER)).build(),
                HttpResponse.BodyHandlers.ofLines());
        CompletableFuture<HttpResponse<Stream<String>>> operator = http.sendAsync(HttpRequest.newBuilder(
                        URI.create(server.getURL() + "/api/v1/live")).header("Authorization", tokens.get(Roles.OPERATOR)).build(),
                HttpResponse.BodyHandlers.ofLines());
        List<String> viewerLines = Collections.synchronizedList(new ArrayList<>());
        List<String> operatorLines = Collections.synchronizedList(new ArrayList<>());
        Thread v = startThread(() -> viewer.join().body().forEach(viewerLines::add));
        Thread o = startThread(() -> operator.join().body().forEach(operatorLines::add));
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> !viewerLines.isEmpty() && !operatorLines.isEmpty());
            try (KafkaProducer<byte[], byte[]> producer = KafkaExtension.kafka().producer()) {
                producer.send(record(null, "{\"ok\":true}", "correlationId", LIVE_ID, "eventType", "OrderPlaced")).get();
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> String.join("\n", operatorLines).contains(LIVE_ID));
            Thread.sleep(1000);
            String seen = String.join("\n", viewerLines);
            assertThat(seen).contains("instance").contains("\"correlationId\":\"***\"");
            assertThat(secretsIn(seen)).isEmpty();
        } finally {
            viewer.cancel(true);
            operator.cancel(true);
            v.interrupt();
            o.interrupt();
        }
    }

    private static Thread startThread(Runnable r) {
        Thread t = new Thread(r, "live-reader");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    static {
        // the set of secrets must itself be what the masking finds: guard against a typo in the fixtures
        assertThat(Set.copyOf(SECRETS)).hasSize(SECRETS.size());
    }
}
