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

import io.choreoscope.inference.StuckCauses;
import io.choreoscope.model.DependencyReader;
import io.choreoscope.model.EventExcerpt;
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
    private Map<String, List<String>> producers = Map.of();
    private long producersAt;

    public StuckDiagnosis(DependencyReader dependencies, EventReader events, SpanReader spans, ServiceIdentity identity) {
        this.dependencies = dependencies;
        this.events = events;
        this.spans = spans;
        this.identity = identity;
        this.clock = Clock.systemUTC();
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
        return diagnose(s, new HashMap<>());
    }

    private InstanceSnapshot diagnose(InstanceSnapshot s, Map<String, long[]> activityCache) {
        InstanceSnapshot live = live(s);
        if (s.state() != InstanceState.STUCK) {
            return live;
        }
        List<String> ids = new ArrayList<>(s.linkedIds());
        if (!ids.contains(s.correlationId())) {
            ids.add(0, s.correlationId());
        }
        List<Observation> records = events.eventPage(ids, null, MAX_EVENTS, 0).stream().map(EventExcerpt::event).toList();
        List<Span> joined = spans.spansOf(ids, records);
        StuckCause cause = StuckCauses.explain(live, live.waitingOn(), records, joined,
                (service, topic, at) -> activityCache.computeIfAbsent(service + '\u0000' + topic + '\u0000'
                        + at.getEpochSecond() / 60, k -> activity(service, topic, at)));
        return live.withDiagnosis(live.waitingOn(), cause);
    }

    /** Each diagnosed ({@link #diagnose}), sharing the consumer-activity reads. */
    public List<InstanceSnapshot> diagnoseAll(List<InstanceSnapshot> list) {
        Map<String, long[]> cache = new HashMap<>();
        return list.stream().map(s -> diagnose(s, cache)).toList();
    }

    /** Stuck instances grouped by cause kind and service, largest group first. */
    public List<StuckCauseGroup> groups(List<InstanceSnapshot> stuck) {
        Map<String, long[]> cache = new HashMap<>();
        Map<String, List<InstanceSnapshot>> byKey = new LinkedHashMap<>();
        for (InstanceSnapshot s : stuck) {
            InstanceSnapshot d = diagnose(s, cache);
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

    private long[] activity(String service, String topic, Instant at) {
        long before = consumed(dependencies.spanDependencies(at.minus(Duration.ofHours(1)), at), service, topic);
        long since = consumed(dependencies.spanDependencies(at, clock.instant().plusSeconds(60)), service, topic);
        return new long[] {before, since};
    }

    private long consumed(DependencyMap m, String service, String topic) {
        long n = 0;
        for (DependencyMap.Edge e : m.edges()) {
            if (e.role() == DependencyMap.EdgeRole.CONSUMES && e.topic().equals(topic)
                    && service.equals(identity.name(e.service()))) {
                n += e.count();
            }
        }
        return n;
    }

    private synchronized Map<String, List<String>> producers(Instant now) {
        long nowMs = now.toEpochMilli();
        if (nowMs - producersAt < PRODUCERS_TTL_MS) {
            return producers;
        }
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
        return out;
    }
}
