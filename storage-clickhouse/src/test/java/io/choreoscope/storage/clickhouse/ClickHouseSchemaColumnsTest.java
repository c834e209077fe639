package io.choreoscope.storage.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

import io.choreoscope.harness.clickhouse.ClickHouseExtension;
import io.choreoscope.model.Observation;
import io.choreoscope.model.ParseStatus;
import io.choreoscope.model.SchemaRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The decoded payload and schema columns (issue 18) on the real ClickHouse engine: stored, read, searched, re-decoded. */
@ExtendWith(ClickHouseExtension.class)
class ClickHouseSchemaColumnsTest {
    private static ClickHouseStore store;
    private static SqlRunner sql;
    private static final Instant T = Instant.now().minusSeconds(60).truncatedTo(ChronoUnit.MILLIS);

    @BeforeAll
    static void database() throws Exception {
        store = new ClickHouseStore(new ClickHouseConfig(ClickHouseExtension.engine().httpUrl(), ClickHouseExtension.createDatabase()));
        new SchemaMigrator(store).migrate();
        sql = new SqlRunner(store);
    }

    @AfterAll
    static void close() throws Exception {
        sql.close();
        store.close();
    }

    private static Observation.Builder avro(String topic, long offset) {
        return Observation.builder(topic, 0, offset, T.plusMillis(offset))
                .payload(new byte[] {0, 0, 0, 0, 7, 10, (byte) 0xC3, 0x01})
                .schema(new SchemaRef(SchemaRef.AVRO, "7", "com.acme.OrderPlaced", "orders-value", 2));
    }

    @Test
    void decodedJsonAndSchemaAreStoredReadAndSearchedWhileTheRawBytesStay() throws Exception {
        Observation o = avro("sc-orders", 1).correlationId("sc-1").eventType("com.acme.OrderPlaced")
                .decodedPayload("{\"orderId\":\"sc-1\",\"note\":\"quokka-7\"}").build();
        new ClickHouseEventWriter(store).accept(List.of(o));
        ClickHouseEventReader reader = new ClickHouseEventReader(sql);
        Observation back = reader.event("sc-orders", 0, 1).orElseThrow();
        assertThat(back.payload()).isEqualTo(o.payload());
        assertThat(back.decodedPayload()).isEqualTo(o.decodedPayload());
        assertThat(back.schema()).isEqualTo(o.schema());
        // Excerpts cut the decoded JSON like the payload.
        assertThat(reader.eventPage(List.of("sc-1"), null, 10, 5).get(0).event().decodedPayload()).isEqualTo("{\"ord");
        assertThat(new ClickHouseSearchReader(sql).searchValue("QUOKKA-7", T.minusSeconds(1), T.plusSeconds(60), 10))
                .singleElement().satisfies(h -> {
                    assertThat(h.correlationId()).isEqualTo("sc-1");
                    assertThat(h.matchedValue()).contains("quokka-7");
                });
        Observation plain = Observation.builder("sc-orders", 0, 2, T).payload("{}".getBytes(StandardCharsets.UTF_8)).build();
        new ClickHouseEventWriter(store).accept(List.of(plain));
        assertThat(reader.event("sc-orders", 0, 2).orElseThrow().schema()).isNull();
    }

    @Test
    void aFlaggedRecordIsReplacedByItsRedecodedCopy() throws Exception {
        Observation flagged = avro("sc-flagged", 5).parseStatus(ParseStatus.SCHEMA_UNAVAILABLE).parseError("registry down").build();
        Observation notFound = avro("sc-flagged", 6).parseStatus(ParseStatus.SCHEMA_NOT_FOUND).build();
        ClickHouseEventWriter writer = new ClickHouseEventWriter(store);
        writer.accept(List.of(flagged, notFound));
        ClickHouseFlaggedEvents flaggedStore = new ClickHouseFlaggedEvents(sql);
        assertThat(flaggedStore.flagged(ParseStatus.SCHEMA_UNAVAILABLE, 10)).extracting(Observation::offset).containsExactly(5L);

        Observation redecoded = flagged.toBuilder().parseStatus(ParseStatus.OK).parseError(null).correlationId("sc-5")
                .decodedPayload("{}").build();
        writer.accept(List.of(redecoded));
        flaggedStore.removeFlagged(ParseStatus.SCHEMA_UNAVAILABLE, List.of(redecoded));

        ClickHouseEventReader reader = new ClickHouseEventReader(sql);
        assertThat(flaggedStore.flagged(ParseStatus.SCHEMA_UNAVAILABLE, 10)).isEmpty();
        assertThat(reader.countVisible("sc-flagged")).isEqualTo(2);
        assertThat(reader.eventsOf("sc-5")).singleElement().extracting(Observation::parseStatus).isEqualTo(ParseStatus.OK);
    }
}
