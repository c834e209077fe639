package io.choreoscope.ingest;

import java.util.ArrayList;
import java.util.List;

import io.choreoscope.collectors.extract.ExtractionConfig;
import io.choreoscope.collectors.extract.RawRecord;
import io.choreoscope.collectors.extract.RecordNormalizer;
import io.choreoscope.collectors.schema.PayloadDecoder;
import io.choreoscope.collectors.schema.SchemaConfig;
import io.choreoscope.model.FlaggedEventStore;
import io.choreoscope.model.Observation;
import io.choreoscope.model.ObservationSink;
import io.choreoscope.model.ParseStatus;
import io.choreoscope.model.SinkUnavailableException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.annotation.Requires;
import io.micronaut.scheduling.annotation.Scheduled;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Background re-decode: records stored as {@link ParseStatus#SCHEMA_UNAVAILABLE} (their schema registry was down or
 * unreachable at ingest) are read back from storage every {@code choreoscope.schemas.redecode-interval} and normalised
 * again with the tap's rules and decoder. Those that now decode are written through the application's observation
 * sink (stored, and handed to live inference, so they join their instance) and their flagged copy is removed; those
 * still unavailable stay flagged for the next run. While the registry is still down its client answers at once from
 * its remembered failure, so a run costs one storage read. Records with any other status are never touched: an
 * unknown ID or a corrupt body will not decode better later.
 *
 * <p>At most {@link #MAX_BATCHES} batches of {@link #BATCH} records per run. Written first, removed second: a crash in
 * between leaves both copies, and the next run removes the flagged one.
 */
@Singleton
@Requires(beans = FlaggedEventStore.class)
public class SchemaRedecoder {
    private static final Logger LOG = LoggerFactory.getLogger(SchemaRedecoder.class);
    static final int BATCH = 1000;
    static final int MAX_BATCHES = 20;

    private final FlaggedEventStore store;
    private final ObservationSink sink;
    private final PayloadDecoder decoder;
    private final RecordNormalizer normalizer;
    private final Counter redecoded;

    public SchemaRedecoder(FlaggedEventStore store, ObservationSink sink, PayloadDecoder decoder,
                           ExtractionConfig extraction, MeterRegistry meters) {
        this.store = store;
        this.sink = sink;
        this.decoder = decoder;
        this.normalizer = new RecordNormalizer(extraction.toRules(), decoder);
        this.redecoded = Counter.builder("choreoscope.schemas.redecoded")
                .description("Records flagged SCHEMA_UNAVAILABLE at ingest and decoded later").register(meters);
    }

    @Scheduled(fixedDelay = "${" + SchemaConfig.PREFIX + ".redecode-interval:30s}", initialDelay = "5s")
    void scheduled() {
        if (decoder.isEmpty()) {
            return;
        }
        try {
            runOnce();
        } catch (RuntimeException | SinkUnavailableException e) {
            LOG.warn("re-decoding records flagged SCHEMA_UNAVAILABLE failed, next run retries: {}", e.toString());
        }
    }

    /** One pass; returns how many records decoded now. */
    public int runOnce() throws SinkUnavailableException {
        int total = 0;
        for (int i = 0; i < MAX_BATCHES; i++) {
            List<Observation> flagged = store.flagged(ParseStatus.SCHEMA_UNAVAILABLE, BATCH);
            List<Observation> decoded = new ArrayList<>();
            for (Observation o : flagged) {
                Observation again = normalizer.normalize(new RawRecord(o.topic(), o.partition(), o.offset(), o.timestamp(),
                        o.key(), o.headers(), o.payload()), o.ingestTime() == null ? o.timestamp() : o.ingestTime());
                if (again.parseStatus() != ParseStatus.SCHEMA_UNAVAILABLE) {
                    decoded.add(again);
                }
            }
            if (!decoded.isEmpty()) {
                sink.accept(decoded);
                store.removeFlagged(ParseStatus.SCHEMA_UNAVAILABLE, decoded);
                redecoded.increment(decoded.size());
                total += decoded.size();
            }
            if (flagged.size() < BATCH || decoded.isEmpty()) {
                break;
            }
        }
        if (total > 0) {
            LOG.info("{} records flagged SCHEMA_UNAVAILABLE decoded now that their schema source answers", total);
        }
        return total;
    }
}
