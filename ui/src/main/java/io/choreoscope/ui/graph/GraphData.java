package io.choreoscope.ui.graph;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * What {@link GraphView} draws: nodes and directed edges with labels and style classes. Serialised to
 * JSON (so every label reaches the browser as data, drawn on a canvas, never parsed as HTML).
 *
 * @param nodes   boxes
 * @param edges   arrows between node IDs
 * @param rankDir dagre layout direction, {@code LR} (left to right) or {@code TB}
 * @param rankSep distance between layers in px at zoom 1
 */
public record GraphData(List<Node> nodes, List<Edge> edges, String rankDir, int rankSep) {

    /** Default distance between layers, in px at zoom 1. */
    public static final int DEFAULT_RANK_SEP = 80;

    public GraphData(List<Node> nodes, List<Edge> edges, String rankDir) {
        this(nodes, edges, rankDir, DEFAULT_RANK_SEP);
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    public GraphData {
        nodes = List.copyOf(nodes);
        edges = List.copyOf(edges);
    }

    /**
     * A box.
     *
     * @param id      unique ID (for clicks)
     * @param label   text, lines separated by {@code \n}
     * @param classes style classes (see {@code choreo-graph.js}: start, end, compensation, failure, stuck,
     *                visited, expected, dim, unexpected, service, folded, topic, added, gone, changed)
     * @param tip     text shown while the pointer rests on the box (plain text, lines separated by {@code \n}); null
     *                for none
     */
    public record Node(String id, String label, List<String> classes, String tip) {
        public Node {
            classes = List.copyOf(classes);
        }

        public Node(String id, String label, List<String> classes) {
            this(id, label, classes, null);
        }
    }

    /**
     * An arrow.
     *
     * @param width line width in px (volume)
     * @param tip   text shown while the pointer rests on the arrow (plain text); null for none
     */
    public record Edge(String id, String source, String target, String label, double width, List<String> classes,
                       String tip) {
        public Edge {
            classes = List.copyOf(classes);
        }

        public Edge(String id, String source, String target, String label, double width, List<String> classes) {
            this(id, source, target, label, width, classes, null);
        }
    }

    public Node node(String id) {
        return nodes.stream().filter(n -> n.id().equals(id)).findFirst().orElse(null);
    }

    public Edge edge(String id) {
        return edges.stream().filter(e -> e.id().equals(id)).findFirst().orElse(null);
    }

    /** The cytoscape elements JSON. Box sizes are estimated from the label so long names fit. */
    public String toJson() {
        List<Object> ns = new ArrayList<>();
        for (Node n : nodes) {
            String[] lines = n.label().split("\n", -1);
            int longest = 0;
            for (String l : lines) {
                longest = Math.max(longest, l.length());
            }
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("id", n.id());
            data.put("label", n.label());
            data.put("w", Math.max(70, Math.round(longest * 7.4 + 28)));
            data.put("h", 18 + lines.length * 16);
            if (n.tip() != null) {
                data.put("tip", n.tip());
            }
            ns.add(Map.of("data", data, "classes", String.join(" ", n.classes())));
        }
        List<Object> es = new ArrayList<>();
        for (Edge e : edges) {
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("id", e.id());
            data.put("source", e.source());
            data.put("target", e.target());
            data.put("label", e.label() == null ? "" : e.label());
            data.put("width", e.width());
            if (e.tip() != null) {
                data.put("tip", e.tip());
            }
            es.add(Map.of("data", data, "classes", String.join(" ", e.classes())));
        }
        try {
            return JSON.writeValueAsString(Map.of("nodes", ns, "edges", es, "rankDir", rankDir == null ? "LR" : rankDir,
                    "rankSep", rankSep));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Edge width for a count, log-scaled between 1.5 and 9 px against the largest count. */
    public static double widthFor(long count, long max) {
        if (count <= 0 || max <= 0) {
            return 1.5;
        }
        return 1.5 + 7.5 * Math.log1p(count) / Math.log1p(max);
    }
}
