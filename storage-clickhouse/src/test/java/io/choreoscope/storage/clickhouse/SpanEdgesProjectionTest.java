package io.choreoscope.storage.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.choreoscope.harness.clickhouse.ClickHouseExtension;
import io.choreoscope.model.Span;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The dependency map's reads of spans answer from the projection of counts per minute (migration V017), not from
 * {@code spans} itself, and answer what the table answers: the same rows with the projection turned off, over spans
 * stored in several parts, one of them twice, some outside the window.
 */
@ExtendWith(ClickHouseExtension.class)
class SpanEdgesProjectionTest {
    private static final Instant FROM = Instant.parse("2026-12-07T01:00:20Z");
    private static final Instant TO = Instant.parse("2026-12-07T02:00:00Z");

    private ClickHouseStore store;
    private SqlRunner sql;
    private ClickHouseDependencyReader reader;

    @BeforeEach
    void database() throws Exception {
        store = new ClickHouseStore(new ClickHouseConfig(ClickHouseExtension.engine().httpUrl(), ClickHouseExtension.createDatabase()));
        new SchemaMigrator(store).migrate();
        sql = new SqlRunner(store);
        reader = new ClickHouseDependencyReader(sql);
    }

    @AfterEach
    void close() {
        sql.close();
        store.close();
    }

    private static Span span(int i, String kind, String service, String topic, String group, Instant start) {
        String trace = String.format("%032x", 7_000 + i);
        return new Span(trace, String.format("%016x", i), null, service, kind.toLowerCase() + " " + topic, kind, start,
                1_000_000, "OK", Map.of(), "kafka", topic, "process", null, group, null);
    }

    @Test
    void theSpanReadsOfTheDependencyMapAnswerFromTheProjectionAsTheTableWould() throws Exception {
        ClickHouseSpanWriter writer = new ClickHouseSpanWriter(store);
        List<Span> first = new ArrayList<>();
        List<Span> second = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            // from the window's first minute (before FROM, still in: the window starts at FROM's minute) past its end
            Instant at = FROM.minusSeconds(20 + 90).plusSeconds(i * 70L);
            first.add(span(i, "PRODUCER", "orders", "orders", null, at));
            second.add(span(1_000 + i, "CONSUMER", i % 3 == 0 ? "billing" : "payments", "orders",
                    i % 3 == 0 ? "billing-group" : "payments-group", at.plusMillis(40)));
        }
        writer.accept(first);
        writer.accept(second);
        writer.accept(first.subList(0, 10)); // re-sent: counted twice until the copies merge, by table and projection alike

        assertThat(explain(reader.spanDependenciesSql(), FROM, TO)).contains("ReadFromMergeTree (p_edges_per_minute)");
        assertThat(explain(reader.consumerGroupServicesSql(), FROM, TO)).contains("ReadFromMergeTree (p_edges_per_minute)");
        assertThat(explain(reader.consumerSpansPerMinuteSql(1), "orders", FROM, TO)).contains("ReadFromMergeTree (p_edges_per_minute)");

        assertThat(rows(reader.spanDependenciesSql(), 4, FROM, TO)).isEqualTo(rows(tableOnly(reader.spanDependenciesSql()), 4, FROM, TO))
                .hasSize(3);
        assertThat(rows(reader.consumerGroupServicesSql(), 2, FROM, TO))
                .isEqualTo(rows(tableOnly(reader.consumerGroupServicesSql()), 2, FROM, TO))
                .containsExactlyInAnyOrder(List.of("billing-group", "billing"), List.of("payments-group", "payments"));
        List<List<String>> perMinute = rows(reader.consumerSpansPerMinuteSql(1), 4, "orders", FROM, TO);
        assertThat(perMinute).isEqualTo(rows(tableOnly(reader.consumerSpansPerMinuteSql(1)), 4, "orders", FROM, TO))
                .hasSizeGreaterThan(40);
        // what the reader makes of it: the producer's count includes the window's first minute and the re-sent copies
        long produced = first.stream().filter(s -> !s.start().isBefore(FROM.minusSeconds(20)) && s.start().isBefore(TO)).count()
                + first.subList(0, 10).stream().filter(s -> !s.start().isBefore(FROM.minusSeconds(20))).count();
        assertThat(reader.spanDependencies(FROM, TO).edges()).filteredOn(e -> e.service().equals("orders"))
                .singleElement().satisfies(e -> assertThat(e.count()).isEqualTo(produced));
    }

    /** The statement with the projection turned off: the table's own answer. */
    private static String tableOnly(String statement) {
        return statement + " SETTINGS optimize_use_projections = 0";
    }

    private String explain(String statement, Object... params) {
        return String.join("\n", sql.query("EXPLAIN " + statement, rs -> rs.getString(1), params));
    }

    private List<List<String>> rows(String statement, int columns, Object... params) {
        return sql.query(statement, rs -> {
            List<String> row = new ArrayList<>();
            for (int c = 1; c <= columns; c++) {
                row.add(rs.getString(c));
            }
            return row;
        }, params);
    }
}
