package io.choreoscope.auth;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

import io.choreoscope.http.ApiException;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.server.HttpServerConfiguration;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gate every password check passes ({@code POST /api/v1/auth/login} and HTTP Basic alike), because each check
 * that the cache of recently matched passwords cannot answer costs one PBKDF2 of 600,000 iterations, and anonymous
 * callers could otherwise spend every core on them. In order, for {@code (address, name, password)}:
 * <ol>
 * <li>a locked user name (after {@code lockout-failures} failures in a row) refuses addresses that have not signed in
 *     as it within {@code trusted-address-ttl}, for {@code lockout-duration}, without a check;</li>
 * <li>a password that matched in the last minutes ({@link LocalUsers#remembered}) passes at once, costing nothing and
 *     counting against no rate (HTTP Basic clients send it with every request);</li>
 * <li>a token bucket per client address ({@code attempts-per-address} per {@code window}; IPv6 by /64), then one per
 *     user name (counting only addresses that never signed in as it);</li>
 * <li>the check itself runs on a pool of {@code check-threads} with a queue of {@code check-queue}: a full queue
 *     answers at once.</li>
 * </ol>
 * Every refusal is an {@link ApiException} 429 with {@code Retry-After}. The lockout cannot lock an owner out for
 * good: it ends by itself, attempts during it do not extend it, and addresses the user signed in from before are not
 * subject to it (nor to the per-user rate), so an attacker elsewhere can only keep the name locked for new addresses.
 *
 * <p>Memory: addresses, user names and trusted (user, address) pairs are each kept in a least-recently-used table of
 * at most {@code max-tracked} entries, so a flood of distinct addresses or names is bounded. Such a flood can make
 * the guard forget an entry early; the per-address rate still bounds what any one address can try.
 */
@Singleton
@Requires(property = "micronaut.security.enabled", notEquals = "false")
public class SignInGuard implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SignInGuard.class);
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final int MAX_KEY_CHARS = 100;

    private final LocalUsers users;
    private final AuthConfig.SignIn config;
    private final LongSupplier nanos;
    private final ThreadPoolExecutor checks;
    private final Lru<String, Bucket> byAddress;
    private final Lru<String, Bucket> byUser;
    private final Lru<String, Failures> failures;
    private final Lru<String, Long> trusted;

    private final String addressHeader;

    @Inject
    public SignInGuard(LocalUsers users, AuthConfig config, HttpServerConfiguration server) {
        this(users, config.getSignIn(), server.getClientAddressHeader(), System::nanoTime);
    }

    SignInGuard(LocalUsers users, AuthConfig.SignIn config, @Nullable String addressHeader, LongSupplier nanos) {
        this.users = users;
        this.addressHeader = addressHeader == null || addressHeader.isBlank() ? null : addressHeader;
        this.config = config;
        this.nanos = nanos;
        AtomicInteger n = new AtomicInteger();
        this.checks = new ThreadPoolExecutor(config.getCheckThreads(), config.getCheckThreads(), 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(config.getCheckQueue()), r -> {
                    Thread t = new Thread(r, "choreoscope-password-check-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.AbortPolicy());
        int max = config.getMaxTracked();
        this.byAddress = new Lru<>(max);
        this.byUser = new Lru<>(max);
        this.failures = new Lru<>(max);
        this.trusted = new Lru<>(max);
    }

    /**
     * The client address of {@code request} for rate limits: the peer's address, or, when
     * {@code micronaut.server.client-address-header} names a header that the proxy in front sets, the last address in
     * that header (the one the nearest proxy added). {@code Forwarded} and {@code X-Forwarded-For} are not trusted
     * otherwise: any client can send them, and would choose its own address.
     */
    public String clientAddress(HttpRequest<?> request) {
        if (addressHeader != null) {
            String v = request.getHeaders().get(addressHeader);
            if (v != null && !v.isBlank()) {
                int comma = v.lastIndexOf(',');
                return comma >= 0 ? v.substring(comma + 1).strip() : v.strip();
            }
        }
        java.net.InetSocketAddress peer = request.getRemoteAddress();
        return peer == null ? null : peer.getAddress() != null ? peer.getAddress().getHostAddress() : peer.getHostString();
    }

    /**
     * The user when the password matches, empty when it does not (unknown name alike).
     *
     * @param address the client's address as the server sees it (null or a non-IP string count as one address each)
     * @throws ApiException 429 when the address or the name asked too often, the name is locked for this address, or
     *                      the password-check queue is full
     */
    public Optional<LocalUsers.User> authenticate(@Nullable String address, String name, String password) {
        String addr = addressKey(address);
        String user = cut(name);
        String pair = user + '\u0000' + addr;
        long now = nanos.getAsLong();
        boolean known = isTrusted(pair, now);
        if (!known) {
            long lockedUntil;
            synchronized (failures) {
                Failures f = failures.get(user);
                lockedUntil = f == null ? 0 : f.lockedUntil;
            }
            if (lockedUntil != 0 && lockedUntil - now > 0) {
                throw ApiException.tooManyRequests("sign_in_locked", "too many failed sign-ins for this user name; "
                        + "it is locked for new addresses for a while (addresses that signed in as it before are not)",
                        Duration.ofNanos(lockedUntil - now));
            }
        }
        Optional<LocalUsers.User> remembered = users.remembered(name, password);
        if (remembered.isPresent()) {
            if (!known) {
                trusted.put(pair, now + config.getTrustedAddressTtl().toNanos());
            }
            return remembered;
        }
        take(byAddress, addr, config.getAttemptsPerAddress(), now, "sign_in_rate",
                "too many sign-in attempts from your address; wait before trying again");
        if (!known) {
            take(byUser, user, config.getAttemptsPerUser(), now, "sign_in_rate",
                    "too many sign-in attempts for this user name; wait before trying again");
        }
        Future<Optional<LocalUsers.User>> check;
        try {
            check = checks.submit(() -> users.authenticate(name, password));
        } catch (RejectedExecutionException e) {
            throw ApiException.tooManyRequests("sign_in_busy", "the server is busy checking other sign-ins; try again in a moment",
                    Duration.ofSeconds(1));
        }
        Optional<LocalUsers.User> result = await(check);
        long done = nanos.getAsLong();
        if (result.isPresent()) {
            failures.remove(user);
            trusted.put(pair, done + config.getTrustedAddressTtl().toNanos());
        } else {
            failed(user, done);
        }
        return result;
    }

    private boolean isTrusted(String pair, long now) {
        Long until = trusted.get(pair);
        return until != null && until - now > 0;
    }

    private void failed(String user, long now) {
        synchronized (failures) {
            Failures f = failures.get(user);
            if (f == null || (f.lockedUntil != 0 && f.lockedUntil - now <= 0)) {
                f = new Failures();
                failures.put(user, f);
            }
            if (++f.count >= config.getLockoutFailures()) {
                f.count = 0;
                f.lockedUntil = now + config.getLockoutDuration().toNanos();
                LOG.warn("sign-in: user name '{}' locked for {} after {} failed password checks in a row", printable(user),
                        config.getLockoutDuration(), config.getLockoutFailures());
            }
        }
    }

    private void take(Lru<String, Bucket> table, String key, int perWindow, long now, String code, String message) {
        long windowNanos = config.getWindow().toNanos();
        long waitNanos;
        synchronized (table) {
            Bucket b = table.get(key);
            if (b == null) {
                b = new Bucket(perWindow, now);
                table.put(key, b);
            }
            double refill = (double) (now - b.at) * perWindow / windowNanos;
            b.tokens = Math.min(perWindow, b.tokens + refill);
            b.at = now;
            if (b.tokens >= 1) {
                b.tokens -= 1;
                return;
            }
            waitNanos = (long) ((1 - b.tokens) * windowNanos / perWindow);
        }
        throw ApiException.tooManyRequests(code, message, Duration.ofNanos(waitNanos));
    }

    private static Optional<LocalUsers.User> await(Future<Optional<LocalUsers.User>> check) {
        try {
            return check.get();
        } catch (InterruptedException e) {
            check.cancel(true);
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking a password", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException("password check failed", e.getCause());
        }
    }

    /** The client address as a rate-limit key: IPv4 as is, IPv6 by its /64, anything else as a bounded string. */
    static String addressKey(@Nullable String address) {
        if (address == null || address.isBlank()) {
            return "unknown";
        }
        String a = address.strip();
        if (a.startsWith("[") && a.endsWith("]")) {
            a = a.substring(1, a.length() - 1);
        }
        int zone = a.indexOf('%');
        if (zone >= 0) {
            a = a.substring(0, zone);
        }
        try {
            if (IPV4.matcher(a).matches()) {
                return InetAddress.getByName(a).getHostAddress();
            }
            if (a.indexOf(':') >= 0 && a.matches("[0-9A-Fa-f:.]+")) {
                // An IPv6 literal (never a name, so no DNS lookup): one client usually holds a whole /64.
                byte[] b = InetAddress.getByName(a).getAddress();
                if (b.length == 16) {
                    java.util.Arrays.fill(b, 8, 16, (byte) 0);
                    return InetAddress.getByAddress(b).getHostAddress() + "/64";
                }
                return InetAddress.getByAddress(b).getHostAddress();
            }
        } catch (UnknownHostException e) {
            // not an address literal after all: counted as the string it is
        }
        return cut(a);
    }

    private static String cut(String s) {
        return s.length() > MAX_KEY_CHARS ? s.substring(0, MAX_KEY_CHARS) : s;
    }

    private static String printable(String s) {
        return s.replaceAll("[^\\x20-\\x7E]", "?");
    }

    /** Entries held in the address, user-name, failure and trusted-pair tables (each at most {@code max-tracked}). */
    int[] trackedSizes() {
        return new int[] {byAddress.size(), byUser.size(), failures.size(), trusted.size()};
    }

    @PreDestroy
    @Override
    public void close() {
        checks.shutdownNow();
    }

    private static final class Bucket {
        double tokens;
        long at;

        Bucket(int tokens, long at) {
            this.tokens = tokens;
            this.at = at;
        }
    }

    private static final class Failures {
        int count;
        long lockedUntil;
    }

    /** A least-recently-used table of at most {@code max} entries; every method is synchronized on the table. */
    private static final class Lru<K, V> {
        private final LinkedHashMap<K, V> map;

        Lru(int max) {
            this.map = new LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                    return size() > max;
                }
            };
        }

        synchronized V get(K k) {
            return map.get(k);
        }

        synchronized void put(K k, V v) {
            map.put(k, v);
        }

        synchronized void remove(K k) {
            map.remove(k);
        }

        synchronized int size() {
            return map.size();
        }
    }
}
