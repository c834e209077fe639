package io.choreoscope.collectors.extract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/**
 * The tap's JSON scanner against Jackson's strict parser (the mapper the rules use for trees): hand-picked edge cases,
 * then generated documents and random mutations of them, where both must agree on every valid-UTF-8 input.
 */
class JsonScannerTest {

    private static Map<String, String> scan(String json) throws JsonScanner.MalformedJson {
        return JsonScanner.scan(json.getBytes(StandardCharsets.UTF_8), JsonScanner.Members.ALL);
    }

    @Test
    void keepsTopLevelScalarsAsTheTreeReadsThem() throws Exception {
        Map<String, String> f = scan(" {\"a\":\"x\\\"y\\u00e9\\n\",\"n\":-1.50e+3,\"t\":true,\"f\":false,\"z\":null,"
                + "\"o\":{\"a\":1},\"arr\":[1,{\"b\":[]}],\"k\\u0041\":\"caf\u00e9 \uD83D\uDE00\",\"d\":1,\"d\":2} ");
        assertThat(f).containsExactlyInAnyOrderEntriesOf(Map.of(
                "a", "x\"y\u00e9\n", "n", "-1.50e+3", "t", "true", "f", "false", "kA", "caf\u00e9 \uD83D\uDE00", "d", "2"));
    }

    @Test
    void keepsOnlyTheNamedMembers() throws Exception {
        JsonScanner.Members keep = JsonScanner.Members.of(Set.of("b", "c", "caf\u00e9", "e"));
        Map<String, String> f = JsonScanner.scan(("{\"a\":\"1\",\"b\":2,\"c\":[3],\"caf\u00e9\":\"x\",\"\\u0065\":true,"
                + "\"bb\":3,\"\":4}").getBytes(StandardCharsets.UTF_8), keep);
        assertThat(f).containsExactlyInAnyOrderEntriesOf(Map.of("b", "2", "caf\u00e9", "x", "e", "true"));
        assertThat(keep.contains("b")).isTrue();
        assertThat(keep.contains(new String("caf\u00e9".toCharArray()))).isTrue(); // equal, not the same string
        assertThat(keep.contains("bb")).isFalse();
        assertThat(keep.contains("")).isFalse();
        assertThat(JsonScanner.Members.ALL.contains("anything")).isTrue();
    }

    @Test
    void aValidDocumentThatIsNoObjectHasNoFields() throws Exception {
        for (String doc : new String[] {"[1,2]", "\"s\"", "0", "-0.0e-0", "true", "null", " [ ] "}) {
            assertThat(scan(doc)).as(doc).isNull();
        }
    }

    @Test
    void rejectsWhatIsNotOneDocumentAndSaysWhere() {
        String[][] cases = {
            {"{\"a\":1,}", "unexpected '}' at byte 7, expected a member name"},
            {"[1,]", "unexpected ']' at byte 3, expected a value"},
            {"{\"a\" 1}", "expected ':'"},
            {"{\"a\":01}", "unexpected '1' at byte 6"},
            {"{\"a\":1} x", "trailing content after the JSON document at byte 8"},
            {"[1 2]", "expected ',' or ']'"},
            {"-", "unexpected end of input at byte 1, expected a digit"},
            {"1.", "expected a digit"},
            {"1e+", "expected a digit"},
            {"tru", "expected 'true'"},
            {"nul", "expected 'null'"},
            {"NaN", "expected a value"},
            {"{'a':1}", "expected a member name"},
            {"[1]//c", "trailing content"},
            {"\"abc", "unterminated string starting at byte 0"},
            {"\"a\tb\"", "control character 0x09 in a string at byte 2"},
            {"\"\\x\"", "after a backslash"},
            {"\"\\u12g4\"", "four hex digits"},
            {"{\"a\":[", "unexpected end of input"},
        };
        for (String[] c : cases) {
            assertThatThrownBy(() -> scan(c[0])).as(c[0]).isInstanceOf(JsonScanner.MalformedJson.class).hasMessageContaining(c[1]);
            assertThat(jacksonAccepts(c[0].getBytes(StandardCharsets.UTF_8))).as("Jackson on " + c[0]).isFalse();
        }
    }

    @Test
    void stringsMustBeWellFormedUtf8() {
        byte[][] bad = {
            {'"', (byte) 0xC0, (byte) 0x80, '"'},             // overlong NUL
            {'"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"'}, // an encoded surrogate
            {'"', (byte) 0xF5, (byte) 0x80, (byte) 0x80, (byte) 0x80, '"'},
            {'"', (byte) 0xE2, (byte) 0x82, '"'},             // truncated sequence
            {'"', (byte) 0x80, '"'},                          // lone continuation byte
        };
        for (byte[] b : bad) {
            assertThatThrownBy(() -> JsonScanner.scan(b, JsonScanner.Members.ALL)).isInstanceOf(JsonScanner.MalformedJson.class)
                    .hasMessageContaining("invalid UTF-8 at byte 1");
        }
    }

    @Test
    void nestingDepthAndNumberLengthFollowJacksonsLimits() throws Exception {
        int depth = StreamReadConstraints.defaults().getMaxNestingDepth();
        for (int d : new int[] {depth, depth + 1}) {
            byte[] doc = ("[".repeat(d) + "]".repeat(d)).getBytes(StandardCharsets.UTF_8);
            assertThat(scannerAccepts(doc)).as("depth " + d).isEqualTo(jacksonAccepts(doc)).isEqualTo(d <= depth);
        }
        int digits = StreamReadConstraints.defaults().getMaxNumberLength();
        for (String num : new String[] {"9".repeat(digits), "9".repeat(digits + 1), "1." + "5".repeat(digits + 1)}) {
            byte[] doc = ("[" + num + "]").getBytes(StandardCharsets.UTF_8);
            assertThat(scannerAccepts(doc)).as(num.length() + " characters").isEqualTo(jacksonAccepts(doc));
        }
        assertThat(scannerAccepts("9".repeat(digits + 1).getBytes(StandardCharsets.US_ASCII))).isFalse();
    }

    /**
     * Ten thousand generated documents, each valid and then mutated a few times (bytes dropped, doubled, replaced
     * by JSON's structural characters or by non-ASCII bytes): wherever the input is valid UTF-8, the scanner accepts
     * exactly what Jackson accepts, and for accepted objects it keeps exactly the tree's top-level scalar text.
     */
    @Test
    void agreesWithJacksonOnGeneratedAndMutatedDocuments() throws Exception {
        Random random = new Random(20261123);
        byte[] alphabet = "{}[]:,\"\\/ \t\n0123456789-+.eEtrufalsn".getBytes(StandardCharsets.US_ASCII);
        int accepted = 0;
        int rejected = 0;
        for (int round = 0; round < 10_000; round++) {
            byte[] doc = generate(random, 0).getBytes(StandardCharsets.UTF_8);
            if (random.nextInt(3) == 0) {
                doc = ("{" + "\"correlationId\":" + generateScalar(random) + ",\"body\":" + new String(doc, StandardCharsets.UTF_8)
                        + "}").getBytes(StandardCharsets.UTF_8);
            }
            for (int m = 0; m < 4; m++) {
                byte[] probe = m == 0 ? doc : mutate(random, doc, alphabet);
                if (!isUtf8(probe) || new String(probe, StandardCharsets.UTF_8).isBlank()) {
                    continue; // classified before the scan: binary, or blank text
                }
                boolean jackson = jacksonAccepts(probe);
                assertThat(scannerAccepts(probe)).as("%s", new String(probe, StandardCharsets.UTF_8)).isEqualTo(jackson);
                if (jackson) {
                    accepted++;
                    assertKeepsTheTreesScalars(probe);
                } else {
                    rejected++;
                }
            }
        }
        // Both sides of the comparison were exercised in earnest.
        assertThat(accepted).isGreaterThan(10_000);
        assertThat(rejected).isGreaterThan(10_000);
    }

    /** The scanned members are the tree's non-null scalars: same text, numbers in a form that parses to the same value. */
    private static void assertKeepsTheTreesScalars(byte[] doc) throws Exception {
        String text = new String(doc, StandardCharsets.UTF_8);
        JsonNode tree = RecordView.JSON.readTree(doc);
        Map<String, String> scanned = JsonScanner.scan(doc, JsonScanner.Members.ALL);
        if (!tree.isObject()) {
            assertThat(scanned).as(text).isNull();
            return;
        }
        Map<String, JsonNode> scalars = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = tree.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getValue().isValueNode() && !e.getValue().isNull()) {
                scalars.put(e.getKey(), e.getValue());
            }
        }
        assertThat(scanned.keySet()).as(text).isEqualTo(scalars.keySet());
        for (Map.Entry<String, JsonNode> e : scalars.entrySet()) {
            JsonNode node = e.getValue();
            String kept = scanned.get(e.getKey());
            if (node.isNumber()) {
                assertThat(RecordView.JSON.readTree(kept)).as(text).isEqualTo(node); // source form, e.g. 1e2 for 100.0
            } else {
                assertThat(kept).as(text).isEqualTo(node.asText());
            }
        }
    }

    private static String generate(Random r, int depth) {
        int kind = depth > 4 ? r.nextInt(4) : r.nextInt(6);
        switch (kind) {
            case 4 -> {
                StringBuilder sb = new StringBuilder("{");
                int members = r.nextInt(4);
                for (int i = 0; i < members; i++) {
                    sb.append(i == 0 ? "" : ",").append(ws(r)).append(string(r)).append(ws(r)).append(':').append(ws(r))
                            .append(generate(r, depth + 1)).append(ws(r));
                }
                return sb.append('}').toString();
            }
            case 5 -> {
                StringBuilder sb = new StringBuilder("[");
                int items = r.nextInt(4);
                for (int i = 0; i < items; i++) {
                    sb.append(i == 0 ? "" : ",").append(ws(r)).append(generate(r, depth + 1)).append(ws(r));
                }
                return sb.append(']').toString();
            }
            default -> {
                return generateScalar(r);
            }
        }
    }

    private static String generateScalar(Random r) {
        return switch (r.nextInt(6)) {
            case 0 -> string(r);
            case 1 -> String.valueOf(r.nextInt(2_000_001) - 1_000_000); // integers print back as written
            case 2 -> r.nextBoolean() ? "true" : "false";
            case 3 -> "null";
            default -> string(r);
        };
    }

    private static String string(Random r) {
        String[] pieces = {"a", "Z", "9", " ", "\\n", "\\\"", "\\\\", "\\/", "\\u0041", "\\u00e9", "\u00e9", "\u20ac",
            "\uD83D\uDE00", "\\uD83D\\uDE00", "<script>", "'", "correlationId"};
        StringBuilder sb = new StringBuilder("\"");
        int len = r.nextInt(5);
        for (int i = 0; i < len; i++) {
            sb.append(pieces[r.nextInt(pieces.length)]);
        }
        return sb.append('"').toString();
    }

    private static String ws(Random r) {
        return r.nextInt(4) == 0 ? " \n\t\r".substring(r.nextInt(4)) : "";
    }

    private static byte[] mutate(Random r, byte[] doc, byte[] alphabet) {
        if (doc.length == 0) {
            return new byte[] {alphabet[r.nextInt(alphabet.length)]};
        }
        int at = r.nextInt(doc.length);
        ByteBuffer out = ByteBuffer.allocate(doc.length + 2);
        out.put(doc, 0, at);
        switch (r.nextInt(5)) {
            case 0 -> { } // drop the byte
            case 1 -> out.put(doc[at]).put(doc[at]);
            case 2 -> out.put(alphabet[r.nextInt(alphabet.length)]);
            case 3 -> out.put(alphabet[r.nextInt(alphabet.length)]).put(doc[at]);
            default -> out.put((byte) (0x80 + r.nextInt(0x80)));
        }
        out.put(doc, at + 1, doc.length - at - 1);
        byte[] b = new byte[out.position()];
        out.flip().get(b);
        return b;
    }

    private static boolean scannerAccepts(byte[] doc) {
        try {
            JsonScanner.scan(doc, JsonScanner.Members.ALL);
            return true;
        } catch (JsonScanner.MalformedJson e) {
            return false;
        }
    }

    private static boolean jacksonAccepts(byte[] doc) {
        try {
            return RecordView.JSON.readTree(doc) != null;
        } catch (Exception e) {
            return false;
        }
    }

    private static boolean isUtf8(byte[] b) {
        try {
            StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(b));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
