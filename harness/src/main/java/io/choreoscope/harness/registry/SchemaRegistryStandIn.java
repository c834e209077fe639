package io.choreoscope.harness.registry;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A STAND-IN for a schema registry, not a registry: a small HTTP server that answers the read subset of the
 * Confluent Schema Registry REST API as Confluent documents it ({@code GET /schemas/ids/{id}},
 * {@code GET /schemas/ids/{id}/versions}, {@code GET /subjects}, {@code GET /subjects/{s}/versions},
 * {@code GET /subjects/{s}/versions/{v|latest}}), with Confluent's error bodies ({@code error_code} 40403 schema
 * not found, 40401 subject not found, 40402 version not found). No real registry (Confluent, Apicurio, Karapace,
 * Redpanda) can run in this project's build, so the client is tested against this; see docs/SCHEMAS.md.
 *
 * <p>Tests register schemas with {@link #register}, may require basic or bearer credentials, and can take the
 * "registry" down ({@link #setDown}: every request answers 503) to test outages. Counts requests.
 */
public final class SchemaRegistryStandIn implements AutoCloseable {
    private record Stored(int id, String subject, int version, String type, String schema, List<Map<String, Object>> refs) {
    }

    private final HttpServer server;
    private final Map<Integer, Stored> byId = new ConcurrentHashMap<>();
    private final Map<String, List<Stored>> bySubject = new ConcurrentHashMap<>();
    private final AtomicInteger nextId = new AtomicInteger(1);
    private final AtomicInteger requests = new AtomicInteger();
    private volatile boolean down;
    private volatile String requiredAuthorization;

    public SchemaRegistryStandIn() throws IOException {
        this(null);
    }

    /**
     * A stand-in served over HTTPS with that TLS context (e.g. a test's self-signed certificate,
     * {@code harness.tls.SelfSignedCertificate}), or over plain HTTP when null.
     */
    public SchemaRegistryStandIn(javax.net.ssl.SSLContext tls) throws IOException {
        if (tls == null) {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } else {
            com.sun.net.httpserver.HttpsServer https = com.sun.net.httpserver.HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            https.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(tls));
            server = https;
        }
        server.createContext("/", this::handle);
        server.start();
    }

    /** Base URL, e.g. {@code http://127.0.0.1:PORT} ({@code https://} when served over TLS). */
    public String url() {
        return (server instanceof com.sun.net.httpserver.HttpsServer ? "https" : "http") + "://127.0.0.1:"
                + server.getAddress().getPort();
    }

    /**
     * Registers a schema under a subject as its next version, or answers the existing ID when that subject already
     * holds the same text (as the registry does).
     *
     * @param type {@code AVRO}, {@code PROTOBUF} or {@code JSON}
     * @param references {@code name -> "subject:version"} of schemas this one imports
     * @return the schema ID
     */
    public synchronized int register(String subject, String type, String schema, Map<String, String> references) {
        for (Stored s : byId.values()) {
            if (s.schema.equals(schema) && s.type.equals(type) && s.subject.equals(subject)) {
                return s.id;
            }
        }
        int existingId = 0;
        for (Stored s : byId.values()) {
            if (s.schema.equals(schema) && s.type.equals(type)) {
                existingId = s.id; // the same schema under another subject keeps its ID
            }
        }
        List<Stored> versions = bySubject.computeIfAbsent(subject, k -> new ArrayList<>());
        List<Map<String, Object>> refs = new ArrayList<>();
        references.forEach((name, sv) -> {
            int colon = sv.lastIndexOf(':');
            refs.add(Map.of("name", name, "subject", sv.substring(0, colon), "version", Integer.parseInt(sv.substring(colon + 1))));
        });
        int id = existingId != 0 ? existingId : nextId.getAndIncrement();
        Stored s = new Stored(id, subject, versions.size() + 1, type, schema, refs);
        versions.add(s);
        byId.putIfAbsent(id, s);
        return id;
    }

    public int register(String subject, String type, String schema) {
        return register(subject, type, schema, Map.of());
    }

    /** While down, every request answers 503. */
    public void setDown(boolean down) {
        this.down = down;
    }

    /** Requires HTTP basic auth with these credentials (401 otherwise). */
    public void requireBasic(String user, String password) {
        requiredAuthorization = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** Requires this bearer token (401 otherwise). */
    public void requireBearer(String token) {
        requiredAuthorization = "Bearer " + token;
    }

    /** Requests answered so far (any status). */
    public int requests() {
        return requests.get();
    }

    private static final Pattern ID = Pattern.compile("/schemas/ids/(\\d+)(/versions)?");
    private static final Pattern SUBJECT_VERSIONS = Pattern.compile("/subjects/([^/]+)/versions(?:/([^/]+))?");

    private void handle(HttpExchange ex) throws IOException {
        requests.incrementAndGet();
        try (ex) {
            if (down) {
                send(ex, 503, error(50003, "stand-in registry is down"));
                return;
            }
            String auth = requiredAuthorization;
            if (auth != null && !auth.equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                send(ex, 401, error(401, "Unauthorized"));
                return;
            }
            if (!"GET".equals(ex.getRequestMethod())) {
                send(ex, 405, error(405, "HTTP 405 Method Not Allowed"));
                return;
            }
            String path = ex.getRequestURI().getRawPath();
            Matcher m = ID.matcher(path);
            if (m.matches()) {
                Stored s = byId.get(Integer.parseInt(m.group(1)));
                if (s == null) {
                    send(ex, 404, error(40403, "Schema " + m.group(1) + " not found"));
                } else if (m.group(2) != null) {
                    List<String> pairs = new ArrayList<>();
                    bySubject.forEach((subject, versions) -> versions.stream().filter(v -> v.id == s.id)
                            .forEach(v -> pairs.add("{\"subject\":" + quote(v.subject) + ",\"version\":" + v.version + "}")));
                    send(ex, 200, "[" + String.join(",", pairs) + "]");
                } else {
                    send(ex, 200, schemaBody(s, false));
                }
                return;
            }
            if (path.equals("/subjects")) {
                send(ex, 200, "[" + String.join(",", bySubject.keySet().stream().map(SchemaRegistryStandIn::quote).toList()) + "]");
                return;
            }
            m = SUBJECT_VERSIONS.matcher(path);
            if (m.matches()) {
                String subject = URLDecoder.decode(m.group(1), StandardCharsets.UTF_8);
                List<Stored> versions = bySubject.get(subject);
                if (versions == null) {
                    send(ex, 404, error(40401, "Subject '" + subject + "' not found."));
                } else if (m.group(2) == null) {
                    send(ex, 200, "[" + String.join(",", versions.stream().map(v -> Integer.toString(v.version)).toList()) + "]");
                } else {
                    String v = m.group(2);
                    int n = v.equals("latest") ? versions.size() : parseOr(v, -1);
                    if (n < 1 || n > versions.size()) {
                        send(ex, 404, error(40402, "Version " + v + " not found."));
                    } else {
                        send(ex, 200, schemaBody(versions.get(n - 1), true));
                    }
                }
                return;
            }
            send(ex, 404, error(404, "HTTP 404 Not Found"));
        }
    }

    private static int parseOr(String s, int fallback) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    private static String schemaBody(Stored s, boolean withSubject) {
        Map<String, String> fields = new LinkedHashMap<>();
        if (withSubject) {
            fields.put("subject", quote(s.subject));
            fields.put("version", Integer.toString(s.version));
            fields.put("id", Integer.toString(s.id));
        }
        if (!s.type.equals("AVRO")) {
            fields.put("schemaType", quote(s.type)); // Confluent omits schemaType for Avro
        }
        if (!s.refs.isEmpty()) {
            List<String> refs = new ArrayList<>();
            for (Map<String, Object> r : s.refs) {
                refs.add("{\"name\":" + quote((String) r.get("name")) + ",\"subject\":" + quote((String) r.get("subject"))
                        + ",\"version\":" + r.get("version") + "}");
            }
            fields.put("references", "[" + String.join(",", refs) + "]");
        }
        fields.put("schema", quote(s.schema));
        List<String> parts = new ArrayList<>();
        fields.forEach((k, v) -> parts.add(quote(k) + ":" + v));
        return "{" + String.join(",", parts) + "}";
    }

    private static String error(int code, String message) {
        return "{\"error_code\":" + code + ",\"message\":" + quote(message) + "}";
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    private static void send(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/vnd.schemaregistry.v1+json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
