package io.choreoscope.model.service;

import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import io.choreoscope.model.Observation;
import io.choreoscope.model.Span;
import io.choreoscope.model.flow.DependencyMap;

/**
 * One name per service, whatever names it: the source-service rule's value, a CloudEvents {@code source} (a URI
 * reference), a span's {@code service.name}, a consumer group, or a configured alias. Every path that names a
 * service goes through {@link #name(String)}: the stored observations and spans (resolved before they are stored),
 * and the dependency map when it is read (so an alias added later also renames what was stored before).
 *
 * <p>Rules, in order: a blank value is no service ({@code null}); a configured alias of the raw value wins; a value
 * that is a URI reference (it contains {@code /} or starts with a scheme such as {@code urn:} or {@code https:}) is
 * cut to one part according to {@link UriPart} (default: its last non-empty path segment, else its host, else its
 * last {@code :}-separated part); then an alias of that part wins. Names are trimmed and at most
 * {@value #MAX_NAME_CHARS} characters (a longer one is cut, never rejected: a hostile header cannot make a node
 * of unbounded size). The resolver is idempotent: {@code name(name(x)).equals(name(x))} whenever the alias targets
 * are themselves plain names (aliases are not chained).
 *
 * <p>Immutable and thread-safe. Allocation-free when a name needs no change, so the ingest path pays one map lookup.
 */
public final class ServiceIdentity {
    /** Longest service name kept, in characters. */
    public static final int MAX_NAME_CHARS = 200;

    /** Which part of a URI reference names the service. */
    public enum UriPart {
        /** The last non-empty path segment ({@code /accounts} -> {@code accounts}); the host when the path is empty. */
        LAST_SEGMENT,
        /** The host ({@code https://orders.example.com/v1} -> {@code orders.example.com}); else the last segment. */
        HOST,
        /** The whole value, unchanged. */
        WHOLE
    }

    private static final ServiceIdentity DEFAULT = new ServiceIdentity(Map.of(), UriPart.LAST_SEGMENT);

    private final Map<String, String> aliases;
    private final UriPart uriPart;

    /**
     * @param aliases raw name -> service name (e.g. {@code orders-v2} -> {@code orders}); blank keys or values refused
     * @param uriPart which part of a URI reference names the service; null means {@link UriPart#LAST_SEGMENT}
     * @throws IllegalArgumentException on a blank alias key or value
     */
    public ServiceIdentity(Map<String, String> aliases, UriPart uriPart) {
        Map<String, String> copy = new HashMap<>();
        aliases.forEach((k, v) -> {
            if (k == null || k.isBlank() || v == null || v.isBlank()) {
                throw new IllegalArgumentException("a service alias needs a name and a target, was '" + k + "' -> '" + v + "'");
            }
            copy.put(k.strip(), v.strip());
        });
        this.aliases = Map.copyOf(copy);
        this.uriPart = uriPart == null ? UriPart.LAST_SEGMENT : uriPart;
    }

    /** No aliases, last path segment of URI references. */
    public static ServiceIdentity defaults() {
        return DEFAULT;
    }

    /**
     * Parses alias specs of the form {@code raw=service} (as configuration lists them).
     *
     * @throws IllegalArgumentException naming the spec that has no {@code =} or a blank side
     */
    public static Map<String, String> parseAliases(Collection<String> specs) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String spec : specs) {
            int eq = spec == null ? -1 : spec.indexOf('=');
            if (eq <= 0 || eq == spec.length() - 1 || spec.substring(0, eq).isBlank() || spec.substring(eq + 1).isBlank()) {
                throw new IllegalArgumentException("service alias '" + spec + "' must look like raw-name=service-name");
            }
            out.put(spec.substring(0, eq).strip(), spec.substring(eq + 1).strip());
        }
        return out;
    }

    /** The aliases, raw name -> service. */
    public Map<String, String> aliases() {
        return aliases;
    }

    public UriPart uriPart() {
        return uriPart;
    }

    /**
     * The service a raw name stands for.
     *
     * @param raw a source-service value, CloudEvents source, span service name or consumer group; may be null
     * @return the service name, or null when {@code raw} is null or blank
     */
    public String name(String raw) {
        if (raw == null) {
            return null;
        }
        String alias = aliases.get(raw);
        if (alias != null) {
            return alias;
        }
        String s = raw.strip();
        if (s.isEmpty()) {
            return null;
        }
        // A cut part can itself look like a URI (a host "a:b" of a malformed value): cut again until it does not, so
        // that resolving a resolved name changes nothing. Each cut is shorter, so this ends; 8 rounds bound it anyway.
        for (int round = 0; round < 8 && uriPart != UriPart.WHOLE && looksLikeUri(s); round++) {
            String cut = uriName(s);
            cut = cut == null ? "" : cut.strip();
            if (cut.isEmpty()) {
                return null;
            }
            if (cut.equals(s)) {
                break;
            }
            s = cut;
        }
        if (s.length() > MAX_NAME_CHARS) {
            s = s.substring(0, MAX_NAME_CHARS);
        }
        alias = aliases.get(s);
        if (alias != null) {
            return alias;
        }
        return s.equals(raw) ? raw : s;
    }

    private static boolean looksLikeUri(String s) {
        if (s.indexOf('/') >= 0) {
            return true;
        }
        int colon = s.indexOf(':');
        if (colon <= 0) {
            return false;
        }
        // a scheme: a letter, then letters, digits, + - . (RFC 3986); "host:port" is not a service URI we cut
        if (!Character.isLetter(s.charAt(0))) {
            return false;
        }
        for (int i = 1; i < colon; i++) {
            char c = s.charAt(i);
            if (!(Character.isLetterOrDigit(c) || c == '+' || c == '-' || c == '.')) {
                return false;
            }
        }
        String rest = s.substring(colon + 1);
        return !rest.chars().allMatch(Character::isDigit); // orders:8080 stays whole
    }

    private String uriName(String s) {
        String host = null;
        String path = s;
        try {
            URI u = new URI(s);
            host = u.getHost() != null ? u.getHost() : u.getAuthority();
            path = u.isOpaque() ? u.getSchemeSpecificPart() : u.getPath();
        } catch (java.net.URISyntaxException e) {
            // not a strict URI (spaces, unescaped characters): cut by hand below
            int scheme = s.indexOf("://");
            if (scheme > 0) {
                String rest = s.substring(scheme + 3);
                int slash = rest.indexOf('/');
                host = slash < 0 ? rest : rest.substring(0, slash);
                path = slash < 0 ? "" : rest.substring(slash);
            }
        }
        String segment = lastSegment(path == null ? "" : path);
        if (uriPart == UriPart.HOST && host != null && !host.isBlank()) {
            return host;
        }
        if (segment != null) {
            return segment;
        }
        return host == null || host.isBlank() ? null : host;
    }

    private static String lastSegment(String path) {
        int end = path.length();
        while (end > 0) {
            char c = path.charAt(end - 1);
            if (c == '/' || c == ':') {
                end--;
            } else {
                break;
            }
        }
        if (end == 0) {
            return null;
        }
        int start = end;
        while (start > 0 && path.charAt(start - 1) != '/' && path.charAt(start - 1) != ':') {
            start--;
        }
        String seg = path.substring(start, end).strip();
        return seg.isEmpty() ? null : seg;
    }

    /** The batch with each source service resolved; the same list when nothing changes. */
    public List<Observation> observations(List<Observation> batch) {
        List<Observation> out = null;
        for (int i = 0; i < batch.size(); i++) {
            Observation o = batch.get(i);
            String raw = o.sourceService();
            String resolved = name(raw);
            if (raw != null && !raw.equals(resolved)) {
                if (out == null) {
                    out = new ArrayList<>(batch);
                }
                out.set(i, o.toBuilder().sourceService(resolved).build());
            }
        }
        return out == null ? batch : out;
    }

    /** The batch with each span's service resolved; the same list when nothing changes. */
    public List<Span> spans(List<Span> batch) {
        List<Span> out = null;
        for (int i = 0; i < batch.size(); i++) {
            Span s = batch.get(i);
            String raw = s.service();
            String resolved = name(raw);
            if (raw != null && resolved != null && !raw.equals(resolved)) {
                if (out == null) {
                    out = new ArrayList<>(batch);
                }
                out.set(i, new Span(s.traceId(), s.spanId(), s.parentSpanId(), resolved, s.name(), s.kind(), s.start(),
                        s.durationNanos(), s.statusCode(), s.attributes(), s.messagingSystem(), s.messagingDestination(),
                        s.messagingOperation(), s.messagingMessageId(), s.consumerGroup(), s.correlationId(),
                        s.statusMessage(), s.eventsJson(), s.linksJson()));
            }
        }
        return out == null ? batch : out;
    }

    /**
     * The map with one node per service: every service end renamed through {@link #name(String)}, edges that then
     * share role, service and topic merged. Counts of one evidence kind add up (two raw names of one producer);
     * across evidence kinds the edge keeps the largest count (spans and observations count the same records), so
     * the rate stays on one basis. Evidence kinds, event types and queues are united; delay percentiles are the larger;
     * lags add up ({@link DependencyMap.Lag#plus}: two consumer groups of one service on one topic). An
     * edge without evidence (it brings delay percentiles or types only) adds to a matching edge and is dropped alone.
     *
     * @param windowSeconds the window the counts were taken over (&gt; 0); rates are recomputed as count / window
     */
    public DependencyMap canonical(DependencyMap raw, double windowSeconds) {
        double window = windowSeconds > 0 ? windowSeconds : 1;
        Map<String, Merged> merged = new TreeMap<>();
        for (DependencyMap.Edge e : raw.edges()) {
            String service = name(e.service());
            if (service == null) {
                continue;
            }
            String key = e.role() + "\u0000" + service + "\u0000" + e.topic();
            merged.computeIfAbsent(key, k -> new Merged(e.role(), service, e.topic())).add(e);
        }
        Set<DependencyMap.Node> nodes = new HashSet<>();
        for (DependencyMap.Node n : raw.nodes()) {
            if (n.kind() == DependencyMap.NodeKind.TOPIC) {
                nodes.add(n);
            }
        }
        List<DependencyMap.Edge> edges = new ArrayList<>();
        for (Merged m : merged.values()) {
            if (m.evidence.isEmpty()) {
                continue; // only delay figures, nothing seen in the window
            }
            DependencyMap.Edge e = m.edge(window);
            edges.add(e);
            nodes.add(new DependencyMap.Node(DependencyMap.NodeKind.SERVICE, e.service()));
            nodes.add(new DependencyMap.Node(DependencyMap.NodeKind.TOPIC, e.topic()));
        }
        for (DependencyMap.Node n : raw.nodes()) {
            if (n.kind() == DependencyMap.NodeKind.SERVICE && name(n.name()) != null) {
                nodes.add(new DependencyMap.Node(DependencyMap.NodeKind.SERVICE, name(n.name())));
            }
        }
        List<DependencyMap.Node> ns = new ArrayList<>(nodes);
        ns.sort(Comparator.comparing(DependencyMap.Node::kind).thenComparing(DependencyMap.Node::name));
        return new DependencyMap(ns, edges, raw.topicLag());
    }

    private static final class Merged {
        final DependencyMap.EdgeRole role;
        final String service;
        final String topic;
        final Map<String, Long> countByEvidence = new HashMap<>();
        final Set<String> types = new TreeSet<>();
        final Set<String> evidence = new TreeSet<>();
        final Set<String> queues = new TreeSet<>();
        DependencyMap.Lag lag;
        double p50 = Double.NaN;
        double p99 = Double.NaN;

        Merged(DependencyMap.EdgeRole role, String service, String topic) {
            this.role = role;
            this.service = service;
            this.topic = topic;
        }

        void add(DependencyMap.Edge e) {
            types.addAll(e.eventTypes());
            evidence.addAll(e.evidence());
            queues.addAll(e.queues());
            lag = lag == null ? e.lag() : lag.plus(e.lag());
            // An edge with several evidence kinds counted the same records under each: credit each kind once.
            for (String kind : e.evidence().isEmpty() ? Set.of("") : e.evidence()) {
                countByEvidence.merge(kind, e.count(), Long::sum);
            }
            p50 = max(p50, e.p50Ms());
            p99 = max(p99, e.p99Ms());
        }

        private static double max(double a, double b) {
            return Double.isNaN(a) ? b : Double.isNaN(b) ? a : Math.max(a, b);
        }

        DependencyMap.Edge edge(double window) {
            long count = countByEvidence.values().stream().mapToLong(Long::longValue).max().orElse(0);
            return new DependencyMap.Edge(role, service, topic, types, count, count / window, p50, p99, evidence, queues,
                    lag);
        }
    }
}
