package io.choreoscope.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.core.annotation.Nullable;

/**
 * The one admin of an installation that nobody could sign in to otherwise: sign-in on, and no local user, no
 * single sign-on client and no demo users configured (what {@code docker compose up} starts). Its name is
 * {@value #NAME}; its password is {@code choreoscope.auth.admin-password} ({@code CHOREOSCOPE_ADMIN_PASSWORD})
 * when set, else a random one made at the first start and printed once in the log. Only the password's
 * PBKDF2 hash is kept, in {@code <data-dir>/auth/}{@value #FILE} (owner-only), so later starts sign in the
 * same way and print nothing. Deleting the file makes a new password at the next start.
 */
final class InitialAdmin {
    private static final Logger LOG = LoggerFactory.getLogger(InitialAdmin.class);

    /** The initial admin's user name. */
    static final String NAME = "admin";
    /** The file under {@code <data-dir>/auth} that holds the hash of its password. */
    static final String FILE = "admin-password-hash";
    /** Random bytes of a generated password: 144 bits, 24 characters of URL-safe base64. */
    static final int GENERATED_PASSWORD_BYTES = 18;

    private InitialAdmin() {
    }

    /** The file that keeps the initial admin's password hash under {@code dataDir}. */
    static Path hashFile(String dataDir) {
        return Path.of(dataDir, "auth", FILE);
    }

    /**
     * The hash of the initial admin's password: of {@code configured} when it is set (the file is rewritten when
     * it holds another password), else the one kept in {@code file}, else of a new random password that is
     * written to the log once, after its hash is safely in {@code file}.
     *
     * @throws ConfigurationException when the file cannot be written or read, or holds no password hash
     */
    static String passwordHash(Path file, @Nullable String configured) {
        try {
            String kept = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8).strip() : null;
            if (configured != null && !configured.isEmpty()) {
                if (kept != null && isHash(kept) && PasswordHashes.matches(configured.toCharArray(), kept)) {
                    return kept;
                }
                String hash = PasswordHashes.hash(configured.toCharArray());
                write(file, hash);
                LOG.info("The initial admin \"{}\" signs in with the password of choreoscope.auth.admin-password "
                        + "(CHOREOSCOPE_ADMIN_PASSWORD); its hash is kept in {}.", NAME, file);
                return hash;
            }
            if (kept != null) {
                if (!isHash(kept)) {
                    throw new ConfigurationException(file + " holds no password hash: delete it to make a new initial admin "
                            + "password at the next start, or set CHOREOSCOPE_ADMIN_PASSWORD");
                }
                LOG.info("No user is configured: the initial admin \"{}\" signs in with the password whose hash is kept in {} "
                        + "(printed at the first start, or last set by CHOREOSCOPE_ADMIN_PASSWORD). To reset it, set "
                        + "CHOREOSCOPE_ADMIN_PASSWORD, or delete the file and restart for a new one.", NAME, file);
                return kept;
            }
            byte[] random = new byte[GENERATED_PASSWORD_BYTES];
            new SecureRandom().nextBytes(random);
            String password = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
            String hash = PasswordHashes.hash(password.toCharArray());
            write(file, hash);
            LOG.warn("No user can sign in yet (no choreoscope.auth.users, no single sign-on client, no demo users), so "
                    + "choreoscope made an initial admin. Sign in as \"{}\" with the password {} (shown this once; only its "
                    + "hash is kept, in {}). Then configure your own users or single sign-on (docs/ACCESS.md); to choose "
                    + "this password instead, set CHOREOSCOPE_ADMIN_PASSWORD.", NAME, password, file);
            return hash;
        } catch (IOException e) {
            throw new ConfigurationException("cannot keep the initial admin's password hash in " + file
                    + " (make choreoscope.data-dir writable, or configure users: docs/ACCESS.md): " + e.getMessage());
        }
    }

    private static boolean isHash(String s) {
        try {
            PasswordHashes.check(s);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Writes {@code text} to {@code file} owner-only, whole or not at all (a temporary file moved into place). */
    private static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp;
        try {
            tmp = Files.createTempFile(file.getParent(), FILE, ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            tmp = Files.createTempFile(file.getParent(), FILE, ".tmp");
        }
        try {
            Files.writeString(tmp, text + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
