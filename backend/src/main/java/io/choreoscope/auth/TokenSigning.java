package io.choreoscope.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;

import com.nimbusds.jose.JWSAlgorithm;

import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Requires;
import io.choreoscope.config.DataConfig;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.security.token.jwt.signature.SignatureGeneratorConfiguration;
import io.micronaut.security.token.jwt.signature.secret.SecretSignature;
import io.micronaut.security.token.jwt.signature.secret.SecretSignatureConfiguration;
import jakarta.inject.Named;
import jakarta.inject.Singleton;

/**
 * The key choreoscope signs its tokens with (HMAC-SHA256): {@code choreoscope.auth.token-secret}, or a random
 * one made at first start and kept in {@code <data-dir>/auth/token-secret} (owner-only), so that tokens
 * survive a restart.
 */
@Factory
@Requires(property = "micronaut.security.enabled", notEquals = "false")
public class TokenSigning {
    static final int MIN_SECRET_CHARS = 32;

    @Singleton
    @Named("generator")
    SignatureGeneratorConfiguration choreoscopeTokens(AuthConfig config, DataConfig data) {
        String dataDir = data.getDataDir();
        String secret = config.getTokenSecret();
        if (secret == null || secret.isBlank()) {
            secret = persistedSecret(Paths.get(dataDir, "auth", "token-secret"));
        } else if (secret.length() < MIN_SECRET_CHARS) {
            throw new ConfigurationException("choreoscope.auth.token-secret must be at least " + MIN_SECRET_CHARS
                    + " characters long (it is an HMAC-SHA256 key)");
        }
        SecretSignatureConfiguration c = new SecretSignatureConfiguration("choreoscope");
        c.setSecret(secret);
        c.setJwsAlgorithm(JWSAlgorithm.HS256);
        return new SecretSignature(c);
    }

    static String persistedSecret(Path file) {
        try {
            if (!Files.exists(file)) {
                Files.createDirectories(file.getParent());
                byte[] key = new byte[48];
                new SecureRandom().nextBytes(key);
                String s = Base64.getEncoder().encodeToString(key);
                try {
                    Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                } catch (UnsupportedOperationException e) {
                    Files.createFile(file);
                } catch (FileAlreadyExistsException e) {
                    return Files.readString(file, StandardCharsets.UTF_8).strip();
                }
                Files.writeString(file, s, StandardCharsets.UTF_8);
                return s;
            }
            String s = Files.readString(file, StandardCharsets.UTF_8).strip();
            if (s.length() < MIN_SECRET_CHARS) {
                throw new ConfigurationException(file + " holds no usable token key (too short); delete it to make a new one");
            }
            return s;
        } catch (IOException e) {
            throw new ConfigurationException("cannot read or create the token key " + file
                    + " (set choreoscope.auth.token-secret or make choreoscope.data-dir writable): " + e.getMessage());
        }
    }
}
