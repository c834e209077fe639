package io.choreoscope.collectors.otlp;

import java.util.Locale;

/** The two OTLP/HTTP body encodings, told apart by the request's Content-Type. */
public enum OtlpEncoding {
    PROTOBUF("application/x-protobuf"),
    JSON("application/json");

    private final String contentType;

    OtlpEncoding(String contentType) {
        this.contentType = contentType;
    }

    /** The Content-Type the receiver answers with for this encoding. */
    public String contentType() {
        return contentType;
    }

    /**
     * The encoding named by a Content-Type header ({@code application/x-protobuf} or
     * {@code application/json}, parameters such as {@code charset} ignored), or null when the header is
     * missing or names anything else.
     */
    public static OtlpEncoding fromContentType(String header) {
        if (header == null) {
            return null;
        }
        int semi = header.indexOf(';');
        String mime = (semi < 0 ? header : header.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
        return switch (mime) {
            case "application/x-protobuf", "application/protobuf" -> PROTOBUF;
            case "application/json" -> JSON;
            default -> null;
        };
    }
}
