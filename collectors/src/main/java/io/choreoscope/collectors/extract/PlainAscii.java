package io.choreoscope.collectors.extract;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Runs of plain ASCII in a JSON string (bytes held as they are: no quote, no backslash, no control character, nothing
 * above 0x7F), found eight bytes at a time. Shared by the JSON scanner, which skips such runs, and the Avro decoder,
 * which copies them into its JSON text.
 */
public final class PlainAscii {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;

    private PlainAscii() {
    }

    /**
     * The first multiple-of-eight step from {@code from} whose eight bytes (all before {@code to}) are not all plain; the
     * bytes from there on are for a byte-by-byte loop to decide (it may find the run goes on: a false alarm after a true
     * special byte in the same word is harmless).
     */
    public static int skipWords(byte[] v, int from, int to) {
        int j = from;
        while (j + 8 <= to && !special((long) LONGS.get(v, j))) {
            j += 8;
        }
        return j;
    }

    /** Whether any of eight bytes may end a plain run: a quote, a backslash, a control character or a non-ASCII byte. */
    static boolean special(long x) {
        long quote = x ^ (ONES * '"');
        long backslash = x ^ (ONES * '\\');
        long zeroInQuote = (quote - ONES) & ~quote;
        long zeroInBackslash = (backslash - ONES) & ~backslash;
        long below0x20 = (x - ONES * 0x20) & ~x;
        return ((zeroInQuote | zeroInBackslash | below0x20 | x) & HIGHS) != 0;
    }
}
