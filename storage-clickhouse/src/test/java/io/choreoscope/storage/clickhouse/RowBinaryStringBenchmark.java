package io.choreoscope.storage.clickhouse;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Nanoseconds per string for {@link RowBinaryOutput#string} on the strings of a span as the OTLP benchmarks send
 * it (hex IDs, service, name, kind, eight messaging attributes), against the encoding it replaced (a per-character
 * ASCII check, then a copy). Not a test: run it by hand, alternating versions within one JVM.
 *
 * <pre>
 * java -cp storage-clickhouse/target/test-classes:storage-clickhouse/target/classes \
 *     io.choreoscope.storage.clickhouse.RowBinaryStringBenchmark [rounds=5]
 * </pre>
 */
public final class RowBinaryStringBenchmark {
    private static final String[] SPAN = {
            "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", "a3ce929d0e0e4736", "billing", "orders process",
            "CONSUMER", "UNSET", "", "messaging.system", "kafka", "messaging.destination.name", "orders",
            "messaging.operation.type", "process", "messaging.message.id", "msg-123456",
            "messaging.consumer.group.name", "billing", "messaging.kafka.message.offset", "4711",
            "messaging.destination.partition.id", "3", "correlation.id", "order-98765", "kafka", "orders", "process",
            "msg-123456", "billing", "order-98765"};
    private static final int SPANS = 2_000_000;

    private RowBinaryStringBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        for (int r = 1; r <= rounds; r++) {
            double before = time(new Before(OutputStream.nullOutputStream()));
            double after = time(new RowBinaryOutput(OutputStream.nullOutputStream()));
            System.out.printf("round %d: before %.2f ns/string, after %.2f ns/string%n", r, before, after);
        }
    }

    private interface Writer {
        void string(String s) throws IOException;
    }

    private static double time(Object target) throws IOException {
        Writer w = target instanceof RowBinaryOutput out ? out::string : ((Before) target)::string;
        long t0 = System.nanoTime();
        for (int i = 0; i < SPANS; i++) {
            for (String s : SPAN) {
                w.string(s);
            }
        }
        return (System.nanoTime() - t0) / (double) SPANS / SPAN.length;
    }

    /** {@code RowBinaryOutput.string} and what it needs as they were before the single-pass encoding. */
    private static final class Before {
        private static final int BUFFER = 1 << 16;
        private final OutputStream out;
        private final byte[] buf = new byte[BUFFER];
        private int pos;

        Before(OutputStream out) {
            this.out = out;
        }

        private void drain() throws IOException {
            if (pos > 0) {
                out.write(buf, 0, pos);
                pos = 0;
            }
        }

        private void ensure(int n) throws IOException {
            if (pos + n > BUFFER) {
                drain();
            }
        }

        void varUInt(long v) throws IOException {
            ensure(10);
            while ((v & ~0x7FL) != 0) {
                buf[pos++] = (byte) ((v & 0x7F) | 0x80);
                v >>>= 7;
            }
            buf[pos++] = (byte) v;
        }

        void bytes(byte[] b) throws IOException {
            varUInt(b.length);
            if (b.length > BUFFER - pos) {
                drain();
                out.write(b);
            } else {
                System.arraycopy(b, 0, buf, pos, b.length);
                pos += b.length;
            }
        }

        @SuppressWarnings("deprecation")
        void string(String s) throws IOException {
            if (s == null) {
                varUInt(0);
                return;
            }
            int n = s.length();
            if (n <= BUFFER - 10) {
                for (int i = 0; i < n; i++) {
                    if (s.charAt(i) >= 0x80) {
                        bytes(s.getBytes(StandardCharsets.UTF_8));
                        return;
                    }
                }
                varUInt(n);
                ensure(n);
                s.getBytes(0, n, buf, pos);
                pos += n;
                return;
            }
            bytes(s.getBytes(StandardCharsets.UTF_8));
        }
    }
}
