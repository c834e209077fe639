package io.choreoscope.auth;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A small OpenID Connect provider for tests, speaking the real protocol over HTTP on loopback: discovery
 * document, JWKS, an authorization endpoint that signs in a preset user at once (no login page) and a
 * token endpoint that checks the client's secret and the code and answers with an RS256-signed ID token.
 * It stands in for Keycloak, Okta or Entra ID, none of which can run on the test machines.
 */
final class TestOidcProvider implements AutoCloseable {
    private final HttpServer server;
    private final RSAKey key;
    private final String clientId;
    private final String clientSecret;
    private volatile Map<String, Object> nextUser = Map.of("sub", "u-1", "preferred_username", "alice");
    private final Map<String, Map<String, Object>> codes = new ConcurrentHashMap<>();
    final List<String> tokenRequests = new CopyOnWriteArrayList<>();
    volatile String lastIdToken;

    TestOidcProvider(String clientId, String clientSecret) throws Exception {
        this.clientId = clientId;
        this.clientSecret = clientSecret;
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        KeyPair kp = g.generateKeyPair();
        key = new RSAKey.Builder((RSAPublicKey) kp.getPublic()).privateKey((RSAPrivateKey) kp.getPrivate())
                .keyID(UUID.randomUUID().toString()).algorithm(JWSAlgorithm.RS256).build();
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/.well-known/openid-configuration", this::discovery);
        server.createContext("/jwks", ex -> send(ex, 200, "application/json", new JWKSet(key.toPublicJWK()).toString()));
        server.createContext("/authorize", this::authorize);
        server.createContext("/token", this::token);
        server.start();
    }

    String issuer() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** The claims of the user the next sign-in signs in (sub, preferred_username, groups, ...). */
    void signInAs(Map<String, Object> claims) {
        nextUser = Map.copyOf(claims);
    }

    /** An ID token for {@code claims} signed with this provider's key, as the token endpoint would issue. */
    String idToken(Map<String, Object> claims, String nonce) {
        try {
            Instant now = Instant.now();
            JWTClaimsSet.Builder b = new JWTClaimsSet.Builder().issuer(issuer()).audience(clientId)
                    .issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(300)));
            if (nonce != null) {
                b.claim("nonce", nonce);
            }
            claims.forEach(b::claim);
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).type(JOSEObjectType.JWT).build(),
                    b.build());
            jwt.sign(new RSASSASigner(key));
            return jwt.serialize();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private void discovery(HttpExchange ex) throws IOException {
        String i = issuer();
        send(ex, 200, "application/json", """
                {"issuer":"%s","authorization_endpoint":"%s/authorize","token_endpoint":"%s/token","jwks_uri":"%s/jwks",
                 "response_types_supported":["code"],"subject_types_supported":["public"],
                 "id_token_signing_alg_values_supported":["RS256"],"scopes_supported":["openid","email","profile"],
                 "token_endpoint_auth_methods_supported":["client_secret_basic","client_secret_post"],
                 "grant_types_supported":["authorization_code"],"claims_supported":["sub","preferred_username","groups","email"]}
                """.formatted(i, i, i, i));
    }

    private void authorize(HttpExchange ex) throws IOException {
        Map<String, String> q = form(ex.getRequestURI().getRawQuery());
        if (!clientId.equals(q.get("client_id")) || q.get("redirect_uri") == null) {
            send(ex, 400, "text/plain", "bad client_id or no redirect_uri");
            return;
        }
        String code = UUID.randomUUID().toString();
        Map<String, Object> grant = new HashMap<>(nextUser);
        grant.put("__nonce", q.get("nonce"));
        grant.put("__redirect", q.get("redirect_uri"));
        codes.put(code, grant);
        String sep = q.get("redirect_uri").contains("?") ? "&" : "?";
        String location = q.get("redirect_uri") + sep + "code=" + code + (q.get("state") == null ? ""
                : "&state=" + java.net.URLEncoder.encode(q.get("state"), StandardCharsets.UTF_8));
        ex.getResponseHeaders().add("Location", location);
        ex.sendResponseHeaders(302, -1);
        ex.close();
    }

    private void token(HttpExchange ex) throws IOException {
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        tokenRequests.add(body);
        Map<String, String> f = form(body);
        String id = f.get("client_id");
        String secret = f.get("client_secret");
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (auth != null && auth.startsWith("Basic ")) {
            String[] pair = new String(Base64.getDecoder().decode(auth.substring(6)), StandardCharsets.UTF_8).split(":", 2);
            id = URLDecoder.decode(pair[0], StandardCharsets.UTF_8);
            secret = URLDecoder.decode(pair[1], StandardCharsets.UTF_8);
        }
        if (!clientId.equals(id) || !clientSecret.equals(secret)) {
            send(ex, 401, "application/json", "{\"error\":\"invalid_client\"}");
            return;
        }
        Map<String, Object> grant = codes.remove(f.getOrDefault("code", ""));
        if (grant == null || !"authorization_code".equals(f.get("grant_type")) || !grant.get("__redirect").equals(f.get("redirect_uri"))) {
            send(ex, 400, "application/json", "{\"error\":\"invalid_grant\"}");
            return;
        }
        String nonce = (String) grant.remove("__nonce");
        grant.remove("__redirect");
        String idToken = idToken(grant, nonce);
        lastIdToken = idToken;
        send(ex, 200, "application/json", "{\"access_token\":\"" + UUID.randomUUID() + "\",\"token_type\":\"Bearer\",\"expires_in\":300,"
                + "\"scope\":\"openid\",\"id_token\":\"" + idToken + "\"}");
    }

    private static Map<String, String> form(String raw) {
        Map<String, String> m = new HashMap<>();
        if (raw == null || raw.isEmpty()) {
            return m;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                m.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return m;
    }

    private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", type);
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream o = ex.getResponseBody()) {
            o.write(b);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
