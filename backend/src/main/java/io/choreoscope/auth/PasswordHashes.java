package io.choreoscope.auth;

import java.io.Console;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;

import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Password hashes for local users: PBKDF2 with HMAC-SHA256 (the JDK's own, no extra library), written as
 * {@code pbkdf2-sha256$<iterations>$<salt, base64>$<hash, base64>}. The iteration count travels in the
 * hash, so raising the default never invalidates existing hashes.
 *
 * <p>{@code ./choreoscope hash-password} runs {@link #main} to make one.
 */
public final class PasswordHashes {
    static final String PREFIX = "pbkdf2-sha256";
    /** OWASP's 2023 recommendation for PBKDF2-HMAC-SHA256. */
    public static final int DEFAULT_ITERATIONS = 600_000;
    private static final int SALT_BYTES = 16;
    private static final int HASH_BITS = 256;
    private static final SecureRandom RANDOM = new SecureRandom();

    private PasswordHashes() {
    }

    /** A new hash of {@code password} with a random salt. */
    public static String hash(char[] password) {
        return hash(password, DEFAULT_ITERATIONS);
    }

    static String hash(char[] password, int iterations) {
        if (iterations < 1) {
            throw new IllegalArgumentException("iterations must be positive");
        }
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        byte[] hash = pbkdf2(password, salt, iterations, HASH_BITS);
        Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
        return PREFIX + "$" + iterations + "$" + b64.encodeToString(salt) + "$" + b64.encodeToString(hash);
    }

    /**
     * True when {@code password} matches {@code stored}; compares in constant time.
     *
     * @throws IllegalArgumentException when {@code stored} is not a hash this class writes
     */
    public static boolean matches(char[] password, String stored) {
        Parsed p = parse(stored);
        byte[] actual = pbkdf2(password, p.salt, p.iterations, p.hash.length * 8);
        return MessageDigest.isEqual(actual, p.hash);
    }

    /** Throws a readable {@link IllegalArgumentException} when {@code stored} cannot be used. */
    public static void check(String stored) {
        parse(stored);
    }

    private record Parsed(int iterations, byte[] salt, byte[] hash) {
    }

    private static Parsed parse(String stored) {
        String expected = "expected " + PREFIX + "$<iterations>$<salt>$<hash> as printed by ./choreoscope hash-password";
        if (stored == null || stored.isBlank()) {
            throw new IllegalArgumentException("no password hash; " + expected);
        }
        String[] parts = stored.strip().split("\\$");
        if (parts.length != 4 || !PREFIX.equals(parts[0])) {
            throw new IllegalArgumentException("not a password hash this version understands; " + expected);
        }
        try {
            int iterations = Integer.parseInt(parts[1]);
            byte[] salt = Base64.getDecoder().decode(parts[2]);
            byte[] hash = Base64.getDecoder().decode(parts[3]);
            if (iterations < 1 || salt.length < 8 || hash.length < 16) {
                throw new IllegalArgumentException("password hash too weak or cut short; " + expected);
            }
            return new Parsed(iterations, salt, hash);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("password hash has a bad iteration count; " + expected);
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().contains(PREFIX)) {
                throw e;
            }
            throw new IllegalArgumentException("password hash is not valid base64; " + expected);
        }
    }

    private static byte[] pbkdf2(char[] password, byte[] salt, int iterations, int bits) {
        PBEKeySpec spec = new PBEKeySpec(password, salt, iterations, bits);
        try {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is not available in this JDK", e);
        } finally {
            spec.clearPassword();
        }
    }

    /** Reads a password (twice, without echo, on a terminal; one line from stdin otherwise) and prints its hash. */
    public static void main(String[] args) throws IOException {
        char[] password;
        Console console = System.console();
        if (console != null) {
            password = console.readPassword("Password: ");
            char[] again = console.readPassword("Again: ");
            if (password == null || again == null || !Arrays.equals(password, again)) {
                System.err.println("The two passwords differ; nothing printed.");
                System.exit(2);
                return;
            }
        } else {
            byte[] line = System.in.readAllBytes();
            String s = new String(line, StandardCharsets.UTF_8);
            int nl = s.indexOf('\n');
            password = (nl >= 0 ? s.substring(0, nl) : s).replace("\r", "").toCharArray();
        }
        if (password == null || password.length == 0) {
            System.err.println("An empty password cannot be used.");
            System.exit(2);
            return;
        }
        System.out.println(hash(password));
    }
}
