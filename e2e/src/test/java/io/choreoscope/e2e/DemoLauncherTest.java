package io.choreoscope.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.choreoscope.harness.TempDirs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceAccessMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * Runs {@code ./choreoscope demo} headless, as a user would, and checks through the REST API that the
 * three sample flows are inferred with the right graph shape and states. The demo uses its fixed
 * ports (9092, 8123, 8081, 4318): nothing else may hold them while this runs.
 *
 * <p>Most of its time is waiting for the demo's instances to settle, so it runs beside {@link DemoFlowMapBrowserTest}
 * (which uses free ports), never beside the fault suite ({@link E2eLocks#MACHINE}). It polls every second: each
 * condition is asserted as soon as the API shows it.
 */
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock(value = E2eLocks.MACHINE, mode = ResourceAccessMode.READ)
class DemoLauncherTest {
    private static final String API = "http://localhost:8081/api/v1";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static Process demo;
    private static Path dataDir;
    private static Path output;
    /** Set by the test's last line: when false at the end, the demo's logs are printed before its directory goes. */
    private static volatile boolean passed;

    @BeforeAll
    static void startDemo() throws Exception {
        Path root = Path.of("..").toAbsolutePath().normalize();
        dataDir = Files.createTempDirectory("choreoscope-e2e-");
        output = dataDir.resolve("launcher.out");
        ProcessBuilder pb = new ProcessBuilder("bash", root.resolve("choreoscope").toString(), "demo")
                .directory(root.toFile())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile());
        pb.environment().put("CHOREOSCOPE_DATA", dataDir.toString());
        pb.environment().put("CHOREOSCOPE_SKIP_BUILD", "1"); // the reactor built everything already
        // A livelier mix than the default, so each path shows up within a minute: declines and shortages
        // (compensations), moderation rejections, and a shipping service that drops a share (stuck). The slow
        // service (transcoding, one record at a time) gets a 100 ms mean: at 300 ms it handles about 3.3 records/s,
        // while this rate sends it about 3.4/s, so its queue grew without bound in some runs (40 s waits), the content
        // flow's step p99 with it, and with that its settling delay (10 x p99): its end states then took 7 minutes.
        pb.environment().put("CHOREOSCOPE_SAMPLE_ARGS",
                "--rate 12 --decline-rate 0.15 --shortage-rate 0.15 --reject-rate 0.15 --drop-rate 0.15 --slow-mean-ms 100");
        demo = pb.start();
    }

    /** Stops the demo, prints the launcher's output and deletes the demo's data directory, also after a failure. */
    @AfterAll
    static void stopDemo() throws Exception {
        try {
            if (demo != null) {
                demo.destroy(); // SIGTERM: the launcher stops everything it started
                // A second signal half a second later, as an impatient second Ctrl-C: the launcher must go on stopping
                // (until 2026-12-05 it died there, leaving Kafka, ClickHouse and RabbitMQ on the demo's ports).
                if (!demo.waitFor(500, TimeUnit.MILLISECONDS)) {
                    demo.destroy();
                }
                boolean exited = demo.waitFor(60, TimeUnit.SECONDS);
                if (!exited) {
                    demo.destroyForcibly();
                    demo.waitFor(30, TimeUnit.SECONDS);
                }
                System.out.println("--- launcher output ---\n" + Files.readString(output));
                if (!passed) {
                    printLogTails(dataDir.resolve("logs"), 60);
                }
                assertThat(exited).as("launcher stops within 60 s of SIGTERM").isTrue();
                assertThat(Files.readString(output)).as("the launcher's last word").contains("choreoscope: stopped");
                for (int port : new int[] {9092, 8123, 8081, 4318, 5672, 15672}) {
                    assertThat(listening(port)).as("something still listens on the demo's port %d after it stopped", port)
                            .isFalse();
                }
            }
        } finally {
            TempDirs.deleteUnlessKept(dataDir);
        }
    }

    /** Whether a process accepts connections on a loopback port. */
    private static boolean listening(int port) {
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 1_000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The addresses that accept connections on {@code port}, from the kernel's socket tables ({@code /proc/net/tcp}
     * and {@code tcp6}: hex, each 32-bit word in host byte order, listening sockets in state {@code 0A}).
     */
    static List<InetAddress> listenAddresses(int port) throws IOException {
        List<InetAddress> found = new ArrayList<>();
        for (String table : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
            Path file = Path.of(table);
            if (!Files.exists(file)) {
                continue;
            }
            for (String line : Files.readAllLines(file)) {
                String[] f = line.trim().split("\\s+");
                if (f.length < 4 || !f[3].equals("0A") || !f[1].contains(":")) {
                    continue;
                }
                String[] local = f[1].split(":");
                if (Integer.parseInt(local[1], 16) != port) {
                    continue;
                }
                byte[] address = new byte[local[0].length() / 2];
                for (int word = 0; word < address.length / 4; word++) {
                    for (int b = 0; b < 4; b++) {
                        int at = (word * 4 + 3 - b) * 2; // host byte order: the word's last byte comes first
                        address[word * 4 + b] = (byte) Integer.parseInt(local[0].substring(at, at + 2), 16);
                    }
                }
                found.add(InetAddress.getByAddress(address)); // an IPv4-mapped IPv6 address comes back as IPv4
            }
        }
        return found;
    }

    /** The last lines of every log of the demo (they are deleted with its data directory). */
    private static void printLogTails(Path logs, int lines) throws IOException {
        if (!Files.isDirectory(logs)) {
            return;
        }
        try (var files = Files.list(logs)) {
            for (Path f : files.sorted().toList()) {
                List<String> all = Files.readAllLines(f, StandardCharsets.ISO_8859_1);
                System.out.println("--- " + f.getFileName() + " (last " + lines + " lines) ---\n"
                        + String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size())));
            }
        }
    }

    private static JsonNode get(String path) throws IOException, InterruptedException {
        // The demo signs in its viewer like any script would (HTTP Basic with the demo's viewer/viewer).
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(API + path))
                .header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(
                        "viewer:viewer".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new AssertionError("GET " + path + " -> " + r.statusCode() + ": " + r.body());
        }
        return JSON.readTree(r.body());
    }

    private static Set<String> transitions(JsonNode model) {
        Set<String> out = new HashSet<>();
        for (JsonNode t : model.get("transitions")) {
            out.add(t.get("from").asText() + "->" + t.get("to").asText());
        }
        return out;
    }

    /** The most frequent successor of a step in the model (the demo injects rare noise edges on purpose). */
    private static String mainSuccessor(JsonNode model, String from) {
        String best = null;
        long bestCount = -1;
        for (JsonNode t : model.get("transitions")) {
            if (t.get("from").asText().equals(from) && t.get("count").asLong() > bestCount) {
                best = t.get("to").asText();
                bestCount = t.get("count").asLong();
            }
        }
        return best;
    }

    private static long count(JsonNode model, String from, String to) {
        long sum = 0;
        for (JsonNode t : model.get("transitions")) {
            if (t.get("from").asText().equals(from) && (to == null || t.get("to").asText().equals(to))) {
                sum += t.get("count").asLong();
            }
        }
        return sum;
    }

    /** The states, among those asked, that at least one instance of the flow is in now. */
    private static Set<String> statesOf(String flow, String... wanted) throws Exception {
        Set<String> states = new HashSet<>();
        for (String state : wanted) {
            JsonNode items = get("/instances?limit=1&from=-1h&state=" + state + "&flow="
                    + URLEncoder.encode(flow, StandardCharsets.UTF_8)).get("items");
            if (items.size() > 0) {
                states.add(state);
            }
        }
        return states;
    }

    @Test
    void allThreeSampleFlowsAreInferredWithTheirShapeAndStates() throws Exception {
        await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions().untilAsserted(() -> {
            List<String> flows = new ArrayList<>();
            get("/flows?from=-1h").forEach(f -> flows.add(f.get("flow").asText()));
            assertThat(flows).contains("OrderPlaced", "UserRegistered", "ContentUploaded");
        });
        // The demo's users sign in with their names as passwords and its OTLP receiver takes spans from anyone: every
        // port of the demo listens on this machine only (until 2026-12-06 the UI, API and OTLP listened on every
        // interface). RabbitMQ's ports only where its package is installed.
        for (int port : new int[] {8080, 8081, 4317, 4318, 9092, 8123, 5672, 15672}) {
            List<InetAddress> addresses = listenAddresses(port);
            boolean rabbitMq = port == 5672 || port == 15672;
            if (!rabbitMq) {
                assertThat(addresses).as("something listens on the demo's port %d", port).isNotEmpty();
            }
            assertThat(addresses).as("the demo's port %d listens on loopback only", port)
                    .allMatch(InetAddress::isLoopbackAddress);
        }

        await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions().untilAsserted(() -> {
            JsonNode orderModel = get("/flows/OrderPlaced");
            Set<String> order = transitions(orderModel);
            assertThat(order).contains("OrderPlaced->PaymentCaptured", "PaymentCaptured->StockReserved",
                    "StockReserved->OrderShipped", "OrderPlaced->PaymentDeclined", "PaymentDeclined->OrderCancelled",
                    "PaymentCaptured->StockUnavailable", "StockUnavailable->PaymentRefunded",
                    "PaymentRefunded->OrderCancelled");
            // The saga's structure dominates the injected noise (duplicates, lagging clocks):
            assertThat(mainSuccessor(orderModel, "OrderPlaced")).isEqualTo("PaymentCaptured");
            assertThat(mainSuccessor(orderModel, "PaymentCaptured")).isEqualTo("StockReserved");
            assertThat(mainSuccessor(orderModel, "StockReserved")).isEqualTo("OrderShipped");
            assertThat(mainSuccessor(orderModel, "PaymentDeclined")).isEqualTo("OrderCancelled");
            assertThat(mainSuccessor(orderModel, "StockUnavailable")).isEqualTo("PaymentRefunded");
            assertThat(mainSuccessor(orderModel, "PaymentRefunded")).isEqualTo("OrderCancelled");
            // OrderShipped ends the saga: what follows it is rare noise.
            assertThat(count(orderModel, "OrderShipped", null))
                    .isLessThan(count(orderModel, "StockReserved", "OrderShipped") / 10 + 1);

            JsonNode contentModel = get("/flows/ContentUploaded");
            assertThat(transitions(contentModel)).contains("ContentUploaded->ModerationApproved",
                    "ModerationApproved->TranscodingCompleted", "TranscodingCompleted->ContentPublished",
                    "ContentUploaded->ModerationRejected");
            assertThat(mainSuccessor(contentModel, "ContentUploaded")).isEqualTo("ModerationApproved");
            assertThat(mainSuccessor(contentModel, "ModerationApproved")).isEqualTo("TranscodingCompleted");
            assertThat(mainSuccessor(contentModel, "TranscodingCompleted")).isEqualTo("ContentPublished");

            // A fan-out: every consumer's completion follows the registration or a sibling completion.
            JsonNode signup = get("/flows/UserRegistered");
            Set<String> nodes = new HashSet<>();
            signup.get("nodes").forEach(n -> nodes.add(n.get("eventType").asText()));
            assertThat(nodes).contains("UserRegistered", "WelcomeEmailSent", "SignupTracked", "CrmContactCreated",
                    "WelcomeCampaignEnrolled");
            assertThat(signup.get("startCounts").has("UserRegistered")).isTrue();
        });

        // Ends are learned once instances settle (idle 10x the flow's slowest step p99, at least 30 s).
        await().atMost(Duration.ofMinutes(8)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions().untilAsserted(() -> {
            assertThat(statesOf("OrderPlaced", "COMPLETED", "COMPENSATED", "STUCK"))
                    .containsExactlyInAnyOrder("COMPLETED", "COMPENSATED", "STUCK");
            assertThat(statesOf("ContentUploaded", "COMPLETED", "FAILED")).containsExactlyInAnyOrder("COMPLETED", "FAILED");
            assertThat(statesOf("UserRegistered", "COMPLETED")).containsExactly("COMPLETED");
        });
        // Three of the demo's faults leave an order stuck, and its events (or its cause) say which: shipping drops a
        // share of its input (stock reserved, never shipped), inventory dead-letters a share of its input (the
        // payment's record on the dead-letter topic, no stock reserved), payments fails on a share of its input with an
        // error span (only the order's own event; the stuck cause names the span). The last event by time says none
        // reliably: the sample services stamp a share of their events before their cause.
        JsonNode stuck = get("/stuck?flow=OrderPlaced");
        assertThat(stuck).isNotEmpty();
        List<String> types = new ArrayList<>();
        List<String> topics = new ArrayList<>();
        get("/instances/" + URLEncoder.encode(stuck.get(0).get("correlationId").asText(), StandardCharsets.UTF_8)).get("events")
                .forEach(e -> {
                    types.add(e.get("eventType").asText());
                    topics.add(e.get("topic").asText());
                });
        assertThat(types).doesNotContain("OrderShipped");
        boolean droppedByShipping = types.contains("StockReserved");
        boolean deadLetteredByInventory = !types.contains("StockReserved") && topics.contains("dead-letters");
        JsonNode cause = stuck.get(0).get("cause");
        boolean failedByPayments = types.equals(List.of("OrderPlaced")) && cause != null
                && "ERROR_SPAN".equals(cause.path("kind").asText()) && "payments".equals(cause.path("service").asText());
        assertThat(droppedByShipping || deadLetteredByInventory || failedByPayments)
                .as("stuck by shipping's drop, inventory's dead letter or payments' error span: %s on %s, cause %s",
                        types, topics, cause).isTrue();

        // The Alerts page shows two rules on the sample traffic, added once by the launcher (until 2026-12-06 it was
        // empty); the order saga's injected faults keep its completion rate under the first one's 95%.
        List<String> rules = new ArrayList<>();
        get("/alerts/rules").forEach(r -> rules.add(r.get("name").asText()));
        assertThat(rules).containsExactlyInAnyOrder("Orders completing (demo)", "Sign-ups stuck (demo)");
        assertThat(dataDir.resolve("demo-alert-rules-added")).as("added once per data directory").exists();

        // The application's own files (config store, sign-in key) are in the demo's data directory like the rest; until
        // 2026-12-05 they went to ./data of the directory it was started from, whatever CHOREOSCOPE_DATA said.
        assertThat(dataDir.resolve("config")).as("the config store under CHOREOSCOPE_DATA").isDirectoryContaining(
                p -> p.getFileName().toString().startsWith("choreoscope."));
        assertThat(dataDir.resolve("auth").resolve("token-secret")).as("the sign-in key under CHOREOSCOPE_DATA").exists();
        passed = true;
    }
}
