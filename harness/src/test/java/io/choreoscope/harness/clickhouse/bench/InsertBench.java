package io.choreoscope.harness.clickhouse.bench;

import com.clickhouse.client.api.Client;
import com.clickhouse.data.ClickHouseFormat;
import io.choreoscope.harness.clickhouse.EmbeddedClickHouse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Bulk-load figures against the embedded engine; not part of the test suite (no *Test name). Run:
 * <pre>
 * mvn -B -q -pl harness -am test-compile
 * mvn -B -q -pl harness dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt -Dmdep.includeScope=test
 * java -Xmx1g -cp harness/target/test-classes:harness/target/classes:$(cat /tmp/cp.txt) \
 *     io.choreoscope.harness.clickhouse.bench.InsertBench [rows=200000] [rounds=3]
 * </pre>
 * Each method loads {@code rows} rows of about 300 bytes (an events-like table) into a fresh MergeTree
 * table; the time runs from the first row built to the server's acknowledgement.
 */
public final class InsertBench {

    static final String DDL = "CREATE TABLE %s (topic LowCardinality(String), partition UInt32, offset UInt64,"
            + " ts DateTime64(3), correlation_id String, payload String) ENGINE = MergeTree ORDER BY (correlation_id, ts)";
    static final String PAYLOAD = "{\"type\":\"OrderPlaced\",\"amount\":\"" + "x".repeat(229) + "\"}";
    static final long BASE_MILLIS = Instant.parse("2026-11-22T00:00:00Z").toEpochMilli();

    /** POJO for client-v2; getters named after the columns. */
    public static final class Event {
        private final int i;

        Event(int i) {
            this.i = i;
        }

        public String getTopic() {
            return "orders";
        }

        public long getPartition() {
            return i % 12;
        }

        public long getOffset() {
            return i;
        }

        public Instant getTs() {
            return Instant.ofEpochMilli(BASE_MILLIS + i);
        }

        public String getCorrelation_id() {
            return "order-" + (i / 4);
        }

        public String getPayload() {
            return PAYLOAD;
        }
    }

    interface Method {
        void load(String table, int rows) throws Exception;
    }

    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path dir = Files.createTempDirectory("insert-bench-");
        try (EmbeddedClickHouse engine = EmbeddedClickHouse.start(dir, 0)) {
            System.out.printf("engine start %d ms, rss %s%n", engine.lastStartDuration().toMillis(), rss(engine.pid()));
            String db = engine.createDatabase("bench");
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            Client client = new Client.Builder().addEndpoint(engine.httpUrl()).setUsername("default").setPassword("")
                    .setDefaultDatabase(db) // insert(List) finds the registered schema by the bare table name
                    .build();
            Map<String, Method> methods = new LinkedHashMap<>();
            methods.put("jdbc PreparedStatement batch (50k per executeBatch)", (table, n) -> jdbc(engine, db, table, n));
            methods.put("HttpClient POST RowBinary", (table, n) -> http(engine, http, db, table, "RowBinary", rowBinary(n)));
            methods.put("HttpClient POST TabSeparated", (table, n) -> http(engine, http, db, table, "TabSeparated", tsv(n)));
            methods.put("HttpClient POST JSONEachRow", (table, n) -> http(engine, http, db, table, "JSONEachRow", json(n)));
            methods.put("client-v2 insert(List<POJO>)", (table, n) -> {
                List<Event> events = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    events.add(new Event(i));
                }
                client.insert(table, events).get().close();
            });
            methods.put("client-v2 insert(DataStreamWriter RowBinary)", (table, n) -> client.insert(db + "." + table,
                    (OutputStream out) -> writeRowBinary(out, n), ClickHouseFormat.RowBinary,
                    new com.clickhouse.client.api.insert.InsertSettings()).get().close());
            int t = 0;
            for (Map.Entry<String, Method> method : methods.entrySet()) {
                List<Double> rates = new ArrayList<>();
                for (int round = 0; round < rounds + 1; round++) { // round 0 warms up
                    String table = "t" + (t++);
                    engine.query(String.format(DDL, db + "." + table));
                    if (method.getKey().startsWith("client-v2 insert(List")) {
                        client.register(Event.class, client.getTableSchema(table, db));
                    }
                    long began = System.nanoTime();
                    method.getValue().load(table, rows);
                    double seconds = (System.nanoTime() - began) / 1e9;
                    long count = Long.parseLong(engine.query("SELECT count() FROM " + db + "." + table).strip());
                    if (count != rows) {
                        throw new IllegalStateException(method.getKey() + " loaded " + count + " rows, not " + rows);
                    }
                    if (round > 0) {
                        rates.add(rows / seconds);
                    }
                }
                rates.sort(null);
                System.out.printf("%-48s rows/s min %,8.0f  median %,8.0f  max %,8.0f%n", method.getKey(),
                        rates.get(0), rates.get(rates.size() / 2), rates.get(rates.size() - 1));
            }
            System.out.printf("row size on the wire (RowBinary) %d bytes; engine rss %s%n",
                    rowBinary(1).length, rss(engine.pid()));
            client.close();
        }
    }

    static void jdbc(EmbeddedClickHouse engine, String db, String table, int rows) throws Exception {
        try (Connection connection = engine.jdbcConnection(db);
             PreparedStatement insert = connection.prepareStatement("INSERT INTO " + table + " VALUES (?, ?, ?, ?, ?, ?)")) {
            for (int i = 0; i < rows; i++) {
                insert.setString(1, "orders");
                insert.setInt(2, i % 12);
                insert.setLong(3, i);
                insert.setTimestamp(4, new Timestamp(BASE_MILLIS + i));
                insert.setString(5, "order-" + (i / 4));
                insert.setString(6, PAYLOAD);
                insert.addBatch();
                if ((i + 1) % 50_000 == 0) {
                    insert.executeBatch();
                }
            }
            insert.executeBatch();
        }
    }

    static void http(EmbeddedClickHouse engine, HttpClient http, String db, String table, String format, byte[] body)
            throws Exception {
        String sql = "INSERT INTO " + db + "." + table + " FORMAT " + format;
        HttpRequest request = HttpRequest.newBuilder(URI.create(engine.httpUrl() + "/?query="
                        + URLEncoder.encode(sql, StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException(response.statusCode() + ": " + response.body());
        }
    }

    static byte[] rowBinary(int rows) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(rows * 320);
        writeRowBinary(out, rows);
        return out.toByteArray();
    }

    static void writeRowBinary(OutputStream out, int rows) throws IOException {
        byte[] topic = "orders".getBytes(StandardCharsets.UTF_8);
        byte[] payload = PAYLOAD.getBytes(StandardCharsets.UTF_8);
        byte[] buffer = new byte[16];
        for (int i = 0; i < rows; i++) {
            writeString(out, topic);
            writeLittleEndian(out, buffer, i % 12, 4);
            writeLittleEndian(out, buffer, i, 8);
            writeLittleEndian(out, buffer, BASE_MILLIS + i, 8);
            writeString(out, ("order-" + (i / 4)).getBytes(StandardCharsets.UTF_8));
            writeString(out, payload);
        }
    }

    static void writeString(OutputStream out, byte[] bytes) throws IOException {
        int length = bytes.length;
        while ((length & ~0x7F) != 0) { // unsigned LEB128
            out.write((length & 0x7F) | 0x80);
            length >>>= 7;
        }
        out.write(length);
        out.write(bytes);
    }

    static void writeLittleEndian(OutputStream out, byte[] buffer, long value, int bytes) throws IOException {
        for (int b = 0; b < bytes; b++) {
            buffer[b] = (byte) (value >>> (8 * b));
        }
        out.write(buffer, 0, bytes);
    }

    static byte[] tsv(int rows) {
        StringBuilder sb = new StringBuilder(rows * 320);
        for (int i = 0; i < rows; i++) {
            sb.append("orders\t").append(i % 12).append('\t').append(i).append('\t')
                    .append(BASE_MILLIS + i) // DateTime64(3) parses a plain integer as milliseconds
                    .append("\torder-").append(i / 4).append('\t').append(PAYLOAD).append('\n');
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    static byte[] json(int rows) {
        StringBuilder sb = new StringBuilder(rows * 400);
        String escaped = PAYLOAD.replace("\\", "\\\\").replace("\"", "\\\"");
        for (int i = 0; i < rows; i++) {
            sb.append("{\"topic\":\"orders\",\"partition\":").append(i % 12).append(",\"offset\":").append(i)
                    .append(",\"ts\":").append(BASE_MILLIS + i).append(",\"correlation_id\":\"order-").append(i / 4)
                    .append("\",\"payload\":\"").append(escaped).append("\"}\n");
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    static String rss(long pid) throws IOException {
        String rss = "?";
        String hwm = "?";
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                rss = line.substring(6).strip();
            } else if (line.startsWith("VmHWM:")) {
                hwm = line.substring(6).strip();
            }
        }
        return rss + " (peak " + hwm + ")";
    }
}
