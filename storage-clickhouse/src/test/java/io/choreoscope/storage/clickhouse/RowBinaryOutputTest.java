package io.choreoscope.storage.clickhouse;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link RowBinaryOutput#string} against the JDK's UTF-8 encoder ({@code String.getBytes(UTF_8)}, behind a LEB128
 * length): the bytes ClickHouse receives are the same for every string, including non-ASCII text, surrogate pairs,
 * unpaired surrogates, lengths where the length prefix grows, and strings that straddle the buffer's end.
 */
class RowBinaryOutputTest {

    /** What the column must hold: the JDK's UTF-8 bytes behind their length. */
    private static void expected(ByteArrayOutputStream out, String s) {
        byte[] bytes = s == null ? new byte[0] : s.getBytes(StandardCharsets.UTF_8);
        long v = bytes.length;
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
        out.writeBytes(bytes);
    }

    private static void assertEncodesAsTheJdk(List<String> strings) throws IOException {
        ByteArrayOutputStream actual = new ByteArrayOutputStream();
        RowBinaryOutput w = new RowBinaryOutput(actual);
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        for (String s : strings) {
            w.string(s);
            expected(expected, s);
        }
        w.flush();
        assertThat(actual.toByteArray()).isEqualTo(expected.toByteArray());
    }

    @Test
    void nonAsciiTextAndSurrogatesAreEncodedAsTheJdkEncodesThem() throws IOException {
        List<String> strings = List.of("", "a", "orders process", "ünïcödé", "€", "日本語テキスト",
                "\uD83D\uDE00 emoji", "a\uD83D\uDE00b\uD83C\uDF89",
                "unpaired high \uD83D", "\uD83D", "unpaired low \uDE00 here", "\uDE00\uD83D", "\uD83D\uD83D\uDE00",
                "\u0000nul", "\u007f\u0080\u07ff\u0800\uffff", "Latin-1 \u00e9\u00ff");
        assertEncodesAsTheJdk(strings);
        List<String> withNull = new ArrayList<>(strings);
        withNull.add(null);
        assertEncodesAsTheJdk(withNull);
    }

    @Test
    void lengthPrefixesOfEveryWidthAreRight() throws IOException {
        List<String> strings = new ArrayList<>();
        // Around 42/43 chars (3n crosses 128), 127/128 (one byte crosses 128), 5461/5462 (3n crosses 16384) and the
        // inline limit, in ASCII, two-byte and three-byte text.
        for (int n : new int[]{42, 43, 44, 63, 64, 127, 128, 129, 5461, 5462, RowBinaryOutput.INLINE_CHARS,
                RowBinaryOutput.INLINE_CHARS + 1, 20_000}) {
            strings.add("x".repeat(n));
            strings.add("é".repeat(n));
            strings.add("€".repeat(n));
            strings.add("x".repeat(n - 1) + "\uD83D");
        }
        assertEncodesAsTheJdk(strings);
    }

    @Test
    void randomStringsStraddlingTheBufferAreEncodedAsTheJdkEncodesThem() throws IOException {
        Random random = new Random(20261203);
        char[] alphabet = {'a', 'Z', '0', ' ', '"', '\n', '\u00e9', '\u00ff', '\u0100', '\u07ff', '\u0800', '\u20ac',
                '\uffff', '\uD83D', '\uDE00', '\uDBFF', '\uDC00'};
        List<String> strings = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            int n = random.nextInt(10) == 0 ? random.nextInt(6000) : random.nextInt(60);
            StringBuilder b = new StringBuilder(n);
            boolean ascii = random.nextInt(3) == 0;
            for (int j = 0; j < n; j++) {
                b.append(ascii ? (char) ('a' + random.nextInt(26)) : alphabet[random.nextInt(alphabet.length)]);
            }
            strings.add(b.toString());
        }
        assertEncodesAsTheJdk(strings);
    }
}
