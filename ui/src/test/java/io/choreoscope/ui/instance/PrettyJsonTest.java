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

    @Test
    void makesControlAndBidiCharactersVisible() {
        assertThat(PrettyJson.visible("a\u0000b\u202ec\nd\te")).isEqualTo("a\\u0000b\\u202ec\nd\te");
    }
}
