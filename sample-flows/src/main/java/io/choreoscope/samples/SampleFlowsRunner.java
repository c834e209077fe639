package io.choreoscope.samples;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import io.choreoscope.samples.flows.Choreography;
import io.choreoscope.samples.flows.ContentPipeline;
import io.choreoscope.samples.flows.OrderSaga;
import io.choreoscope.samples.flows.SimulatedDeploy;
import io.choreoscope.samples.flows.SignupFanOut;
import io.choreoscope.samples.load.LoadGenerator;
import io.choreoscope.samples.service.Reaction;
import io.choreoscope.samples.service.SampleService;
import io.choreoscope.samples.service.ServiceSpec;
import io.choreoscope.samples.service.ServiceTelemetry;
import io.opentelemetry.context.Context;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Runs the sample flows: creates missing topics, starts every service of each flow with a weight > 0, then the
 * load generator (unless the rate is 0). Usable from tests: {@link #startInstance(Flow)} starts one instance by
 * hand. {@link #close()} stops the generator, then the services, then flushes and shuts down their telemetry.
 */
public final class SampleFlowsRunner implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SampleFlowsRunner.class.getName());
    /** Total time allowed for the final span flush of all services (ms). */
    public static final long TELEMETRY_SHUTDOWN_MS = 5_000;

    private final SampleFlowsSettings settings;
    private final Topics topics;
    /** The order saga's simulated deploy; null when the settings name none. */
    private final SimulatedDeploy deploy;
    /** When the content pipeline's uploads moves to ContentUploaded v2; null never. */
    private final java.time.Instant contentSchemaV2At;
    private final Map<Flow, Choreography> flows = new EnumMap<>(Flow.class);
    private final Map<String, SampleService> services = new LinkedHashMap<>();
    private final List<ServiceTelemetry> telemetry = new ArrayList<>();
    private LoadGenerator generator;

    private SampleFlowsRunner(SampleFlowsSettings settings) {
        this.settings = settings;
        this.deploy = settings.deployAt() == null ? null
                : new SimulatedDeploy(java.time.Clock.systemUTC(), settings.deployAt());
        this.topics = new Topics(settings.topicPrefix());
        this.contentSchemaV2At = settings.contentSchemaV2After() == null ? null
                : java.time.Instant.now().plus(settings.contentSchemaV2After());
    }

    /**
     * Creates topics, starts services and the generator.
     *
     * @throws IllegalStateException when the topics cannot be created (Kafka unreachable); nothing is left running
     */
    public static SampleFlowsRunner start(SampleFlowsSettings settings) {
        SampleFlowsRunner runner = new SampleFlowsRunner(settings);
        try {
            runner.startAll();
            return runner;
        } catch (RuntimeException e) {
            runner.close();
            throw e;
        }
    }

    private void startAll() {
        for (Map.Entry<Flow, Double> e : settings.mix().entrySet()) {
            if (e.getValue() > 0) {
                flows.put(e.getKey(), choreography(e.getKey()));
            }
        }
        createTopics();
        for (Choreography c : flows.values()) {
            for (ServiceSpec spec : c.services()) {
                ServiceTelemetry t = settings.tracing()
                        ? ServiceTelemetry.otlp(spec.name(), settings.otlpEndpoint())
                        : ServiceTelemetry.disabled();
                telemetry.add(t);
                SampleService s = new SampleService(spec, settings.topicPrefix() + spec.name(),
                        settings.bootstrapServers(), topics.deadLetters(), settings.faultsFor(spec.name()), t);
                services.put(spec.name(), s);
                s.start();
            }
        }
        if (settings.rate() > 0) {
            generator = new LoadGenerator(settings.rate(), settings.duration(), settings.mix(), this::startInstance);
            generator.start();
        }
        LOG.log(System.Logger.Level.INFO, "sample flows " + flows.keySet() + " running: " + services.size()
                + " services on " + settings.bootstrapServers() + ", " + settings.rate() + " instances/s"
                + (settings.tracing() ? ", spans to " + settings.otlpEndpoint() : ", tracing off"));
    }

    private Choreography choreography(Flow flow) {
        return switch (flow) {
            case ORDERS -> new OrderSaga(topics, settings.declineRate(), settings.shortageRate(), settings.skuFaultRate(), deploy);
            case SIGNUP -> new SignupFanOut(topics);
            case CONTENT -> new ContentPipeline(topics, settings.rejectRate(), contentSchemaV2At);
        };
    }

    private void createTopics() {
        List<String> wanted = new ArrayList<>();
        flows.keySet().forEach(f -> wanted.addAll(topics.of(f)));
        wanted.add(topics.deadLetters());
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000))) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = wanted.stream().filter(t -> !existing.contains(t))
                    .map(t -> new NewTopic(t, Optional.of(settings.partitions()), Optional.empty()))
                    .toList();
            if (!missing.isEmpty()) {
                try {
                    admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e; // another runner creating the same topic at the same moment is fine
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (Exception e) {
            throw new IllegalStateException("could not create topics " + wanted + " on " + settings.bootstrapServers()
                    + ": " + e.getMessage(), e);
        }
    }

    /**
     * Starts one instance of {@code flow}: its entry service publishes the first event (a root PRODUCER span).
     *
     * @return the instance's correlation ID
     * @throws IllegalStateException when {@code flow} is not running (weight 0 in the mix)
     */
    public String startInstance(Flow flow) {
        Choreography c = flows.get(flow);
        if (c == null) {
            throw new IllegalStateException(flow.key() + " is not running (its weight in the mix is 0)");
        }
        Reaction.Emit first = c.firstEvent(ThreadLocalRandom.current());
        services.get(c.entryService()).publish(first, Context.root(), -1);
        return first.event().correlationId();
    }

    /**
     * The order saga's simulated deploy, to switch at run time ({@link SimulatedDeploy#deployNow()}); empty unless the
     * settings name a {@code deployAt}.
     */
    public Optional<SimulatedDeploy> deploy() {
        return Optional.ofNullable(deploy);
    }

    /** When the content pipeline's uploads service moves to {@code ContentUploaded} schema v2; empty: never. */
    public Optional<java.time.Instant> contentSchemaV2At() {
        return Optional.ofNullable(contentSchemaV2At);
    }

    public Topics topics() {
        return topics;
    }

    public SampleFlowsSettings settings() {
        return settings;
    }

    /** The running service called {@code name}, e.g. {@code payments}. */
    public Optional<SampleService> service(String name) {
        return Optional.ofNullable(services.get(name));
    }

    /** All running services, in start order. */
    public List<SampleService> services() {
        return List.copyOf(services.values());
    }

    /** The generator, absent when the rate is 0. */
    public Optional<LoadGenerator> generator() {
        return Optional.ofNullable(generator);
    }

    @Override
    public void close() {
        if (generator != null) {
            generator.close();
        }
        services.values().forEach(SampleService::stopConsuming);
        for (SampleService s : services.values()) {
            try {
                s.close();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "closing " + s.name() + ": " + e);
            }
        }
        ServiceTelemetry.shutdownAll(telemetry, TELEMETRY_SHUTDOWN_MS);
    }
}
