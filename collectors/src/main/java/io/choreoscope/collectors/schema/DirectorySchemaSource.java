package io.choreoscope.collectors.schema;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import io.choreoscope.model.SchemaRef;
import org.apache.avro.SchemaNormalization;

/**
 * Schemas from files, for teams without a registry: every {@code .avsc} (Avro), {@code .proto} (Protobuf) and
 * {@code .schema.json} (JSON Schema) file under the configured directories, and the message payload schemas of every
 * AsyncAPI document there ({@code .yaml}, {@code .yml}, {@code .json}; see {@link AsyncApiDocument}), read once at
 * start. Answers Avro
 * single-object encoding (looked up by the writer schema's CRC-64-AVRO fingerprint); a file's subject is its path
 * relative to its directory. {@code .proto} files see every other {@code .proto} file of their directory as an
 * import, by relative path.
 *
 * <p>Bounded: at most {@link #MAX_FILES} files, each at most {@link #MAX_FILE_BYTES}. A file that does not compile
 * is skipped and listed in {@link #problems()} (the start goes on: one bad file must not blind the tap).
 */
public final class DirectorySchemaSource implements SchemaSource {
    static final int MAX_FILES = 10_000;
    static final long MAX_FILE_BYTES = 1 << 20;

    private final Map<Long, ResolvedSchema> byFingerprint = new HashMap<>();
    private final Map<String, ResolvedSchema> byName = new HashMap<>();
    private final List<String> problems = new ArrayList<>();
    private int asyncApiDocuments;

    public DirectorySchemaSource(List<Path> directories) {
        for (Path dir : directories) {
            load(dir);
        }
    }

    private void load(Path dir) {
        List<Path> files;
        try (Stream<Path> s = Files.walk(dir, 16)) {
            files = s.filter(Files::isRegularFile).limit(MAX_FILES).sorted().toList();
        } catch (IOException | RuntimeException e) {
            problems.add(dir + ": cannot be read: " + e.getMessage());
            return;
        }
        Map<String, String> protos = new LinkedHashMap<>();
        for (Path f : files) {
            if (f.getFileName().toString().endsWith(".proto")) {
                String text = read(f);
                if (text != null) {
                    protos.put(dir.relativize(f).toString().replace('\\', '/'), text);
                }
            }
        }
        for (Path f : files) {
            String fileName = f.getFileName().toString();
            String subject = dir.relativize(f).toString().replace('\\', '/');
            try {
                if (fileName.endsWith(".avsc")) {
                    String text = read(f);
                    if (text != null) {
                        ResolvedSchema s = new ResolvedSchema(SchemaRef.AVRO, text, subject, 0, Map.of());
                        byFingerprint.put(SchemaNormalization.parsingFingerprint64(s.avro()), s);
                        byName.put(s.avro().getFullName(), s);
                    }
                } else if (fileName.endsWith(".proto")) {
                    Map<String, String> imports = new LinkedHashMap<>(protos);
                    String text = imports.remove(subject);
                    ResolvedSchema s = new ResolvedSchema(SchemaRef.PROTOBUF, text, subject, 0, imports);
                    byName.put(s.protoMessage(new int[0]).getType().toString(), s);
                } else if (fileName.endsWith(".schema.json")) {
                    String text = read(f);
                    if (text != null) {
                        ResolvedSchema s = new ResolvedSchema(SchemaRef.JSON, text, subject, 0, Map.of());
                        byName.put(s.jsonTitle() != null ? s.jsonTitle() : subject, s);
                    }
                } else if (fileName.endsWith(".yaml") || fileName.endsWith(".yml") || fileName.endsWith(".json")) {
                    asyncApi(f, subject, fileName.endsWith(".json"));
                }
            } catch (RuntimeException e) {
                problems.add(f + ": " + e.getMessage());
            }
        }
    }

    /**
     * Reads an AsyncAPI document's message payload schemas ({@link AsyncApiDocument}); a YAML or JSON file that is
     * not an AsyncAPI document (no {@code asyncapi} field) is passed over. Each payload's subject is
     * {@code <file's path>#<message name>}.
     */
    private void asyncApi(Path f, String subject, boolean json) {
        String text = read(f);
        if (text == null) {
            return;
        }
        AsyncApiDocument doc;
        try {
            doc = AsyncApiDocument.parse(text, json);
        } catch (IllegalArgumentException e) {
            if (text.contains("asyncapi")) { // other YAML and JSON files are not ours to judge
                problems.add(f + ": AsyncAPI document refused: " + e.getMessage());
            }
            return;
        }
        if (doc == null) {
            return;
        }
        asyncApiDocuments++;
        doc.problems().forEach(p -> problems.add(f + ": " + p));
        for (AsyncApiDocument.Payload p : doc.payloads()) {
            String messageSubject = subject + "#" + p.messageName();
            try {
                ResolvedSchema s = new ResolvedSchema(p.format(), p.schemaText(), messageSubject, 0, Map.of());
                switch (p.format()) {
                    case SchemaRef.AVRO -> {
                        byFingerprint.put(SchemaNormalization.parsingFingerprint64(s.avro()), s);
                        byName.put(s.avro().getFullName(), s);
                    }
                    case SchemaRef.PROTOBUF -> byName.put(s.protoMessage(new int[0]).getType().toString(), s);
                    default -> byName.put(s.jsonTitle() != null ? s.jsonTitle() : messageSubject, s);
                }
            } catch (RuntimeException e) {
                problems.add(f + ": message " + p.messageName() + ": " + e.getMessage());
            }
        }
    }

    /** How many AsyncAPI documents were read. */
    public int asyncApiDocuments() {
        return asyncApiDocuments;
    }

    private String read(Path f) {
        try {
            if (Files.size(f) > MAX_FILE_BYTES) {
                problems.add(f + ": over " + MAX_FILE_BYTES + " bytes, skipped");
                return null;
            }
            return Files.readString(f, StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            problems.add(f + ": cannot be read: " + e.getMessage());
            return null;
        }
    }

    /** Files that were skipped, with the reason. */
    public List<String> problems() {
        return List.copyOf(problems);
    }

    /** How many schemas were loaded. */
    public int size() {
        return byName.size();
    }

    /** A loaded schema by Avro full name, Protobuf first-message full name or JSON Schema title; or null. */
    public ResolvedSchema byName(String name) {
        return byName.get(name);
    }

    @Override
    public String name() {
        return "files";
    }

    @Override
    public boolean serves(String topic) {
        return true;
    }

    @Override
    public ResolvedSchema resolve(SchemaKey key, String topic) {
        return key instanceof SchemaKey.AvroFingerprint fp ? byFingerprint.get(fp.fingerprint()) : null;
    }
}
