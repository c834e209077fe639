package io.choreoscope.storage.clickhouse;

import java.time.Instant;
import java.util.List;

import io.choreoscope.model.SuspectReader;

/**
 * The counts behind "what stuck instances have in common", in two statements: the window's instance totals, then one
 * statement that takes the newest {@code maxPerOutcome} stuck-or-failed and completed instances of the flow, their
 * records (dead-letter copies left out), each record's payload fields (top level and one level down, from the decoded
 * JSON or the JSON payload), headers and the attributes of the span that produced it, and counts per step, source,
 * field and value the distinct instances of each outcome. Every value bound; records of over 64 KiB are not parsed.
 */
public final class ClickHouseSuspectReader implements SuspectReader {
    /**
     * A dead-letter copy, as {@link io.choreoscope.model.DeadLetters#isDeadLetter} decides in Java: its topic's name
     * (the regex is bound), a Kafka tool's original-topic header, or RabbitMQ's death header without the replay's. The
     * header names are the model's constants.
     */
    private static final String DEAD_LETTER = "(match(toString(e.topic), ?) OR " + DeadLetterSql.byHeaders("e.") + ")";

    /** Largest record whose payload is parsed for fields, bytes. */
    static final int MAX_PARSED_BYTES = 65_536;
    /** Longest value kept, characters: longer values are cut (they are almost always unique anyway). */
    static final int MAX_VALUE_CHARS = 200;

    private final SqlRunner sql;
    private final String db;

    public ClickHouseSuspectReader(SqlRunner sql) {
        this.sql = sql;
        this.db = sql.store().database();
    }

    @Override
    public Counts valueCounts(String flow, Instant from, Instant to, int maxPerOutcome, long minBad, int maxValues,
                              String excludeTopicRegex) {
        // The flow's finished or stuck instances started in the window, by their newest row (parameters: from, to, flow,
        // from), the window's overlap narrowed before FINAL as for the other windows over instances.
        String window = " FROM " + ClickHouseInstanceReader.overlapping(db) + " WHERE flow = ? AND started_at >= "
                + SqlRunner.TS + " AND state IN ('STUCK', 'FAILED', 'COMPLETED')";
        long[] totals = new long[2];
        sql.query("SELECT countIf(state IN ('STUCK', 'FAILED')), countIf(state = 'COMPLETED')" + window, rs -> {
            totals[0] = rs.getLong(1);
            totals[1] = rs.getLong(2);
            return null;
        }, from, to, flow, from);
        long bad = Math.min(totals[0], maxPerOutcome);
        long good = Math.min(totals[1], maxPerOutcome);
        boolean sampled = totals[0] > maxPerOutcome || totals[1] > maxPerOutcome;
        if (bad == 0) {
            return new Counts(0, good, sampled, List.of());
        }
        String esc = "replaceAll(replaceAll(%s, '~', '~0'), '/', '~1')";
        String scalar = "arrayFilter(kv -> NOT (startsWith(kv.2, '{') OR startsWith(kv.2, '[')), %s)";
        String unquote = "if(startsWith(kv.2, '\"'), JSONExtractString(concat('[', kv.2, ']'), 1), kv.2)";
        String text = "WITH inst AS (SELECT correlation_id AS cid, state IN ('STUCK', 'FAILED') AS bad" + window
                + " ORDER BY started_at DESC LIMIT ? BY bad), "
                + "ev AS (SELECT e.correlation_id AS cid, i.bad AS bad, toString(e.event_type) AS step, e.trace_id AS trace_id,"
                + " e.span_id AS span_id, e.header_keys AS hk, e.header_values AS hv,"
                + " if(e.payload_size <= " + MAX_PARSED_BYTES + ", if(e.decoded != '', e.decoded, ifNull(e.payload, '')), '') AS doc"
                + " FROM " + db + ".events AS e INNER JOIN inst AS i ON e.correlation_id = i.cid"
                // correlation_id leads the events' sorting key: the IN reads only the granules of these instances
                + " WHERE e.correlation_id IN (SELECT cid FROM inst) AND e.event_type != '' AND NOT " + DEAD_LETTER + "), "
                + "pairs AS (SELECT cid, bad, step, kv.1 AS source, kv.2 AS field, kv.3 AS value FROM ev ARRAY JOIN arrayConcat("
                + "arrayMap(kv -> ('PAYLOAD', concat('/', " + String.format(esc, "kv.1") + "), " + unquote + "), "
                + String.format(scalar, "JSONExtractKeysAndValuesRaw(doc)") + "), "
                + "arrayFlatten(arrayMap(top -> arrayMap(kv -> ('PAYLOAD', concat('/', " + String.format(esc, "top.1") + ", '/', "
                + String.format(esc, "kv.1") + "), " + unquote + "), " + String.format(scalar, "JSONExtractKeysAndValuesRaw(top.2)")
                + "), arrayFilter(top -> startsWith(top.2, '{'), JSONExtractKeysAndValuesRaw(doc)))), "
                + "arrayMap((k, v) -> ('HEADER', k, ifNull(v, '')), hk, hv)) AS kv "
                + "UNION ALL SELECT ev.cid, ev.bad, ev.step, 'SPAN', a.1, a.2"
                + " FROM " + db + ".spans AS s INNER JOIN ev ON s.trace_id = ev.trace_id AND s.span_id = ev.span_id"
                + " ARRAY JOIN arrayZip(mapKeys(s.attributes), mapValues(s.attributes)) AS a"
                + " WHERE s.kind = 'PRODUCER' AND s.trace_id IN (SELECT trace_id FROM ev WHERE trace_id != '')) "
                + "SELECT step, source, field, substringUTF8(value, 1, " + MAX_VALUE_CHARS + ") AS v,"
                + " uniqExactIf(cid, bad) AS b, uniqExactIf(cid, NOT bad) AS g FROM pairs"
                + " GROUP BY step, source, field, v HAVING b >= ? ORDER BY b DESC, step, source, field, v LIMIT ?";
        List<ValueCount> values = sql.query(text, rs -> new ValueCount(rs.getString(1), Source.valueOf(rs.getString(2)),
                rs.getString(3), rs.getString(4), rs.getLong(5), rs.getLong(6)),
                from, to, flow, from, (long) maxPerOutcome, "^(?:" + excludeTopicRegex + ")$", minBad, (long) maxValues);
        return new Counts(bad, good, sampled, values);
    }
}
