package io.choreoscope.alerts;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;

/**
 * A real local HTTP webhook receiver (the JDK's HttpServer) for tests: records every POST body and
 * answers with scripted statuses (first the queued ones, then 200).
 */
final class WebhookReceiver implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpServer server;
    private final List<String> bodies = java.util.Collections.synchronizedList(new ArrayList<>());
    private final ConcurrentLinkedQueue<Integer> statuses = new ConcurrentLinkedQueue<>();

    /**
     * The {@code choreoscope.alerts.webhook.allowed-hosts} entry tests set where they start the app: webhooks
     * refuse loopback addresses unless listed, and this receiver listens on 127.0.0.1.
     */
    static final String ALLOWED_HOSTS = "127.0.0.1/32";

    WebhookReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                Integer scripted = statuses.poll();
                int status = scripted == null ? 200 : scripted;
                bodies.add(body);
                byte[] answer = (status == 200 ? "ok" : "nope").getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(status, answer.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(answer);
                }
            }
        });
        server.start();
    }

    /** The next answers, in order, before falling back to 200. */
    WebhookReceiver answer(Integer... codes) {
        statuses.addAll(List.of(codes));
        return this;
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
    }

    List<String> bodies() {
        synchronized (bodies) {
            return List.copyOf(bodies);
        }
    }

    List<JsonNode> json() {
        return bodies().stream().map(b -> {
            try {
                return JSON.readTree(b);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + b, e);
            }
        }).toList();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
