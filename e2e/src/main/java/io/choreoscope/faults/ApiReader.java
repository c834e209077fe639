package io.choreoscope.faults;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Reads what choreoscope shows through its public REST API only, signed in as a viewer (HTTP Basic), as a script
 * would: instance listings, instance details (the stored records), raw payloads and {@code /health}.
 */
public final class ApiReader {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;
    private final String authorization;

    /** A listed instance: its state and the number of events inference counted. */
    public record Listed(String state, int eventCount) {
    }

    /** One stored record as the instance detail shows it. */
    public record Shown(String topic, int partition, long offset, String eventId) {
    }

    /** The instances a listing showed (first occurrence) and how many it showed more than once. */
    public record Listing(Map<String, Listed> instances, int repeated) {
    }

    /**
     * @param baseUrl  e.g. {@code http://127.0.0.1:8081}
     * @param user     user name; the password is the same (the demo's users)
     */
    public ApiReader(String baseUrl, String user) {
        this.base = baseUrl;
        this.authorization = "Basic " + Base64.getEncoder().encodeToString((user + ":" + user).getBytes(StandardCharsets.UTF_8));
    }

    private HttpResponse<byte[]> get(String pathAndQuery) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(base + pathAndQuery)).header("Authorization", authorization)
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private JsonNode getJson(String pathAndQuery) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = get(pathAndQuery);
        if (r.statusCode() != 200) {
            throw new IOException("GET " + pathAndQuery + " -> " + r.statusCode() + ": "
                    + new String(r.body(), StandardCharsets.UTF_8));
        }
        return JSON.readTree(r.body());
    }

    /** True when {@code /health} answers 200 (every part up). */
    public boolean healthy() {
        try {
            return get("/health").statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Every instance of {@code flow} whose window overlaps [from, now], all pages. */
    public Listing instances(String flow, Instant from) throws IOException, InterruptedException {
        Map<String, Listed> out = new HashMap<>();
        int repeated = 0;
        String cursor = null;
        String to = Instant.now().plusSeconds(3600).toString();
        do {
            String q = "/api/v1/instances?limit=500&flow=" + encode(flow) + "&from=" + encode(from.toString()) + "&to="
                    + encode(to) + (cursor == null ? "" : "&cursor=" + encode(cursor));
            JsonNode page = getJson(q);
            for (JsonNode item : page.get("items")) {
                String id = item.get("correlationId").asText();
                if (out.putIfAbsent(id, new Listed(item.get("state").asText(), item.get("eventCount").asInt())) != null) {
                    repeated++;
                }
            }
            JsonNode next = page.get("nextCursor");
            cursor = next == null || next.isNull() ? null : next.asText();
        } while (cursor != null);
        return new Listing(out, repeated);
    }

    /** The stored records of one instance; null when the API answers 404 (instance unknown). */
    public List<Shown> records(String correlationId) throws IOException, InterruptedException {
        String path = "/api/v1/instances/" + encode(correlationId) + "?maxPayloadBytes=0";
        HttpResponse<byte[]> r = get(path);
        if (r.statusCode() == 404) {
            return null;
        }
        if (r.statusCode() != 200) {
            throw new IOException("GET " + path + " -> " + r.statusCode() + ": " + new String(r.body(), StandardCharsets.UTF_8));
        }
        List<Shown> out = new ArrayList<>();
        for (JsonNode e : JSON.readTree(r.body()).get("events")) {
            out.add(new Shown(e.get("topic").asText(), e.get("partition").asInt(), e.get("offset").asLong(),
                    e.hasNonNull("eventId") ? e.get("eventId").asText() : null));
        }
        return out;
    }

    /** The raw payload of one record as the API serves it, or null unless 200. */
    public byte[] payload(String topic, int partition, long offset) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = get("/api/v1/events/" + encode(topic) + "/" + partition + "/" + offset + "/payload");
        return r.statusCode() == 200 ? r.body() : null;
    }

    /** Percent-encoding for a path segment or query value (a space is %20, never +). */
    static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
