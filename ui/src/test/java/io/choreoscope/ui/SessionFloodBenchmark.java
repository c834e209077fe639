package io.choreoscope.ui;

import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.choreoscope.ui.client.FakeChoreoscopeApi;

/**
 * Heap held by sessions nobody signs in to: the UI on the test fake's sample data (no simulated traffic: the heap
 * would grow with it), flooded with sign-in page loads (a session and a UI each, as {@link UiHttp#sessionWithUi()} makes them) by several
 * client threads, heap in use after a full GC read before and after each step. One UI per budget in turn, in this JVM.
 * Run after {@code mvn -pl ui -am test-compile} with the module's test classpath, Karibu's jars left out (they bring a
 * second not-found view that the real server refuses):
 * <pre>
 * java -Xmx1g -cp ui/target/test-classes:ui/target/classes:&lt;test classpath&gt; io.choreoscope.ui.SessionFloodBenchmark \
 *     [budgets, default 2147483647,5000] [sessions per step, default 5000,20000] [client threads, default 8]
 * </pre>
 */
public final class SessionFloodBenchmark {

    private SessionFloodBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        String[] budgets = (args.length > 0 ? args[0] : Integer.MAX_VALUE + ",5000").split(",");
        String[] steps = (args.length > 1 ? args[1] : "5000,20000").split(",");
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        for (String b : budgets) {
            int budget = Integer.parseInt(b.strip());
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            FakeChoreoscopeApi api = FakeChoreoscopeApi.withSampleData(Instant.now());
            UiServer server = new UiServer().maxSessionsNotSignedIn(budget);
            server.start(UiServer.LOOPBACK, port, api, false);
            try {
                String base = "http://127.0.0.1:" + port + "/";
                new UiHttp(base).sessionWithUi(); // the first page load starts what every later one shares
                System.out.printf(Locale.ROOT, "budget %d: heap used %.1f MB at start%n", budget, heapMb());
                int total = 0;
                for (String step : steps) {
                    int n = Integer.parseInt(step.strip());
                    long began = System.nanoTime();
                    int failed = flood(base, n, threads);
                    total += n;
                    System.out.printf(Locale.ROOT, "budget %d: %d more sessions (%d failed) in %.1f s, %d in all: heap "
                            + "used %.1f MB%n", budget, n, failed, (System.nanoTime() - began) / 1e9, total, heapMb());
                }
            } finally {
                server.stop();
            }
        }
        System.exit(0);
    }

    /** {@code n} sign-in page loads by {@code threads} clients; returns how many failed. */
    private static int flood(String base, int n, int threads) throws InterruptedException {
        AtomicInteger next = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        ExecutorService clients = Executors.newFixedThreadPool(threads);
        for (int t = 0; t < threads; t++) {
            clients.execute(() -> {
                UiHttp http = new UiHttp(base);
                while (next.getAndIncrement() < n) {
                    try {
                        http.sessionWithUi();
                    } catch (Exception | AssertionError e) {
                        failed.incrementAndGet();
                    }
                }
            });
        }
        clients.shutdown();
        clients.awaitTermination(1, TimeUnit.HOURS);
        return failed.get();
    }

    private static double heapMb() throws InterruptedException {
        for (int i = 0; i < 2; i++) {
            System.gc();
            Thread.sleep(500);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / 1e6;
    }
}
