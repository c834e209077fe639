package io.choreoscope.api;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** A plain HTTP client of the REST API for tests, as a user's script would call it. */
public final class ApiClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final String base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public ApiClient(String base) {
        this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    }

    public static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    public HttpResponse<byte[]> raw(String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The JSON body of a GET, with its status. */
    public record Answer(int status, JsonNode body, String text) {
    }

    public Answer get(String path) {
        HttpResponse<byte[]> r = raw(path);
        String text = new String(r.body(), StandardCharsets.UTF_8);
        JsonNode node;
        try {
            node = text.isEmpty() ? null : JSON.readTree(text);
        } catch (IOException e) {
            node = null;
        }
        return new Answer(r.statusCode(), node, text);
    }

    /** The body of a GET that must answer 200. */
    public JsonNode ok(String path) {
        Answer a = get(path);
        if (a.status() != 200) {
            throw new AssertionError("GET " + path + " answered " + a.status() + ": " + a.text());
        }
        return a.body();
    }

    public HttpClient http() {
        return http;
    }

    public String base() {
        return base;
    }
}
