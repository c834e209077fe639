package io.choreoscope.harness.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A self-signed certificate for {@code localhost} and {@code 127.0.0.1}, made for a test by the JDK's own
 * {@code keytool} (no extra library): a PKCS12 key store with the key pair (for a server) and a PKCS12 trust store with
 * only the certificate (for a client that should trust that server and nothing else).
 */
public final class SelfSignedCertificate {
    private final Path keyStore;
    private final Path trustStore;
    private final String password;

    private SelfSignedCertificate(Path keyStore, Path trustStore, String password) {
        this.keyStore = keyStore;
        this.trustStore = trustStore;
        this.password = password;
    }

    /**
     * Generates an EC P-256 key pair and its certificate ({@code CN=<cn>}, SAN {@code localhost} and
     * {@code 127.0.0.1}, valid 2 days) into {@code dir}, with keytool from the running JDK.
     */
    public static SelfSignedCertificate generate(Path dir, String cn) throws IOException, InterruptedException {
        String password = "changeit-" + Long.toHexString(System.nanoTime());
        Path keys = dir.resolve(cn + "-keys.p12");
        Path cert = dir.resolve(cn + ".crt");
        Path trust = dir.resolve(cn + "-trust.p12");
        keytool("-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA",
                "-dname", "CN=" + cn, "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2",
                "-storetype", "PKCS12", "-keystore", keys.toString(), "-storepass", password, "-keypass", password);
        keytool("-exportcert", "-rfc", "-alias", "server", "-keystore", keys.toString(), "-storepass", password,
                "-file", cert.toString());
        keytool("-importcert", "-noprompt", "-alias", "server", "-file", cert.toString(), "-storetype", "PKCS12",
                "-keystore", trust.toString(), "-storepass", password);
        return new SelfSignedCertificate(keys, trust, password);
    }

    private static void keytool(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("keytool " + args[0] + " did not finish in 60 s");
        }
        if (p.exitValue() != 0) {
            throw new IOException("keytool " + args[0] + " failed (" + p.exitValue() + "): " + out);
        }
    }

    /** The PKCS12 key store holding the key pair (alias {@code server}). */
    public Path keyStore() {
        return keyStore;
    }

    /** The PKCS12 trust store holding only the certificate. */
    public Path trustStore() {
        return trustStore;
    }

    /** The password of both stores and of the key. */
    public String password() {
        return password;
    }

    /** A TLS context serving this certificate. */
    public SSLContext serverContext() {
        try (InputStream in = Files.newInputStream(keyStore)) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, password.toCharArray());
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, password.toCharArray());
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            return ctx;
        } catch (Exception e) {
            throw new IllegalStateException("cannot load " + keyStore + ": " + e.getMessage(), e);
        }
    }
}
