package io.choreoscope.storage.clickhouse;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.choreoscope.model.EventExcerpt;
import io.choreoscope.model.EventPosition;
import io.choreoscope.model.EventReader;
import io.choreoscope.model.Header;
import io.choreoscope.model.Observation;
import io.choreoscope.model.ParseStatus;
import io.choreoscope.model.SchemaRef;

/**
 * Reads events back from ClickHouse, each Kafka record once ({@code FINAL} folds redelivered rows).
 * Every value is bound as a parameter. Lookups by correlation ID filter in {@code PREWHERE}: the ID leads the
 * sorting key, so every copy of a record survives the filter and {@code FINAL} still folds them, while only the
 * rows of that ID are read in full (without it, {@code FINAL} reads every column of the whole granules first).
 * Byte columns (key, payload, header values) travel base64-
 * encoded so that binary content survives the text protocol.
 */
public final class ClickHouseEventReader implements EventReader {
    private static final Base64.Decoder B64 = Base64.getDecoder();
    /** '!' is outside the base64 alphabet, so it marks a null header value unambiguously. */
    static final String SELECT = "SELECT topic, partition, offset, toUnixTimestamp64Milli(ts), "
            + "toUnixTimestamp64Milli(ingest_ts), if(isNull(key), '!', base64Encode(assumeNotNull(key))), "
            + "arrayStringConcat(arrayMap(x -> base64Encode(x), header_keys), ','), "
            + "arrayStringConcat(arrayMap(x -> if(isNull(x), '!', base64Encode(assumeNotNull(x))), header_values), ','), "
            + "if(isNull(payload), '!', base64Encode(assumeNotNull(payload))), content_type, correlation_id, event_id, "
            + "event_type, source_service, causation_id, trace_id, span_id, parse_status, parse_error, decoded, schema_format, "
            + "schema_id, schema_name, schema_subject, schema_version FROM ";

    /**
     * The same columns, but the payload cut in ClickHouse to a bound prefix ({@code substring}, parameter 1) and its
     * stored size after the last column: the bytes past the prefix never leave the server.
     */
    private static final String SELECT_EXCERPT = SELECT.replace(
            "if(isNull(payload), '!', base64Encode(assumeNotNull(payload)))",
            "if(isNull(payload), '!', base64Encode(substring(assumeNotNull(payload), 1, toUInt64(?))))")
            .replace(", decoded, ", ", substring(decoded, 1, toUInt64(?)), ")
            .replace(" FROM ", ", payload_size FROM ");

    /**
     * {@link #SELECT} without the record's bytes (key, headers, payload, decoded document: read as absent, so
     * {@link #row} maps it unchanged), for {@link #eventsForInference}.
     */
    private static final String SELECT_FOR_INFERENCE = SELECT
            .replace("if(isNull(key), '!', base64Encode(assumeNotNull(key)))", "'!'")
            .replace("arrayStringConcat(arrayMap(x -> base64Encode(x), header_keys), ',')", "''")
            .replace("arrayStringConcat(arrayMap(x -> if(isNull(x), '!', base64Encode(assumeNotNull(x))), header_values), ',')", "''")
            .replace("if(isNull(payload), '!', base64Encode(assumeNotNull(payload)))", "'!'")
            .replace(", decoded, ", ", '', ");

    static {
        for (String column : List.of("key", "header_keys", "header_values", "payload", "decoded")) {
            if (java.util.regex.Pattern.compile("\\b" + column + "\\b").matcher(SELECT_FOR_INFERENCE).find()) {
                throw new IllegalStateException("the read for inference still selects " + column + ": " + SELECT_FOR_INFERENCE);
            }
        }
    }

    private final SqlRunner sql;
    private final String table;

    public ClickHouseEventReader(ClickHouseStore store) {
        this(new SqlRunner(store));
    }

    /** A reader sharing a connection pool. */
    public ClickHouseEventReader(SqlRunner sql) {
        this.sql = sql;
        this.table = sql.store().database() + ".events";
    }

    /**
     * The events of several correlation IDs (an instance and its linked IDs), each record once, ordered by
     * timestamp, then partition and offset. At most 1000 IDs per call.
     */
    @Override
    public List<Observation> eventsOf(java.util.Collection<String> correlationIds) {
        if (correlationIds.isEmpty()) {
            return List.of();
        }
        if (correlationIds.size() == 1) {
            return eventsOf(correlationIds.iterator().next());
        }
        return eventsOfIds(SELECT, correlationIds);
    }

    @Override
    public List<Observation> eventsForInference(java.util.Collection<String> correlationIds) {
        return correlationIds.isEmpty() ? List.of() : eventsOfIds(SELECT_FOR_INFERENCE, correlationIds);
    }

    /** The records of these correlation IDs (not empty), each once, in time order, as {@code select} reads them. */
    private List<Observation> eventsOfIds(String select, java.util.Collection<String> correlationIds) {
        return query(select + table + " FINAL PREWHERE correlation_id IN (" + SqlRunner.placeholders(correlationIds.size())
                + ") ORDER BY ts, partition, offset", correlationIds.toArray());
    }

    @Override
    public List<Observation> eventsOf(String correlationId) {
        return query(SELECT + table + " FINAL PREWHERE correlation_id = ? ORDER BY ts, partition, offset", correlationId);
    }

    @Override
    public Optional<Observation> event(String topic, int partition, long offset) {
        return query(byCoordinates(table), offset, partition, topic).stream().findFirst();
    }

    /**
     * One record by its coordinates alone (parameters: offset, partition, topic), for callers without its
     * correlation ID (the payload download, replay of named events). The sorting key starts with the correlation
     * ID, so the offset's bloom filter (V015) chooses the granules; the coordinates are sorting-key columns, so
     * filtering them in {@code PREWHERE} keeps every copy of the record for {@code FINAL} to fold while the other
     * columns are read only for the matching rows.
     */
    static String byCoordinates(String table) {
        return SELECT + table + " FINAL PREWHERE offset = ? AND partition = ? AND topic = ?";
    }

    /** By the sorting key's prefix: a read of one correlation ID's granules instead of a scan of the table. */
    @Override
    public Optional<Observation> event(String correlationId, String topic, int partition, long offset) {
        if (correlationId == null) {
            return event(topic, partition, offset);
        }
        return query(SELECT + table + " FINAL PREWHERE correlation_id = ? WHERE topic = ? AND partition = ? AND offset = ?",
                correlationId, topic, partition, offset).stream().findFirst();
    }

    /** All events of a topic, each once, in partition/offset order; at most {@code limit}. */
    @Override
    public List<Observation> eventsOfTopic(String topic, int limit) {
        return query(SELECT + table + " FINAL WHERE topic = ? ORDER BY partition, offset LIMIT ?", topic, limit);
    }

    /**
     * Events of a topic after the given coordinates, each once, in partition/offset order; at most
     * {@code limit}. Start with partition -1 to read from the beginning; pass the last row's coordinates
     * to read the next page.
     */
    @Override
    public List<Observation> eventsOfTopicAfter(String topic, int afterPartition, long afterOffset, int limit) {
        return query(SELECT + table + " FINAL WHERE topic = ? AND (toInt64(partition) > ? OR (toInt64(partition) = ? AND offset > ?))"
                + " ORDER BY partition, offset LIMIT ?", topic, (long) afterPartition, (long) afterPartition, afterOffset, limit);
    }

    @Override
    public List<EventExcerpt> eventPage(java.util.Collection<String> correlationIds, EventPosition after, int limit,
                                        int maxPayloadBytes) {
        if (correlationIds.isEmpty()) {
            return List.of();
        }
        if (limit < 1 || maxPayloadBytes < 0) {
            throw new IllegalArgumentException("limit must be at least 1 and maxPayloadBytes not negative");
        }
        List<Object> params = new ArrayList<>();
        params.add((long) maxPayloadBytes);
        params.add((long) maxPayloadBytes);
        params.addAll(correlationIds);
        String where = "";
        if (after != null) {
            // Lexicographic on (ms, partition, offset, topic): the order of the page, so pages neither skip nor repeat.
            where = " WHERE (toUnixTimestamp64Milli(ts), toInt64(partition), offset, toString(topic)) > (toInt64(?), toInt64(?), toUInt64(?), ?)";
            params.add(after.timestamp().toEpochMilli());
            params.add((long) after.partition());
            params.add(after.offset());
            params.add(after.topic());
        }
        params.add((long) limit);
        return sql.query(SELECT_EXCERPT + table + " FINAL PREWHERE correlation_id IN (" + SqlRunner.placeholders(correlationIds.size())
                + ")" + where + " ORDER BY ts, partition, offset, topic LIMIT ?",
                rs -> new EventExcerpt(row(rs), rs.getLong(26)), params.toArray());
    }

    /** IDs bound in one statement of {@link #firstEventsOfEach}. */
    static final int IDS_PER_STATEMENT = 1000;

    /** One statement per {@value #IDS_PER_STATEMENT} IDs: {@code LIMIT n BY correlation_id}, payloads cut to nothing. */
    @Override
    public List<Observation> firstEventsOfEach(java.util.Collection<String> correlationIds, int perIdLimit) {
        if (perIdLimit < 1) {
            throw new IllegalArgumentException("perIdLimit must be at least 1");
        }
        List<String> ids = new ArrayList<>(new java.util.LinkedHashSet<>(correlationIds));
        List<Observation> out = new ArrayList<>();
        for (int from = 0; from < ids.size(); from += IDS_PER_STATEMENT) {
            List<String> slice = ids.subList(from, Math.min(ids.size(), from + IDS_PER_STATEMENT));
            List<Object> params = new ArrayList<>(List.of(0L, 0L));
            params.addAll(slice);
            params.add((long) perIdLimit);
            out.addAll(sql.query(SELECT_EXCERPT + table + " FINAL PREWHERE correlation_id IN ("
                    + SqlRunner.placeholders(slice.size()) + ") ORDER BY correlation_id, ts, partition, offset, topic"
                    + " LIMIT ? BY correlation_id", ClickHouseEventReader::row, params.toArray()));
        }
        return out;
    }

    @Override
    public long countEventsOf(java.util.Collection<String> correlationIds) {
        if (correlationIds.isEmpty()) {
            return 0;
        }
        return sql.count("SELECT count() FROM " + table + " FINAL PREWHERE correlation_id IN ("
                + SqlRunner.placeholders(correlationIds.size()) + ")", correlationIds.toArray());
    }

    /** The last event of a correlation ID (by timestamp, then partition and offset), if any. */
    @Override
    public Optional<Observation> lastEventOf(String correlationId) {
        return query(SELECT + table + " FINAL PREWHERE correlation_id = ? ORDER BY ts DESC, partition DESC, offset DESC LIMIT 1",
                correlationId).stream().findFirst();
    }

    /**
     * For every stored topic whose whole name matches {@code topicRegex} (RE2 syntax), how many distinct
     * records have a timestamp at or after {@code since}; topics with none in that time count 0. The topics are listed
     * from the per-minute counts (a few rows a minute, not the records: at 100M records a scan of every record's topic
     * was what such an alert cost), the records counted over the window only.
     */
    @Override
    public Map<String, Long> countByTopicSince(String topicRegex, Instant since) {
        String regex = wholeName(topicRegex);
        Map<String, Long> out = topicsNamed(regex);
        sql.query("SELECT topic, uniqExact(partition, offset) FROM " + table + " WHERE ts >= fromUnixTimestamp64Milli(?) "
                        + "AND ingest_ts >= fromUnixTimestamp64Milli(?) AND match(topic, ?) GROUP BY topic",
                rs -> out.put(rs.getString(1), rs.getLong(2)),
                since.minus(LATE_ARRIVAL).toEpochMilli(), since.toEpochMilli(), regex);
        return out;
    }

    /**
     * As {@link #countByTopicSince}, and the topics of dead letters by their headers: those read from
     * {@code headersSince} (a day before the window for the two-argument form, so a firing resolves, reading 0),
     * counted over the window. Two statements, neither reading every record: the topics named from the per-minute
     * counts, the headers from {@code headersSince} only (at 100M records one statement with the name match OR'd to
     * the headers read every record's headers, 7.2 s; a day's take about 1 s, a 15-minute window's 21 ms:
     * docs/BENCHMARKS.md).
     */
    @Override
    public Map<String, Long> deadLettersByTopicSince(String topicRegex, Instant since, Instant headersSince) {
        String regex = wholeName(topicRegex);
        Map<String, Long> out = topicsNamed(regex);
        Instant late = since.minus(LATE_ARRIVAL);
        // counted: arrived in the window, stamped at most LATE_ARRIVAL before it; listed: that, or stamped since
        // headersSince. When the headers' span holds the late ones (the day's read), every row read is listed anyway:
        // ingest_ts is then read only for the rows the headers keep (a day's ingest_ts column read whole added 15% at
        // 100M events: docs/BENCHMARKS.md).
        boolean spanHoldsLate = !headersSince.isAfter(late);
        List<Object> args = new ArrayList<>(List.of(since.toEpochMilli(), late.toEpochMilli(),
                (spanHoldsLate ? headersSince : late).toEpochMilli()));
        if (!spanHoldsLate) {
            args.addAll(List.of(headersSince.toEpochMilli(), since.toEpochMilli()));
        }
        args.add(regex);
        sql.query("SELECT topic, uniqExactIf((partition, offset), ingest_ts >= fromUnixTimestamp64Milli(?) AND ts >= "
                        + "fromUnixTimestamp64Milli(?)) FROM " + table + " WHERE ts >= fromUnixTimestamp64Milli(?) AND "
                        + (spanHoldsLate ? "" : "(ts >= fromUnixTimestamp64Milli(?) OR ingest_ts >= fromUnixTimestamp64Milli(?)) AND ")
                        + "(match(topic, ?) OR " + DeadLetterSql.byHeaders("") + ") GROUP BY topic",
                rs -> out.put(rs.getString(1), rs.getLong(2)), args.toArray());
        return out;
    }

    private static String wholeName(String topicRegex) {
        return "^(?:" + topicRegex + ")$";
    }

    /** Every topic the per-minute counts know whose whole name matches, at 0, sorted. */
    private Map<String, Long> topicsNamed(String regex) {
        Map<String, Long> out = new java.util.TreeMap<>();
        sql.query("SELECT DISTINCT topic FROM " + sql.store().database() + ".events_per_minute WHERE match(topic, ?)",
                rs -> out.put(rs.getString(1), 0L), regex);
        return out;
    }

    /** How many distinct records of a topic are flagged {@code replayed} (they carry the replay-ID header). */
    @Override
    public long countReplayed(String topic) {
        return sql.count("SELECT uniqExact(partition, offset) FROM " + table + " WHERE topic = ? AND replayed", topic);
    }

    @Override
    public long countDistinct(String topic) {
        return sql.count("SELECT uniqExact(partition, offset) FROM " + table + " WHERE topic = ?", topic);
    }

    @Override
    public long countVisible(String topic) {
        return sql.count("SELECT count() FROM " + table + " FINAL WHERE topic = ?", topic);
    }

    private List<Observation> query(String text, Object... params) {
        return sql.query(text, ClickHouseEventReader::row, params);
    }

    static Observation row(ResultSet rs) throws SQLException {
        List<Header> headers = new ArrayList<>();
        String keys = rs.getString(7);
        String values = rs.getString(8);
        if (!keys.isEmpty()) {
            String[] k = keys.split(",", -1);
            String[] v = values.split(",", -1);
            for (int i = 0; i < k.length; i++) {
                headers.add(new Header(new String(B64.decode(k[i]), java.nio.charset.StandardCharsets.UTF_8),
                        bytesOrNull(v[i])));
            }
        }
        return Observation.builder(rs.getString(1), rs.getInt(2), rs.getLong(3), Instant.ofEpochMilli(rs.getLong(4)))
                .ingestTime(Instant.ofEpochMilli(rs.getLong(5)))
                .key(bytesOrNull(rs.getString(6)))
                .headers(headers)
                .payload(bytesOrNull(rs.getString(9)))
                .contentType(emptyToNull(rs.getString(10)))
                .correlationId(emptyToNull(rs.getString(11)))
                .eventId(emptyToNull(rs.getString(12)))
                .eventType(emptyToNull(rs.getString(13)))
                .sourceService(emptyToNull(rs.getString(14)))
                .causationId(emptyToNull(rs.getString(15)))
                .traceId(emptyToNull(rs.getString(16)))
                .spanId(emptyToNull(rs.getString(17)))
                .parseStatus(ParseStatus.valueOf(rs.getString(18)))
                .parseError(emptyToNull(rs.getString(19)))
                .decodedPayload(emptyToNull(rs.getString(20)))
                .schema(schema(rs))
                .build();
    }

    private static SchemaRef schema(ResultSet rs) throws SQLException {
        String format = rs.getString(21);
        if (format == null || format.isEmpty()) {
            return null;
        }
        return new SchemaRef(format, rs.getString(22), emptyToNull(rs.getString(23)), emptyToNull(rs.getString(24)),
                rs.getInt(25));
    }

    private static byte[] bytesOrNull(String b64) {
        return "!".equals(b64) ? null : B64.decode(b64);
    }

    private static String emptyToNull(String s) {
        return SqlRunner.emptyToNull(s);
    }
}
