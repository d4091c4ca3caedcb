package dev.facepipe.serve;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a setting's file says, read again when its bytes change, so an operator replaces the file and
 * the service follows without a restart. The file is looked at no more than once per recheck
 * interval (on the caller's thread, so an idle service reads nothing). A change that does not read or
 * parse keeps the last good value, with a warning; a file that does not read or parse at start is an
 * error naming it. Each value that took effect has a generation (0 at start, then +1 per change), so
 * a caller that hands out parts of a value (a TLS key and its chain) can tell which value they came from.
 *
 * @param <T> the parsed value
 */
final class WatchedFile<T> {
    private static final Logger LOG = LoggerFactory.getLogger(WatchedFile.class);

    /** A value and the generation it took effect in. */
    record Loaded<T>(int generation, T value) {}

    private final String setting;
    private final Path file;
    private final long recheckMs;
    private final Function<byte[], T> parse;
    private volatile Loaded<T> loaded;
    private volatile long checkedAt;
    private byte[] seen;

    /**
     * @param setting   the setting that names the file, for messages
     * @param parse     bytes to value; IllegalArgumentException naming what is wrong (never a secret)
     * @throws IllegalArgumentException when the file cannot be read or parsed at start
     */
    WatchedFile(String setting, Path file, long recheckMs, Function<byte[], T> parse) {
        this.setting = setting;
        this.file = file;
        this.recheckMs = recheckMs;
        this.parse = parse;
        byte[] now = read();
        loaded = new Loaded<>(0, parse.apply(now));
        seen = now;
        checkedAt = System.currentTimeMillis();
    }

    /** The value as of now, after looking at the file when the recheck interval has passed. */
    Loaded<T> current() {
        if (System.currentTimeMillis() - checkedAt >= recheckMs) reload();
        return loaded;
    }

    private synchronized void reload() {
        if (System.currentTimeMillis() - checkedAt < recheckMs) return; // another thread just did
        try {
            byte[] now = read();
            if (!Arrays.equals(now, seen)) {
                loaded = new Loaded<>(loaded.generation() + 1, parse.apply(now));
                seen = now;
                LOG.info("{} {} changed: in force from now on", setting, file);
            }
        } catch (IllegalArgumentException e) {
            LOG.warn("{}; what it said before stays in force", e.getMessage());
        }
        checkedAt = System.currentTimeMillis();
    }

    private byte[] read() {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalArgumentException(setting + "=" + file + " cannot be read: " + e.getMessage(), e);
        }
    }
}
