package io.choreoscope.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.choreoscope.harness.clickhouse.ClickHouseExtension;
import io.choreoscope.harness.kafka.EmbeddedKafka;
import io.choreoscope.harness.kafka.KafkaExtension;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Flow maps through the API against the running application (real Kafka, real ClickHouse, the tap, live inference):
 * the model of a time window, path and step filtering with what it hides, variants and their instances. One noisy
 * order log is produced once for the class: 20 happy orders, 3 compensated, one shipped twice, one shipped before it
 * was paid, all in the last few minutes; one happy order two hours ago; and, around a "deploy" three and a half
 * hours ago, five happy orders before it and five that skip the payment after it.
 */
@ExtendWith({KafkaExtension.class, ClickHouseExtension.class})
class FlowMapApiTest {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static ApplicationContext app;
    private static ApiClient api;
    private static KafkaProducer<byte[], byte[]> producer;
    private static Instant base;

    @BeforeAll
    static void produceANoisySagaAndStartTheApp(EmbeddedKafka kafka) {
        String prefix = KafkaExtension.uniqueName("flowmap");
        String topic = prefix + "-orders";
        kafka.createTopic(topic, 2);
        String db = ClickHouseExtension.createDatabase();
        app = ApplicationContext.run(EmbeddedServer.class, ApiEndpointsTest.appProperties(prefix, db)).getApplicationContext();
        api = new ApiClient(app.getBean(EmbeddedServer.class).getURL() + "/api/v1");
        producer = kafka.producer();
        Saga saga = new Saga(producer, topic);
        base = Instant.now().minusSeconds(300);
        for (int i = 1; i <= 20; i++) {
            saga.completed("ok-" + i, base.plusSeconds(i));
        }
        for (int i = 1; i <= 3; i++) {
            Instant s = base.plusSeconds(30 + i);
            saga.event("comp-" + i, "OrderPlaced", "orders", s, "{}");
            saga.event("comp-" + i, "PaymentFailed", "payments", s.plusMillis(50), "{}");
            saga.event("comp-" + i, "OrderCancelled", "orders", s.plusMillis(80), "{}");
        }
        Instant d = base.plusSeconds(40);
        saga.completed("dup-1", d);
        saga.event("dup-1", "OrderShipped", "shipping", d.plusMillis(250), "{}"); // a second shipment
        Instant o = base.plusSeconds(41);
        saga.event("ooo-1", "OrderPlaced", "orders", o, "{}");
        saga.event("ooo-1", "OrderShipped", "shipping", o.plusMillis(100), "{}");
        saga.event("ooo-1", "PaymentCaptured", "payments", o.plusMillis(200), "{}");
        saga.completed("old-1", Instant.now().minus(Duration.ofHours(2)));
        // a deploy between two old windows: before it shipping follows payment, after it payment is skipped
        Instant beforeDeploy = Instant.now().minus(Duration.ofMinutes(270));
        Instant afterDeploy = Instant.now().minus(Duration.ofMinutes(210));
        for (int i = 1; i <= 5; i++) {
            saga.completed("before-" + i, beforeDeploy.plusSeconds(i));
            saga.event("after-" + i, "OrderPlaced", "orders", afterDeploy.plusSeconds(i), "{}");
            saga.event("after-" + i, "OrderShipped", "shipping", afterDeploy.plusSeconds(i).plusMillis(100), "{}");
        }
        saga.flush();
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(api.ok("/instances?limit=500&from=-3h").get("items")).hasSize(26);
            assertThat(api.ok("/instances?limit=500&from=-5h").get("items")).hasSize(36);
            assertThat(api.ok("/instances?state=COMPENSATED&limit=500&from=-3h").get("items")).hasSize(3);
            assertThat(api.get("/flows/OrderPlaced").status()).isEqualTo(200);
        });
    }

    @AfterAll
    static void stop() {
        if (producer != null) {
            producer.close();
        }
        if (app != null) {
            app.close();
        }
    }

    private static Map<String, Long> dfg(JsonNode model, String field) {
        Map<String, Long> out = new HashMap<>();
        model.get("transitions").forEach(t -> out.put(t.get("from").asText() + "->" + t.get("to").asText(), t.get(field).asLong()));
        return out;
    }

    @Test
    void windowedModelCountsTheInstancesStartedInTheWindowExactly() {
        JsonNode m = api.ok("/flows/OrderPlaced?from=-1h&to=now");
        assertThat(m.get("instances").asLong()).isEqualTo(25);
        assertThat(dfg(m, "count")).isEqualTo(Map.of(
                "OrderPlaced->PaymentCaptured", 21L, "PaymentCaptured->OrderShipped", 21L,
                "OrderShipped->OrderShipped", 1L, "OrderPlaced->PaymentFailed", 3L, "PaymentFailed->OrderCancelled", 3L,
                "OrderPlaced->OrderShipped", 1L, "OrderShipped->PaymentCaptured", 1L));
        assertThat(dfg(m, "instances")).containsEntry("OrderPlaced->PaymentCaptured", 21L);
        assertThat(m.get("from").isNull()).isFalse();
        assertThat(m.get("learnedEnds").toString()).contains("OrderShipped");
        JsonNode pay = null;
        for (JsonNode t : m.get("transitions")) {
            if (t.get("from").asText().equals("OrderPlaced") && t.get("to").asText().equals("PaymentCaptured")) {
                pay = t;
            }
        }
        assertThat(pay.get("p50Ms").asDouble()).isEqualTo(100.0);
        assertThat(pay.get("probability").asDouble()).isEqualTo(21.0 / 25);

        JsonNode old = api.ok("/flows/OrderPlaced?from=-3h&to=-90m");
        assertThat(old.get("instances").asLong()).isEqualTo(1);
        assertThat(dfg(old, "count")).isEqualTo(Map.of("OrderPlaced->PaymentCaptured", 1L, "PaymentCaptured->OrderShipped", 1L));

        JsonNode lifetime = api.ok("/flows/OrderPlaced");
        assertThat(lifetime.get("from").isNull()).isTrue();
        assertThat(lifetime.get("instances").asLong()).isEqualTo(36);
    }

    @Test
    void filteredModelHidesRareTransitionsStaysConnectedAndSaysWhatItHid() {
        JsonNode m = api.ok("/flows/OrderPlaced?from=-1h&minStepShare=0.1&minPathShare=0.1");
        assertThat(dfg(m, "count")).containsOnlyKeys("OrderPlaced->PaymentCaptured", "PaymentCaptured->OrderShipped",
                "OrderPlaced->PaymentFailed", "PaymentFailed->OrderCancelled");
        JsonNode hidden = m.get("hidden");
        assertThat(hidden.get("transitions").asInt()).isEqualTo(3);
        assertThat(hidden.get("steps").asInt()).isZero();
        assertThat(hidden.get("instances").asLong()).isEqualTo(2);
        assertThat(hidden.get("instancesExact").asBoolean()).isTrue();
        assertThat(hidden.get("instanceShare").asDouble()).isEqualTo(2.0 / 25);
        // the same thresholds as a percentage; a step threshold that hides the compensation branch
        JsonNode strict = api.ok("/flows/OrderPlaced?from=-1h&minStepShare=20%25&minPathShare=20%25");
        assertThat(dfg(strict, "count")).containsOnlyKeys("OrderPlaced->PaymentCaptured", "PaymentCaptured->OrderShipped");
        assertThat(strict.get("hidden").get("steps").asInt()).isEqualTo(2);
        assertThat(strict.get("hidden").get("instances").asLong()).isEqualTo(5);
        // unfiltered: no hidden part
        assertThat(api.ok("/flows/OrderPlaced?from=-1h").get("hidden").isNull()).isTrue();
    }

    @Test
    void theCausalMapOfRecordsWithoutCausationIdsHasTheDirectlyFollowsArrowsWithPerInstanceShares() {
        JsonNode follows = api.ok("/flows/OrderPlaced?from=-1h");
        JsonNode causes = api.ok("/flows/OrderPlaced?from=-1h&edges=causes");
        assertThat(api.ok("/flows/OrderPlaced?from=-1h&edges=follows").get("transitions")).isEqualTo(follows.get("transitions"));

        assertThat(causes.get("instances").asLong()).isEqualTo(25);
        assertThat(dfg(causes, "count")).isEqualTo(dfg(follows, "count"));
        JsonNode pay = null;
        for (JsonNode t : causes.get("transitions")) {
            if (t.get("from").asText().equals("OrderShipped") && t.get("to").asText().equals("OrderShipped")) {
                pay = t;
            }
        }
        // of the 22 instances with an OrderShipped, one shipped twice: the share of instances, not of the arrows out
        assertThat(pay.get("probability").asDouble()).isEqualTo(1.0 / 22);
        JsonNode filtered = api.ok("/flows/OrderPlaced?from=-1h&edges=causes&minStepShare=0.1&minPathShare=0.1");
        assertThat(dfg(filtered, "count")).containsOnlyKeys("OrderPlaced->PaymentCaptured", "PaymentCaptured->OrderShipped",
                "OrderPlaced->PaymentFailed", "PaymentFailed->OrderCancelled");
        assertThat(filtered.get("hidden").get("instancesExact").asBoolean()).as("no variants for arrows by cause").isFalse();
    }

    @Test
    void badWindowsAndSharesAre400AndAnUnknownFlowIs404() {
        for (String q : List.of("minPathShare=2", "minStepShare=abc", "minPathShare=-0.1", "minPathShare=NaN",
                "from=-1h&to=-2h", "from=yesterday", "from=-1h&edges=sideways", "edges=causes")) {
            ApiClient.Answer a = api.get("/flows/OrderPlaced?" + q);
            assertThat(a.status()).as(q).isEqualTo(400);
            assertThat(a.body().get("message").asText()).as(q).isNotBlank();
        }
        assertThat(api.get("/flows/NoSuchFlow?from=-1h").status()).isEqualTo(404);
        assertThat(api.get("/flows/NoSuchFlow/variants").status()).isEqualTo(404);
        assertThat(api.get("/flows/OrderPlaced/variants?limit=0").status()).isEqualTo(400);
        assertThat(api.get("/flows/OrderPlaced/variants/not-hex/instances").status()).isEqualTo(400);
    }

    @Test
    void variantsAreSortedByCountWithShareDurationsOutcomesAndTheirInstances() {
        JsonNode v = api.ok("/flows/OrderPlaced/variants?from=-1h");
        assertThat(v).hasSize(4);
        JsonNode happy = v.get(0);
        assertThat(steps(happy)).containsExactly("OrderPlaced", "PaymentCaptured", "OrderShipped");
        assertThat(happy.get("count").asLong()).isEqualTo(20);
        assertThat(happy.get("share").asDouble()).isEqualTo(20.0 / 25);
        assertThat(happy.get("p50Ms").asDouble()).isEqualTo(200.0);
        assertThat(happy.get("outcomes").get("COMPLETED").asLong()).isEqualTo(20);
        JsonNode comp = v.get(1);
        assertThat(steps(comp)).containsExactly("OrderPlaced", "PaymentFailed", "OrderCancelled");
        assertThat(comp.get("outcomes").get("COMPENSATED").asLong()).isEqualTo(3);

        JsonNode inst = api.ok("/flows/OrderPlaced/variants/" + comp.get("id").asText() + "/instances?from=-1h");
        List<String> ids = new ArrayList<>();
        inst.forEach(i -> ids.add(i.get("correlationId").asText()));
        assertThat(ids).containsExactly("comp-3", "comp-2", "comp-1");
        assertThat(api.ok("/flows/OrderPlaced/variants?from=-1h&limit=1")).hasSize(1);
    }

    private static List<String> steps(JsonNode variant) {
        List<String> out = new ArrayList<>();
        variant.get("steps").forEach(s -> out.add(s.asText()));
        return out;
    }

    @Test
    void theEventLogExportsAsXesWithEveryEventOfTheWindowAndAsCsv() throws Exception {
        var r = api.raw("/flows/OrderPlaced/export?format=xes&from=-1h");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/xml");
        assertThat(r.headers().firstValue("Content-Disposition").orElse("")).startsWith("attachment; filename=\"OrderPlaced-")
                .endsWith(".xes\"");
        var doc = javax.xml.parsers.DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new java.io.ByteArrayInputStream(r.body()));
        Map<String, List<String>> traces = new HashMap<>();
        var traceNodes = doc.getElementsByTagName("trace");
        for (int i = 0; i < traceNodes.getLength(); i++) {
            var trace = (org.w3c.dom.Element) traceNodes.item(i);
            String caseId = null;
            List<String> activities = new ArrayList<>();
            for (var n = trace.getFirstChild(); n != null; n = n.getNextSibling()) {
                if (n instanceof org.w3c.dom.Element e && e.getTagName().equals("string") && e.getAttribute("key").equals("concept:name")) {
                    caseId = e.getAttribute("value");
                }
                if (n instanceof org.w3c.dom.Element e && e.getTagName().equals("event")) {
                    String activity = null;
                    String time = null;
                    var attrs = e.getChildNodes();
                    for (int k = 0; k < attrs.getLength(); k++) {
                        if (attrs.item(k) instanceof org.w3c.dom.Element a) {
                            if (a.getAttribute("key").equals("concept:name")) {
                                activity = a.getAttribute("value");
                            }
                            if (a.getAttribute("key").equals("time:timestamp")) {
                                time = a.getAttribute("value");
                            }
                        }
                    }
                    assertThat(java.time.OffsetDateTime.parse(time).toInstant()).isAfterOrEqualTo(base);
                    activities.add(activity);
                }
            }
            traces.put(caseId, activities);
        }
        assertThat(traces).hasSize(25).doesNotContainKey("old-1");
        for (int i = 1; i <= 20; i++) {
            assertThat(traces.get("ok-" + i)).containsExactly("OrderPlaced", "PaymentCaptured", "OrderShipped");
        }
        assertThat(traces.get("comp-2")).containsExactly("OrderPlaced", "PaymentFailed", "OrderCancelled");
        assertThat(traces.get("dup-1")).containsExactly("OrderPlaced", "PaymentCaptured", "OrderShipped", "OrderShipped");
        assertThat(traces.get("ooo-1")).containsExactly("OrderPlaced", "OrderShipped", "PaymentCaptured");

        var csv = api.raw("/flows/OrderPlaced/export?format=csv&from=-1h");
        assertThat(csv.headers().firstValue("Content-Type").orElse("")).startsWith("text/csv");
        String[] lines = new String(csv.body(), java.nio.charset.StandardCharsets.UTF_8).split("\r\n");
        assertThat(lines[0]).isEqualTo("case_id,activity,timestamp,resource");
        assertThat(lines).hasSize(1 + 60 + 9 + 4 + 3);
        assertThat(lines).contains(lines[0]).anyMatch(l -> l.startsWith("\"comp-1\",\"PaymentFailed\",") && l.endsWith(",\"payments\""));
    }

    @Test
    void theMapExportsAsValidBpmnMermaidAndDotFilteredLikeTheMap() throws Exception {
        var r = api.raw("/flows/OrderPlaced/export?format=bpmn&from=-1h&minStepShare=0.1&minPathShare=0.1");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Disposition").orElse("")).endsWith(".bpmn\"");
        assertThat(BpmnCheck.check(r.body())).containsExactlyInAnyOrder("OrderPlaced", "PaymentCaptured", "OrderShipped",
                "PaymentFailed", "OrderCancelled");

        String mermaid = api.get("/flows/OrderPlaced/export?format=mermaid&from=-1h&minStepShare=0.1&minPathShare=0.1").text();
        assertThat(mermaid).startsWith("flowchart LR\n").contains("[\"OrderPlaced\"]");
        assertThat(mermaid.lines().filter(l -> l.contains("-->"))).hasSize(4);
        String dot = api.get("/flows/OrderPlaced/export?format=dot&from=-1h").text();
        assertThat(dot).startsWith("digraph \"OrderPlaced\" {").contains("\"OrderShipped\" -> \"OrderShipped\"");
        assertThat(dot.lines().filter(l -> l.contains(" -> "))).hasSize(7);

        var byCause = api.raw("/flows/OrderPlaced/export?format=bpmn&from=-1h&edges=causes");
        assertThat(byCause.statusCode()).isEqualTo(200);
        assertThat(BpmnCheck.check(byCause.body())).contains("OrderPlaced", "OrderShipped");
        assertThat(new String(byCause.body(), java.nio.charset.StandardCharsets.UTF_8)).contains("<bpmn:inclusiveGateway ");
        assertThat(api.get("/flows/OrderPlaced/export?format=dot&edges=causes").status()).as("no window").isEqualTo(400);
        assertThat(api.get("/flows/OrderPlaced/export?format=pdf").status()).isEqualTo(400);
        assertThat(api.get("/flows/OrderPlaced/export").status()).isEqualTo(400);
        assertThat(api.get("/flows/NoSuchFlow/export?format=csv").status()).isEqualTo(404);
    }

    @Test
    void comparingTheWindowsAroundADeployFindsExactlyTheSkippedStep() {
        JsonNode c = api.ok("/flows/OrderPlaced/compare?from1=-5h&to1=-4h&from2=-4h&to2=-3h");
        assertThat(c.get("before").get("instances").asLong()).isEqualTo(5);
        assertThat(c.get("after").get("instances").asLong()).isEqualTo(5);
        Map<String, String> changes = new HashMap<>();
        for (String kind : List.of("steps", "transitions")) {
            c.get(kind).forEach(i -> {
                if (!i.get("change").asText().equals("SAME")) {
                    changes.put(i.get("from").asText() + (i.get("to").isNull() ? "" : "->" + i.get("to").asText()),
                            i.get("change").asText());
                }
            });
        }
        assertThat(changes).isEqualTo(Map.of("PaymentCaptured", "GONE", "OrderPlaced->PaymentCaptured", "GONE",
                "PaymentCaptured->OrderShipped", "GONE", "OrderPlaced->OrderShipped", "ADDED"));
        assertThat(api.get("/flows/OrderPlaced/compare?from1=-5h").status()).isEqualTo(400);
        assertThat(api.get("/flows/OrderPlaced/compare?from1=-5h&from2=-4h&minShareChange=7").status()).isEqualTo(400);
    }
}
