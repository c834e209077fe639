package io.choreoscope.harness.kafka;

import java.nio.charset.StandardCharsets;

/**
 * The JSON event the ingest benchmarks send: an order of 300 bytes (nested items and shipping address, a note padding
 * it to size), different per {@code i}.
 */
public final class BenchPayloads {
    /** Bytes of every payload. */
    public static final int SIZE = 300;

    private BenchPayloads() {
    }

    public static byte[] order(int i) {
        String base = "{\"orderId\":\"order-" + i + "\",\"customerId\":\"cust-" + (i * 7 % 9973)
                + "\",\"amount\":" + (i % 500) + ".95,\"currency\":\"EUR\",\"items\":[{\"sku\":\"SKU-" + (i % 97)
                + "\",\"qty\":2},{\"sku\":\"SKU-" + (i % 89) + "\",\"qty\":1}],\"shipping\":{\"country\":\"DE\","
                + "\"city\":\"Berlin\",\"express\":false},\"placedAt\":\"2026-11-22T10:00:00Z\",\"note\":\"";
        StringBuilder sb = new StringBuilder(base);
        while (sb.length() < SIZE - 2) {
            sb.append('x');
        }
        return sb.append("\"}").toString().getBytes(StandardCharsets.UTF_8);
    }
}
