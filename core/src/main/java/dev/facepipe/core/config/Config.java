package dev.facepipe.core.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Effective configuration: the documented defaults file (conf/facepipe-defaults.properties, shipped
 * inside the core jar) overlaid by a user file, then the environment, then the command line.
 *
 * <p>Only keys that the defaults file declares can be set or read, so a typo in an override or a
 * key read by code but never documented fails loudly instead of silently using a hard-coded value.
 */
public final class Config implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Classpath location of the defaults; the build copies conf/ there. */
    public static final String DEFAULTS_RESOURCE = "facepipe/conf/facepipe-defaults.properties";
    /** Environment prefix: key engine.detector is FACEPIPE_ENGINE_DETECTOR. */
    public static final String ENV_PREFIX = "FACEPIPE_";
    /** Environment variable naming a user config file (same format as the defaults). */
    public static final String ENV_CONF_FILE = "FACEPIPE_CONF";
    /** Environment variable (or system property facepipe.root) naming the install root. */
    public static final String ENV_ROOT = "FACEPIPE_HOME";

    private final TreeMap<String, String> values;
    private final TreeMap<String, String> origins;

    private Config(TreeMap<String, String> values, TreeMap<String, String> origins) {
        this.values = values;
        this.origins = origins;
    }

    /** The shipped defaults alone. */
    public static Config defaults() {
        return builder().build();
    }

    /** Defaults, then FACEPIPE_CONF file, then FACEPIPE_* environment variables. */
    public static Config fromEnvironment() {
        Builder b = builder();
        String file = System.getenv(ENV_CONF_FILE);
        if (file != null && !file.isBlank()) b.file(Path.of(file));
        return b.environment(System.getenv()).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public static Properties loadDefaultProperties() {
        Properties p = new Properties();
        try (InputStream in = Config.class.getClassLoader().getResourceAsStream(DEFAULTS_RESOURCE)) {
            if (in == null) {
                throw new ConfigException("defaults file " + DEFAULTS_RESOURCE
                        + " is not on the classpath; rebuild facepipe-core (mvn package) so conf/ is packed");
            }
            p.load(new java.io.InputStreamReader(in, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new ConfigException("cannot read defaults " + DEFAULTS_RESOURCE + ": " + e.getMessage(), e);
        }
        return p;
    }

    public boolean has(String key) {
        return values.containsKey(key);
    }

    public String getString(String key) {
        String v = values.get(key);
        if (v == null) {
            throw new ConfigException("config key '" + key + "' is not declared in conf/facepipe-defaults.properties;"
                    + " add it there with a one-line comment");
        }
        return v.trim();
    }

    public int getInt(String key) {
        String v = getString(key);
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw bad(key, v, "an integer");
        }
    }

    public long getLong(String key) {
        String v = getString(key);
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw bad(key, v, "an integer");
        }
    }

    public double getDouble(String key) {
        String v = getString(key);
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw bad(key, v, "a number");
        }
    }

    public boolean getBoolean(String key) {
        String v = getString(key).toLowerCase(Locale.ROOT);
        return switch (v) {
            case "true", "yes", "1" -> true;
            case "false", "no", "0" -> false;
            default -> throw bad(key, v, "true or false");
        };
    }

    /** Comma-separated list, blanks removed. */
    public List<String> getList(String key) {
        String v = getString(key);
        if (v.isEmpty()) return List.of();
        List<String> out = new ArrayList<>();
        for (String s : v.split(",")) {
            if (!s.isBlank()) out.add(s.trim());
        }
        return Collections.unmodifiableList(out);
    }

    /** A path; relative values resolve against {@link #root()}. */
    /**
     * A local path; a relative one is under the install root and may not climb out of it (an
     * absolute path says plainly where it goes).
     */
    public Path getPath(String key) {
        Path p = Path.of(getString(key));
        if (p.isAbsolute()) return p.normalize();
        Path r = root().resolve(p).normalize();
        if (!r.startsWith(root())) {
            throw bad(key, getString(key), "a path inside " + root() + " (it climbs out with ..); give an absolute"
                    + " path if that is really meant");
        }
        return r;
    }

    /** One of the allowed values (case-insensitive), returned lower-case. */
    public String getChoice(String key, String... allowed) {
        String v = getString(key).toLowerCase(Locale.ROOT);
        for (String a : allowed) {
            if (a.equals(v)) return v;
        }
        throw bad(key, v, "one of " + Arrays.toString(allowed));
    }

    /** A copy with one declared key changed (origin recorded as given). */
    public Config with(String key, String value, String origin) {
        if (!values.containsKey(key)) {
            throw new ConfigException("unknown config key '" + key + "' (from " + origin + ")");
        }
        TreeMap<String, String> v = new TreeMap<>(values);
        TreeMap<String, String> o = new TreeMap<>(origins);
        v.put(key, value);
        o.put(key, origin);
        return new Config(v, o);
    }

    /** Where a value came from: defaults, a file path, env VAR or command line. */
    public String origin(String key) {
        return origins.getOrDefault(key, "?");
    }

    /** Keys whose values are credentials: never printed, logged or written into a report or manifest. */
    public static boolean isSecret(String key) {
        return key.endsWith("access_key") || key.endsWith("secret_key") || key.endsWith("api_keys") || key.contains("password");
    }

    /** A value fit for printing: a secret that is set shows as ****. */
    public String printable(String key) {
        String v = getString(key);
        return isSecret(key) && !v.isEmpty() ? "****" : v;
    }

    public Map<String, String> asMap() {
        return Collections.unmodifiableMap(values);
    }

    /** Keys under a prefix (prefix included), in order. */
    public List<String> keysWithPrefix(String prefix) {
        List<String> out = new ArrayList<>();
        for (String k : values.tailMap(prefix, true).keySet()) {
            if (!k.startsWith(prefix)) break;
            out.add(k);
        }
        return out;
    }

    /** The install root: FACEPIPE_HOME, else system property facepipe.root, else the working directory. */
    public static Path root() {
        String r = System.getenv(ENV_ROOT);
        if (r == null || r.isBlank()) r = System.getProperty("facepipe.root");
        if (r == null || r.isBlank()) r = System.getProperty("user.dir");
        return Path.of(r).toAbsolutePath().normalize();
    }

    private ConfigException bad(String key, String value, String expected) {
        return new ConfigException("config key '" + key + "' = '" + value + "' (from " + origin(key)
                + ") must be " + expected);
    }

    /** Environment variable name that overrides a key. */
    public static String envName(String key) {
        return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    public static final class Builder {
        private final TreeMap<String, String> values = new TreeMap<>();
        private final TreeMap<String, String> origins = new TreeMap<>();

        private Builder() {
            for (Map.Entry<Object, Object> e : loadDefaultProperties().entrySet()) {
                values.put((String) e.getKey(), (String) e.getValue());
                origins.put((String) e.getKey(), "defaults");
            }
        }

        /** Overlay a user properties file; unknown keys are an error. */
        public Builder file(Path file) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                p.load(r);
            } catch (IOException e) {
                throw new ConfigException("config file " + file + ": cannot read (" + e.getMessage() + ")", e);
            }
            for (String k : new TreeMap<>(p).keySet().stream().map(Object::toString).toList()) {
                set(k, p.getProperty(k), "file " + file);
            }
            return this;
        }

        /** Overlay FACEPIPE_* variables that name a declared key. */
        public Builder environment(Map<String, String> env) {
            for (String k : List.copyOf(values.keySet())) {
                String v = env.get(envName(k));
                if (v != null) set(k, v, "env " + envName(k));
            }
            return this;
        }

        /** Overlay a command-line key=value. */
        public Builder set(String assignment) {
            int eq = assignment.indexOf('=');
            if (eq <= 0) {
                throw new ConfigException("--set '" + assignment + "': expected key=value");
            }
            return set(assignment.substring(0, eq).trim(), assignment.substring(eq + 1), "command line");
        }

        public Builder set(String key, String value, String origin) {
            if (!values.containsKey(key)) {
                throw new ConfigException("unknown config key '" + key + "' (from " + origin
                        + "); the declared keys are in conf/facepipe-defaults.properties");
            }
            values.put(key, value);
            origins.put(key, origin);
            return this;
        }

        public Config build() {
            return new Config(new TreeMap<>(values), new TreeMap<>(origins));
        }
    }
}
