package io.choreoscope.ui.instance;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PrettyJsonTest {

    @Test
    void indentsNestedObjectsAndArrays() {
        assertThat(PrettyJson.format("{\"a\":1,\"b\":[true,{\"c\":null}],\"e\":{}}")).isEqualTo("""
                {
                  "a": 1,
                  "b": [
                    true,
                    {
                      "c": null
                    }
                  ],
                  "e": {}
                }""");
    }

    @Test
    void keepsPunctuationInsideStrings() {
        assertThat(PrettyJson.format("{\"x\":\"a,b:{c}\\\" ]\"}")).isEqualTo("{\n  \"x\": \"a,b:{c}\\\" ]\"\n}");
    }

    @Test
    void formatsJsonCutInTheMiddle() {
        assertThat(PrettyJson.format("{\"items\":[{\"sku\":\"A\"},{\"sku\":\"B")).isEqualTo("""
                {
                  "items": [
                    {
                      "sku": "A"
                    },
                    {
                      "sku": "B""");
    }

    @Test
    void leavesNonJsonAlone() {
        assertThat(PrettyJson.format("plain, text: {not json}")).isEqualTo("plain, text: {not json}");
    }

    /** The record that ran the demo out of heap: 65,536 times {@code [} (64 KiB). */
    static final String SIXTY_FOUR_KIB_OF_BRACKETS = "[".repeat(65_536);

    @Test
    void sixtyFourKibOfOpeningBracketsStayWithinTheBounds() {
        PrettyJson.Formatted f = PrettyJson.formatted(SIXTY_FOUR_KIB_OF_BRACKETS);

        assertThat(f.text().length()).isLessThan(PrettyJson.MAX_FORMATTED_CHARS + SIXTY_FOUR_KIB_OF_BRACKETS.length() + 200);
        assertThat(maxIndentation(f.text())).isEqualTo(PrettyJson.MAX_INDENT_DEPTH * PrettyJson.INDENT);
        assertThat(f.partlyRaw()).isTrue();
        assertThat(f.text()).endsWith(SIXTY_FOUR_KIB_OF_BRACKETS.substring(f.rawFrom()));
        assertThat(withoutWhitespace(f.text())).as("nothing lost, nothing added").isEqualTo(SIXTY_FOUR_KIB_OF_BRACKETS);
    }

    @Test
    void aDeepButValidDocumentIsIndentedUpToTheDepthBoundAndKeptWhole() {
        int depth = 2_000; // 4,000 levels: an object and an array each
        String doc = "{\"a\":[".repeat(depth) + "\"leaf, with: {punctuation}\"" + "]}".repeat(depth);

        PrettyJson.Formatted f = PrettyJson.formatted(doc);

        assertThat(f.partlyRaw()).as("4,000 levels, two lines of at most 70 characters each, fit").isFalse();
        assertThat(withoutWhitespace(f.text())).isEqualTo(withoutWhitespace(doc));
        String[] lines = f.text().split("\n");
        assertThat(maxIndentation(f.text())).isEqualTo(PrettyJson.MAX_INDENT_DEPTH * PrettyJson.INDENT);
        // the first levels are indented as usual: "{", then "  \"a\": [", then "    {" ...
        assertThat(lines[0]).isEqualTo("{");
        assertThat(lines[1]).isEqualTo("  \"a\": [");
        assertThat(lines[2]).isEqualTo("    {");
        assertThat(lines[lines.length - 1]).isEqualTo("}");
        assertThat(lines[lines.length - 2]).isEqualTo("  ]");
    }

    @Test
    void outputPastTheCharacterBoundFollowsAsItWas() {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < 200_000; i++) {
            b.append(i == 0 ? "" : ",").append("{\"k\":").append(i).append('}');
        }
        String doc = b.append(']').toString();

        PrettyJson.Formatted f = PrettyJson.formatted(doc);

        assertThat(f.partlyRaw()).isTrue();
        assertThat(f.text()).startsWith("[\n  {\n    \"k\": 0\n  },");
        assertThat(f.text()).endsWith(doc.substring(f.rawFrom()));
        assertThat(f.text().length() - (doc.length() - f.rawFrom())).isBetween(PrettyJson.MAX_FORMATTED_CHARS,
                PrettyJson.MAX_FORMATTED_CHARS + 200);
        assertThat(withoutWhitespace(f.text())).isEqualTo(doc);
        assertThat(PrettyJson.format(doc)).isEqualTo(f.text());
    }

    private static int maxIndentation(String text) {
        int max = 0;
        for (String line : text.split("\n")) {
            int n = 0;
            while (n < line.length() && line.charAt(n) == ' ') {
                n++;
            }
            max = Math.max(max, n);
        }
        return max;
    }

    /** The text without blanks (the documents in these tests have none inside strings but the leaf's). */
    private static String withoutWhitespace(String s) {
        return s.replaceAll("(?m)^ +", "").replace("\n", "").replace(": ", ":");
    }

    @Test
    void makesControlAndBidiCharactersVisible() {
        assertThat(PrettyJson.visible("a\u0000b\u202ec\nd\te")).isEqualTo("a\\u0000b\\u202ec\nd\te");
    }
}
