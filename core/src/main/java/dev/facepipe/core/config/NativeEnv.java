package dev.facepipe.core.config;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * conf's job.native_env: environment variables that native libraries read once as they load
 * (OPENBLAS_THREAD_TIMEOUT), so they must be in a JVM's environment before it starts. The launchers
 * export them (scripts/lib/common.sh reads the same key the same way); a Spark driver passes them to
 * the executors it starts.
 */
public final class NativeEnv {
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private NativeEnv() {}

    /**
     * The variables by name, in conf's order, each with the value of env where env sets that name (a user's own
     * value wins over conf's, as in the launchers).
     */
    public static Map<String, String> effective(Config cfg, Map<String, String> env) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String kv : cfg.getString("job.native_env").split("\\s+")) {
            if (kv.isEmpty()) continue;
            int eq = kv.indexOf('=');
            if (eq <= 0 || !NAME.matcher(kv.substring(0, eq)).matches()) {
                throw new ConfigException("job.native_env: '" + kv + "' is not NAME=VALUE");
            }
            String name = kv.substring(0, eq);
            out.put(name, env.getOrDefault(name, kv.substring(eq + 1)));
        }
        return out;
    }

    /** The variables of effective that env does not hold with the same value. */
    public static Map<String, String> missing(Map<String, String> effective, Map<String, String> env) {
        Map<String, String> out = new LinkedHashMap<>(effective);
        out.entrySet().removeIf(e -> e.getValue().equals(env.get(e.getKey())));
        return out;
    }
}
