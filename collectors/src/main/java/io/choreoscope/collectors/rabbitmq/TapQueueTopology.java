package io.choreoscope.collectors.rabbitmq;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * One virtual host's exchanges and bindings as the management API last reported them, for the tap-queue mechanism
 * (docs/RABBITMQ.md, "How it taps"): which bindings the tap's queue needs, and which queues the broker routes a message
 * to. Plain data, no broker: {@link RabbitMqTap} reads the management API and applies {@link #toBind} and {@link
 * #toUnbind} on its channel.
 *
 * <ul>
 *   <li><b>What the tap's queue is bound with</b>, per exchange not excluded: fanout: key {@code ""}; topic: {@code #};
 *       headers: no match arguments and {@code x-match: all} (all of no conditions holds for every message; {@code any}
 *       of none holds for none, as {@code RabbitMqTapTest} checks on the broker); direct: every routing key another
 *       binding of that exchange uses (to a queue or an exchange). A message to a direct exchange with a key no one binds
 *       is unroutable anyway, and the tap does not make it routable. Other exchange types (plugins such as
 *       consistent-hash) are not bound: {@link #untapped()}.</li>
 *   <li><b>Where a message went</b> ({@link #routedQueues}): the broker's routing replayed on these bindings, following
 *       exchange-to-exchange bindings; this stands in for the firehose's {@code routed_queues} on the dependency map. It
 *       is as old as the last management read and ignores alternate exchanges.</li>
 * </ul>
 */
final class TapQueueTopology {
    /** A binding of the tap's queue: exchange, routing key, arguments (as text). */
    record TapBinding(String exchange, String routingKey, Map<String, String> arguments) {
    }

    /** Largest number of routing answers remembered between two management reads. */
    static final int ROUTE_CACHE_SIZE = 10_000;
    /** Untapped exchanges named in health at most. */
    static final int MAX_UNTAPPED_NAMED = 20;
    static final Map<String, String> MATCH_EVERY_MESSAGE = Map.of("x-match", "all");

    private final Map<String, String> types = new HashMap<>();
    private final Map<String, List<ManagementClient.Route>> bySource = new HashMap<>();
    private final Set<TapBinding> wanted = new LinkedHashSet<>();
    private final Set<TapBinding> present = new LinkedHashSet<>();
    private final List<String> untapped = new ArrayList<>();
    private final Map<String, List<String>> cache = new HashMap<>();

    /**
     * @param exchanges every exchange of the virtual host
     * @param routes    every binding from a named exchange
     * @param tapQueue  the tap's own queue (its bindings are what is to be changed; it is no destination)
     * @param excluded  exchanges left out by configuration
     */
    TapQueueTopology(List<ManagementClient.Exchange> exchanges, List<ManagementClient.Route> routes, String tapQueue,
                     Predicate<String> excluded) {
        for (ManagementClient.Exchange x : exchanges) {
            types.put(x.name(), x.type());
        }
        Map<String, Set<String>> directKeys = new HashMap<>();
        for (ManagementClient.Route r : routes) {
            if (!r.toExchange() && r.destination().equals(tapQueue)) {
                present.add(new TapBinding(r.source(), r.routingKey(), r.arguments()));
                continue;
            }
            bySource.computeIfAbsent(r.source(), s -> new ArrayList<>()).add(r);
            directKeys.computeIfAbsent(r.source(), s -> new TreeSet<>()).add(r.routingKey());
        }
        for (ManagementClient.Exchange x : exchanges) {
            if (x.name().isEmpty() || x.name().equals(RabbitMqTap.FIREHOSE) || excluded.test(x.name())) {
                continue;
            }
            switch (x.type()) {
                case "fanout" -> wanted.add(new TapBinding(x.name(), "", Map.of()));
                case "topic" -> wanted.add(new TapBinding(x.name(), "#", Map.of()));
                case "headers" -> wanted.add(new TapBinding(x.name(), "", MATCH_EVERY_MESSAGE));
                case "direct" -> directKeys.getOrDefault(x.name(), Set.of())
                        .forEach(k -> wanted.add(new TapBinding(x.name(), k, Map.of())));
                default -> untapped.add(x.name() + " (" + x.type() + ")");
            }
        }
    }

    /**
     * This topology wanting only the bindings to {@code exchanges} (the firehose mechanism binds its queue to the
     * dead-letter exchanges as well, since RabbitMQ dead-letters without a publish the firehose would report).
     */
    TapQueueTopology onlyTo(Set<String> exchanges) {
        wanted.removeIf(b -> !exchanges.contains(b.exchange()));
        return this;
    }

    /** Bindings the tap's queue lacks. */
    List<TapBinding> toBind() {
        List<TapBinding> out = new ArrayList<>();
        for (TapBinding b : wanted) {
            if (!present.contains(b)) {
                out.add(b);
            }
        }
        return out;
    }

    /**
     * Bindings of the tap's queue no longer wanted: a direct key no one else binds any more, an exchange now excluded,
     * the firehose's binding (left by the other mechanism). Deleted exchanges take their bindings with them.
     */
    List<TapBinding> toUnbind() {
        List<TapBinding> out = new ArrayList<>();
        for (TapBinding b : present) {
            if (!wanted.contains(b)) {
                out.add(b);
            }
        }
        return out;
    }

    /** Exchanges the tap's queue cannot be bound to (an unknown type), as {@code name (type)}, at most 20. */
    List<String> untapped() {
        return firstNamed(untapped);
    }

    /** The first {@value #MAX_UNTAPPED_NAMED} names of a list, as health names untapped things (a copy). */
    static List<String> firstNamed(List<String> names) {
        return List.copyOf(names.size() <= MAX_UNTAPPED_NAMED ? names : names.subList(0, MAX_UNTAPPED_NAMED));
    }

    /** Exchanges the tap's queue is meant to be bound to. */
    int tappedExchanges() {
        Set<String> names = new HashSet<>();
        wanted.forEach(b -> names.add(b.exchange()));
        return names.size();
    }

    /**
     * The queues (not the tap's) a message published to {@code exchange} with these routing keys and headers reaches
     * on these bindings, following exchange-to-exchange bindings, in name order.
     */
    List<String> routedQueues(String exchange, List<String> routingKeys, Map<String, Object> headers) {
        boolean headersMatter = false;
        Set<String> queues = new TreeSet<>();
        Set<String> visited = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>();
        String cacheKey = exchange + '\u0000' + String.join("\u0000", routingKeys);
        List<String> cached = cache.get(cacheKey);
        if (cached != null) {
            return cached;
        }
        todo.add(exchange);
        while (!todo.isEmpty()) {
            String x = todo.poll();
            if (!visited.add(x)) {
                continue;
            }
            String type = types.getOrDefault(x, "");
            headersMatter |= type.equals("headers");
            for (ManagementClient.Route r : bySource.getOrDefault(x, List.of())) {
                if (matches(type, r, routingKeys, headers)) {
                    if (r.toExchange()) {
                        todo.add(r.destination());
                    } else {
                        queues.add(r.destination());
                    }
                }
            }
        }
        List<String> out = List.copyOf(queues);
        if (!headersMatter) {
            if (cache.size() >= ROUTE_CACHE_SIZE) {
                cache.clear();
            }
            cache.put(cacheKey, out);
        }
        return out;
    }

    private static boolean matches(String type, ManagementClient.Route r, List<String> keys, Map<String, Object> headers) {
        return switch (type) {
            case "fanout" -> true;
            case "direct" -> keys.contains(r.routingKey());
            case "topic" -> keys.stream().anyMatch(k -> topicMatches(r.routingKey(), k));
            case "headers" -> headersMatch(r.arguments(), headers);
            default -> false;
        };
    }

    /** RabbitMQ's topic match: words split on {@code .}, {@code *} one word, {@code #} zero or more. */
    static boolean topicMatches(String pattern, String key) {
        String[] p = pattern.split("\\.", -1);
        String[] k = key.split("\\.", -1);
        // reachable[j]: the pattern's first i words can match the key's first j words
        boolean[] reachable = new boolean[k.length + 1];
        reachable[0] = true;
        for (String word : p) {
            boolean[] next = new boolean[k.length + 1];
            for (int j = 0; j <= k.length; j++) {
                if (!reachable[j]) {
                    continue;
                }
                if (word.equals("#")) {
                    for (int m = j; m <= k.length; m++) {
                        next[m] = true;
                    }
                } else if (j < k.length && (word.equals("*") || word.equals(k[j]))) {
                    next[j + 1] = true;
                }
            }
            reachable = next;
        }
        return reachable[k.length];
    }

    /**
     * RabbitMQ's headers match: {@code x-match} {@code all} (default) or {@code any}, arguments starting {@code x-}
     * ignored unless {@code all-with-x}/{@code any-with-x}; values compared as text. All of no conditions holds, any of
     * none does not.
     */
    static boolean headersMatch(Map<String, String> arguments, Map<String, Object> headers) {
        String mode = arguments.getOrDefault("x-match", "all");
        boolean withX = mode.endsWith("-with-x");
        boolean any = mode.startsWith("any");
        for (Map.Entry<String, String> a : arguments.entrySet()) {
            if (a.getKey().equals("x-match") || (!withX && a.getKey().startsWith("x-"))) {
                continue;
            }
            Object v = headers == null ? null : headers.get(a.getKey());
            boolean match = v != null && a.getValue().equals(AmqpRecord.text(v));
            if (any && match) {
                return true;
            }
            if (!any && !match) {
                return false;
            }
        }
        return !any;
    }
}
