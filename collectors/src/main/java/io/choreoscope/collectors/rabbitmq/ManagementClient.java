package io.choreoscope.collectors.rabbitmq;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The few calls the RabbitMQ tap makes to the management API (HTTP, basic authentication). Every call has a 10 s
 * timeout and answers at most {@value #MAX_BODY_BYTES} bytes; a failure is an {@link IOException} naming the call.
 */
public final class ManagementClient {
    /** Largest response read, 16 MB (thousands of exchanges or queues). */
    static final int MAX_BODY_BYTES = 16 * 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String base;
    private final String authorization;
    private final HttpClient http = HttpClient.newBuilder()
            // HTTP/1.1: the JDK client otherwise offers an h2c upgrade, which the management plugin (cowboy) answers
            // by closing the connection on requests with a body.
            .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    /** An exchange: its name ({@code ""} for the default one) and type (direct, fanout, topic, headers...). */
    public record Exchange(String vhost, String name, String type) {
    }

    /** A queue: messages ready and unacknowledged, and its consumers. */
    public record Queue(String vhost, String name, long messages, long messagesUnacknowledged, int consumers) {
    }

    /** A binding from an exchange to a queue. */
    public record Binding(String vhost, String exchange, String queue, String routingKey) {
    }

    public ManagementClient(String baseUrl, String username, String password) {
        this.base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.authorization = "Basic " + Base64.getEncoder()
                .encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** Every virtual host's name. */
    public List<String> vhosts() throws IOException {
        List<String> out = new ArrayList<>();
        for (JsonNode v : get("/api/vhosts")) {
            out.add(v.path("name").asText());
        }
        return out;
    }

    /**
     * Switches the firehose tracer of a virtual host on when it is off (it is off after every broker restart).
     * Keeps the virtual host's description and tags. Returns true when it was off.
     */
    public boolean ensureTracing(String vhost) throws IOException {
        JsonNode v = get("/api/vhosts/" + segment(vhost));
        if (v.path("tracing").asBoolean(false)) {
            return false;
        }
        ObjectNode body = JSON.createObjectNode();
        body.put("tracing", true);
        if (v.hasNonNull("description")) {
            body.put("description", v.get("description").asText());
        }
        if (v.path("tags").isArray()) {
            List<String> tags = new ArrayList<>();
            v.get("tags").forEach(t -> tags.add(t.asText()));
            body.put("tags", String.join(",", tags));
        }
        send("PUT", "/api/vhosts/" + segment(vhost), body.toString());
        return true;
    }

    public List<Exchange> exchanges(String vhost) throws IOException {
        List<Exchange> out = new ArrayList<>();
        for (JsonNode x : get("/api/exchanges/" + segment(vhost) + "?columns=name,type,vhost")) {
            out.add(new Exchange(vhost, x.path("name").asText(), x.path("type").asText()));
        }
        return out;
    }

    public List<Queue> queues(String vhost) throws IOException {
        List<Queue> out = new ArrayList<>();
        for (JsonNode q : get("/api/queues/" + segment(vhost)
                + "?columns=name,messages_ready,messages_unacknowledged,consumers")) {
            out.add(new Queue(vhost, q.path("name").asText(), q.path("messages_ready").asLong(),
                    q.path("messages_unacknowledged").asLong(), q.path("consumers").asInt()));
        }
        return out;
    }

    /**
     * Where the virtual host's queues dead-letter, by queue argument ({@code x-dead-letter-exchange}, which takes
     * precedence) or by policy ({@code dead-letter-exchange}).
     *
     * @param exchanges        the named dead-letter exchanges
     * @param toDefaultExchange the queues whose dead-letter exchange is the default one ({@code ""}): nothing can be
     *                          bound to it, so their dead letters cannot be tapped; sorted
     */
    public record DeadLettering(java.util.Set<String> exchanges, List<String> toDefaultExchange) {
    }

    /** {@link DeadLettering} of the virtual host's queues, read now. */
    public DeadLettering deadLettering(String vhost) throws IOException {
        java.util.Set<String> exchanges = new java.util.TreeSet<>();
        java.util.Set<String> toDefault = new java.util.TreeSet<>();
        for (JsonNode q : get("/api/queues/" + segment(vhost) + "?columns=name,arguments,effective_policy_definition")) {
            JsonNode byArgument = q.path("arguments").path("x-dead-letter-exchange");
            JsonNode byPolicy = q.path("effective_policy_definition").path("dead-letter-exchange");
            JsonNode dlx = byArgument.isTextual() ? byArgument : byPolicy; // a queue argument takes precedence over a policy
            if (!dlx.isTextual()) {
                continue; // the queue does not dead-letter: its messages are dropped
            }
            if (dlx.asText().isEmpty()) {
                toDefault.add(q.path("name").asText());
            } else {
                exchanges.add(dlx.asText());
            }
        }
        return new DeadLettering(exchanges, List.copyOf(toDefault));
    }

    /** Bindings from exchanges to queues (exchange-to-exchange bindings are left out). */
    public List<Binding> bindings(String vhost) throws IOException {
        List<Binding> out = new ArrayList<>();
        for (JsonNode b : get("/api/bindings/" + segment(vhost))) {
            if ("queue".equals(b.path("destination_type").asText())) {
                out.add(new Binding(vhost, b.path("source").asText(), b.path("destination").asText(),
                        b.path("routing_key").asText()));
            }
        }
        return out;
    }

    /**
     * A binding as the tap-queue mechanism needs it: source exchange, destination (a queue, or an exchange when
     * {@code toExchange}), routing key and arguments (values as text; a headers exchange's match).
     */
    public record Route(String source, String destination, boolean toExchange, String routingKey,
                        java.util.Map<String, String> arguments) {
    }

    /** Every binding of the virtual host whose source is a named exchange (queue and exchange destinations). */
    public List<Route> routes(String vhost) throws IOException {
        List<Route> out = new ArrayList<>();
        for (JsonNode b : get("/api/bindings/" + segment(vhost))) {
            String source = b.path("source").asText();
            if (source.isEmpty()) {
                continue; // the default exchange's implicit bindings: one per queue, nothing to bind to
            }
            java.util.Map<String, String> args = new java.util.TreeMap<>();
            b.path("arguments").fields().forEachRemaining(e -> args.put(e.getKey(), e.getValue().asText()));
            out.add(new Route(source, b.path("destination").asText(), "exchange".equals(b.path("destination_type").asText()),
                    b.path("routing_key").asText(), java.util.Map.copyOf(args)));
        }
        return out;
    }

    /**
     * A queue's depth for lag: messages ready and unacknowledged, and the timestamp property of its head message
     * (seconds since the epoch, as the broker reports {@code head_message_timestamp}; null when it reports none).
     */
    public record QueueDepth(String vhost, String name, long messages, long messagesUnacknowledged, int consumers,
                             java.time.Instant headTimestamp) {
    }

    /** A consumer of a queue and the broker's name of its connection. */
    public record Consumer(String vhost, String queue, String connection) {
    }

    /** Queues with depth and head-message timestamp. */
    public List<QueueDepth> queueDepths(String vhost) throws IOException {
        List<QueueDepth> out = new ArrayList<>();
        for (JsonNode q : get("/api/queues/" + segment(vhost)
                + "?columns=name,messages_ready,messages_unacknowledged,consumers,head_message_timestamp")) {
            JsonNode head = q.path("head_message_timestamp");
            out.add(new QueueDepth(vhost, q.path("name").asText(), q.path("messages_ready").asLong(),
                    q.path("messages_unacknowledged").asLong(), q.path("consumers").asInt(),
                    head.isNumber() && head.asLong() > 0 ? java.time.Instant.ofEpochSecond(head.asLong()) : null));
        }
        return out;
    }

    /** Every consumer in the virtual host: its queue and its connection's broker name. */
    public List<Consumer> consumers(String vhost) throws IOException {
        List<Consumer> out = new ArrayList<>();
        for (JsonNode c : get("/api/consumers/" + segment(vhost))) {
            out.add(new Consumer(vhost, c.path("queue").path("name").asText(),
                    c.path("channel_details").path("connection_name").asText()));
        }
        return out;
    }

    /**
     * Connections of the virtual host: the broker's name -> the name the client gave it (the client property
     * {@code connection_name}, as {@code ConnectionFactory.newConnection(name)} sets it). Connections that gave no name
     * are absent.
     */
    public java.util.Map<String, String> connectionNames(String vhost) throws IOException {
        java.util.Map<String, String> out = new java.util.HashMap<>();
        for (JsonNode c : get("/api/vhosts/" + segment(vhost) + "/connections?columns=name,user_provided_name,"
                + "client_properties.connection_name")) {
            String given = c.path("client_properties").path("connection_name").asText("");
            if (given.isBlank()) {
                given = c.path("user_provided_name").asText("");
            }
            if (!given.isBlank()) {
                out.put(c.path("name").asText(), given);
            }
        }
        return out;
    }

    /**
     * A message taken off a queue through the management API.
     *
     * @param properties   its AMQP properties by their AMQP names ({@code headers} a map), values as JSON gives them:
     *                     text, whole numbers as {@code Long}, lists, maps; a value nested deeper than
     *                     {@value #MAX_VALUE_DEPTH} levels is its JSON text
     * @param payload      its body, cut at the size asked for
     * @param payloadBytes the body's whole size
     * @param deep         whether some value was nested too deep to be read as maps and lists: headers nested about
     *                     as deep as the RabbitMQ Java client reads at most (32 levels), or deeper
     */
    public record TakenMessage(String exchange, String routingKey, java.util.Map<String, Object> properties,
                               byte[] payload, long payloadBytes, boolean deep) {
        /** Whether the body was cut. */
        public boolean truncated() {
            return payload.length < payloadBytes;
        }
    }

    /** Levels of nested tables and lists {@link #takeHead} reads as maps and lists; deeper values are kept as JSON text. */
    static final int MAX_VALUE_DEPTH = 32;
    /** Longest JSON text kept for a value nested deeper than {@link #MAX_VALUE_DEPTH}. */
    static final int MAX_DEEP_VALUE_CHARS = 65_536;
    /** Reads the deepest JSON the broker writes without a stack: {@link #value} descends {@link #MAX_VALUE_DEPTH} levels at most. */
    private static final com.fasterxml.jackson.core.JsonFactory DEEP_JSON = com.fasterxml.jackson.core.JsonFactory.builder()
            .streamReadConstraints(com.fasterxml.jackson.core.StreamReadConstraints.builder()
                    .maxNestingDepth(Integer.MAX_VALUE).build())
            .build();

    /**
     * Takes the first message off a queue and acknowledges it ({@code ackmode=ack_requeue_false}): for a message the
     * AMQP client cannot read (the RabbitMQ Java client refuses headers nested deeper than 32 levels and closes the
     * connection, and the broker then delivers the message again on every reconnection), which the broker itself reads
     * and writes as JSON. Empty when the queue is empty.
     *
     * @param maxPayloadBytes the body is cut at this many bytes ({@code truncate})
     */
    public java.util.Optional<TakenMessage> takeHead(String vhost, String queue, int maxPayloadBytes) throws IOException {
        String path = "/api/queues/" + segment(vhost) + "/" + segment(queue) + "/get";
        ObjectNode body = JSON.createObjectNode();
        body.put("count", 1);
        body.put("ackmode", "ack_requeue_false");
        body.put("encoding", "base64");
        body.put("truncate", maxPayloadBytes);
        String answer = new String(send("POST", path, body.toString()), StandardCharsets.UTF_8);
        try (com.fasterxml.jackson.core.JsonParser p = DEEP_JSON.createParser(answer)) {
            boolean[] deep = new boolean[1];
            if (!(value(p, p.nextToken(), answer, 0, deep) instanceof List<?> messages) || messages.isEmpty()) {
                return java.util.Optional.empty();
            }
            if (!(messages.get(0) instanceof java.util.Map<?, ?> m)) {
                throw new IOException("POST " + path + ": not a message: " + answer.substring(0, Math.min(300, answer.length())));
            }
            @SuppressWarnings("unchecked")
            java.util.Map<String, Object> properties = m.get("properties") instanceof java.util.Map<?, ?> props
                    ? (java.util.Map<String, Object>) props : java.util.Map.of();
            Object payload = m.get("payload");
            byte[] bytes;
            if ("base64".equals(m.get("payload_encoding"))) {
                try {
                    bytes = Base64.getDecoder().decode(payload == null ? "" : payload.toString());
                } catch (IllegalArgumentException e) {
                    throw new IOException("POST " + path + ": a payload that is not base64", e);
                }
            } else {
                bytes = payload == null ? new byte[0] : payload.toString().getBytes(StandardCharsets.UTF_8);
            }
            long size = m.get("payload_bytes") instanceof Number n ? n.longValue() : bytes.length;
            Object exchange = m.get("exchange");
            Object routingKey = m.get("routing_key");
            return java.util.Optional.of(new TakenMessage(exchange == null ? "" : exchange.toString(),
                    routingKey == null ? "" : routingKey.toString(), properties, bytes, Math.max(size, bytes.length),
                    deep[0]));
        }
    }

    /**
     * The JSON value at {@code token} as maps, lists, text, {@code Long}, {@code Double}, booleans or null; one nested
     * deeper than {@link #MAX_VALUE_DEPTH} as its JSON text (at most {@link #MAX_DEEP_VALUE_CHARS} characters), read by
     * skipping, not descending, so no depth costs stack; {@code deep[0]} is set when one was.
     */
    private static Object value(com.fasterxml.jackson.core.JsonParser p, com.fasterxml.jackson.core.JsonToken token,
                                String text, int depth, boolean[] deep) throws IOException {
        if (token == null) {
            return null;
        }
        switch (token) {
            case START_OBJECT, START_ARRAY -> {
                if (depth >= MAX_VALUE_DEPTH) {
                    deep[0] = true;
                    int from = (int) p.currentTokenLocation().getCharOffset();
                    p.skipChildren();
                    int to = (int) p.currentLocation().getCharOffset();
                    String raw = from >= 0 && to > from && to <= text.length() ? text.substring(from, to) : "";
                    return raw.length() > MAX_DEEP_VALUE_CHARS ? raw.substring(0, MAX_DEEP_VALUE_CHARS) + "…" : raw;
                }
                if (token == com.fasterxml.jackson.core.JsonToken.START_ARRAY) {
                    List<Object> list = new ArrayList<>();
                    for (com.fasterxml.jackson.core.JsonToken t = p.nextToken();
                         t != null && t != com.fasterxml.jackson.core.JsonToken.END_ARRAY; t = p.nextToken()) {
                        list.add(value(p, t, text, depth + 1, deep));
                    }
                    return list;
                }
                java.util.Map<String, Object> map = new java.util.LinkedHashMap<>();
                for (com.fasterxml.jackson.core.JsonToken t = p.nextToken();
                     t == com.fasterxml.jackson.core.JsonToken.FIELD_NAME; t = p.nextToken()) {
                    String name = p.currentName();
                    map.put(name, value(p, p.nextToken(), text, depth + 1, deep));
                }
                return map;
            }
            case VALUE_STRING -> {
                return p.getText();
            }
            case VALUE_NUMBER_INT -> {
                return p.getNumberType() == com.fasterxml.jackson.core.JsonParser.NumberType.BIG_INTEGER
                        ? p.getText() : (Object) p.getLongValue();
            }
            case VALUE_NUMBER_FLOAT -> {
                return p.getDoubleValue();
            }
            case VALUE_TRUE -> {
                return Boolean.TRUE;
            }
            case VALUE_FALSE -> {
                return Boolean.FALSE;
            }
            default -> {
                return null;
            }
        }
    }

    /** A name as one path segment ({@code /} becomes {@code %2F}). */
    static String segment(String name) {
        return URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private JsonNode get(String path) throws IOException {
        return JSON.readTree(send("GET", path, null));
    }

    private byte[] send(String method, String path, String body) throws IOException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10))
                .header("Authorization", authorization).header("Accept", "application/json");
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        try {
            HttpResponse<java.io.InputStream> r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            byte[] read;
            try (java.io.InputStream in = r.body()) {
                read = in.readNBytes(MAX_BODY_BYTES + 1);
            }
            if (read.length > MAX_BODY_BYTES) {
                throw new IOException(method + " " + path + ": response larger than " + MAX_BODY_BYTES + " bytes");
            }
            if (r.statusCode() >= 300) {
                String text = new String(read, 0, Math.min(read.length, 300), StandardCharsets.UTF_8);
                throw new IOException("management API " + method + " " + path + " answered " + r.statusCode() + ": " + text);
            }
            return read;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + method + " " + path, e);
        } catch (IllegalArgumentException e) {
            throw new IOException("bad management address " + base + path + ": " + e.getMessage(), e);
        }
    }
}
