package io.choreoscope.ingest;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

import io.choreoscope.collectors.kafka.KafkaConfig;
import io.choreoscope.collectors.otlp.OtlpConfig;
import io.choreoscope.live.InferenceConfig;
import io.choreoscope.live.InferenceWorker;
import io.choreoscope.live.LiveInference;
import io.choreoscope.live.LoopStages;
import io.choreoscope.live.ObservationPublisher;
import io.choreoscope.model.EventReader;
import io.choreoscope.model.InstanceReader;
import io.choreoscope.model.InstanceWriter;
import io.choreoscope.model.ObservationSink;
import io.choreoscope.model.SinkUnavailableException;
import io.choreoscope.model.SpanSink;
import io.choreoscope.model.service.ServiceIdentity;
import io.choreoscope.selftracing.SelfTracing;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Primary;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Named;
import jakarta.inject.Singleton;

/**
 * Wires what happens to a batch: the sinks the collectors see write to the store (the
 * {@value ObservationSink#STORE} sinks of the storage module, which migrate the schema before their first write) inside
 * a self-tracing span, hand the batch to live inference in this process (role {@code all}; as it is stored, not after:
 * {@link StoreBesideLive}) and/or, once stored, to the observations topic for remote inference workers (role
 * {@code collector}). A batch handed to live inference in this process may be committed by the tap only once it is
 * stored and inference persisted what it touched ({@link ObservationSink#acceptForCommit}); a crash before that makes
 * the tap read it again. The {@link SpanSink} bean is what starts the OTLP receiver. Storage is reached only through
 * the model's interfaces.
 */
@Factory
public class StorageFactory {
    @Singleton
    @Primary
    ObservationSink observationSink(@Named(ObservationSink.STORE) ObservationSink store, SelfTracing tracing,
                                    @Nullable LiveInference live, @Nullable ObservationPublisher publisher,
                                    ServiceIdentity identity) {
        ObservationSink traced = batch -> tracing.traceWrite("events", batch.size(), () -> store.accept(batch));
        // Stored, then published: the observations topic is durable once Kafka acknowledged it.
        ObservationSink stored = publisher == null ? traced : batch -> {
            traced.accept(batch);
            publisher.publish(batch);
        };
        return live != null ? new StoreBesideLive(stored, live, identity) : named(identity, stored);
    }

    /**
     * Resolves each record's source service to its one service name ({@link ServiceIdentity}: CloudEvents source URIs,
     * aliases) before anything stores or infers from it, so stored rows, instances and the map use the same name.
     */
    private static ObservationSink named(ServiceIdentity identity, ObservationSink next) {
        return batch -> next.accept(identity.observations(batch));
    }

    /**
     * The span sink the OTLP receiver writes to, by default (durable mode off): the store, then live inference.
     */
    @Singleton
    @Primary
    @Requires(property = OtlpConfig.PREFIX + ".durable", notEquals = "true")
    SpanSink spanSink(@Named(ObservationSink.STORE) SpanSink store, SelfTracing tracing, @Nullable LiveInference live,
                      ServiceIdentity identity) {
        return storedSpans(store, tracing, live, identity);
    }

    /**
     * Durable mode ({@code choreoscope.otlp.durable=true}): the receiver writes through to the span topic and
     * acknowledges a request once Kafka has its spans; {@link SpanTopicStore} stores them.
     */
    @Singleton
    @Primary
    @Bean(preDestroy = "close")
    @Requires(property = OtlpConfig.PREFIX + ".durable", value = "true")
    SpanTopicPublisher durableSpanSink(OtlpConfig otlp, KafkaConfig kafka) {
        return new SpanTopicPublisher(kafka.clientProperties(), otlp.getDurableTopic(), otlp.getDurablePartitions());
    }

    /** Durable mode's storing side, beside the receiver: the span topic into the store, committed after each write. */
    @Context
    @Bean(preDestroy = "close")
    @Requires(property = OtlpConfig.PREFIX + ".durable", value = "true")
    @Requires(property = OtlpConfig.PREFIX + ".enabled", notEquals = "false")
    SpanTopicStore spanTopicStore(OtlpConfig otlp, KafkaConfig kafka, @Named(ObservationSink.STORE) SpanSink store,
                                  SelfTracing tracing, @Nullable LiveInference live, ServiceIdentity identity) {
        SpanTopicStore consumer = new SpanTopicStore(kafka.clientProperties(), otlp.getDurableTopic(),
                otlp.getDurableGroupId(), otlp.getBatchMaxSpans(), storedSpans(store, tracing, live, identity));
        consumer.start();
        return consumer;
    }

    private static SpanSink storedSpans(SpanSink store, SelfTracing tracing, @Nullable LiveInference live,
                                        ServiceIdentity identity) {
        SpanSink named = batch -> tracing.traceWrite("spans", batch.size(), () -> store.accept(batch));
        SpanSink stored = batch -> named.accept(identity.spans(batch));
        if (live == null) {
            return stored;
        }
        // Spans feed the embedded engine's dependency map (consumer spans name consumers). In the distributed
        // layout spans are stored only; workers learn consumers from consumer groups. (Partial: see docs/API.md.)
        return raw -> {
            List<io.choreoscope.model.Span> batch = identity.spans(raw);
            named.accept(batch);
            try {
                live.offerSpans(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SinkUnavailableException("interrupted while handing spans to live inference", e);
            }
        };
    }

    /**
     * Live inference in this process: role {@code all} (choreoscope.inference.embedded, default true). The live loop
     * over the in-process queue the sinks above fill; they wait while it is full.
     */
    @Singleton
    @Bean(preDestroy = "close")
    @Requires(property = InferenceConfig.PREFIX + ".embedded", notEquals = "false")
    LiveInference liveInference(InferenceConfig settings, InstanceWriter writer,
                                @Named(ObservationSink.STORE) InstanceReader instances, EventReader events,
                                MeterRegistry meters) {
        LiveInference live = new LiveInference(settings, writer, instances, events, Clock.systemUTC(),
                new LoopStages(meters));
        registerMeters(meters, live, LiveInference::evictedOverCap, LiveInference::liveInstances, LiveInference::overTypeLimit);
        live.start();
        return live;
    }

    /**
     * The instance reader of the API with live inference in this process: an instance's state is read from the rows
     * the loop persisted and ClickHouse has not stored yet, else from ClickHouse (read-your-writes, docs/INFERENCE.md
     * "Reading what is not stored yet"). Without embedded inference (the API of the distributed layout) the store's
     * reader is the only one.
     */
    @Singleton
    @Primary
    @Requires(property = InferenceConfig.PREFIX + ".embedded", notEquals = "false")
    InstanceReader pendingFirstInstanceReader(@Named(ObservationSink.STORE) InstanceReader stored, LiveInference live) {
        return live.pendingFirst(stored);
    }

    /** The engines' bounds' figures: instances evicted over the cap, instances held, types past the type bound. */
    private static <T> void registerMeters(MeterRegistry meters, T live, ToDoubleFunction<T> evictedOverCap,
                                           ToDoubleFunction<T> held, ToDoubleFunction<T> overTypeLimit) {
        FunctionCounter.builder(EVICTED_METER, live, evictedOverCap).tag("reason", "cap")
                .description("Live instances evicted because choreoscope.inference.max-live-instances was reached "
                        + "(least recently active first; written to ClickHouse with their state)")
                .register(meters);
        Gauge.builder(LIVE_METER, live, held).description("Live instances held by inference in this process")
                .register(meters);
        Gauge.builder(OVER_TYPE_LIMIT_METER, live, overTypeLimit).description("Observations counted as the one event "
                + "type '(too many event types)' because choreoscope.inference.max-event-types distinct types were "
                + "reached (by the engines held now; 0 unless a producer sends more distinct types than that)")
                .register(meters);
    }

    /** Counter of instances evicted over the live-instance cap (tag reason=cap). */
    public static final String EVICTED_METER = "choreoscope.inference.instances.evicted";
    /** Gauge of live instances held. */
    public static final String LIVE_METER = "choreoscope.inference.instances.live";
    /** Gauge of observations counted as {@code (too many event types)}. */
    public static final String OVER_TYPE_LIMIT_METER = "choreoscope.inference.event-types.over-limit";

    /** Publishing observations for remote inference workers: role {@code collector}. */
    @Singleton
    @Bean(preDestroy = "close")
    @Requires(property = InferenceConfig.PREFIX + ".publish", value = "true")
    ObservationPublisher observationPublisher(InferenceConfig settings, KafkaConfig kafka) {
        return new ObservationPublisher(observationsConnection(settings, kafka), settings.getTopic(), settings.getTopicPartitions());
    }

    /** A remote inference worker: role {@code inference}. The same live loop, over this worker's Kafka partitions. */
    @Context
    @Bean(preDestroy = "close")
    @Requires(property = InferenceConfig.PREFIX + ".worker", value = "true")
    InferenceWorker inferenceWorker(InferenceConfig settings, KafkaConfig kafka, InstanceWriter writer,
                                    @Named(ObservationSink.STORE) InstanceReader instances, EventReader events,
                                    MeterRegistry meters) {
        InferenceWorker worker = new InferenceWorker(settings, observationsConnection(settings, kafka),
                java.util.UUID.randomUUID().toString().substring(0, 8), writer, instances, events, Clock.systemUTC());
        registerMeters(meters, worker, InferenceWorker::evictedOverCap, InferenceWorker::liveInstances,
                InferenceWorker::overTypeLimit);
        worker.stages(new LoopStages(meters));
        worker.start();
        return worker;
    }

    /**
     * The connection to the observations topic: {@code choreoscope.kafka} (with its security properties), on other
     * bootstrap servers when {@code choreoscope.inference.bootstrap-servers} names them.
     */
    static Map<String, Object> observationsConnection(InferenceConfig settings, KafkaConfig kafka) {
        Map<String, Object> connection = kafka.clientProperties();
        if (settings.getBootstrapServers() != null) {
            connection.put("bootstrap.servers", settings.getBootstrapServers());
        }
        return connection;
    }
}
