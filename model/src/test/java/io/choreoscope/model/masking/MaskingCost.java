package io.choreoscope.model.masking;
import java.util.List;
import java.nio.charset.StandardCharsets;

/** Time to mask 1 MB payloads, realistic and hostile (docs/RELIABILITY.md, "Masking"). Not a test: run its main. */
public final class MaskingCost {
    private MaskingCost() {
    }

    public static void main(String[] a) {
        PayloadMasker m = PayloadMasker.of(List.of("/customer/card", "/items/*/iban"), List.of("X-Customer-Email"),
                List.of("builtin:card-number", "builtin:email"), PayloadMasker.DEFAULT_MAX_SCAN_CHARS);
        StringBuilder b = new StringBuilder("{\"customer\":{\"card\":\"x\"},\"items\":[");
        while (b.length() < 1_000_000) b.append("{\"iban\":\"DE89370400440532013000\",\"note\":\"paid by alice@example.com with 4111 1111 1111 1111\",\"n\":12345},");
        b.append("{}]}");
        String[][] inputs = {
            {"1 MB JSON, realistic", b.toString()},
            {"1 MB of word characters (no @)", "a".repeat(1_000_000)},
            {"1 MB of 'a.b' ", "a.b".repeat(333_333)},
            {"1 MB of digits", "1".repeat(1_000_000)},
            {"1 MB of '1 2 '", "1 2 ".repeat(250_000)},
            {"1 MB of '[' ", "[".repeat(1_000_000)},
            {"1 MB of 'x@'", "x@".repeat(500_000)},
        };
        for (String[] in : inputs) {
            byte[] bytes = in[1].getBytes(StandardCharsets.UTF_8);
            for (int w = 0; w < 3; w++) m.payload(bytes);
            long best = Long.MAX_VALUE; String out = null;
            for (int r = 0; r < 5; r++) { long t = System.nanoTime(); out = new String(m.payload(bytes), StandardCharsets.UTF_8); best = Math.min(best, System.nanoTime() - t); }
            System.out.printf("%-34s %7.1f ms  (%s)%n", in[0], best / 1e6, out.equals(PayloadMasker.GAVE_UP) ? "gave up: withheld" : out.length() + " chars out");
        }
        PayloadMasker evil = PayloadMasker.of(List.of(), List.of(), List.of("(a+)+b"), PayloadMasker.DEFAULT_MAX_SCAN_CHARS);
        long t = System.nanoTime(); String o = evil.text("a".repeat(100_000) + "c");
        System.out.printf("%-34s %7.1f ms  (%s)%n", "(a+)+b on 100k 'a'", (System.nanoTime() - t) / 1e6, o);
    }
}
