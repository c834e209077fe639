package io.choreoscope.model.masking;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

class PayloadMaskerTest {
    static final String CARD = "4111 1111 1111 1111";
    static final String MAIL = "alice.smith@example.com";
    final PayloadMasker m = PayloadMasker.of(List.of("/card/number", "/items/*/iban", "/a~1b"), List.of("X-Customer-Email"),
            List.of("builtin:card-number", "builtin:email"), PayloadMasker.DEFAULT_MAX_SCAN_CHARS);

    @Test
    void patternsHideCardNumbersAndAddressesAnywhereInAText() {
        assertThat(m.text("paid with " + CARD + " by " + MAIL + ".")).isEqualTo("paid with *** by ***.");
        assertThat(m.text("4111-1111-1111-1111")).isEqualTo("***");
        assertThat(m.text("4111111111111111")).isEqualTo("***");
        assertThat(m.text("order-12345")).as("short numbers are not cards").isEqualTo("order-12345");
        assertThat(m.text("4111 1111 1111 1112")).as("fails the Luhn check: no card number").isEqualTo("4111 1111 1111 1112");
        // a UUID whose groups happen to be digits (a replay ID of the API was refused to a viewer as a card number)
        assertThat(m.text("5b520359-6435-4037-bc18-58da1f322b5a")).isEqualTo("5b520359-6435-4037-bc18-58da1f322b5a");
        assertThat(m.text("ref 378282246310005 (amex)")).isEqualTo("ref *** (amex)");
        assertThat(PayloadMasker.luhnValid("79927398713", 0, 11)).isTrue();
        assertThat(PayloadMasker.luhnValid("79927398710", 0, 11)).isFalse();
        assertThat(m.text("x".repeat(100) + MAIL)).doesNotContain("alice").doesNotContain("example.com");
        assertThat(m.text(null)).isNull();
    }

    @Test
    void jsonPointersHideWholeValuesAndKeepTheDocumentValid() {
        String doc = "{\"card\": {\"number\": \"5500 0000 0000 0004\", \"cvc\": 123, \"holder\": {\"n\": 1}},"
                + " \"items\": [{\"iban\": \"DE89370400440532013000\"}, {\"iban\": {\"x\": [1,2]}}], \"a/b\": true, \"ok\": \"kept\"}";
        assertThat(m.payloadText(doc)).isEqualTo("{\"card\": {\"number\": \"***\", \"cvc\": 123, \"holder\": {\"n\": 1}},"
                + " \"items\": [{\"iban\": \"***\"}, {\"iban\": \"***\"}], \"a/b\": \"***\", \"ok\": \"kept\"}");
        PayloadMasker whole = PayloadMasker.of(List.of("/card"), List.of(), List.of(), 100);
        assertThat(whole.payloadText(doc)).startsWith("{\"card\": \"***\", \"items\"");
        assertThat(whole.payloadText("[{\"card\":1}]")).as("pointers are anchored at the root").isEqualTo("[{\"card\":1}]");
        PayloadMasker index = PayloadMasker.of(List.of("/1/card"), List.of(), List.of(), 100);
        assertThat(index.payloadText("[{\"card\":1},{\"card\":2}]")).isEqualTo("[{\"card\":1},{\"card\":\"***\"}]");
        assertThat(whole.payloadText("{\"c\\u0061rd\":\"x\"}")).as("escaped keys").isEqualTo("{\"c\\u0061rd\":\"***\"}");
    }

    @Test
    void aCutOrMalformedDocumentIsMaskedAsFarAsItGoes() {
        assertThat(m.payloadText("{\"card\":{\"number\":\"5500 00")).isEqualTo("{\"card\":{\"number\":\"***\"");
        assertThat(m.payloadText("{\"card\":{\"number\":[1,2,")).isEqualTo("{\"card\":{\"number\":\"***\"");
        assertThat(m.payloadText("not json at all")).isEqualTo("not json at all");
        // deep nesting costs no recursion
        String deep = "[".repeat(64 * 1024);
        assertThat(m.payloadText(deep)).isEqualTo(deep);
        String deepObj = "{\"a\":".repeat(50_000) + "1" + "}".repeat(50_000);
        assertThat(m.payloadText(deepObj)).isEqualTo(deepObj);
    }

    @Test
    void headersByNameAndBinaryPayloadsByPattern() {
        assertThat(m.header("x-customer-email", "anything")).isEqualTo("***");
        assertThat(m.header("note", "mail " + MAIL)).isEqualTo("mail ***");
        byte[] avro = new byte[] {0, (byte) 0xff, (byte) 0xfe};
        byte[] bin = concat(avro, ("\u0010" + CARD).getBytes(StandardCharsets.ISO_8859_1), avro);
        byte[] masked = m.payload(bin);
        assertThat(new String(masked, StandardCharsets.ISO_8859_1)).doesNotContain("4111").contains("***");
        assertThat(masked[1]).isEqualTo((byte) 0xff);
        assertThat(new String(m.payload(("{\"card\":{\"number\":\"" + CARD + "\"}}").getBytes(StandardCharsets.UTF_8)),
                StandardCharsets.UTF_8)).isEqualTo("{\"card\":{\"number\":\"***\"}}");
    }

    @Test
    void hostileInputIsBoundedInTimeAndNeverShownUnscanned() {
        PayloadMasker small = PayloadMasker.of(List.of(), List.of(), List.of("builtin:email"), 1000);
        String big = "x".repeat(1000) + MAIL;
        assertThat(small.text(big)).doesNotContain("alice").endsWith("[masked: " + MAIL.length() + " more characters not scanned]");
        // a catastrophic pattern is stopped by its budget and withholds the whole text
        PayloadMasker evil = PayloadMasker.of(List.of(), List.of(), List.of("(a+)+b"), PayloadMasker.DEFAULT_MAX_SCAN_CHARS);
        long t0 = System.nanoTime();
        assertThat(evil.text("a".repeat(5000) + "c")).isEqualTo(PayloadMasker.GAVE_UP);
        assertThat((System.nanoTime() - t0) / 1_000_000).as("ms").isLessThan(5_000);
        // the built-ins stay linear on a megabyte of what they look for without the rest
        long t1 = System.nanoTime();
        String words = "a.b".repeat(340_000);
        assertThat(m.text(words)).isEqualTo(words);
        String digits = "1 2".repeat(340_000);
        assertThat(m.text(digits)).doesNotContain("1 2 1 2 1 2 1 2 1 2 1 2 1").isNotEqualTo(PayloadMasker.GAVE_UP);
        assertThat((System.nanoTime() - t1) / 1_000_000).as("ms").isLessThan(10_000);
    }

    @Test
    void badRulesAreRefusedWithTheReason() {
        assertThatThrownBy(() -> PayloadMasker.of(List.of("card"), List.of(), List.of(), 10)).hasMessageContaining("must start with '/'");
        assertThatThrownBy(() -> PayloadMasker.of(List.of(), List.of(), List.of("("), 10)).hasMessageContaining("not a valid regex");
        assertThatThrownBy(() -> PayloadMasker.of(List.of(), List.of(), List.of("a*"), 10)).hasMessageContaining("empty text");
        assertThatThrownBy(() -> PayloadMasker.of(List.of(), List.of(), List.of("builtin:ssn"), 10)).hasMessageContaining("card-number");
        assertThat(PayloadMasker.NONE.active()).isFalse();
        assertThat(PayloadMasker.NONE.text(MAIL)).isEqualTo(MAIL);
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
