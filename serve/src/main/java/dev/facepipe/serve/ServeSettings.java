package dev.facepipe.serve;

import dev.facepipe.core.config.Config;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The serve.* settings (conf/facepipe-defaults.properties documents each), read once at start. */
public record ServeSettings(String bind, int port, Path cacheDir, int followSeconds, int shardDeadlineMs,
        int hedgeAfterMs, int maxK, long maxUploadBytes, int imageWorkers, Map<String, String> keyNames,
        int ratePerKey, Path auditDir, long auditMaxBytes, long auditSyncMs, java.util.List<String> crawlRoots,
        int cropCache, int optoutK, double optoutMinCosine, int warmupQueries, Path keysFile, Tls tls) {

    /** HTTPS from a PKCS12 keystore (serve.tls_keystore, serve.tls_password); the password never prints. */
    public record Tls(Path keystore, String password) {
        @Override
        public String toString() {
            return "Tls[keystore=" + keystore + ", password=****]";
        }
    }

    public static ServeSettings fromConfig(Config c) {
        ServeSettings s = new ServeSettings(c.getString("serve.bind"), c.getInt("serve.port"),
                c.getPath("serve.cache_dir"), c.getInt("serve.follow_seconds"), c.getInt("serve.shard_deadline_ms"),
                c.getInt("serve.hedge_after_ms"), c.getInt("serve.max_k"), c.getLong("serve.max_upload_bytes"),
                Math.max(1, c.getInt("serve.image_workers")), keys(c.getString("serve.api_keys")),
                c.getInt("serve.rate_per_key"), c.getPath("serve.audit_dir"), c.getLong("serve.audit_max_bytes"),
                c.getLong("serve.audit_sync_ms"), crawlRoots(c), c.getInt("serve.crop_cache"),
                c.getInt("serve.optout_k"), c.getDouble("optout.min_cosine"), c.getInt("serve.warmup_queries"),
                optionalPath(c, "serve.api_keys_file"), c.getString("serve.tls_keystore").isBlank() ? null
                        : new Tls(c.getPath("serve.tls_keystore"), c.getString("serve.tls_password")));
        if (!s.keysRequired() && !loopback(s.bind)) {
            throw new IllegalArgumentException("serve.bind=" + s.bind + " is reachable from other machines but"
                    + " serve.api_keys and serve.api_keys_file are empty; set one (name:key,...) or bind 127.0.0.1");
        }
        return s;
    }

    private static Path optionalPath(Config c, String key) {
        return c.getString(key).isBlank() ? null : c.getPath(key);
    }

    /** A warning to print at start, or null: photos and keys crossing the network without TLS. */
    public String plainHttpWarning() {
        if (tls != null || loopback(bind)) return null;
        return "serve.bind=" + bind + " is reachable from other machines over plain HTTP: API keys and photos cross"
                + " the network in clear; set serve.tls_keystore, or put a TLS proxy in front and bind 127.0.0.1";
    }

    /** serve.crawl_roots, each resolved like every other path setting (relative: under the facepipe root). */
    private static java.util.List<String> crawlRoots(Config c) {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (String r : c.getList("serve.crawl_roots")) {
            out.add(r.contains("://") || r.startsWith("/") ? r : Config.root().resolve(r).toString());
        }
        return out;
    }

    /** key -> name, from "name:key,name:key"; a malformed pair is named without its key. */
    static Map<String, String> keys(String spec) {
        if (spec == null || spec.isBlank()) return new LinkedHashMap<>();
        List<String> entries = List.of(spec.split(","));
        List<String> where = new ArrayList<>();
        for (int n = 1; n <= entries.size(); n++) where.add("serve.api_keys entry " + n);
        return keys(entries, where);
    }

    /** key -> name from name:key entries, each named by where it came from in an error (never by its key). */
    static Map<String, String> keys(List<String> entries, List<String> where) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < entries.size(); i++) {
            String pair = entries.get(i);
            int colon = pair.indexOf(':');
            String name = colon < 0 ? "" : pair.substring(0, colon).strip();
            String key = colon < 0 ? "" : pair.substring(colon + 1).strip();
            if (name.isEmpty() || key.length() < 16) {
                throw new IllegalArgumentException(where.get(i) + " is not name:key with a key of 16 or more"
                        + " characters (the key itself is not shown)");
            }
            if (out.put(key, name) != null) {
                throw new IllegalArgumentException(where.get(i) + " (" + name + ") repeats a key");
            }
        }
        return out;
    }

    static boolean loopback(String bind) {
        try {
            return InetAddress.getByName(bind).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** Whether requests must carry a key. */
    public boolean keysRequired() {
        return !keyNames.isEmpty() || keysFile != null;
    }

    /** The scheme the service answers on. */
    public String scheme() {
        return tls == null ? "http" : "https";
    }
}
