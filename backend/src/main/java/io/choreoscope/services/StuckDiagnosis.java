package io.choreoscope.services;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.LinkedHashSet;

import io.choreoscope.inference.StuckCauses;
import io.choreoscope.model.DependencyReader;
import io.choreoscope.model.EventReader;
import io.choreoscope.model.Observation;
import io.choreoscope.model.Span;
import io.choreoscope.model.SpanReader;
import io.choreoscope.model.api.StuckCauseGroup;
import io.choreoscope.model.flow.DependencyMap;
import io.choreoscope.model.flow.InstanceSnapshot;
import io.choreoscope.model.flow.InstanceState;
import io.choreoscope.model.flow.StuckCause;
import io.choreoscope.model.service.ServiceIdentity;
import jakarta.inject.Singleton;

/**
 * Works out, when an instance is served, what ages or needs other evidence than the instance row: the reason as of
 * now ({@link InstanceSnapshot#asOf}), who must act next ({@code waitingOn}: the services that produced each expected
 * next event type over the last {@value #PRODUCERS_WINDOW_HOURS} h, busiest first) and, for a stuck instance, why
 * ({@link StuckCauses}, from its stored records, its spans and consumer activity). Reads are bounded: at most
 * {@value #MAX_EVENTS} records of an instance, the producers map cached {@value #PRODUCERS_TTL_MS} ms.
 */
@Singleton
public class StuckDiagnosis {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(StuckDiagnosis.class);
    /** Window over which the producer of each event type is learned, h. */
    public static final int PRODUCERS_WINDOW_HOURS = 1;
    /** How long the event type -> producers map is reused, ms. */
    public static final long PRODUCERS_TTL_MS = 30_000;
    /** Records of one instance read to find its cause, at most. */
    public static final int MAX_EVENTS = 500;

    private final DependencyReader dependencies;
    private final EventReader events;
    private final SpanReader spans;
    private final ServiceIdentity identity;
    private final Clock clock;
    /** Where a stale producers map is read again while callers go on with it. */
    private final java.util.concurrent.Executor refresher;
    private volatile Map<String, List<String>> producers = Map.of();
    /** When {@link #producers} was read, ms; 0: never. */
    private volatile long producersAt;
    private final java.util.concurrent.atomic.AtomicBoolean refreshing = new java.util.concurrent.atomic.AtomicBoolean();

    /** Refreshes a stale producers map on the caller's thread (tools and benchmarks). */
    public StuckDiagnosis(DependencyReader dependencies, EventReader events, SpanReader spans, ServiceIdentity identity) {
        this(dependencies, events, spans, identity, Runnable::run, Clock.systemUTC());
    }

    @jakarta.inject.Inject
    public StuckDiagnosis(DependencyReader dependencies, EventReader events, SpanReader spans, ServiceIdentity identity,
                          @jakarta.inject.Named(io.micronaut.scheduling.TaskExecutors.BLOCKING) java.util.concurrent.ExecutorService refresher) {
        this(dependencies, events, spans, identity, refresher, Clock.systemUTC());
    }

    StuckDiagnosis(DependencyReader dependencies, EventReader events, SpanReader spans, ServiceIdentity identity,
                   java.util.concurrent.Executor refresher, Clock clock) {
        this.dependencies = dependencies;
        this.events = events;
        this.spans = spans;
        this.identity = identity;
        this.refresher = refresher;
        this.clock = clock;
    }

    /** The reason as of now and the waiting-on services; no cause (cheap: for listings). */
    public InstanceSnapshot live(InstanceSnapshot s) {
        Instant now = clock.instant();
        InstanceSnapshot at = s.asOf(now);
        if (s.state() != InstanceState.RUNNING && s.state() != InstanceState.STUCK) {
            return at;
        }
        Map<String, List<String>> byType = producers(now);
        return at.withDiagnosis(StuckCauses.waitingOn(s, t -> byType.getOrDefault(t, List.of())), null);
    }

    /** As {@link #live}, and for a stuck instance its cause. */
    public InstanceSnapshot diagnose(InstanceSnapshot s) {
        return diagnoseAll(List.of(s)).get(0);
    }

    /**
     * Each diagnosed ({@link #diagnose}), in the same order, with a constant number of batched reads whatever the
     * number of stuck instances: one read of all their records ({@link EventReader#firstEventsOfEach}), one join of
     * all their spans ({@link SpanReader#spansOfEach}), and, only when some instance gets that far, one read of
     * consumer spans per minute for all their topics; the producers per event type come from a map cached
     * {@value #PRODUCERS_TTL_MS} ms. Each read is a few statements at most (IDs and keys bound in slices of 1000).
     */
    public List<InstanceSnapshot> diagnoseAll(List<InstanceSnapshot> list) {
        List<InstanceSnapshot> out = new ArrayList<>(list.stream().map(this::live).toList());
        List<Integer> stuck = new ArrayList<>();
        List<List<String>> idsOf = new ArrayList<>();
        Set<String> allIds = new LinkedHashSet<>();
        for (int i = 0; i < list.size(); i++) {
            InstanceSnapshot s = list.get(i);
            if (s.state() != InstanceState.STUCK) {
                continue;
            }
            List<String> ids = new ArrayList<>(s.linkedIds());
            if (!ids.contains(s.correlationId())) {
                ids.add(0, s.correlationId());
            }
            stuck.add(i);
            idsOf.add(ids);
            allIds.addAll(ids);
        }
        if (stuck.isEmpty()) {
            return out;
        }
        Map<String, List<Observation>> recordsById = new HashMap<>();
        for (Observation o : events.firstEventsOfEach(allIds, MAX_EVENTS)) {
            recordsById.computeIfAbsent(o.correlationId(), k -> new ArrayList<>()).add(o);
        }
        List<List<Observation>> recordsOf = new ArrayList<>();
        List<SpanReader.Joinable> joins = new ArrayList<>();
        for (List<String> ids : idsOf) {
            List<Observation> records = new ArrayList<>();
            new LinkedHashSet<>(ids).forEach(id -> records.addAll(recordsById.getOrDefault(id, List.of())));
            records.sort(EVENT_ORDER);
            List<Observation> first = records.size() > MAX_EVENTS ? List.copyOf(records.subList(0, MAX_EVENTS)) : records;
            recordsOf.add(first);
            joins.add(new SpanReader.Joinable(ids, first));
        }
        List<List<Span>> spansOf = spans.spansOfEach(joins);
        Activity activity = new Activity(recordsOf, clock.instant());
        for (int k = 0; k < stuck.size(); k++) {
            out.set(stuck.get(k), explained(out.get(stuck.get(k)), recordsOf.get(k), spansOf.get(k), activity));
        }
        return out;
    }

    /**
     * As {@link #diagnose}, from the instance's records and spans the caller has read already instead of reading them
     * again: {@code records} must be every record of the instance (under all its IDs), at most {@link #MAX_EVENTS}, and
     * {@code joined} the spans joined to them; what {@link #diagnose} reads for it is then the same.
     */
    public InstanceSnapshot diagnose(InstanceSnapshot s, List<Observation> records, List<Span> joined) {
        if (records.size() > MAX_EVENTS) {
            throw new IllegalArgumentException(records.size() + " records: at most " + MAX_EVENTS + " are diagnosed");
        }
        InstanceSnapshot live = live(s);
        if (s.state() != InstanceState.STUCK) {
            return live;
        }
        List<Observation> ordered = new ArrayList<>(records);
        ordered.sort(EVENT_ORDER);
        return explained(live, ordered, joined, new Activity(List.of(ordered), clock.instant()));
    }

    private static InstanceSnapshot explained(InstanceSnapshot live, List<Observation> records, List<Span> joined,
                                              Activity activity) {
        StuckCause cause = StuckCauses.explain(live, live.waitingOn(), records, joined, activity);
        return live.withDiagnosis(live.waitingOn(), cause);
    }

    /** Stuck instances grouped by cause kind and service, largest group first. */
    public List<StuckCauseGroup> groups(List<InstanceSnapshot> stuck) {
        Map<String, List<InstanceSnapshot>> byKey = new LinkedHashMap<>();
        for (InstanceSnapshot d : diagnoseAll(stuck)) {
            if (d.cause() != null) {
                byKey.computeIfAbsent(d.cause().groupKey(), k -> new ArrayList<>()).add(d);
            }
        }
        List<StuckCauseGroup> out = new ArrayList<>();
        byKey.values().forEach(g -> {
            StuckCause c = g.get(0).cause();
            out.add(new StuckCauseGroup(c.kind(), c.service(), c.groupLabel(), g.size(), c.detail(),
                    g.stream().limit(StuckCauseGroup.MAX_IDS).map(InstanceSnapshot::correlationId).toList()));
        });
        out.sort(Comparator.comparingLong(StuckCauseGroup::count).reversed().thenComparing(StuckCauseGroup::label));
        return out;
    }

    /** The order of {@link EventReader#eventPage}: timestamp, partition, offset, topic. */
    private static final Comparator<Observation> EVENT_ORDER = Comparator.comparing(Observation::timestamp)
            .thenComparingInt(Observation::partition).thenComparingLong(Observation::offset)
            .thenComparing(Observation::topic, Comparator.nullsFirst(Comparator.naturalOrder()));

    /**
     * Consumer spans of a service on a topic in the hour before a time and from it to now (as
     * {@link DependencyReader#spanDependencies} counts them over those windows), answered from one read of
     * per-minute counts for every topic of the listed instances, made on the first question.
     */
    private final class Activity implements StuckCauses.ConsumerActivity {
        private final List<List<Observation>> records;
        private final Instant until;
        /** identity name + NUL + topic -> minute (epoch s) -> count */
        private Map<String, TreeMap<Long, Long>> perMinute;

        Activity(List<List<Observation>> records, Instant now) {
            this.records = records;
            this.until = now.plusSeconds(60);
        }

        @Override
        public long[] consumerSpans(String service, String topic, Instant at) {
            if (perMinute == null) {
                load();
            }
            TreeMap<Long, Long> minutes = perMinute.getOrDefault(service + '\u0000' + topic, new TreeMap<>());
            Instant from = at.minus(Duration.ofHours(1));
            return new long[] {sum(minutes, from, at), sum(minutes, at, until)};
        }

        /** Minutes m with minute(from) <= m < to: the window of {@link DependencyReader#spanDependencies}. */
        private long sum(TreeMap<Long, Long> minutes, Instant from, Instant to) {
            long start = from.getEpochSecond() - Math.floorMod(from.getEpochSecond(), 60);
            long n = 0;
            for (Map.Entry<Long, Long> e : minutes.tailMap(start, true).entrySet()) {
                if (!Instant.ofEpochSecond(e.getKey()).isBefore(to)) {
                    break;
                }
                n += e.getValue();
            }
            return n;
        }

        private void load() {
            Set<String> topics = new TreeSet<>();
            Instant earliest = null;
            for (List<Observation> rs : records) {
                for (Observation o : rs) {
                    if (o.topic() != null && o.timestamp() != null) {
                        topics.add(o.topic());
                        earliest = earliest == null || o.timestamp().isBefore(earliest) ? o.timestamp() : earliest;
                    }
                }
            }
            perMinute = new HashMap<>();
            if (earliest == null) {
                return;
            }
            for (DependencyReader.MinuteCount c : dependencies.consumerSpansPerMinute(topics,
                    earliest.minus(Duration.ofHours(1)), until)) {
                String name = identity.name(c.service());
                if (name != null) {
                    perMinute.computeIfAbsent(name + '\u0000' + c.topic(), k -> new TreeMap<>())
                            .merge(c.minute().getEpochSecond(), c.count(), Long::sum);
                }
            }
        }
    }

    /**
     * The producers map: read on the first call (callers wait for it); once older than {@value #PRODUCERS_TTL_MS} ms, read
     * again in the background while callers go on with the one they have (the read takes about 110 ms at 100M stored
     * events: every page of a running or stuck instance waited for it twice a minute, and all of them at once).
     */
    private Map<String, List<String>> producers(Instant now) {
        long nowMs = now.toEpochMilli();
        if (producersAt == 0) {
            synchronized (this) {
                if (producersAt == 0) {
                    readProducers(now);
                }
            }
            return producers;
        }
        if (nowMs - producersAt >= PRODUCERS_TTL_MS && refreshing.compareAndSet(false, true)) {
            try {
                refresher.execute(() -> {
                    try {
                        readProducers(clock.instant());
                    } catch (RuntimeException e) {
                        LOG.warn("Reading which service produces which event type failed; the previous answer stays: {}",
                                e.toString());
                    } finally {
                        refreshing.set(false);
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                refreshing.set(false); // shutting down: the map in hand is good enough
            }
        }
        return producers;
    }

    private void readProducers(Instant now) {
        long nowMs = now.toEpochMilli();
        Map<String, Map<String, Long>> counts = new HashMap<>();
        for (DependencyMap.Edge e : dependencies.dependencies(now.minus(Duration.ofHours(PRODUCERS_WINDOW_HOURS)), now).edges()) {
            String service = identity.name(e.service());
            if (e.role() != DependencyMap.EdgeRole.PRODUCES || service == null) {
                continue;
            }
            for (String type : e.eventTypes()) {
                counts.computeIfAbsent(type, t -> new HashMap<>()).merge(service, e.count(), Long::sum);
            }
        }
        Map<String, List<String>> out = new HashMap<>();
        counts.forEach((type, byService) -> out.put(type, byService.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .map(Map.Entry::getKey).toList()));
        producers = out;
        producersAt = nowMs;
    }
}
