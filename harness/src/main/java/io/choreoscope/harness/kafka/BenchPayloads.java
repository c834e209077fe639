package io.choreoscope.harness.kafka;

import java.nio.charset.StandardCharsets;

/**
 * The JSON event the ingest benchmarks send: an order of 300 bytes (nested items and shipping address, a note padding
 * it to size), different per {@code i}.
 */
public final class BenchPayloads {
    /** Bytes of every payload. */
    public static final int SIZE = 300;
    /**
     * The same order as an Avro schema ({@code .avsc} text), for the benchmarks that send it Avro-encoded (Avro is
     * denser than JSON: they pad {@code note} so that an encoded order is about {@link #SIZE} bytes too).
     */
    public static final String ORDER_AVSC = """
            {"type":"record","name":"OrderPlaced","namespace":"bench","fields":[
             {"name":"orderId","type":"string"},{"name":"customerId","type":"string"},{"name":"amount","type":"double"},
             {"name":"currency","type":"string"},
             {"name":"items","type":{"type":"array","items":{"type":"record","name":"Item","fields":[
               {"name":"sku","type":"string"},{"name":"qty","type":"int"}]}}},
             {"name":"shipping","type":{"type":"record","name":"Shipping","fields":[{"name":"country","type":"string"},
               {"name":"city","type":"string"},{"name":"express","type":"boolean"}]}},
             {"name":"placedAt","type":"string"},{"name":"note","type":"string"}]}""";

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
