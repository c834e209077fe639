package io.choreoscope.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.choreoscope.model.EventReader;
import org.junit.jupiter.api.Test;

/**
 * A dead-letter rule without topics: the topics of dead letters by their headers are read over a day once (the first
 * evaluation for a regex), then remembered, so that later evaluations read only their window and a quiet topic still
 * reads 0 for a day after it was last seen. The stored side is a fake of our own {@link EventReader} that records
 * what it was asked; the SQL behind it is covered by {@code EventStoreContract} on a real ClickHouse.
 */
class StoredKpiSourceDeadLettersTest {
    private static final Instant T0 = Instant.parse("2026-12-06T12:00:00Z");
    private static final Duration WINDOW = Duration.ofMinutes(15);
    private static final String REGEX = "(?i).*\\.dlt";

    /** What the fake was asked: the regex, the window's start and where the headers were read from. */
    private record Asked(String regex, Instant since, Instant headersSince) {
    }

    private final List<Asked> asked = new ArrayList<>();
    private final Deque<Map<String, Long>> answers = new ArrayDeque<>();
    private final EventReader events = (EventReader) Proxy.newProxyInstance(EventReader.class.getClassLoader(),
            new Class<?>[] {EventReader.class}, (proxy, method, args) -> {
                if (method.getName().equals("deadLettersByTopicSince") && args.length == 3) {
                    asked.add(new Asked((String) args[0], (Instant) args[1], (Instant) args[2]));
                    return answers.removeFirst();
                }
                throw new AssertionError("read " + method.getName() + " with " + (args == null ? 0 : args.length) + " arguments");
            });
    private final StoredKpiSource source = new StoredKpiSource(events, null, null, null);

    @Test
    void theDayIsReadOnceAndQuietTopicsReadZeroForADayAfterTheyWereLastSeen() {
        answers.add(counts("orders-failed", 2L, "rabbitmq:quiet.dlx", 0L, "orders.DLT", 0L)); // the day read
        answers.add(counts("orders.DLT", 0L)); // the window: nothing by headers
        answers.add(counts("orders.DLT", 0L, "payments-failed", 1L)); // a day later

        assertThat(readings(T0)).containsExactly(
                Map.entry("orders-failed", 2.0), Map.entry("orders.DLT", 0.0), Map.entry("rabbitmq:quiet.dlx", 0.0));
        assertThat(readings(T0.plusSeconds(15))).containsExactly(
                Map.entry("orders-failed", 0.0), Map.entry("orders.DLT", 0.0), Map.entry("rabbitmq:quiet.dlx", 0.0));
        Instant dayLater = T0.plus(Duration.ofDays(1)).plusSeconds(60);
        assertThat(readings(dayLater)).containsExactly(Map.entry("orders.DLT", 0.0), Map.entry("payments-failed", 1.0));

        assertThat(asked).containsExactly(
                new Asked(REGEX, T0.minus(WINDOW), T0.minus(WINDOW).minus(Duration.ofDays(1))),
                new Asked(REGEX, T0.plusSeconds(15).minus(WINDOW), T0.plusSeconds(15).minus(WINDOW)),
                new Asked(REGEX, dayLater.minus(WINDOW), dayLater.minus(WINDOW)));
    }

    @Test
    void eachRegexHasItsOwnFirstReadOfTheDayAndItsOwnTopics() {
        answers.add(counts("orders-failed", 1L)); // rule A's day
        answers.add(counts("billing.dlq", 0L)); // rule B's day: its named topic only
        answers.add(counts()); // rule A again, the window

        readings(T0);
        assertThat(source.deadLetterGrowth("(?i).*\\.dlq", true, WINDOW, T0).stream().map(KpiReading::series))
                .containsExactly("billing.dlq");
        assertThat(readings(T0.plusSeconds(15))).containsExactly(Map.entry("orders-failed", 0.0));

        assertThat(asked).extracting(a -> Duration.between(a.headersSince(), a.since()))
                .containsExactly(Duration.ofDays(1), Duration.ofDays(1), Duration.ZERO);
    }

    private Map<String, Double> readings(Instant now) {
        Map<String, Double> out = new LinkedHashMap<>();
        source.deadLetterGrowth(REGEX, true, WINDOW, now).forEach(r -> out.put(r.series(), r.value()));
        return out;
    }

    private static Map<String, Long> counts(Object... topicsAndCounts) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (int i = 0; i < topicsAndCounts.length; i += 2) {
            out.put((String) topicsAndCounts[i], (Long) topicsAndCounts[i + 1]);
        }
        return out;
    }
}
