package io.choreoscope.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import javax.xml.parsers.DocumentBuilderFactory;

import org.camunda.bpm.model.xml.ModelException;
import org.junit.jupiter.api.Test;

import io.choreoscope.model.FlowWindowReader.LogEvent;
import io.choreoscope.model.flow.FlowModel;

/** The export formats on hostile names and on a map with loops: valid documents, names kept as data. */
class FlowExportTest {
    private static final String EVIL = "Order\"<script>alert(1)</script>\n& 'x'";

    private static FlowModel model() {
        return new FlowModel("Orders \"<b>\"", 10,
                List.of(new FlowModel.Node("A", 10), new FlowModel.Node(EVIL, 10), new FlowModel.Node("C", 8),
                        new FlowModel.Node("D", 2)),
                List.of(new FlowModel.Transition("A", EVIL, 10, 1, 5, 9, 9),
                        new FlowModel.Transition(EVIL, "C", 8, 0.7, 5, 9, 9),
                        new FlowModel.Transition(EVIL, "D", 2, 0.2, 5, 9, 9),
                        new FlowModel.Transition("D", EVIL, 1, 1, 5, 9, 9), // a loop back
                        new FlowModel.Transition("C", "C", 1, 1, 5, 9, 9)),
                Map.of("A", 10L), Map.of("C", 8L, "D", 2L), List.of("C"), Map.of(), 0);
    }

    @Test
    void bpmnIsWellFormedWithGatewaysAndADiagram() throws Exception {
        String xml = FlowExport.bpmn(model());
        // a line break in an attribute reads back as a space (XML attribute-value normalisation)
        assertThat(BpmnCheck.check(xml.getBytes(StandardCharsets.UTF_8)))
                .containsExactlyInAnyOrder("A", EVIL.replace('\n', ' '), "C", "D");
        // EVIL and C each have two successors (split) and two predecessors (join; C loops to itself)
        assertThat(xml.split("<bpmn:exclusiveGateway ", -1)).hasSize(5);
        assertThat(xml).doesNotContain("<script>");
    }

    @Test
    void bpmnOfAMapByCauseHasInclusiveGatewaysAndIsValid() throws Exception {
        String xml = FlowExport.bpmn(model(), true);
        assertThat(BpmnCheck.check(xml.getBytes(StandardCharsets.UTF_8)))
                .containsExactlyInAnyOrder("A", EVIL.replace('\n', ' '), "C", "D");
        assertThat(xml.split("<bpmn:inclusiveGateway ", -1)).hasSize(5);
        assertThat(xml).doesNotContain("<bpmn:exclusiveGateway ");
    }

    /**
     * The library check fails where an exporter's bug would break the document for BPMN tools: a sequence flow to a
     * node that is not there, two elements with one ID, an element BPMN does not have, a diagram shape without its
     * bounds. The unbroken export passes the same check.
     */
    @Test
    void bpmnBrokenAsABuggyExporterWouldIsRefusedByTheLibrary() {
        String xml = FlowExport.bpmn(model());
        BpmnCheck.validate(xml.getBytes(StandardCharsets.UTF_8));
        java.util.regex.Matcher flow = java.util.regex.Pattern.compile("<bpmn:sequenceFlow id=\"([^\"]+)\"").matcher(xml);
        assertThat(flow.find()).isTrue();
        String first = flow.group(1);
        assertThat(flow.find()).isTrue();
        String second = flow.group(1);
        Map<String, String> broken = Map.of(
                "dangling target", xml.replaceFirst("targetRef=\"[^\"]+\"", "targetRef=\"Missing_1\""),
                "duplicate id", xml.replace("id=\"" + second + "\"", "id=\"" + first + "\""),
                "unknown element", xml.replace("<bpmn:exclusiveGateway ", "<bpmn:exclusiveGate ")
                        .replace("</bpmn:exclusiveGateway>", "</bpmn:exclusiveGate>"),
                "shape without bounds", xml.replaceFirst("<dc:Bounds [^>]*/>", ""));
        broken.forEach((what, doc) -> assertThatThrownBy(() -> BpmnCheck.validate(doc.getBytes(StandardCharsets.UTF_8)))
                .as(what).isInstanceOf(ModelException.class));
        assertThatThrownBy(() -> BpmnCheck.validate(broken.get("dangling target").getBytes(StandardCharsets.UTF_8)))
                .hasStackTraceContaining("Missing_1");
    }

    @Test
    void mermaidAndDotQuoteEveryName() {
        String mermaid = FlowExport.mermaid(model());
        assertThat(mermaid).contains("#quot;#lt;script#gt;").doesNotContain("<script>");
        assertThat(mermaid.lines().filter(l -> l.contains("-->"))).hasSize(5);
        String dot = FlowExport.dot(model());
        assertThat(dot).startsWith("digraph \"Orders \\\"<b>\\\"\" {").contains("\"Order\\\"<script>alert(1)</script>\\n& 'x'\"");
        assertThat(dot.lines().filter(l -> l.contains(" -> "))).hasSize(5);
    }

    @Test
    void xesParsesBackAndCsvDefusesFormulas() throws Exception {
        Instant t = Instant.parse("2026-11-22T10:00:00.123Z");
        List<LogEvent> log = List.of(new LogEvent("c-1", EVIL, t, "svc"), new LogEvent("c-1", "B", t.plusMillis(5), ""),
                new LogEvent("=cmd|' /C calc'!A0", "@SUM(1)", t, "+svc"));
        String xes = FlowExport.xes("flow", log);
        var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(xes.getBytes(StandardCharsets.UTF_8)));
        assertThat(doc.getElementsByTagName("trace").getLength()).isEqualTo(2);
        assertThat(doc.getElementsByTagName("event").getLength()).isEqualTo(3);
        assertThat(xes).contains("2026-11-22T10:00:00.123Z").doesNotContain("<script>");
        String csv = FlowExport.csv(log);
        assertThat(csv.split("\r\n")).containsExactly("case_id,activity,timestamp,resource",
                "\"c-1\",\"Order\"\"<script>alert(1)</script>\n& 'x'\",2026-11-22T10:00:00.123Z,\"svc\"",
                "\"c-1\",\"B\",2026-11-22T10:00:00.128Z,\"\"",
                "\"'=cmd|' /C calc'!A0\",\"'@SUM(1)\",2026-11-22T10:00:00.123Z,\"'+svc\"");
        assertThat(FlowExport.fileName("a/../b c", null, FlowExport.Format.CSV)).isEqualTo("a_.._b_c-lifetime.csv");
    }
}
