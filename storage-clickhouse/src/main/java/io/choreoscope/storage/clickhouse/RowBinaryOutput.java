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
     * Strings longer than this are encoded by {@link String#getBytes(java.nio.charset.Charset)}, whose check for plain
     * ASCII and copy are vectorised by the JDK; shorter ones are checked char by char and copied without an array.
     */
    static final int SHORT_STRING = 32;

    /** A String column; null is written as the empty string. Short ASCII text is copied without an intermediate array. */
    void string(String s) throws IOException {
        if (s == null) {
            varUInt(0);
            return;
        }
        int n = s.length();
        if (n <= SHORT_STRING) {
            for (int i = 0; i < n; i++) {
                if (s.charAt(i) >= 0x80) {
                    bytes(s.getBytes(StandardCharsets.UTF_8));
                    return;
                }
            }
            varUInt(n);
            ensure(n);
            s.getBytes(0, n, buf, pos); // ASCII only here: the deprecated method copies the low bytes, which is exact
            pos += n;
            return;
        }
        bytes(s.getBytes(StandardCharsets.UTF_8));
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

    /** Low 8 bits of {@code v} (UInt8). */
    void uint8(int v) throws IOException {
        ensure(1);
        buf[pos++] = (byte) v;
    }

    /** Low 16 bits of {@code v}, little-endian (UInt16). */
    void uint16(int v) throws IOException {
        ensure(2);
        buf[pos++] = (byte) v;
        buf[pos++] = (byte) (v >>> 8);
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
