package dev.facepipe.serve;

import dev.facepipe.core.config.Config;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** The serve.* settings (conf/facepipe-defaults.properties documents each), read once at start. */
public record ServeSettings(String bind, int port, Path cacheDir, int followSeconds, int shardDeadlineMs,
        int hedgeAfterMs, int maxK, long maxUploadBytes, int imageWorkers, Map<String, String> keyNames,
        int ratePerKey, Path auditDir, long auditMaxBytes, long auditSyncMs, java.util.List<String> crawlRoots,
        int cropCache, int optoutK, double optoutMinCosine, int warmupQueries) {

    public static ServeSettings fromConfig(Config c) {
        ServeSettings s = new ServeSettings(c.getString("serve.bind"), c.getInt("serve.port"),
                c.getPath("serve.cache_dir"), c.getInt("serve.follow_seconds"), c.getInt("serve.shard_deadline_ms"),
                c.getInt("serve.hedge_after_ms"), c.getInt("serve.max_k"), c.getLong("serve.max_upload_bytes"),
                Math.max(1, c.getInt("serve.image_workers")), keys(c.getString("serve.api_keys")),
                c.getInt("serve.rate_per_key"), c.getPath("serve.audit_dir"), c.getLong("serve.audit_max_bytes"),
                c.getLong("serve.audit_sync_ms"), crawlRoots(c), c.getInt("serve.crop_cache"),
                c.getInt("serve.optout_k"), c.getDouble("optout.min_cosine"), c.getInt("serve.warmup_queries"));
        if (s.keyNames.isEmpty() && !loopback(s.bind)) {
            throw new IllegalArgumentException("serve.bind=" + s.bind + " is reachable from other machines but"
                    + " serve.api_keys is empty; set serve.api_keys (name:key,...) or bind 127.0.0.1");
        }
        return s;
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
        Map<String, String> out = new LinkedHashMap<>();
        if (spec == null || spec.isBlank()) return out;
        int n = 0;
        for (String pair : spec.split(",")) {
            n++;
            int colon = pair.indexOf(':');
            String name = colon < 0 ? "" : pair.substring(0, colon).strip();
            String key = colon < 0 ? "" : pair.substring(colon + 1).strip();
            if (name.isEmpty() || key.length() < 16) {
                throw new IllegalArgumentException("serve.api_keys entry " + n + " is not name:key with a key of 16"
                        + " or more characters (the key itself is not shown)");
            }
            if (out.put(key, name) != null) {
                throw new IllegalArgumentException("serve.api_keys entry " + n + " (" + name + ") repeats a key");
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
        return !keyNames.isEmpty();
    }
}
