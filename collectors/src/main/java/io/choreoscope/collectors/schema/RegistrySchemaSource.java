package io.choreoscope.collectors.schema;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

import javax.net.ssl.SSLContext;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.choreoscope.model.SchemaRef;

/**
 * A client of the Confluent-compatible schema registry REST API, the subset that reading needs:
 * {@code GET /schemas/ids/{id}} (the schema, its type and references), {@code GET /schemas/ids/{id}/versions} (the
 * subjects and versions that hold it) and {@code GET /subjects/{subject}/versions/{version}} (a referenced schema).
 * Written against the API as Confluent Schema Registry documents it, which Apicurio's ccompat API, Redpanda and
 * Karapace also serve; tested against a stand-in server (harness {@code SchemaRegistryStandIn}), since no registry
 * server can run in this project's build.
 *
 * <p>Answers Confluent IDs and Apicurio global/content IDs (through the same {@code /schemas/ids/{id}}; whether that
 * ID is Apicurio's global or content ID depends on the registry's ccompat ID mode). The subject is picked among those
 * that hold the ID by the subject name strategy: {@code topic} ({@code <topic>-value}), {@code record} (the record
 * or message full name) or {@code topic-record} ({@code <topic>-<name>}); the first one listed otherwise.
 *
 * <p>Bounded: at most {@code cacheSize} schemas are cached (least recently used leave first); an ID the registry
 * does not know is remembered for {@code retryAfter} so a stream of such records does not hammer it; after a failure
 * (unreachable, timeout, 5xx, refused credentials) lookups answer "unavailable" at once for {@code retryAfter}, so the
 * tap never waits a timeout per record. Responses over {@link #MAX_RESPONSE_BYTES} are refused. Thread-safe.
 */
public final class RegistrySchemaSource implements SchemaSource {
    /** Largest registry response read, bytes. */
    static final int MAX_RESPONSE_BYTES = 4 << 20;
    /** Deepest chain of schema references followed. */
    static final int MAX_REFERENCE_DEPTH = 8;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** How a record's subject is named. */
    public enum SubjectStrategy { TOPIC, RECORD, TOPIC_RECORD }

    /**
     * @param name         shown in errors and beside decoded payloads
     * @param url          base URL, e.g. {@code http://registry:8081} or {@code https://host/apis/ccompat/v7}
     * @param topics       topics this registry serves (regex, whole-name match)
     * @param username     basic auth user, or null
     * @param password     basic auth password, or null
     * @param bearerToken  bearer token (sent instead of basic auth when set), or null
     * @param timeout      connect and request timeout
     * @param cacheSize    most schemas kept
     * @param retryAfter   how long an unknown ID or a failed registry is remembered before asking again
     * @param sslContext   TLS context (trust store) or null for the JDK's default
     */
    public record Settings(String name, String url, Pattern topics, SubjectStrategy strategy, String username,
                           String password, String bearerToken, Duration timeout, int cacheSize, Duration retryAfter,
                           SSLContext sslContext) {
    }

    private final Settings settings;
    private final String base;
    private final HttpClient http;
    private final Clock clock;
    private final String authorization;
    private final Map<Long, ResolvedSchema> cache;
    private final Map<Long, Long> unknownUntil;
    private volatile long unavailableUntil;
    private volatile String lastFailure;
    private volatile String lastFailureKind;
    private volatile long lastFailureAt;
    private volatile long lastAnswerAt;
    private volatile boolean failing;
    private final Map<String, java.util.concurrent.atomic.AtomicLong> failures = new java.util.concurrent.ConcurrentHashMap<>();

    /** Kinds of failure, counted per registry (the metric's {@code reason} tag). */
    public static final List<String> FAILURE_KINDS =
            List.of("tls", "timeout", "connect", "io", "auth", "http", "too_large", "bad_schema", "interrupted");

    /**
     * What the registry did last, for health and metrics.
     *
     * @param state           {@code NOT_ASKED} (no request yet), {@code OK} (its last answer was read) or
     *                        {@code FAILING} (its last request failed; lookups of uncached IDs are flagged
     *                        SCHEMA_UNAVAILABLE)
     * @param lastFailure     the last failure's reason, or null
     * @param lastFailureKind one of {@link #FAILURE_KINDS}, or null
     * @param lastFailureAt   epoch millis of the last failure, 0 when none
     * @param lastAnswerAt    epoch millis of the last answer read, 0 when none
     * @param failures        failures so far by kind
     */
    public record Status(String name, String url, String state, String lastFailure, String lastFailureKind,
                         long lastFailureAt, long lastAnswerAt, Map<String, Long> failures) {
    }

    public RegistrySchemaSource(Settings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
        this.base = settings.url().endsWith("/") ? settings.url().substring(0, settings.url().length() - 1) : settings.url();
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(settings.timeout())
                .followRedirects(HttpClient.Redirect.NEVER);
        if (settings.sslContext() != null) {
            b.sslContext(settings.sslContext());
        }
        this.http = b.build();
        if (settings.bearerToken() != null && !settings.bearerToken().isBlank()) {
            authorization = "Bearer " + settings.bearerToken();
        } else if (settings.username() != null && !settings.username().isBlank()) {
            authorization = "Basic " + Base64.getEncoder().encodeToString(
                    (settings.username() + ":" + (settings.password() == null ? "" : settings.password()))
                            .getBytes(StandardCharsets.UTF_8));
        } else {
            authorization = null;
        }
        int max = Math.max(1, settings.cacheSize());
        this.cache = java.util.Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, ResolvedSchema> e) {
                return size() > max;
            }
        });
        this.unknownUntil = java.util.Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, Long> e) {
                return size() > max;
            }
        });
    }

    @Override
    public String name() {
        return settings.name();
    }

    /** The registry's base URL. */
    public String url() {
        return base;
    }

    /** What the registry did last; see {@link Status}. */
    public Status status() {
        Map<String, Long> counts = new java.util.TreeMap<>();
        failures.forEach((k, v) -> counts.put(k, v.get()));
        String state = failing ? "FAILING" : lastAnswerAt > 0 ? "OK" : "NOT_ASKED";
        return new Status(name(), base, state, lastFailure, lastFailureKind, lastFailureAt, lastAnswerAt, counts);
    }

    /** Failures of that kind so far (one of {@link #FAILURE_KINDS}). */
    public long failures(String kind) {
        java.util.concurrent.atomic.AtomicLong n = failures.get(kind);
        return n == null ? 0 : n.get();
    }

    @Override
    public boolean serves(String topic) {
        return settings.topics().matcher(topic).matches();
    }

    @Override
    public ResolvedSchema resolve(SchemaKey key, String topic) throws SchemaUnavailableException {
        long id;
        if (key instanceof SchemaKey.ConfluentId c) {
            id = c.id();
        } else if (key instanceof SchemaKey.ApicurioId a) {
            id = a.id();
        } else {
            return null;
        }
        ResolvedSchema known = cache.get(id);
        if (known != null) {
            return known;
        }
        long now = clock.millis();
        Long unknown = unknownUntil.get(id);
        if (unknown != null && unknown > now) {
            return null;
        }
        if (unavailableUntil > now) {
            throw new SchemaUnavailableException("registry " + name() + " failed recently (" + lastFailure
                    + "); next try in " + (unavailableUntil - now) + " ms");
        }
        try {
            JsonNode body = get("/schemas/ids/" + id);
            if (body == null) {
                unknownUntil.put(id, now + settings.retryAfter().toMillis());
                return null;
            }
            String format = format(body);
            Map<String, String> imports = new LinkedHashMap<>();
            references(body, imports, 0);
            ResolvedSchema untitled = new ResolvedSchema(format, text(body, id), null, 0, imports);
            ResolvedSchema resolved = withSubject(untitled, id, format, text(body, id), imports, topic);
            cache.put(id, resolved);
            unavailableUntil = 0;
            return resolved;
        } catch (IllegalArgumentException e) {
            // The registry answered with a schema that does not compile: remembered as unknown, reason in the log line.
            unknownUntil.put(id, now + settings.retryAfter().toMillis());
            failures.computeIfAbsent("bad_schema", k -> new java.util.concurrent.atomic.AtomicLong()).incrementAndGet();
            throw new SchemaUnavailableException("schema " + id + " from " + name() + " does not compile: " + e.getMessage());
        }
    }

    /** The subject and version of the ID chosen by the strategy; the schema without them when the registry cannot say. */
    private ResolvedSchema withSubject(ResolvedSchema schema, long id, String format, String text,
                                       Map<String, String> imports, String topic) throws SchemaUnavailableException {
        JsonNode versions = get("/schemas/ids/" + id + "/versions");
        if (versions == null || !versions.isArray() || versions.isEmpty()) {
            return schema;
        }
        String recordName = switch (format) {
            case SchemaRef.AVRO -> schema.avro().getFullName();
            case SchemaRef.PROTOBUF -> schema.protoMessage(new int[0]).getType().toString();
            default -> schema.jsonTitle();
        };
        String wanted = switch (settings.strategy()) {
            case TOPIC -> topic + "-value";
            case RECORD -> recordName;
            case TOPIC_RECORD -> topic + "-" + recordName;
        };
        JsonNode chosen = versions.get(0);
        for (JsonNode v : versions) {
            if (v.path("subject").asText("").equals(wanted)) {
                chosen = v;
                break;
            }
        }
        String subject = chosen.path("subject").asText(null);
        int version = chosen.path("version").asInt(0);
        return new ResolvedSchema(format, text, subject, version, imports);
    }

    /** Adds the texts of the body's references (and theirs) to {@code imports}, by reference name. */
    private void references(JsonNode body, Map<String, String> imports, int depth) throws SchemaUnavailableException {
        JsonNode refs = body.path("references");
        if (!refs.isArray() || refs.isEmpty()) {
            return;
        }
        if (depth >= MAX_REFERENCE_DEPTH) {
            throw new IllegalArgumentException("schema references nested deeper than " + MAX_REFERENCE_DEPTH);
        }
        List<JsonNode> list = new ArrayList<>();
        refs.forEach(list::add);
        for (JsonNode ref : list) {
            String name = ref.path("name").asText("");
            String subject = ref.path("subject").asText("");
            String version = ref.path("version").asText("latest");
            if (name.isEmpty() || subject.isEmpty() || imports.containsKey(name)) {
                continue;
            }
            JsonNode referenced = get("/subjects/" + URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20")
                    + "/versions/" + URLEncoder.encode(version, StandardCharsets.UTF_8));
            if (referenced == null) {
                throw new IllegalArgumentException("referenced schema " + subject + " version " + version + " not found");
            }
            references(referenced, imports, depth + 1);
            imports.put(name, text(referenced, -1));
        }
    }

    private static String format(JsonNode body) {
        String type = body.path("schemaType").asText("AVRO").toUpperCase(Locale.ROOT);
        return switch (type) {
            case "PROTOBUF" -> SchemaRef.PROTOBUF;
            case "JSON" -> SchemaRef.JSON;
            case "AVRO" -> SchemaRef.AVRO;
            default -> throw new IllegalArgumentException("unknown schemaType " + type);
        };
    }

    private static String text(JsonNode body, long id) {
        JsonNode s = body.get("schema");
        if (s == null || !s.isTextual()) {
            throw new IllegalArgumentException("registry answer for " + id + " has no schema text");
        }
        return s.asText();
    }

    /**
     * GETs a path and parses the JSON answer; null on 404.
     *
     * @throws SchemaUnavailableException on anything but 200 or 404 (and remembers the failure for retryAfter)
     */
    private JsonNode get(String path) throws SchemaUnavailableException {
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(base + path)).timeout(settings.timeout())
                .header("Accept", "application/vnd.schemaregistry.v1+json, application/json").GET();
        if (authorization != null) {
            req.header("Authorization", authorization);
        }
        try {
            HttpResponse<InputStream> resp = http.send(req.build(), HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = resp.body()) {
                byte[] bytes = in.readNBytes(MAX_RESPONSE_BYTES + 1);
                if (resp.statusCode() == 404) {
                    answered();
                    return null;
                }
                if (resp.statusCode() != 200) {
                    int st = resp.statusCode();
                    throw unavailable(st == 401 || st == 403 ? "auth" : "http", "HTTP " + st + " on GET " + path);
                }
                if (bytes.length > MAX_RESPONSE_BYTES) {
                    throw unavailable("too_large", "answer to GET " + path + " is over " + MAX_RESPONSE_BYTES + " bytes");
                }
                JsonNode tree = JSON.readTree(bytes);
                answered();
                return tree;
            }
        } catch (IOException e) {
            String kind = kind(e);
            String what = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            throw unavailable(kind, (kind.equals("tls") ? "TLS handshake failed: " : "") + what + " on GET " + path);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable("interrupted", "interrupted");
        }
    }

    /** The failure kind of an I/O error: TLS anywhere in its causes, a timeout, a refused connection, or other I/O. */
    private static String kind(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof javax.net.ssl.SSLException) {
                return "tls";
            }
            if (t instanceof java.net.http.HttpTimeoutException) {
                return "timeout";
            }
            if (t instanceof java.net.ConnectException) {
                return "connect";
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return "io";
    }

    private void answered() {
        lastAnswerAt = clock.millis();
        failing = false;
    }

    private SchemaUnavailableException unavailable(String kind, String why) {
        lastFailure = why;
        lastFailureKind = kind;
        lastFailureAt = clock.millis();
        failing = true;
        failures.computeIfAbsent(kind, k -> new java.util.concurrent.atomic.AtomicLong()).incrementAndGet();
        unavailableUntil = clock.millis() + settings.retryAfter().toMillis();
        return new SchemaUnavailableException("registry " + name() + " at " + base + ": " + why);
    }
}
