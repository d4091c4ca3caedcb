package dev.facepipe.serve;

import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who may ask: an API key of the {@link KeyRing} (sent as "Authorization: Bearer KEY" or
 * "X-Api-Key"), compared in constant time and known afterwards only by its name; and how often: each
 * key its own budget of serve.rate_per_key requests a second (resilience4j's rate limiter, never
 * waiting).
 */
final class Access {
    /** The name used for every caller when no keys are configured (loopback only, see ServeSettings). */
    static final String ANONYMOUS = "anonymous";
    private final KeyRing keys;
    private final RateLimiterConfig limit;
    private final Map<String, RateLimiter> limiters = new ConcurrentHashMap<>();

    /** The caller's key name, or why it is refused. */
    record Verdict(String name, int status, String error) {
        boolean allowed() {
            return status == 0;
        }
    }

    Access(Map<String, String> keyNames, int ratePerSecond) {
        this(new KeyRing(keyNames, null, 0), ratePerSecond);
    }

    Access(KeyRing keys, int ratePerSecond) {
        this.keys = keys;
        this.limit = RateLimiterConfig.custom().limitForPeriod(Math.max(1, ratePerSecond))
                .limitRefreshPeriod(Duration.ofSeconds(1)).timeoutDuration(Duration.ZERO).build();
    }

    /** @param presented the key the request carried, or null */
    Verdict check(String presented) {
        String name = ANONYMOUS;
        if (keys.required()) {
            name = presented == null ? null : find(keys.current(), presented);
            if (name == null) {
                return new Verdict(null, 401, presented == null ? "this service needs an API key (Authorization:"
                        + " Bearer KEY or X-Api-Key)" : "the API key is not known to this service");
            }
        }
        RateLimiter r = limiters.computeIfAbsent(name, n -> RateLimiter.of(n, limit));
        if (!r.acquirePermission()) {
            return new Verdict(name, 429, "key " + name + " is over its " + limit.getLimitForPeriod()
                    + " requests a second (serve.rate_per_key); retry after a second");
        }
        return new Verdict(name, 0, null);
    }

    /** The name of a presented key; every configured key is compared, in constant time each. */
    private static String find(Map<String, String> keyNames, String presented) {
        byte[] p = presented.getBytes(StandardCharsets.UTF_8);
        String found = null;
        for (Map.Entry<String, String> e : keyNames.entrySet()) {
            if (MessageDigest.isEqual(p, e.getKey().getBytes(StandardCharsets.UTF_8))) found = e.getValue();
        }
        return found;
    }
}
