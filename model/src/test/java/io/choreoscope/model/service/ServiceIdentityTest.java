package io.choreoscope.model.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import io.choreoscope.model.Observation;
import io.choreoscope.model.Span;
import io.choreoscope.model.flow.DependencyMap;
import io.choreoscope.model.flow.DependencyMap.Edge;
import io.choreoscope.model.flow.DependencyMap.EdgeRole;
import io.choreoscope.model.flow.DependencyMap.Node;
import io.choreoscope.model.flow.DependencyMap.NodeKind;
import org.junit.jupiter.api.Test;

class ServiceIdentityTest {
    private final ServiceIdentity defaults = ServiceIdentity.defaults();

    @Test
    void cloudEventsSourcesNameTheirLastPathSegmentOrHost() {
        assertThat(defaults.name("/accounts")).isEqualTo("accounts");
        assertThat(defaults.name("/services/crm/")).isEqualTo("crm");
        assertThat(defaults.name("https://shop.example.com/services/orders")).isEqualTo("orders");
        assertThat(defaults.name("https://orders.example.com")).isEqualTo("orders.example.com");
        assertThat(defaults.name("https://orders.example.com/")).isEqualTo("orders.example.com");
        assertThat(defaults.name("urn:example:billing")).isEqualTo("billing");
        assertThat(defaults.name("//inventory")).isEqualTo("inventory");
        assertThat(defaults.name("not a uri/with spaces")).isEqualTo("with spaces");
    }

    @Test
    void plainNamesAndHostPortsStayWhole() {
        assertThat(defaults.name("shipping")).isSameAs("shipping".intern());
        assertThat(defaults.name("orders:8080")).isEqualTo("orders:8080");
        assertThat(defaults.name(" crm ")).isEqualTo("crm");
        assertThat(defaults.name("")).isNull();
        assertThat(defaults.name("   ")).isNull();
        assertThat(defaults.name("/")).isNull();
        assertThat(defaults.name(null)).isNull();
    }

    @Test
    void uriPartIsConfigurable() {
        ServiceIdentity host = new ServiceIdentity(Map.of(), ServiceIdentity.UriPart.HOST);
        assertThat(host.name("https://orders.example.com/v1")).isEqualTo("orders.example.com");
        assertThat(host.name("/accounts")).isEqualTo("accounts");
        ServiceIdentity whole = new ServiceIdentity(Map.of(), ServiceIdentity.UriPart.WHOLE);
        assertThat(whole.name("/accounts")).isEqualTo("/accounts");
    }

    @Test
    void aliasesMatchTheRawValueThenTheCutOne() {
        ServiceIdentity id = new ServiceIdentity(ServiceIdentity.parseAliases(
                List.of("orders-v2=orders", "/billing/eu=billing", "ledger-group = ledger")), null);
        assertThat(id.name("orders-v2")).isEqualTo("orders");
        assertThat(id.name("/svc/orders-v2")).isEqualTo("orders");
        assertThat(id.name("/billing/eu")).isEqualTo("billing");
        assertThat(id.name("ledger-group")).isEqualTo("ledger");
        assertThat(id.name("orders")).isEqualTo("orders");
    }

    @Test
    void malformedAliasesAreRefusedByName() {
        assertThatThrownBy(() -> ServiceIdentity.parseAliases(List.of("orders-v2")))
                .hasMessageContaining("'orders-v2'");
        assertThatThrownBy(() -> ServiceIdentity.parseAliases(List.of("=orders"))).hasMessageContaining("'=orders'");
        assertThatThrownBy(() -> ServiceIdentity.parseAliases(List.of("a= "))).hasMessageContaining("'a= '");
    }

    @Test
    void resolvingIsIdempotentOverRandomValues() {
        Random rnd = new Random(7);
        String alphabet = "ab/:. -_%xy";
        for (int i = 0; i < 5_000; i++) {
            StringBuilder sb = new StringBuilder();
            for (int j = rnd.nextInt(12); j > 0; j--) {
                sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
            }
            String once = defaults.name(sb.toString());
            assertThat(defaults.name(once)).as("'%s'", sb).isEqualTo(once);
        }
    }

    @Test
    void longNamesAreCut() {
        assertThat(defaults.name("x".repeat(10_000))).hasSize(ServiceIdentity.MAX_NAME_CHARS);
    }

    @Test
    void batchesAreRewrittenOnlyWhereANameChanges() {
        Observation plain = Observation.builder("t", 0, 0, Instant.EPOCH).sourceService("orders").build();
        Observation uri = Observation.builder("t", 0, 1, Instant.EPOCH).sourceService("/accounts").build();
        List<Observation> same = List.of(plain);
        assertThat(defaults.observations(same)).isSameAs(same);
        List<Observation> out = defaults.observations(List.of(plain, uri));
        assertThat(out.get(0)).isSameAs(plain);
        assertThat(out.get(1).sourceService()).isEqualTo("accounts");
        assertThat(out.get(1).offset()).isEqualTo(1);

        Span span = new Span("t", "s", null, "/crm", "n", "CONSUMER", Instant.EPOCH, 1, "OK", Map.of(), "kafka", "topic",
                null, null, "g", null);
        assertThat(defaults.spans(List.of(span)).get(0).service()).isEqualTo("crm");
        assertThat(defaults.spans(List.of(span)).get(0).consumerGroup()).isEqualTo("g");
    }

    @Test
    void canonicalMapHasOneNodePerServiceAndOneRateBasis() {
        ServiceIdentity id = new ServiceIdentity(Map.of("crm-group", "crm"), null);
        DependencyMap raw = new DependencyMap(List.of(new Node(NodeKind.TOPIC, "signups")), List.of(
                edge(EdgeRole.PRODUCES, "/accounts", 120, "observation"),
                edge(EdgeRole.PRODUCES, "accounts", 118, "span"),
                edge(EdgeRole.CONSUMES, "crm", 117, "span"),
                edge(EdgeRole.CONSUMES, "crm-group", 120, "consumer-group"),
                new Edge(EdgeRole.CONSUMES, "/crm", "signups", Set.of("X"), 0, 0, 12, 40, Set.of()),
                new Edge(EdgeRole.CONSUMES, "gone", "signups", Set.of(), 0, 0, 5, 9, Set.of())));

        DependencyMap m = id.canonical(raw, 60);

        assertThat(m.nodes()).containsExactly(new Node(NodeKind.SERVICE, "accounts"), new Node(NodeKind.SERVICE, "crm"),
                new Node(NodeKind.TOPIC, "signups"));
        assertThat(m.edges()).hasSize(2);
        Edge produces = m.edges().stream().filter(e -> e.role() == EdgeRole.PRODUCES).findFirst().orElseThrow();
        Edge consumes = m.edges().stream().filter(e -> e.role() == EdgeRole.CONSUMES).findFirst().orElseThrow();
        assertThat(produces.evidence()).containsExactlyInAnyOrder("observation", "span");
        assertThat(produces.count()).isEqualTo(120);
        assertThat(produces.ratePerSecond()).isCloseTo(2.0, within(1e-9));
        assertThat(consumes.evidence()).containsExactlyInAnyOrder("span", "consumer-group");
        assertThat(consumes.ratePerSecond()).isCloseTo(2.0, within(1e-9));
        assertThat(consumes.p50Ms()).isEqualTo(12);
        assertThat(consumes.eventTypes()).contains("X");
    }

    @Test
    void twoRawNamesOfOneProducerAddUp() {
        ServiceIdentity id = new ServiceIdentity(Map.of("orders-v2", "orders"), null);
        DependencyMap m = id.canonical(new DependencyMap(List.of(), List.of(edge(EdgeRole.PRODUCES, "orders", 30, "observation"),
                edge(EdgeRole.PRODUCES, "orders-v2", 30, "observation"))), 60);
        assertThat(m.edges()).singleElement().satisfies(e -> assertThat(e.count()).isEqualTo(60));
    }

    @Test
    void lagAndQueuesSurviveRenamingAndTwoGroupsOfOneServiceAddUp() {
        ServiceIdentity id = new ServiceIdentity(Map.of("crm-a", "crm", "crm-b", "crm"), null);
        DependencyMap raw = new DependencyMap(List.of(), List.of(
                edge(EdgeRole.CONSUMES, "crm", 117, "span"),
                new Edge(EdgeRole.CONSUMES, "crm-a", "signups", Set.of(), 120, 2, Double.NaN, Double.NaN,
                        Set.of("consumer-group"), Set.of(), new DependencyMap.Lag(4, 2.5)),
                new Edge(EdgeRole.CONSUMES, "crm-b", "signups", Set.of(), 120, 2, Double.NaN, Double.NaN,
                        Set.of("queue"), Set.of("crm-in"), new DependencyMap.Lag(3, 8.0))),
                Map.of("signups", new DependencyMap.Lag(7, 8.0)));
        DependencyMap m = id.canonical(raw, 60);
        assertThat(m.edges()).singleElement().satisfies(e -> {
            assertThat(e.service()).isEqualTo("crm");
            assertThat(e.lag()).isEqualTo(new DependencyMap.Lag(7, 8.0));
            assertThat(e.queues()).containsExactly("crm-in");
        });
        assertThat(m.topicLag()).containsEntry("signups", new DependencyMap.Lag(7, 8.0));
    }

    private static Edge edge(EdgeRole role, String service, long count, String evidence) {
        return new Edge(role, service, "signups", Set.of(), count, count / 999.0, Double.NaN, Double.NaN, Set.of(evidence));
    }
}
