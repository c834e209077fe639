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
    private final OutputStream out;
    private final byte[] scratch = new byte[10];

    RowBinaryOutput(OutputStream out) {
        this.out = out;
    }

    void varUInt(long v) throws IOException {
        int i = 0;
        while ((v & ~0x7FL) != 0) {
            scratch[i++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        scratch[i++] = (byte) v;
        out.write(scratch, 0, i);
    }

    void bytes(byte[] b) throws IOException {
        varUInt(b.length);
        out.write(b);
    }

    /** A String column; null is written as the empty string. */
    void string(String s) throws IOException {
        bytes(s == null ? EMPTY : s.getBytes(StandardCharsets.UTF_8));
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
        if (b == null) {
            out.write(1);
        } else {
            out.write(0);
            bytes(b);
        }
    }

    void uint32(long v) throws IOException {
        int32((int) v);
    }

    void int32(int v) throws IOException {
        scratch[0] = (byte) v;
        scratch[1] = (byte) (v >>> 8);
        scratch[2] = (byte) (v >>> 16);
        scratch[3] = (byte) (v >>> 24);
        out.write(scratch, 0, 4);
    }

    void int64(long v) throws IOException {
        for (int i = 0; i < 8; i++) {
            scratch[i] = (byte) (v >>> (8 * i));
        }
        out.write(scratch, 0, 8);
    }

    void uint64(long v) throws IOException {
        int64(v);
    }

    private static final byte[] EMPTY = new byte[0];
}
