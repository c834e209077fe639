package io.choreoscope.ui.dependencies;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.choreoscope.model.api.TopicInfo;
import io.choreoscope.model.flow.DependencyMap;
import io.choreoscope.ui.graph.GraphData;
import io.choreoscope.ui.shell.Formats;

/**
 * The dependency map as a graph: services and topics as nodes (a topic is a node of its own, never folded
 * into a "kafka" box), producing and consuming edges labelled with their rate, consumer delay, the RabbitMQ queue
 * they go through and the consumer's lag now when it is behind (records and the age of the oldest unconsumed record; edges
 * behind by more than {@link LagLevels#WARN} records drawn red), dead letters as a dashed red arrow (RabbitMQ: from the
 * service whose queue they died in to the dead-letter exchange; Kafka: from the service publishing to a topic named as
 * a dead-letter topic), and on topics the lag summed over their consumers.
 */
public final class DependencyGraph {
    /**
     * More producers (or consumers) of one topic than this, each touching nothing else on the map, are too many boxes
     * for one row: the busiest {@link #KEEP} of them stay, the rest are folded into one box ({@link #folds}). 2,000 noise
     * records from 50 services drew 50 boxes side by side above the topic, the map scrolled sideways.
     */
    static final int FOLD_OVER = 5;
    /** How many of a folded group's services keep a box of their own: the busiest. */
    static final int KEEP = 3;
    private static final String FOLD_PREFIX = "fold:";
    /** A fold's one arrow is its box's ID and this. */
    private static final String FOLD_ARROW = ":arrow";

    /**
     * Services folded into one box on the map: a topic's producers ({@code role} PRODUCES) or consumers (CONSUMES)
     * past the busiest {@link #KEEP}, whose one arrow on the map is that one.
     *
     * @param id    the box's ID on the map ({@code fold:PRODUCES:orders})
     * @param edges the folded services' arrows, busiest first
     */
    record Fold(String id, DependencyMap.EdgeRole role, String topic, List<DependencyMap.Edge> edges) {
        /** "42 more services" */
        String label() {
            return Formats.count(edges.size()) + " more services";
        }

        boolean holds(String service) {
            return edges.stream().anyMatch(e -> e.service().equals(service));
        }
    }

    private DependencyGraph() {
    }

    static String serviceId(String name) {
        return "service:" + name;
    }

    static String topicId(String name) {
        return "topic:" + name;
    }

    /** A node's ID on the map. */
    static String nodeId(DependencyMap.Node n) {
        return n.kind() == DependencyMap.NodeKind.SERVICE ? serviceId(n.name()) : topicId(n.name());
    }

    /** What a node is, in words: "Service", "Topic", or "RabbitMQ exchange" (its name is {@code rabbitmq:<exchange>}). */
    static String kindLabel(DependencyMap.NodeKind kind, String name) {
        if (kind == DependencyMap.NodeKind.SERVICE) {
            return "Service";
        }
        return name.startsWith(io.choreoscope.model.Topics.RABBITMQ_PREFIX) ? "RabbitMQ exchange" : "Topic";
    }

    static String edgeId(DependencyMap.Edge e) {
        return e.role() + ":" + e.service() + ":" + e.topic();
    }

    /** The box an arrow leaves: the topic a service consumes, else the service (it produces or dead-letters). */
    static String source(DependencyMap.Edge e) {
        return e.role() == DependencyMap.EdgeRole.CONSUMES ? topicId(e.topic()) : serviceId(e.service());
    }

    /** The box an arrow enters. */
    static String target(DependencyMap.Edge e) {
        return e.role() == DependencyMap.EdgeRole.CONSUMES ? serviceId(e.service()) : topicId(e.topic());
    }

    /**
     * The map drawn top to bottom, its boxes in {@link #order} from the services that publish {@code startTypes} (the
     * flows' start event types).
     */
    public static GraphData build(DependencyMap map, List<TopicInfo> topics, java.util.Set<String> startTypes) {
        return build(map, topics, startTypes, folds(map));
    }

    /** As {@link #build(DependencyMap, List, java.util.Set)}, with the map's {@link #folds} already made. */
    static GraphData build(DependencyMap map, List<TopicInfo> topics, java.util.Set<String> startTypes, List<Fold> folds) {
        Map<String, Long> lag = new HashMap<>();
        for (TopicInfo t : topics) {
            long max = t.consumerGroups().stream().mapToLong(TopicInfo.ConsumerGroupLag::lag).max().orElse(0);
            lag.put(t.name(), max);
        }
        java.util.Set<String> folded = new java.util.HashSet<>();
        folds.forEach(f -> f.edges().forEach(e -> folded.add(e.service())));
        List<GraphData.Node> nodes = new ArrayList<>();
        for (DependencyMap.Node n : map.nodes()) {
            if (n.kind() == DependencyMap.NodeKind.SERVICE && folded.contains(n.name())) {
                continue;
            }
            if (n.kind() == DependencyMap.NodeKind.SERVICE) {
                nodes.add(new GraphData.Node(serviceId(n.name()), n.name(), List.of("service")));
            } else {
                // the map's own lag (summed over the topic's consumers, with the oldest record's age) when it has one
                DependencyMap.Lag summed = map.topicLag().get(n.name());
                long l = summed != null ? summed.records() : lag.getOrDefault(n.name(), 0L);
                List<String> classes = new ArrayList<>(List.of("topic"));
                if (l > LagLevels.WARN) {
                    classes.add("stuck");
                }
                String text = l > 0 && (summed == null || onTheMap(summed)) ? "\nlag " + Formats.count(l)
                        + (summed != null && summed.seconds() != null ? " · " + seconds(summed.seconds()) : "") : "";
                nodes.add(new GraphData.Node(topicId(n.name()), io.choreoscope.model.Topics.displayName(n.name()) + text, classes));
            }
        }
        double max = map.edges().stream().mapToDouble(DependencyMap.Edge::count).max().orElse(1);
        List<GraphData.Edge> edges = new ArrayList<>();
        for (DependencyMap.Edge e : map.edges()) {
            if (folded.contains(e.service())) {
                continue;
            }
            if (e.role() == DependencyMap.EdgeRole.DEAD_LETTERS) {
                edges.add(new GraphData.Edge(edgeId(e), source(e), target(e),
                        Formats.rate(e.ratePerSecond()) + " dead-lettered from " + String.join(", ", e.queues()),
                        GraphData.widthFor(e.count(), (long) max), List.of("dead-letters")));
                continue;
            }
            boolean produces = e.role() == DependencyMap.EdgeRole.PRODUCES;
            // a service publishing to a dead-letter topic (by its name, or on Kafka by its records' headers: the API's
            // dead-letter evidence) gives up on records as a RabbitMQ queue does: drawn alike
            boolean deadLetters = deadLetters(e);
            String label = Formats.rate(e.ratePerSecond()) + (deadLetters ? " dead-lettered" : "");
            if (!produces && !Double.isNaN(e.p99Ms())) {
                label += " · p99 " + Formats.duration(e.p99Ms());
            }
            if (!e.queues().isEmpty()) {
                label += " · via " + String.join(", ", e.queues());
            }
            List<String> classes = new ArrayList<>(List.of(deadLetters ? "dead-letters" : produces ? "produces" : "consumes"));
            if (!produces && e.lag() != null) {
                if (onTheMap(e.lag())) {
                    label += " · " + lagText(e.lag()); // "lag 0" on every caught-up consumer is noise on the map
                }
                if (e.lag().records() > LagLevels.WARN) {
                    classes.add("bottleneck");
                }
            }
            edges.add(new GraphData.Edge(edgeId(e), source(e), target(e), label,
                    GraphData.widthFor(e.count(), (long) max), classes));
        }
        for (Fold f : folds) {
            nodes.add(new GraphData.Node(f.id(), f.label(), List.of("service", "folded"), tip(f)));
            long count = f.edges().stream().mapToLong(DependencyMap.Edge::count).sum();
            double rate = f.edges().stream().mapToDouble(DependencyMap.Edge::ratePerSecond).sum();
            boolean produces = f.role() == DependencyMap.EdgeRole.PRODUCES;
            edges.add(new GraphData.Edge(f.id() + FOLD_ARROW, produces ? f.id() : topicId(f.topic()),
                    produces ? topicId(f.topic()) : f.id(), Formats.rate(rate) + " in all",
                    GraphData.widthFor(Math.min(count, (long) max), (long) max), List.of(produces ? "produces" : "consumes")));
        }
        Map<String, Integer> place = new HashMap<>();
        order(map, startTypes).forEach(id -> place.putIfAbsent(id, place.size()));
        nodes.sort(java.util.Comparator.comparingInt(n -> place.getOrDefault(n.id(), Integer.MAX_VALUE)));
        // service -> topic -> service chains are long: top to bottom reads better; the layers leave room to move a
        // fan-out's labels apart along their edges (45 px put a topic's four consumer labels on top of each other)
        return new GraphData(nodes, edges, "TB", 70);
    }

    /**
     * The map's folded services: of each topic's producers and of its consumers whose one arrow on the map is that one
     * (no other topic, no dead letters), when there are more than {@link #FOLD_OVER}, all but the busiest
     * {@link #KEEP}. Busiest: most records, then by name.
     */
    static List<Fold> folds(DependencyMap map) {
        Map<String, Integer> arrows = new HashMap<>();
        map.edges().forEach(e -> arrows.merge(e.service(), 1, Integer::sum));
        Map<String, List<DependencyMap.Edge>> groups = new java.util.TreeMap<>();
        for (DependencyMap.Edge e : map.edges()) {
            if (arrows.get(e.service()) == 1 && !deadLetters(e)) {
                groups.computeIfAbsent(e.role() + ":" + e.topic(), k -> new ArrayList<>()).add(e);
            }
        }
        List<Fold> folds = new ArrayList<>();
        groups.forEach((key, group) -> {
            if (group.size() > FOLD_OVER) {
                group.sort(java.util.Comparator.comparingLong(DependencyMap.Edge::count).reversed()
                        .thenComparing(DependencyMap.Edge::service));
                DependencyMap.Edge first = group.get(0);
                folds.add(new Fold(FOLD_PREFIX + key, first.role(), first.topic(), List.copyOf(group.subList(KEEP, group.size()))));
            }
        });
        return folds;
    }

    /** The ID of the fold whose one arrow {@code edgeId} is; null for any other arrow. */
    static String foldOfArrow(String edgeId) {
        return edgeId.startsWith(FOLD_PREFIX) && edgeId.endsWith(FOLD_ARROW)
                ? edgeId.substring(0, edgeId.length() - FOLD_ARROW.length()) : null;
    }

    /** The fold's services on its tip, busiest first, at most 30 of them named. */
    private static String tip(Fold f) {
        StringBuilder tip = new StringBuilder(f.label()).append(f.role() == DependencyMap.EdgeRole.PRODUCES
                ? " producing to " : " consuming ").append(io.choreoscope.model.Topics.displayName(f.topic()))
                .append(" (click for their figures):");
        f.edges().stream().limit(30).forEach(e -> tip.append('\n').append(e.service()).append(" · ")
                .append(Formats.rate(e.ratePerSecond())));
        if (f.edges().size() > 30) {
            tip.append("\n… and ").append(Formats.count(f.edges().size() - 30)).append(" more");
        }
        return tip.toString();
    }

    /**
     * The boxes' IDs in the order the layout takes them: depth-first (busiest arrow first) from the services that
     * publish a flow's start event, busiest first, then from the rest in the map's order. The layout (dagre) breaks
     * the map's cycles by walking its boxes in this order and turning the arrows back to a box it is still inside, so
     * a saga's start is drawn at the top and its replies (payments -> orders: an order cancelled after a declined
     * payment) go back up; in the map's own order it started from whichever box came first (the demo's inventory
     * service, with the orders topic at the bottom and its busiest arrow drawn upwards across the map).
     */
    static List<String> order(DependencyMap map, java.util.Set<String> startTypes) {
        Map<String, List<DependencyMap.Edge>> out = new HashMap<>();
        Map<String, Long> starts = new HashMap<>();
        for (DependencyMap.Edge e : map.edges()) {
            out.computeIfAbsent(source(e), k -> new ArrayList<>()).add(e);
            if (e.role() == DependencyMap.EdgeRole.PRODUCES && e.eventTypes().stream().anyMatch(startTypes::contains)) {
                starts.merge(serviceId(e.service()), e.count(), Long::sum);
            }
        }
        out.values().forEach(l -> l.sort(java.util.Comparator.comparingLong(DependencyMap.Edge::count).reversed()
                .thenComparing(DependencyGraph::edgeId)));
        List<String> roots = new ArrayList<>();
        starts.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()
                .thenComparing(Map.Entry.comparingByKey())).forEach(x -> roots.add(x.getKey()));
        map.nodes().forEach(n -> roots.add(nodeId(n)));
        java.util.Set<String> known = new java.util.HashSet<>();
        map.nodes().forEach(n -> known.add(nodeId(n)));
        java.util.LinkedHashSet<String> seen = new java.util.LinkedHashSet<>();
        for (String root : roots) {
            // iterative preorder, busiest arrow first
            List<String> stack = new ArrayList<>(List.of(root));
            while (!stack.isEmpty()) {
                String x = stack.remove(stack.size() - 1);
                if (!known.contains(x) || !seen.add(x)) {
                    continue;
                }
                List<DependencyMap.Edge> next = out.getOrDefault(x, List.of());
                for (int i = next.size() - 1; i >= 0; i--) {
                    stack.add(target(next.get(i)));
                }
            }
        }
        return new ArrayList<>(seen);
    }

    /**
     * Whether a lag is worth a label on the map: records not consumed yet, the oldest a second old or more (or of an
     * unknown age). A record or two younger than that is in flight, not behind: the demo's map read "lag 1 · 0 ms" on
     * most topics. The details beside the map give every lag as it is.
     */
    static boolean onTheMap(DependencyMap.Lag lag) {
        return lag.records() > 0 && (lag.seconds() == null || lag.seconds() >= 1.0);
    }

    /** "lag 340 · 12 s", "lag 0", or "lag 6 · age unknown" when the bus does not say how old the oldest record is. */
    static String lagText(DependencyMap.Lag lag) {
        if (lag.records() == 0) {
            return "lag 0";
        }
        return "lag " + Formats.count(lag.records()) + " · " + (lag.seconds() == null ? "age unknown"
                : seconds(lag.seconds()));
    }

    private static String seconds(double s) {
        return Formats.duration(s * 1000);
    }

    /** Lag thresholds for colours, in records. */
    static final class LagLevels {
        /** Above this a group is shown amber. */
        static final long WARN = 100;
        /** Above this a group is shown red. */
        static final long ALERT = 1000;

        private LagLevels() {
        }
    }

    /**
     * Whether an arrow carries dead letters: the broker's (DEAD_LETTERS), or a service publishing to a topic of dead
     * letters (PRODUCES with the API's dead-letter evidence).
     */
    static boolean deadLetters(DependencyMap.Edge e) {
        return e.role() == DependencyMap.EdgeRole.DEAD_LETTERS || (e.role() == DependencyMap.EdgeRole.PRODUCES
                && e.evidence().contains(DependencyMap.DEAD_LETTER_EVIDENCE));
    }
}
