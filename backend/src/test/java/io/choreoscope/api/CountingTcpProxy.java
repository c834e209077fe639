package io.choreoscope.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP forwarder on a free loopback port in front of a real server (here ClickHouse's HTTP port) that counts how often
 * chosen strings pass from the client to the server, so a test sees what the application really sent: how many health
 * checks, whether a KILL QUERY went out. The bytes pass unchanged; a string split over two reads is still found (the
 * last bytes of each read are kept for the next).
 */
final class CountingTcpProxy implements AutoCloseable {
    private final ServerSocket server;
    private final String targetHost;
    private final int targetPort;
    private final List<String> patterns;
    private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
    private final List<String> sent = new CopyOnWriteArrayList<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    CountingTcpProxy(String targetHost, int targetPort, List<String> patterns) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.patterns = List.copyOf(patterns);
        patterns.forEach(p -> counts.put(p, new AtomicInteger()));
        Thread accept = new Thread(this::accept, "counting-proxy-accept");
        accept.setDaemon(true);
        accept.start();
    }

    /** {@code http://127.0.0.1:<port>}. */
    String url() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    /** How often {@code pattern} passed towards the server. */
    int count(String pattern) {
        return counts.get(pattern).get();
    }

    /** Every chunk sent towards the server that held one of the patterns, as text (for diagnostics and IDs). */
    List<String> matchingChunks() {
        return List.copyOf(sent);
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket(targetHost, targetPort);
                sockets.add(client);
                sockets.add(upstream);
                pump(client, upstream, true);
                pump(upstream, client, false);
            } catch (IOException e) {
                if (!closed) {
                    continue;
                }
                return;
            }
        }
    }

    private void pump(Socket from, Socket to, boolean towardsServer) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[64 * 1024];
            String carry = "";
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    out.write(buf, 0, n);
                    out.flush();
                    if (towardsServer) {
                        String text = carry + new String(buf, 0, n, StandardCharsets.ISO_8859_1);
                        boolean matched = false;
                        for (String p : patterns) {
                            int from0 = 0;
                            int at;
                            while ((at = text.indexOf(p, from0)) >= 0) {
                                if (at + p.length() > carry.length()) { // not already counted in the previous read
                                    counts.get(p).incrementAndGet();
                                    matched = true;
                                }
                                from0 = at + 1;
                            }
                        }
                        if (matched) {
                            sent.add(text);
                        }
                        carry = text.substring(Math.max(0, text.length() - 256));
                    }
                }
            } catch (IOException e) {
                // one side closed: close the other
            } finally {
                try {
                    to.shutdownOutput();
                } catch (IOException ignored) {
                    // already closed
                }
            }
        }, "counting-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
    }
}
