package io.choreoscope.ingest;

import io.choreoscope.model.Span;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One {@link Span} as the bytes of a record on the durable span topic: a version byte, then every field in
 * declaration order (strings as a length, -1 for null, and UTF-8; the start as epoch seconds and nanoseconds;
 * attributes as a count and pairs). Lossless: {@code decode(encode(s))} equals {@code s}. A record that is not of
 * this form throws {@link IllegalArgumentException} on decode.
 */
public final class SpanCodec {
    private static final int VERSION = 1;
    /** Longest string accepted on decode (bounds a corrupt length): 64 MiB. */
    private static final int MAX_STRING_BYTES = 64 << 20;

    private SpanCodec() {
    }

    public static byte[] encode(Span s) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(512);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            write(out, s.traceId());
            write(out, s.spanId());
            write(out, s.parentSpanId());
            write(out, s.service());
            write(out, s.name());
            write(out, s.kind());
            out.writeLong(s.start().getEpochSecond());
            out.writeInt(s.start().getNano());
            out.writeLong(s.durationNanos());
            write(out, s.statusCode());
            out.writeInt(s.attributes().size());
            for (Map.Entry<String, String> e : s.attributes().entrySet()) {
                write(out, e.getKey());
                write(out, e.getValue());
            }
            write(out, s.messagingSystem());
            write(out, s.messagingDestination());
            write(out, s.messagingOperation());
            write(out, s.messagingMessageId());
            write(out, s.consumerGroup());
            write(out, s.correlationId());
            write(out, s.statusMessage());
            write(out, s.eventsJson());
            write(out, s.linksJson());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static Span decode(byte[] record) {
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(record))) {
            int version = in.readUnsignedByte();
            if (version != VERSION) {
                throw new IllegalArgumentException("unknown span record version " + version);
            }
            String traceId = read(in);
            String spanId = read(in);
            String parent = read(in);
            String service = read(in);
            String name = read(in);
            String kind = read(in);
            Instant start = Instant.ofEpochSecond(in.readLong(), in.readInt());
            long duration = in.readLong();
            String status = read(in);
            int n = in.readInt();
            if (n < 0 || n > record.length) {
                throw new IllegalArgumentException("corrupt span record: " + n + " attributes");
            }
            Map<String, String> attributes = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                attributes.put(read(in), read(in));
            }
            return new Span(traceId, spanId, parent, service, name, kind, start, duration, status, attributes,
                    read(in), read(in), read(in), read(in), read(in), read(in), read(in), read(in), read(in));
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("corrupt span record: " + e.getMessage(), e);
        }
    }

    private static void write(DataOutputStream out, String s) throws IOException {
        if (s == null) {
            out.writeInt(-1);
            return;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String read(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n == -1) {
            return null;
        }
        if (n < 0 || n > MAX_STRING_BYTES || n > in.available()) {
            throw new IOException("bad string length " + n);
        }
        return new String(in.readNBytes(n), StandardCharsets.UTF_8);
    }
}
