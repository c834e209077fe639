package io.choreoscope.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module rules of docs/ARCHITECTURE.md, checked on the compiled classes of every production module (read from
 * their {@code target/classes}; the reactor builds them before this module). A rule names what a module's
 * classes may refer to; a violation names the class and what it refers to.
 */
class ModuleBoundariesTest {
    /** The production modules, each built before e2e (they are its dependencies or theirs). */
    private static final List<String> MODULES = List.of("model", "inference", "storage-clickhouse", "collectors",
            "backend", "ui", "sample-flows");
    /** Text that is SQL: a statement's opening words, or the clauses a query is built from. */
    static final Pattern SQL = Pattern.compile("(?is).*\\b(select\\s+.+\\s+from|insert\\s+into|create\\s+(table|database|materialized)"
            + "|alter\\s+table|drop\\s+table|prewhere|group\\s+by|order\\s+by)\\b.*");
    private static final Map<String, List<ClassFile>> CLASSES = new TreeMap<>();

    @BeforeAll
    static void readEveryModule() throws IOException {
        Path root = Path.of("").toAbsolutePath().getParent();
        for (String module : MODULES) {
            Path dir = root.resolve(module).resolve("target/classes");
            assertThat(dir).as("compiled classes of " + module + " (build the whole project first)").isDirectory();
            List<ClassFile> classes = new ArrayList<>();
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".class"))::iterator) {
                    try (InputStream in = Files.newInputStream(f)) {
                        classes.add(ClassFile.read(dir.relativize(f).toString(), in));
                    }
                }
            }
            assertThat(classes).as(module + " classes").isNotEmpty();
            CLASSES.put(module, classes);
        }
    }

    /** Classes of {@code module} that refer to a package starting with any of {@code prefixes}, with what they name. */
    private static List<String> referring(String module, String... prefixes) {
        List<String> out = new ArrayList<>();
        for (ClassFile c : CLASSES.get(module)) {
            for (String p : prefixes) {
                if (c.refersTo(p)) {
                    out.add(c.name() + " -> " + p);
                }
            }
        }
        return out;
    }

    private static List<String> others(String... allowed) {
        List<String> out = new ArrayList<>(MODULES);
        out.removeAll(List.of(allowed));
        return out;
    }

    @Test
    void onlyTheStorageModuleSpeaksClickHouse() {
        for (String module : others("storage-clickhouse")) {
            assertThat(referring(module, "com/clickhouse/", "io/choreoscope/storage/")).as(module).isEmpty();
        }
    }

    /**
     * No hand-written SQL outside the storage module. The classes Micronaut generates (their simple names start
     * with {@code $}) are not checked: Micronaut Data writes the config store's statements (H2 or PostgreSQL,
     * alert rules and the replay audit) from the repository interfaces at compile time.
     */
    @Test
    void onlyTheStorageModuleHoldsSql() {
        for (String module : others("storage-clickhouse")) {
            List<String> sql = new ArrayList<>();
            for (ClassFile c : CLASSES.get(module)) {
                if (c.name().substring(c.name().lastIndexOf('/') + 1).startsWith("$")) {
                    continue;
                }
                c.strings().stream().filter(s -> SQL.matcher(s).matches()).forEach(s -> sql.add(c.name() + ": " + s));
            }
            assertThat(sql).as("SQL in " + module).isEmpty();
        }
    }

    @Test
    void theSqlRuleRecognisesTheStorageModulesStatements() {
        // The rule above would pass on anything if the pattern matched nothing: it must find the real SQL.
        long statements = CLASSES.get("storage-clickhouse").stream().flatMap(c -> c.strings().stream())
                .filter(s -> SQL.matcher(s).matches()).count();
        assertThat(statements).isGreaterThan(20);
    }

    @Test
    void onlyTheUiKnowsVaadin() {
        for (String module : others("ui")) {
            assertThat(referring(module, "com/vaadin/", "com/github/mvysny/", "io/choreoscope/ui/")).as(module).isEmpty();
        }
        assertThat(referring("ui", "com/vaadin/")).isNotEmpty();
    }

    @Test
    void theUiReachesTheServerOnlyOverHttp() {
        assertThat(referring("ui", "io/choreoscope/backend/", "io/choreoscope/api/", "io/choreoscope/live/",
                "io/choreoscope/inference/", "io/choreoscope/storage/", "io/choreoscope/collectors/",
                "io/micronaut/", "org/apache/kafka/")).isEmpty();
    }

    @Test
    void collectorsKnowOnlyTheModel() {
        List<String> out = new ArrayList<>();
        for (ClassFile c : CLASSES.get("collectors")) {
            for (String s : c.utf8()) {
                String rest = s.replaceAll("io/choreoscope/(model|collectors)/", "");
                if (rest.contains("io/choreoscope/")) {
                    out.add(c.name() + " -> " + s);
                }
            }
        }
        assertThat(out).isEmpty();
    }

    @Test
    void inferenceIsPlainJava() {
        assertThat(referring("inference", "io/micronaut/", "jakarta/", "org/slf4j/", "java/util/logging/",
                "java/io/File", "java/nio/file/", "java/net/", "java/sql/", "org/apache/kafka/", "com/fasterxml/",
                "io/choreoscope/storage/", "io/choreoscope/collectors/")).isEmpty();
        assertThat(referring("inference", "org/jgrapht/")).as("the engine builds its graphs with JGraphT").isNotEmpty();
    }

    @Test
    void theModelDependsOnNothing() {
        assertThat(referring("model", "io/micronaut/", "jakarta/", "org/slf4j/", "com/clickhouse/", "com/vaadin/",
                "org/jgrapht/", "org/apache/kafka/", "io/choreoscope/inference/", "io/choreoscope/storage/")).isEmpty();
    }

    @Test
    void theServerReachesStorageOnlyThroughTheModel() {
        assertThat(referring("backend", "io/choreoscope/storage/", "com/clickhouse/")).isEmpty();
    }

    @Test
    void sampleFlowsSpeakOnlyKafkaAndOtlpLikeRealServices() {
        List<String> out = new ArrayList<>();
        for (ClassFile c : CLASSES.get("sample-flows")) {
            for (String s : c.utf8()) {
                if (s.replaceAll("io/choreoscope/samples/", "").contains("io/choreoscope/")) {
                    out.add(c.name() + " -> " + s);
                }
            }
        }
        assertThat(out).isEmpty();
    }
}
