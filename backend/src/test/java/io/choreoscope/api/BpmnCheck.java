package io.choreoscope.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import javax.xml.parsers.DocumentBuilderFactory;

import org.camunda.bpm.model.bpmn.Bpmn;
import org.camunda.bpm.model.bpmn.BpmnModelInstance;
import org.camunda.bpm.model.bpmn.instance.FlowNode;
import org.camunda.bpm.model.bpmn.instance.SequenceFlow;
import org.camunda.bpm.model.bpmn.instance.Task;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Checks of an exported BPMN 2.0 document, as a BPMN tool needs it to open. First a maintained BPMN library, Camunda's
 * BPMN model API ({@code camunda-bpmn-model}, as Camunda Modeler's engine reads BPMN): the document is parsed against
 * the OMG BPMN 2.0 schema (BPMN, BPMNDI, DC, DI) and validated. Then what a schema cannot say: the definitions in the
 * BPMN model namespace, unique IDs, every sequence flow between existing flow nodes and listed as their outgoing
 * and incoming, one start event, only the kinds of flow node the export writes, and a diagram shape for every flow
 * node and an edge for every flow.
 */
final class BpmnCheck {
    static final String MODEL = "http://www.omg.org/spec/BPMN/20100524/MODEL";
    static final String DI = "http://www.omg.org/spec/BPMN/20100524/DI";

    /**
     * Camunda's BPMN model API reads the document (against the BPMN 2.0 schema) and validates it.
     *
     * @throws org.camunda.bpm.model.xml.ModelParseException      when it is not schema-valid BPMN 2.0 (or not XML)
     * @throws org.camunda.bpm.model.xml.ModelValidationException when the read model does not validate
     */
    static BpmnModelInstance validate(byte[] xml) {
        BpmnModelInstance model = Bpmn.readModelFromStream(new ByteArrayInputStream(xml));
        Bpmn.validateModel(model);
        return model;
    }

    /** The task names, after every check passed. */
    static List<String> check(byte[] xml) throws Exception {
        BpmnModelInstance model = validate(xml);
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        Document d = f.newDocumentBuilder().parse(new ByteArrayInputStream(xml));
        Element root = d.getDocumentElement();
        assertThat(root.getNamespaceURI()).isEqualTo(MODEL);
        assertThat(root.getLocalName()).isEqualTo("definitions");
        Element process = (Element) root.getElementsByTagNameNS(MODEL, "process").item(0);
        Map<String, Element> nodes = new HashMap<>();
        List<String> tasks = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        int starts = 0;
        for (org.w3c.dom.Node n = process.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && MODEL.equals(e.getNamespaceURI())) {
                assertThat(ids.add(e.getAttribute("id"))).as("unique id " + e.getAttribute("id")).isTrue();
                switch (e.getLocalName()) {
                    case "task" -> tasks.add(e.getAttribute("name"));
                    case "startEvent" -> starts++;
                    case "sequenceFlow" -> {
                        continue;
                    }
                    default -> {
                    }
                }
                assertThat(e.getLocalName()).isIn("task", "startEvent", "endEvent", "exclusiveGateway", "inclusiveGateway");
                nodes.put(e.getAttribute("id"), e);
            }
        }
        assertThat(starts).isEqualTo(1);
        NodeList flows = process.getElementsByTagNameNS(MODEL, "sequenceFlow");
        Set<String> shapes = refs(d, "BPMNShape");
        Set<String> edges = refs(d, "BPMNEdge");
        for (int i = 0; i < flows.getLength(); i++) {
            Element flow = (Element) flows.item(i);
            String id = flow.getAttribute("id");
            Element source = nodes.get(flow.getAttribute("sourceRef"));
            Element target = nodes.get(flow.getAttribute("targetRef"));
            assertThat(source).as(id + " source").isNotNull();
            assertThat(target).as(id + " target").isNotNull();
            assertThat(texts(source, "outgoing")).as(id + " listed as outgoing").contains(id);
            assertThat(texts(target, "incoming")).as(id + " listed as incoming").contains(id);
            assertThat(edges).contains(id);
        }
        assertThat(shapes).containsAll(nodes.keySet());
        // the library read the same process: every flow node and sequence flow, the tasks by name
        assertThat(model.getModelElementsByType(SequenceFlow.class)).hasSize(flows.getLength());
        assertThat(model.getModelElementsByType(FlowNode.class)).hasSize(nodes.size());
        assertThat(model.getModelElementsByType(Task.class).stream().map(Task::getName).toList())
                .containsExactlyInAnyOrderElementsOf(tasks);
        return tasks;
    }

    private static Set<String> refs(Document d, String kind) {
        Set<String> out = new HashSet<>();
        NodeList l = d.getElementsByTagNameNS(DI, kind);
        for (int i = 0; i < l.getLength(); i++) {
            out.add(((Element) l.item(i)).getAttribute("bpmnElement"));
        }
        return out;
    }

    private static List<String> texts(Element e, String child) {
        List<String> out = new ArrayList<>();
        NodeList l = e.getElementsByTagNameNS(MODEL, child);
        for (int i = 0; i < l.getLength(); i++) {
            out.add(l.item(i).getTextContent());
        }
        return out;
    }

    private BpmnCheck() {
    }
}
