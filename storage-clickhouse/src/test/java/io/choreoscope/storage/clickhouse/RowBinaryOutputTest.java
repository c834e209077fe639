package io.choreoscope.storage.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * {@link RowBinaryOutput#string}: every string, short (checked char by char) or long (encoded by the JDK), is written as
 * its UTF-8 length and bytes, the same as {@code String.getBytes(UTF_8)} gives.
 */
class RowBinaryOutputTest {

    private static byte[] written(String s) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        RowBinaryOutput w = new RowBinaryOutput(out);
        w.string(s);
        w.flush();
        return out.toByteArray();
    }

    private static byte[] expected(String s) throws Exception {
        byte[] utf8 = s == null ? new byte[0] : s.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long n = utf8.length;
        while ((n & ~0x7FL) != 0) {
            out.write((int) ((n & 0x7F) | 0x80));
            n >>>= 7;
        }
        out.write((int) n);
        out.write(utf8);
        return out.toByteArray();
    }

    @Test
    void everyStringIsItsUtf8LengthAndBytes() throws Exception {
        List<String> cases = new ArrayList<>(List.of("", "a", "order-123456", "application/json"));
        cases.add(null);
        // Chars whose low byte is ASCII ('Ł' is U+0141) must not pass for ASCII; Latin-1 chars are two UTF-8 bytes.
        String[] specials = {"\u0141", "\u00e9", "\u00ff", "\u20ac", "\ud83d\ude00", "\ud800", "\u0000", "\u007f", "\u0080"};
        for (int len : new int[] {0, 1, 7, 8, 31, 32, 33, 64, 130, 500, 20_000, 70_000}) {
            String plain = "x".repeat(len);
            cases.add(plain);
            for (String sp : specials) {
                cases.add(sp + plain);
                cases.add(plain + sp);
                cases.add(plain.substring(0, len / 2) + sp + plain.substring(len / 2));
            }
        }
        Random random = new Random(20261203);
        for (int i = 0; i < 2_000; i++) {
            StringBuilder b = new StringBuilder();
            int len = random.nextInt(90);
            for (int j = 0; j < len; j++) {
                b.append(random.nextInt(10) == 0 ? (char) random.nextInt(0x3000) : (char) (0x20 + random.nextInt(0x5f)));
            }
            cases.add(b.toString());
        }
        for (String s : cases) {
            assertThat(written(s)).as("%s", s == null ? "null" : s.length() > 40 ? s.substring(0, 40) + "... (" + s.length() + ")" : s)
                    .isEqualTo(expected(s));
        }
    }

    @Test
    void stringsFollowEachOtherAcrossTheBufferBoundary() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream want = new ByteArrayOutputStream();
        RowBinaryOutput w = new RowBinaryOutput(out);
        Random random = new Random(7);
        for (int i = 0; i < 3_000; i++) {
            String s = "p\u00e9".repeat(random.nextInt(40)) + "q".repeat(random.nextInt(60));
            w.string(s);
            want.write(expected(s));
        }
        w.flush();
        assertThat(out.toByteArray()).isEqualTo(want.toByteArray());
    }
}
