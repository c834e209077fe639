package io.choreoscope.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/**
 * The harnesses run the application with sign-in on (as shipped) and the demo users
 * ({@code choreoscope.auth.demo-users=true}); like the UI, they sign in once and send the token.
 */
final class BenchSignIn {
    private BenchSignIn() {
    }

    /**
     * The application in role {@code api} on a stored database, as the read harnesses run it: no tap, no OTLP
     * receiver, no inference, no UI; sign-in on with the demo users, as in production.
     */
    static java.util.Map<String, Object> apiRole(String clickHouseUrl, String database) {
        java.util.Map<String, Object> p = new java.util.HashMap<>();
        p.put("micronaut.server.port", -1);
        p.put("choreoscope.clickhouse.url", clickHouseUrl);
        p.put("choreoscope.clickhouse.database", database);
        p.put("choreoscope.tap.enabled", false);
        p.put("choreoscope.otlp.enabled", false);
        p.put("choreoscope.inference.embedded", false);
        p.put("choreoscope.ui.enabled", false);
        p.put("choreoscope.auth.demo-users", true);
        return p;
    }

    /** Signs in as the demo viewer and returns the bearer token. */
    static String token(HttpClient http, String serverUrl) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(serverUrl + "/api/v1/auth/login"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"viewer\",\"password\":\"viewer\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"token\"\\s*:\\s*\"([^\"]+)\"").matcher(r.body());
        if (r.statusCode() != 200 || !m.find()) {
            throw new IllegalStateException("sign-in answered " + r.statusCode() + ": " + r.body());
        }
        return m.group(1);
    }
}
