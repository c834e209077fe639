package io.choreoscope.api;

import java.io.StringWriter;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

import io.choreoscope.model.FlowWindowReader.LogEvent;
import io.choreoscope.model.flow.FlowModel;

/**
 * A flow map and a window's event log in the formats other tools read: the map as BPMN 2.0 XML (with a diagram, so
 * bpmn-js and Camunda Modeler draw it), Mermaid and Graphviz DOT text; the log as XES (IEEE 1849, for PM4Py, Disco,
 * ProM) and CSV (case ID, activity, timestamp, resource). Every name is data: XML is written by the JDK's
 * {@link XMLStreamWriter} (escaped), Mermaid and DOT labels are quoted with their quotes escaped, CSV cells are
 * quoted (RFC 4180) and a cell that a spreadsheet would run as a formula ({@code = + - @}) gets a leading quote.
 */
public final class FlowExport {

    /** The formats, with content type and file extension. */
    public enum Format {
        BPMN("application/xml", "bpmn"), MERMAID("text/plain", "mmd"), DOT("text/vnd.graphviz", "dot"),
        XES("application/xml", "xes"), CSV("text/csv", "csv");

        public final String contentType;
        public final String extension;

        Format(String contentType, String extension) {
            this.contentType = contentType;
            this.extension = extension;
        }

        /** Whether the format is a map (filtered like the map) rather than the event log. */
        public boolean map() {
            return this == BPMN || this == MERMAID || this == DOT;
        }
    }

    private static final DateTimeFormatter XES_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX")
            .withZone(ZoneOffset.UTC);

    private FlowExport() {
    }

    /** A file name for an export: the flow's name reduced to safe characters, the window start, the extension. */
    static String fileName(String flow, Instant from, Format f) {
        String safe = flow.replaceAll("[^A-Za-z0-9._-]", "_");
        if (safe.length() > 80) {
            safe = safe.substring(0, 80);
        }
        String when = from == null ? "lifetime" : DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmm").withZone(ZoneOffset.UTC).format(from);
        return (safe.isEmpty() ? "flow" : safe) + "-" + when + "." + f.extension;
    }

    // --- maps ------------------------------------------------------------------------------------------------

    /** Mermaid {@code flowchart LR}: one node per step, one arrow per transition labelled with its count. */
    static String mermaid(FlowModel m) {
        Map<String, String> ids = ids(m);
        StringBuilder b = new StringBuilder("flowchart LR\n");
        ids.forEach((type, id) -> b.append("    ").append(id).append("[\"").append(mermaidText(type)).append("\"]\n"));
        for (FlowModel.Transition t : m.transitions()) {
            b.append("    ").append(ids.get(t.from())).append(" -->|\"").append(t.count()).append("\"| ")
                    .append(ids.get(t.to())).append('\n');
        }
        for (String s : m.startCounts().keySet()) {
            if (ids.containsKey(s)) {
                b.append("    style ").append(ids.get(s)).append(" stroke-width:3px\n");
            }
        }
        return b.toString();
    }

    /** Graphviz DOT: left to right, arrows labelled with count and p95, as thick as their count. */
    static String dot(FlowModel m) {
        StringBuilder b = new StringBuilder("digraph ").append(dotString(m.flow())).append(" {\n")
                .append("  rankdir=LR;\n  node [shape=box, style=rounded];\n");
        long max = m.transitions().stream().mapToLong(FlowModel.Transition::count).max().orElse(1);
        for (FlowModel.Node n : m.nodes()) {
            b.append("  ").append(dotString(n.eventType())).append(" [label=")
                    .append(dotString(n.eventType() + "\n" + n.count()))
                    .append(m.startCounts().containsKey(n.eventType()) ? ", penwidth=2" : "")
                    .append(m.learnedEnds().contains(n.eventType()) ? ", peripheries=2" : "").append("];\n");
        }
        for (FlowModel.Transition t : m.transitions()) {
            double width = 1 + 4 * Math.log1p(t.count()) / Math.log1p(Math.max(1, max));
            b.append("  ").append(dotString(t.from())).append(" -> ").append(dotString(t.to())).append(" [label=")
                    .append(dotString(t.count() + " · p95 " + Math.round(t.p95Ms()) + " ms"))
                    .append(String.format(Locale.ROOT, ", penwidth=%.2f", width)).append("];\n");
        }
        return b.append("}\n").toString();
    }

    /** {@link #bpmn(FlowModel, boolean)} of a directly-follows map. */
    static String bpmn(FlowModel m) {
        return bpmn(m, false);
    }

    /**
     * BPMN 2.0: a process with a start event, one task per step, exclusive gateways where a step has several
     * successors (split) or predecessors (join), sequence flows for the transitions (named by their counts), end
     * events after the ends (learned ends, or steps instances ended at); plus a BPMNDI diagram laid out in columns.
     * A map by cause ({@code byCause}) has inclusive gateways instead: its arrows out of one step are not choices, one
     * event may cause several steps at once (a fan-out), so any number of the outgoing flows may be taken.
     */
    static String bpmn(FlowModel m, boolean byCause) {
        Bpmn g = new Bpmn(m, byCause ? "inclusiveGateway" : "exclusiveGateway");
        StringWriter out = new StringWriter();
        try {
            XMLStreamWriter w = XMLOutputFactory.newFactory().createXMLStreamWriter(out);
            w.writeStartDocument("UTF-8", "1.0");
            w.writeStartElement("bpmn", "definitions", Bpmn.MODEL);
            w.writeNamespace("bpmn", Bpmn.MODEL);
            w.writeNamespace("bpmndi", Bpmn.DI);
            w.writeNamespace("dc", Bpmn.DC);
            w.writeNamespace("di", Bpmn.DI_BASE);
            w.writeAttribute("id", "Definitions_1");
            w.writeAttribute("targetNamespace", "https://choreoscope.io/flows");
            w.writeAttribute("exporter", "choreoscope");
            w.writeStartElement("bpmn", "process", Bpmn.MODEL);
            w.writeAttribute("id", "Process_1");
            w.writeAttribute("name", m.flow());
            w.writeAttribute("isExecutable", "false");
            for (Bpmn.Element e : g.elements) {
                w.writeStartElement("bpmn", e.kind, Bpmn.MODEL);
                w.writeAttribute("id", e.id);
                if (e.name != null) {
                    w.writeAttribute("name", e.name);
                }
                for (String in : g.incoming(e.id)) {
                    w.writeStartElement("bpmn", "incoming", Bpmn.MODEL);
                    w.writeCharacters(in);
                    w.writeEndElement();
                }
                for (String o : g.outgoing(e.id)) {
                    w.writeStartElement("bpmn", "outgoing", Bpmn.MODEL);
                    w.writeCharacters(o);
                    w.writeEndElement();
                }
                w.writeEndElement();
            }
            for (Bpmn.Flow f : g.flows) {
                w.writeEmptyElement("bpmn", "sequenceFlow", Bpmn.MODEL);
                w.writeAttribute("id", f.id);
                if (f.name != null) {
                    w.writeAttribute("name", f.name);
                }
                w.writeAttribute("sourceRef", f.source);
                w.writeAttribute("targetRef", f.target);
            }
            w.writeEndElement(); // process
            w.writeStartElement("bpmndi", "BPMNDiagram", Bpmn.DI);
            w.writeAttribute("id", "Diagram_1");
            w.writeStartElement("bpmndi", "BPMNPlane", Bpmn.DI);
            w.writeAttribute("id", "Plane_1");
            w.writeAttribute("bpmnElement", "Process_1");
            for (Bpmn.Element e : g.elements) {
                w.writeStartElement("bpmndi", "BPMNShape", Bpmn.DI);
                w.writeAttribute("id", e.id + "_di");
                w.writeAttribute("bpmnElement", e.id);
                w.writeEmptyElement("dc", "Bounds", Bpmn.DC);
                w.writeAttribute("x", Integer.toString(e.x));
                w.writeAttribute("y", Integer.toString(e.y));
                w.writeAttribute("width", Integer.toString(e.w));
                w.writeAttribute("height", Integer.toString(e.h));
                w.writeEndElement();
            }
            for (Bpmn.Flow f : g.flows) {
                Bpmn.Element s = g.byId.get(f.source);
                Bpmn.Element t = g.byId.get(f.target);
                w.writeStartElement("bpmndi", "BPMNEdge", Bpmn.DI);
                w.writeAttribute("id", f.id + "_di");
                w.writeAttribute("bpmnElement", f.id);
                waypoint(w, s.x + s.w, s.y + s.h / 2);
                waypoint(w, t.x, t.y + t.h / 2);
                w.writeEndElement();
            }
            w.writeEndElement(); // plane
            w.writeEndElement(); // diagram
            w.writeEndElement(); // definitions
            w.writeEndDocument();
            w.close();
        } catch (XMLStreamException e) {
            throw new IllegalStateException("cannot write BPMN", e);
        }
        return out.toString();
    }

    private static void waypoint(XMLStreamWriter w, int x, int y) throws XMLStreamException {
        w.writeEmptyElement("di", "waypoint", Bpmn.DI_BASE);
        w.writeAttribute("x", Integer.toString(x));
        w.writeAttribute("y", Integer.toString(y));
    }

    /** The BPMN graph of a map, laid out in columns by the longest path from the start over forward flows. */
    private static final class Bpmn {
        static final String MODEL = "http://www.omg.org/spec/BPMN/20100524/MODEL";
        static final String DI = "http://www.omg.org/spec/BPMN/20100524/DI";
        static final String DC = "http://www.omg.org/spec/DD/20100524/DC";
        static final String DI_BASE = "http://www.omg.org/spec/DD/20100524/DI";

        record Flow(String id, String source, String target, String name) {
        }

        static final class Element {
            final String id;
            final String kind;
            final String name;
            int column;
            int x;
            int y;
            int w;
            int h;

            Element(String id, String kind, String name) {
                this.id = id;
                this.kind = kind;
                this.name = name;
                boolean task = kind.equals("task");
                boolean gateway = kind.endsWith("Gateway");
                this.w = task ? 140 : gateway ? 50 : 36;
                this.h = task ? 80 : gateway ? 50 : 36;
            }
        }

        final List<Element> elements = new ArrayList<>();
        final Map<String, Element> byId = new HashMap<>();
        final List<Flow> flows = new ArrayList<>();

        Bpmn(FlowModel m, String gatewayKind) {
            Map<String, String> task = new LinkedHashMap<>();
            int i = 0;
            for (FlowModel.Node n : m.nodes()) {
                String id = "Task_" + (++i);
                task.put(n.eventType(), id);
                add(new Element(id, "task", n.eventType()));
            }
            Map<String, List<FlowModel.Transition>> out = new HashMap<>();
            Map<String, List<FlowModel.Transition>> in = new HashMap<>();
            for (FlowModel.Transition t : m.transitions()) {
                if (task.containsKey(t.from()) && task.containsKey(t.to())) {
                    out.computeIfAbsent(t.from(), k -> new ArrayList<>()).add(t);
                    in.computeIfAbsent(t.to(), k -> new ArrayList<>()).add(t);
                }
            }
            Set<String> ends = new LinkedHashSet<>();
            for (String type : task.keySet()) {
                if (m.learnedEnds().contains(type) || (m.learnedEnds().isEmpty() && m.endCounts().containsKey(type))
                        || !out.containsKey(type)) {
                    ends.add(type);
                }
            }
            List<String> starts = m.startCounts().keySet().stream().filter(task::containsKey).sorted().toList();
            if (starts.isEmpty() && !task.isEmpty()) {
                starts = List.of(task.keySet().iterator().next());
            }
            // entry of each task: itself, or a join gateway when several flows lead to it
            Map<String, String> entry = new HashMap<>();
            Map<String, String> exit = new HashMap<>();
            int gw = 0;
            for (Map.Entry<String, String> e : task.entrySet()) {
                String type = e.getKey();
                int incoming = in.getOrDefault(type, List.of()).size() + (starts.contains(type) ? 1 : 0);
                if (incoming > 1) {
                    String id = "Gateway_" + (++gw);
                    add(new Element(id, gatewayKind, null));
                    flow(id, e.getValue(), null);
                    entry.put(type, id);
                } else {
                    entry.put(type, e.getValue());
                }
                int outgoing = out.getOrDefault(type, List.of()).size() + (ends.contains(type) ? 1 : 0);
                if (outgoing > 1) {
                    String id = "Gateway_" + (++gw);
                    add(new Element(id, gatewayKind, null));
                    flow(e.getValue(), id, null);
                    exit.put(type, id);
                } else {
                    exit.put(type, e.getValue());
                }
            }
            add(new Element("StartEvent_1", "startEvent", "start"));
            String startExit = "StartEvent_1";
            if (starts.size() > 1) {
                add(new Element("Gateway_start", "exclusiveGateway", null));
                flow("StartEvent_1", "Gateway_start", null);
                startExit = "Gateway_start";
            }
            for (String s : starts) {
                flow(startExit, entry.get(s), null);
            }
            for (FlowModel.Transition t : m.transitions()) {
                if (task.containsKey(t.from()) && task.containsKey(t.to())) {
                    flow(exit.get(t.from()), entry.get(t.to()), Long.toString(t.count()));
                }
            }
            int ev = 0;
            for (String e : ends) {
                String id = "EndEvent_" + (++ev);
                add(new Element(id, "endEvent", "end after " + e));
                flow(exit.get(e), id, null);
            }
            layout();
        }

        private void add(Element e) {
            elements.add(e);
            byId.put(e.id, e);
        }

        private void flow(String source, String target, String name) {
            flows.add(new Flow("Flow_" + (flows.size() + 1), source, target, name));
        }

        List<String> incoming(String id) {
            return flows.stream().filter(f -> f.target.equals(id)).map(Flow::id).toList();
        }

        List<String> outgoing(String id) {
            return flows.stream().filter(f -> f.source.equals(id)).map(Flow::id).toList();
        }

        /** Columns by depth-first order from the start (back flows ignored), rows in order within a column. */
        private void layout() {
            Map<String, List<String>> next = new HashMap<>();
            flows.forEach(f -> next.computeIfAbsent(f.source, k -> new ArrayList<>()).add(f.target));
            Map<String, Integer> order = new HashMap<>();
            List<String> stack = new ArrayList<>(List.of("StartEvent_1"));
            while (!stack.isEmpty()) {
                String x = stack.remove(stack.size() - 1);
                if (order.containsKey(x)) {
                    continue;
                }
                order.put(x, order.size());
                List<String> n = next.getOrDefault(x, List.of());
                for (int k = n.size() - 1; k >= 0; k--) {
                    stack.add(n.get(k));
                }
            }
            elements.forEach(e -> order.putIfAbsent(e.id, order.size()));
            // longest path over forward flows (source earlier in the order than target); at most |V| rounds
            for (int round = 0; round < elements.size(); round++) {
                boolean changed = false;
                for (Flow f : flows) {
                    Element s = byId.get(f.source);
                    Element t = byId.get(f.target);
                    if (order.get(f.source) < order.get(f.target) && t.column < s.column + 1) {
                        t.column = s.column + 1;
                        changed = true;
                    }
                }
                if (!changed) {
                    break;
                }
            }
            Map<Integer, Integer> rows = new HashMap<>();
            elements.stream().sorted(java.util.Comparator.comparing(e -> order.get(e.id))).forEach(e -> {
                int row = rows.merge(e.column, 1, Integer::sum) - 1;
                e.x = 60 + e.column * 190 + (140 - e.w) / 2;
                e.y = 60 + row * 130 + (80 - e.h) / 2;
            });
        }
    }

    private static Map<String, String> ids(FlowModel m) {
        Map<String, String> ids = new LinkedHashMap<>();
        int i = 0;
        for (FlowModel.Node n : m.nodes()) {
            ids.put(n.eventType(), "s" + (i++));
        }
        return ids;
    }

    /** Mermaid text inside double quotes: quotes and markup become entity codes, line breaks spaces. */
    private static String mermaidText(String s) {
        return s.replace("&", "#amp;").replace("\"", "#quot;").replace("<", "#lt;").replace(">", "#gt;")
                .replace('\n', ' ').replace('\r', ' ');
    }

    /** A DOT quoted string: backslashes and quotes escaped, line breaks as DOT's {@code \n}. */
    private static String dotString(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\r", "").replace("\n", "\\n") + "\"";
    }

    // --- event logs ------------------------------------------------------------------------------------------

    /** XES 1.0 with the concept, time and organizational extensions: one trace per instance. */
    static String xes(String flow, List<LogEvent> events) {
        StringWriter out = new StringWriter();
        try {
            XMLStreamWriter w = XMLOutputFactory.newFactory().createXMLStreamWriter(out);
            w.writeStartDocument("UTF-8", "1.0");
            w.writeStartElement("log");
            w.writeAttribute("xes.version", "1.0");
            w.writeAttribute("xes.features", "nested-attributes");
            w.writeDefaultNamespace("http://www.xes-standard.org/");
            extension(w, "Concept", "concept", "http://www.xes-standard.org/concept.xesext");
            extension(w, "Time", "time", "http://www.xes-standard.org/time.xesext");
            extension(w, "Organizational", "org", "http://www.xes-standard.org/org.xesext");
            w.writeStartElement("global");
            w.writeAttribute("scope", "trace");
            attribute(w, "string", "concept:name", "__INVALID__");
            w.writeEndElement();
            w.writeStartElement("global");
            w.writeAttribute("scope", "event");
            attribute(w, "string", "concept:name", "__INVALID__");
            attribute(w, "date", "time:timestamp", "1970-01-01T00:00:00.000Z");
            w.writeEndElement();
            w.writeEmptyElement("classifier");
            w.writeAttribute("name", "Activity");
            w.writeAttribute("keys", "concept:name");
            attribute(w, "string", "concept:name", flow);
            String open = null;
            for (LogEvent e : events) {
                if (!e.caseId().equals(open)) {
                    if (open != null) {
                        w.writeEndElement();
                    }
                    w.writeStartElement("trace");
                    attribute(w, "string", "concept:name", e.caseId());
                    open = e.caseId();
                }
                w.writeStartElement("event");
                attribute(w, "string", "concept:name", e.activity());
                if (!e.resource().isEmpty()) {
                    attribute(w, "string", "org:resource", e.resource());
                }
                attribute(w, "date", "time:timestamp", XES_TIME.format(e.timestamp()));
                w.writeEndElement();
            }
            if (open != null) {
                w.writeEndElement();
            }
            w.writeEndElement();
            w.writeEndDocument();
            w.close();
        } catch (XMLStreamException e) {
            throw new IllegalStateException("cannot write XES", e);
        }
        return out.toString();
    }

    private static void extension(XMLStreamWriter w, String name, String prefix, String uri) throws XMLStreamException {
        w.writeEmptyElement("extension");
        w.writeAttribute("name", name);
        w.writeAttribute("prefix", prefix);
        w.writeAttribute("uri", uri);
    }

    private static void attribute(XMLStreamWriter w, String type, String key, String value) throws XMLStreamException {
        w.writeEmptyElement(type);
        w.writeAttribute("key", key);
        w.writeAttribute("value", value);
    }

    /** CSV with a header: case_id, activity, timestamp (ISO-8601 UTC), resource. */
    static String csv(List<LogEvent> events) {
        StringBuilder b = new StringBuilder("case_id,activity,timestamp,resource\r\n");
        for (LogEvent e : events) {
            b.append(cell(e.caseId())).append(',').append(cell(e.activity())).append(',')
                    .append(e.timestamp()).append(',').append(cell(e.resource())).append("\r\n");
        }
        return b.toString();
    }

    private static String cell(String s) {
        String v = s == null ? "" : s;
        if (!v.isEmpty() && "=+-@\t\r".indexOf(v.charAt(0)) >= 0) {
            v = "'" + v; // a spreadsheet would run it as a formula
        }
        return "\"" + v.replace("\"", "\"\"") + "\"";
    }
}
