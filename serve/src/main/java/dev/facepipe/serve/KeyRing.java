package dev.facepipe.serve;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The API keys a request may carry (key -> name): serve.api_keys, fixed at start, and the lines of
 * serve.api_keys_file, read again when the file changes (looked at no more than once per recheck
 * interval), so a key is added or withdrawn without a restart: rotation is adding the new key,
 * moving the callers over, deleting the old line. A file that stops parsing keeps the keys it gave
 * last, with a warning naming the line, never a key.
 */
final class KeyRing {
    private final Map<String, String> fixed;
    private final WatchedFile<Map<String, String>> file;

    /**
     * @param fixed     key -> name from serve.api_keys
     * @param file      serve.api_keys_file, or null
     * @param recheckMs how long a read of the file is trusted
     * @throws IllegalArgumentException when the file cannot be read or parsed at start
     */
    KeyRing(Map<String, String> fixed, Path file, long recheckMs) {
        this.fixed = Map.copyOf(fixed);
        this.file = file == null ? null
                : new WatchedFile<>("serve.api_keys_file", file, recheckMs, bytes -> merge(file, parse(file, bytes)));
    }

    /** Whether every request must carry a key (some are configured, or a file may hold them). */
    boolean required() {
        return !fixed.isEmpty() || file != null;
    }

    /** key -> name as of now. */
    Map<String, String> current() {
        return file == null ? fixed : file.current().value();
    }

    /** Lines of name:key; blank lines and lines starting with # are skipped. */
    private static Map<String, String> parse(Path file, byte[] bytes) {
        List<String> entries = new ArrayList<>();
        List<String> where = new ArrayList<>();
        String[] lines = new String(bytes, StandardCharsets.UTF_8).split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String l = lines[i].strip();
            if (l.isEmpty() || l.startsWith("#")) continue;
            entries.add(l);
            where.add("serve.api_keys_file " + file + " line " + (i + 1));
        }
        return ServeSettings.keys(entries, where);
    }

    private Map<String, String> merge(Path path, Map<String, String> fromFile) {
        Map<String, String> all = new LinkedHashMap<>(fixed);
        for (Map.Entry<String, String> e : fromFile.entrySet()) {
            if (all.putIfAbsent(e.getKey(), e.getValue()) != null) {
                throw new IllegalArgumentException("serve.api_keys_file " + path + ": the key of " + e.getValue()
                        + " is also in serve.api_keys");
            }
        }
        return Map.copyOf(all);
    }
}
