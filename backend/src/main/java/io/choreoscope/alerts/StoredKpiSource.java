package io.choreoscope.alerts;

import io.choreoscope.model.api.FlowSummary;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import io.choreoscope.model.EventReader;
import io.choreoscope.model.FlowKpiReader;
import io.choreoscope.model.FlowModelReader;
import io.choreoscope.model.StorageException;
import io.choreoscope.model.Topics;
import io.choreoscope.model.lag.ConsumerLag;
import io.choreoscope.services.ConsumerLags;

/**
 * Every alert KPI, from the same sources the REST API answers from: flow KPIs (completion and
 * compensation rates, p95 duration, stuck count) from the persisted instance states, exactly as
 * {@code GET /api/v1/flows} computes them over the rule's window; the ordering-violation rate from the
 * learned flow model; dead-letter growth from the events the tap stored; consumer lag from {@link ConsumerLags}, the
 * same reading the dependency map shows on its edges.
 */
public final class StoredKpiSource implements FlowKpiSource {
    /** Stuck instances are counted among those started in the last 31 days (the API's longest window). */
    static final Duration STUCK_LOOKBACK = Duration.ofDays(31);

    /** How long a topic seen with a dead letter by its headers keeps being listed (at 0 when quiet). */
    static final Duration DEAD_LETTER_MEMORY = Duration.ofDays(1);
    /** Topics remembered per regex at most. */
    static final int MAX_DEAD_LETTER_TOPICS = 1_000;
    /** Regexes (dead-letter rules without topics) remembered at most. */
    static final int MAX_DEAD_LETTER_RULES = 100;

    private final EventReader events;
    /** Per topic regex of a dead-letter rule: the topics seen with dead letters, and when last. */
    private final Map<String, Map<String, Instant>> deadLetterTopicsSeen = new java.util.HashMap<>();
    private final FlowKpiReader kpis;
    private final FlowModelReader models;
    private final ConsumerLags lags;

    public StoredKpiSource(EventReader events, FlowKpiReader kpis, FlowModelReader models, ConsumerLags lags) {
        this.events = events;
        this.kpis = kpis;
        this.models = models;
        this.lags = lags;
    }

    @Override
    public List<KpiReading> completionRatePercent(String flow, Duration window, Instant now) {
        return perFlow(flow, window, now, f -> f.completionRate() == null ? null : 100 * f.completionRate());
    }

    @Override
    public List<KpiReading> stuckInstances(String flow, Instant now) {
        // Stuck now, among instances started in the longest window the store answers for.
        return perFlow(flow, STUCK_LOOKBACK, now, f -> (double) f.stuck());
    }

    @Override
    public List<KpiReading> compensationRatePercent(String flow, Duration window, Instant now) {
        return perFlow(flow, window, now, f -> {
            long finished = f.completed() + f.compensated() + f.failed() + f.stuck();
            return finished == 0 ? null : 100.0 * f.compensated() / finished;
        });
    }

    @Override
    public List<KpiReading> p95DurationMs(String flow, Duration window, Instant now) {
        return perFlow(flow, window, now, f -> f.p95Ms() == null ? null : f.p95Ms().doubleValue());
    }

    @Override
    public List<KpiReading> orderingViolationRatePercent(String flow, Duration window, Instant now) {
        // The learned model's rate (over its whole history, not the window: the model is cumulative).
        List<String> flows = flow == null ? models.flowNames() : List.of(flow);
        List<KpiReading> out = new ArrayList<>();
        for (String f : flows) {
            out.add(new KpiReading(f, models.flowModel(f).map(m -> 100 * m.orderingViolationRate()).orElse(null)));
        }
        return out;
    }

    /**
     * Every stored topic matching the regex, with 0 for those that got nothing in the window; with {@code byHeadersToo}
     * also the topics of dead letters by their headers ({@link EventReader#deadLettersByTopicSince}), each listed for
     * {@link #DEAD_LETTER_MEMORY} after it was last seen with one, so that a firing resolves. Those are read over that
     * day once per regex (the first evaluation after start), then remembered here: later evaluations read only their
     * window (at 100M stored events the day's headers took about 1 s a read, and that grows with the daily volume).
     */
    @Override
    public List<KpiReading> deadLetterGrowth(String topicRegex, boolean byHeadersToo, Duration window, Instant now) {
        try {
            Instant since = now.minus(window);
            Map<String, Long> counts = byHeadersToo ? deadLettersRemembered(topicRegex, since, now)
                    : events.countByTopicSince(topicRegex, since);
            List<KpiReading> out = new ArrayList<>();
            new TreeMap<>(counts).forEach((topic, n) -> out.add(new KpiReading(topic, (double) n)));
            return out;
        } catch (StorageException e) {
            throw new KpiUnavailableException("dead-letter growth: " + e.getMessage(), e);
        }
    }

    /**
     * The window's dead letters per topic, and at 0 every topic seen with one in the last day: read over that day the
     * first time for a regex, over the window after that, the topics seen kept in {@link #deadLetterTopicsSeen}.
     */
    private Map<String, Long> deadLettersRemembered(String topicRegex, Instant since, Instant now) {
        synchronized (deadLetterTopicsSeen) {
            Map<String, Instant> seen = deadLetterTopicsSeen.get(topicRegex);
            boolean first = seen == null;
            Map<String, Long> counts = events.deadLettersByTopicSince(topicRegex, since,
                    first ? since.minus(DEAD_LETTER_MEMORY) : since);
            Map<String, Instant> m = first ? new java.util.HashMap<>() : seen;
            // read over the day, a topic listed at 0 had a dead letter some time in it: kept a day from now, at worst
            // a day longer than needed (it reads 0 meanwhile)
            counts.forEach((topic, n) -> {
                if (first || n > 0) {
                    m.put(topic, now);
                }
            });
            m.values().removeIf(t -> t.isBefore(now.minus(DEAD_LETTER_MEMORY)));
            while (m.size() > MAX_DEAD_LETTER_TOPICS) { // the least recently seen go first
                m.entrySet().stream().min(Map.Entry.comparingByValue()).ifPresent(e -> m.remove(e.getKey()));
            }
            if (first && deadLetterTopicsSeen.size() >= MAX_DEAD_LETTER_RULES) {
                deadLetterTopicsSeen.clear(); // more regexes than rules are made of: start over, one day read each
            }
            deadLetterTopicsSeen.put(topicRegex, m);
            Map<String, Long> out = new TreeMap<>(counts);
            m.keySet().forEach(t -> out.putIfAbsent(t, 0L));
            return out;
        }
    }

    /**
     * Per Kafka consumer group (or the one named): the largest age over its topics of the oldest record it has not
     * consumed, from {@link ConsumerLags}, the reading the dependency map's edges show. A named group Kafka does not
     * list (no committed offsets) reads 0; a group whose lagging records could not be read has no value.
     */
    @Override
    public List<KpiReading> consumerLagSeconds(String consumerGroup, Instant now) {
        ConsumerLags.Snapshot snapshot = lags.current();
        if (!snapshot.answered(Topics.KAFKA)) {
            throw new KpiUnavailableException("consumer lag: " + snapshot.failures().get(Topics.KAFKA));
        }
        Map<String, Double> byGroup = new TreeMap<>();
        Set<String> seen = new java.util.TreeSet<>();
        for (ConsumerLag l : snapshot.lags()) {
            if (l.queue() != null || (consumerGroup != null && !consumerGroup.equals(l.consumer()))) {
                continue;
            }
            seen.add(l.consumer());
            if (l.seconds() != null) {
                byGroup.merge(l.consumer(), l.seconds(), Math::max);
            }
        }
        List<KpiReading> out = new ArrayList<>();
        for (String group : seen) {
            out.add(new KpiReading(group, byGroup.get(group)));
        }
        if (consumerGroup != null && seen.isEmpty()) {
            out.add(new KpiReading(consumerGroup, 0.0));
        }
        return out;
    }

    /** One reading per flow (or for the one flow asked), computed from the flow's KPIs over the window. */
    private List<KpiReading> perFlow(String flow, Duration window, Instant now,
                                     java.util.function.Function<FlowSummary, Double> value) {
        List<KpiReading> out = new ArrayList<>();
        try {
            for (FlowSummary f : kpis.flowSummaries(now.minus(window), now, 1)) {
                if (flow == null || flow.equals(f.flow())) {
                    out.add(new KpiReading(f.flow(), value.apply(f)));
                }
            }
        } catch (RuntimeException e) {
            throw new KpiUnavailableException("flow KPIs from ClickHouse: " + e.getMessage(), e);
        }
        if (flow != null && out.isEmpty()) {
            out.add(new KpiReading(flow, null)); // no instance of that flow in the window: no data
        }
        return out;
    }
}
