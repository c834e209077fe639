package io.choreoscope.collectors.schema;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.squareup.wire.schema.Location;
import com.squareup.wire.schema.MessageType;
import com.squareup.wire.schema.ProtoFile;
import com.squareup.wire.schema.Schema;
import com.squareup.wire.schema.SchemaLoader;
import com.squareup.wire.schema.Type;
import io.choreoscope.model.SchemaRef;

/**
 * A schema as a source returned it (format, text, subject and version when known, the texts it imports), compiled
 * once on creation: an Avro {@link org.apache.avro.Schema}, a linked Protobuf schema (Square's wire-schema parses the
 * {@code .proto} text; protobuf-java has no parser), or a JSON Schema document. Immutable and thread-safe.
 */
public final class ResolvedSchema {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The name a Protobuf schema's own text gets among its imports. */
    static final String MAIN_PROTO = "choreoscope_main.proto";

    private final String format;
    private final String subject;
    private final int version;
    private final org.apache.avro.Schema avro;
    private final Schema proto;
    private final List<MessageType> protoMessages;
    private final String jsonTitle;
    private volatile AvroJson.Plan avroPlan;
    private final java.util.concurrent.ConcurrentHashMap<String, com.squareup.wire.ProtoAdapter<Object>> protoAdapters =
            new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Compiles a schema.
     *
     * @param format  {@link SchemaRef#AVRO}, {@link SchemaRef#PROTOBUF} or {@link SchemaRef#JSON}
     * @param text    the schema text ({@code .avsc} JSON, {@code .proto} text, JSON Schema)
     * @param imports texts of the schemas this one references, by the name it imports them under (Protobuf import
     *                path; for Avro the names are ignored and each text is parsed first, so its named types resolve)
     * @throws IllegalArgumentException when the text does not compile, with the library's reason
     */
    public ResolvedSchema(String format, String text, String subject, int version, Map<String, String> imports) {
        this.format = format;
        this.subject = subject;
        this.version = version;
        try {
            switch (format) {
                case SchemaRef.AVRO -> {
                    org.apache.avro.Schema.Parser parser = new org.apache.avro.Schema.Parser();
                    for (String imported : imports.values()) {
                        parser.parse(imported);
                    }
                    avro = parser.parse(text);
                    proto = null;
                    protoMessages = List.of();
                    jsonTitle = null;
                }
                case SchemaRef.PROTOBUF -> {
                    avro = null;
                    proto = linkProto(text, imports);
                    ProtoFile main = proto.protoFile(MAIN_PROTO);
                    protoMessages = main == null ? List.of() : messages(main.getTypes());
                    if (protoMessages.isEmpty()) {
                        throw new IllegalArgumentException("the .proto text declares no message");
                    }
                    jsonTitle = null;
                }
                case SchemaRef.JSON -> {
                    avro = null;
                    proto = null;
                    protoMessages = List.of();
                    JsonNode doc = JSON.readTree(text);
                    JsonNode title = doc == null ? null : doc.get("title");
                    jsonTitle = title != null && title.isTextual() ? title.asText() : null;
                }
                default -> throw new IllegalArgumentException("unknown schema format " + format);
            }
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalArgumentException(format + " schema does not compile: " + e.getMessage(), e);
        }
    }

    public String format() {
        return format;
    }

    public String subject() {
        return subject;
    }

    public int version() {
        return version;
    }

    /** The Avro schema, or null for another format. */
    org.apache.avro.Schema avro() {
        return avro;
    }

    /** The Avro schema compiled for {@link AvroJson}, built on first use (a race builds two equal plans). */
    AvroJson.Plan avroPlan() {
        AvroJson.Plan p = avroPlan;
        if (p == null) {
            p = new AvroJson.Plan(avro);
            avroPlan = p;
        }
        return p;
    }

    /** The linked Protobuf schema, or null for another format. */
    Schema proto() {
        return proto;
    }

    /** wire-schema's decoder for a message of this schema, built once per message type. */
    com.squareup.wire.ProtoAdapter<Object> protoAdapter(String typeName) {
        return protoAdapters.computeIfAbsent(typeName, t -> proto.protoAdapter(t, true));
    }

    /** The JSON Schema's {@code title}, or null. */
    String jsonTitle() {
        return jsonTitle;
    }

    /**
     * The message a Confluent message-index path names: the first index picks a top-level message of the file (in
     * declaration order), each next one a message nested in the previous. An empty path means the first message.
     *
     * @return the message, or null when the path points past the declared messages
     */
    MessageType protoMessage(int[] indexes) {
        List<MessageType> level = protoMessages;
        MessageType m = null;
        if (indexes.length == 0) {
            return level.get(0);
        }
        for (int i : indexes) {
            if (i < 0 || i >= level.size()) {
                return null;
            }
            m = level.get(i);
            level = messages(m.getNestedTypes());
        }
        return m;
    }

    /** The Protobuf message of that full name, or null. */
    MessageType protoMessage(String fullName) {
        Type t = proto.getType(fullName);
        return t instanceof MessageType m ? m : null;
    }

    private static List<MessageType> messages(List<Type> types) {
        List<MessageType> out = new ArrayList<>();
        for (Type t : types) {
            if (t instanceof MessageType m) {
                out.add(m);
            }
        }
        return out;
    }

    /**
     * Links {@code .proto} text and its imports with wire-schema's loader. The loader reads files, so the texts are
     * written to a fresh temporary directory that is removed before returning; this happens once per schema (sources
     * cache what they compiled).
     */
    private static Schema linkProto(String text, Map<String, String> imports) throws IOException {
        Path dir = Files.createTempDirectory("choreoscope-proto");
        try {
            for (Map.Entry<String, String> e : imports.entrySet()) {
                Path p = dir.resolve(e.getKey()).normalize();
                if (!p.startsWith(dir)) {
                    throw new IllegalArgumentException("import path leaves its directory: " + e.getKey());
                }
                Files.createDirectories(p.getParent());
                Files.writeString(p, e.getValue(), StandardCharsets.UTF_8);
            }
            Files.writeString(dir.resolve(MAIN_PROTO), text, StandardCharsets.UTF_8);
            SchemaLoader loader = new SchemaLoader(FileSystems.getDefault());
            loader.initRoots(List.of(Location.get(dir.toString())), List.of());
            return loader.loadSchema();
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException | UncheckedIOException ignored) {
                // a temporary directory left behind is harmless
            }
        }
    }
}
