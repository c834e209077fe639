package io.choreoscope.storage.clickhouse;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Writes values in ClickHouse's RowBinary format: little-endian integers, LEB128 lengths, strings
 * as raw bytes (ClickHouse strings are byte strings, so binary payloads survive unchanged).
 * LowCardinality columns take plain strings in this format. Not thread-safe.
 */
final class RowBinaryOutput {
    private static final int BUFFER = 1 << 16;
    /** Strings up to this many chars are encoded inline by {@link #string} (at most 3 bytes each: fits the buffer). */
    static final int INLINE_CHARS = 4096;
    private final OutputStream out;
    /** Own unsynchronised buffer: a row is ~20 small writes, BufferedOutputStream locks on each. */
    private final byte[] buf = new byte[BUFFER];
    private int pos;

    /** Buffers what is written; call {@link #flush()} at the end. */
    RowBinaryOutput(OutputStream out) {
        this.out = out;
    }

    /** Writes what is buffered to the underlying stream and flushes it. */
    void flush() throws IOException {
        drain();
        out.flush();
    }

    private void drain() throws IOException {
        if (pos > 0) {
            out.write(buf, 0, pos);
            pos = 0;
        }
    }

    private void ensure(int n) throws IOException {
        if (pos + n > BUFFER) {
            drain();
        }
    }

    void varUInt(long v) throws IOException {
        ensure(10);
        while ((v & ~0x7FL) != 0) {
            buf[pos++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        buf[pos++] = (byte) v;
    }

    void bytes(byte[] b) throws IOException {
        varUInt(b.length);
        if (b.length > BUFFER - pos) {
            drain();
            out.write(b);
        } else {
            System.arraycopy(b, 0, buf, pos, b.length);
            pos += b.length;
        }
    }

    /**
     * A String column, as UTF-8; null is written as the empty string. Unpaired surrogates become {@code '?'}, as
     * {@link String#getBytes(java.nio.charset.Charset)} writes them.
     *
     * <p>Strings up to {@value #INLINE_CHARS} characters (IDs, names, attribute keys and values) are encoded in one
     * pass straight into the buffer, behind room for the longest length prefix they can need (3 bytes per char); when
     * the prefix turns out shorter the bytes are moved back. Longer strings go through {@code getBytes(UTF_8)}, whose
     * ASCII check and copy the JDK vectorises.
     */
    void string(String s) throws IOException {
        if (s == null) {
            varUInt(0);
            return;
        }
        int n = s.length();
        if (n > INLINE_CHARS) {
            bytes(s.getBytes(StandardCharsets.UTF_8));
            return;
        }
        int room = varUIntSize(3L * n);
        ensure(room + 3 * n);
        int start = pos + room;
        int p = start;
        byte[] b = buf;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                b[p++] = (byte) c;
            } else if (c < 0x800) {
                b[p++] = (byte) (0xC0 | c >> 6);
                b[p++] = (byte) (0x80 | c & 0x3F);
            } else if (!Character.isSurrogate(c)) {
                b[p++] = (byte) (0xE0 | c >> 12);
                b[p++] = (byte) (0x80 | c >> 6 & 0x3F);
                b[p++] = (byte) (0x80 | c & 0x3F);
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                b[p++] = (byte) (0xF0 | cp >> 18);
                b[p++] = (byte) (0x80 | cp >> 12 & 0x3F);
                b[p++] = (byte) (0x80 | cp >> 6 & 0x3F);
                b[p++] = (byte) (0x80 | cp & 0x3F);
            } else {
                b[p++] = '?'; // an unpaired surrogate, as the JDK's UTF-8 encoder replaces it
            }
        }
        int length = p - start;
        int prefix = varUIntSize(length);
        if (prefix < room) {
            System.arraycopy(b, start, b, pos + prefix, length);
        }
        int q = pos; // the prefix, written here: varUInt() could drain the buffer under the encoded bytes
        long v = length;
        while ((v & ~0x7FL) != 0) {
            b[q++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        b[q++] = (byte) v;
        pos = q + length;
    }

    private static int varUIntSize(long v) {
        int n = 1;
        while ((v & ~0x7FL) != 0) {
            v >>>= 7;
            n++;
        }
        return n;
    }

    /**
     * A {@code Map(String, String)} column: the entry count, then each key and value as strings
     * (null becomes the empty string), in the map's iteration order.
     */
    void stringMap(Map<String, String> map) throws IOException {
        varUInt(map.size());
        for (Map.Entry<String, String> e : map.entrySet()) {
            string(e.getKey());
            string(e.getValue());
        }
    }

    void nullableBytes(byte[] b) throws IOException {
        ensure(1);
        if (b == null) {
            buf[pos++] = 1;
        } else {
            buf[pos++] = 0;
            bytes(b);
        }
    }

    void uint32(long v) throws IOException {
        int32((int) v);
    }

    void int32(int v) throws IOException {
        ensure(4);
        buf[pos++] = (byte) v;
        buf[pos++] = (byte) (v >>> 8);
        buf[pos++] = (byte) (v >>> 16);
        buf[pos++] = (byte) (v >>> 24);
    }

    void int64(long v) throws IOException {
        ensure(8);
        for (int i = 0; i < 8; i++) {
            buf[pos++] = (byte) (v >>> (8 * i));
        }
    }

    void uint64(long v) throws IOException {
        int64(v);
    }
}
