package io.choreoscope.live;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;

import io.choreoscope.model.Observation;
import io.choreoscope.model.ParseStatus;

/**
 * The record format of the observations topic: the fields inference needs, in a compact binary form
 * (version byte, then fields in a fixed order, strings as modified UTF-8 with a presence flag). Keys,
 * headers and payloads are not carried: they stay in ClickHouse, where the API reads them.
 */
public final class ObservationCodec {
    private static final byte VERSION = 1;

    private ObservationCodec() {
    }

    public static byte[] encode(Observation o) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeByte(VERSION);
            out.writeUTF(o.topic());
            out.writeInt(o.partition());
            out.writeLong(o.offset());
            out.writeLong(o.timestamp().toEpochMilli());
            out.writeLong(o.ingestTime() == null ? o.timestamp().toEpochMilli() : o.ingestTime().toEpochMilli());
            for (String s : new String[] {o.contentType(), o.correlationId(), o.eventId(), o.eventType(), o.sourceService(),
                    o.causationId(), o.traceId(), o.spanId(), o.parseError()}) {
                string(out, s);
            }
            out.writeUTF(o.parseStatus().name());
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Decodes a record; throws IllegalArgumentException for bytes that are not this format. */
    public static Observation decode(byte[] bytes) {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
            byte version = in.readByte();
            if (version != VERSION) {
                throw new IllegalArgumentException("unknown observation record version " + version);
            }
            Observation.Builder b = Observation.builder(in.readUTF(), in.readInt(), in.readLong(),
                    Instant.ofEpochMilli(in.readLong()));
            b.ingestTime(Instant.ofEpochMilli(in.readLong()));
            b.contentType(string(in)).correlationId(string(in)).eventId(string(in)).eventType(string(in))
                    .sourceService(string(in)).causationId(string(in)).traceId(string(in)).spanId(string(in))
                    .parseError(string(in));
            b.parseStatus(ParseStatus.valueOf(in.readUTF()));
            return b.build();
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("not an observation record: " + e.getMessage(), e);
        }
    }

    private static void string(DataOutputStream out, String s) throws IOException {
        out.writeBoolean(s != null);
        if (s != null) {
            out.writeUTF(s.length() > 16_000 ? s.substring(0, 16_000) : s);
        }
    }

    private static String string(DataInputStream in) throws IOException {
        return in.readBoolean() ? in.readUTF() : null;
    }
}
