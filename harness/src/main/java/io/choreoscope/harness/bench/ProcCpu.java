package io.choreoscope.harness.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * CPU time of processes and of the threads of this JVM, from Linux's /proc (utime + stime, clock ticks of 10 ms). On a
 * shared virtual machine the CPU a piece of code uses per unit of work varies far less between runs than its wall-clock
 * throughput, which moves with whatever else the scheduler runs. A {@link Snapshot} is taken before and after a phase;
 * {@link #delta} subtracts them and groups this JVM's threads by a classifier of their names (the kernel keeps the first
 * 15 characters of a Java thread's name). Threads that ended during the phase are not in the second snapshot: their
 * time is only in the process total, so a group of {@code "exited or unseen"} holds the process total minus every
 * thread seen in both snapshots. Used by the backend's benchmarks and e2e's {@code DistributedLayoutBenchmark} (which
 * reads other processes only).
 */
public final class ProcCpu {
    /** Clock ticks per second of utime/stime (USER_HZ, 100 on Linux x86 and arm64). */
    public static final double TICKS_PER_SECOND = 100.0;

    private ProcCpu() {
    }

    /** CPU ticks of this JVM as a whole, of each of its threads (by thread id), and of other processes by pid. */
    public record Snapshot(long self, Map<String, Long> threadTicks, Map<String, String> threadNames, Map<Long, Long> processes) {
    }

    /** Ticks of this process, each of its threads, and each of {@code otherPids} (a pid that is gone counts 0). */
    public static Snapshot snapshot(long... otherPids) throws IOException {
        Threads own = threadsOf("self");
        Map<Long, Long> processes = new HashMap<>();
        for (long pid : otherPids) {
            processes.put(pid, processTicks(pid));
        }
        return new Snapshot(processTicks(-1), own.threadTicks(), own.threadNames(), processes);
    }

    /**
     * Core-seconds used between two snapshots: this JVM's threads grouped by {@code group} (applied to each thread's
     * kernel name), then {@code "exited or unseen"} and {@code "JVM total"}; in insertion order of the groups first seen.
     */
    public static Map<String, Double> delta(Snapshot before, Snapshot after, Function<String, String> group) {
        Map<String, Double> out = new LinkedHashMap<>();
        long seen = 0;
        for (Map.Entry<String, Long> e : after.threadTicks().entrySet()) {
            long used = e.getValue() - before.threadTicks().getOrDefault(e.getKey(), 0L);
            seen += used;
            out.merge(group.apply(after.threadNames().get(e.getKey())), used / TICKS_PER_SECOND, Double::sum);
        }
        long total = after.self() - before.self();
        out.put("exited or unseen", Math.max(0, total - seen) / TICKS_PER_SECOND);
        out.put("JVM total", total / TICKS_PER_SECOND);
        return out;
    }

    /** CPU ticks of each thread (by thread id) of another process, with the threads' kernel names. */
    public record Threads(Map<String, Long> threadTicks, Map<String, String> threadNames) {
    }

    /** Ticks of each thread of process {@code pid} now; empty when the process is gone. */
    public static Threads threads(long pid) throws IOException {
        return threadsOf(Long.toString(pid));
    }

    /** Ticks and kernel names of each thread of {@code /proc/<proc>} ({@code self} or a pid). */
    private static Threads threadsOf(String proc) throws IOException {
        Map<String, Long> ticks = new HashMap<>();
        Map<String, String> names = new HashMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/" + proc + "/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    String stat = Files.readString(task.resolve("stat"), StandardCharsets.ISO_8859_1);
                    String tid = task.getFileName().toString();
                    names.put(tid, stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')));
                    ticks.put(tid, ticks(stat));
                } catch (NoSuchFileException ended) {
                    // the thread ended between the listing and the read
                }
            }
        } catch (NoSuchFileException gone) {
            // the process ended
        }
        return new Threads(ticks, names);
    }

    /**
     * Core-seconds the threads of another process used between two {@link #threads} readings, grouped by
     * {@code group} of their kernel names (threads that ended in between are not counted: compare with
     * {@link #processSeconds}).
     */
    public static Map<String, Double> delta(Threads before, Threads after, Function<String, String> group) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (Map.Entry<String, Long> e : after.threadTicks().entrySet()) {
            long used = e.getValue() - before.threadTicks().getOrDefault(e.getKey(), 0L);
            out.merge(group.apply(after.threadNames().get(e.getKey())), used / TICKS_PER_SECOND, Double::sum);
        }
        return out;
    }

    /** Core-seconds another process used between two snapshots. */
    public static double processSeconds(Snapshot before, Snapshot after, long pid) {
        return (after.processes().getOrDefault(pid, 0L) - before.processes().getOrDefault(pid, 0L)) / TICKS_PER_SECOND;
    }

    /** utime + stime of a process ({@code -1}: this one), in ticks; 0 when it is gone. */
    public static long processTicks(long pid) throws IOException {
        try {
            return ticks(Files.readString(Path.of("/proc/" + (pid < 0 ? "self" : Long.toString(pid)) + "/stat"),
                    StandardCharsets.ISO_8859_1));
        } catch (NoSuchFileException gone) {
            return 0;
        }
    }

    /** utime (field 14) + stime (field 15) of a /proc stat line; the name in parentheses may hold spaces. */
    private static long ticks(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }
}
