package io.choreoscope.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Ports free on loopback for the processes the harness starts (ClickHouse, Kafka, PostgreSQL, RabbitMQ, the
 * application): one piece of code for all of them. A port is free when it was found; another process may take it
 * before it is bound, which the engines' starts report.
 */
public final class FreePorts {
    private static final String LOOPBACK = "127.0.0.1";

    private FreePorts() {
    }

    /** A port free on loopback now. */
    public static int one() {
        return distinct(1)[0];
    }

    /**
     * {@code n} ports free on loopback now, different from each other and from {@code taken}: all are held open while
     * they are chosen (ports found one at a time may repeat).
     */
    public static int[] distinct(int n, int... taken) {
        List<ServerSocket> open = new ArrayList<>();
        try {
            int[] ports = new int[n];
            int found = 0;
            while (found < n) {
                ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK));
                open.add(s);
                int p = s.getLocalPort();
                if (Arrays.stream(taken).noneMatch(t -> t == p)) {
                    ports[found++] = p;
                }
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException("no free port", e);
        } finally {
            for (ServerSocket s : open) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // closing a socket only held to reserve its port
                }
            }
        }
    }
}
