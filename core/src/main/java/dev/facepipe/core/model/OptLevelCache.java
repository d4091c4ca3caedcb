package dev.facepipe.core.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * The measured level choices of a machine, in a properties file beside the models
 * (onnx-opt-levels.properties), keyed by CPU model, ONNX Runtime version, model sha256 and thread
 * count: a choice measured on one CPU is never applied on another. Written whole to a temporary
 * file and moved into place, so a reader never sees half a file; two JVMs measuring at once only
 * cost one measurement more.
 */
public final class OptLevelCache {
    public static final String FILE = "onnx-opt-levels.properties";

    /**
     * A choice and the times it was made from (ms a run by level), and for a batched model ms an
     * input by batch size at the chosen level (written "b1=..."; empty when not measured).
     */
    public record Entry(OptLevel chosen, Map<OptLevel, Double> msPerRun, Map<Integer, Double> msPerInput) {
        String format() {
            StringBuilder s = new StringBuilder(chosen.code());
            msPerRun.forEach((l, ms) -> s.append(String.format(Locale.ROOT, " %s=%.3f", l.code(), ms)));
            new java.util.TreeMap<>(msPerInput).forEach((b, ms) -> s.append(String.format(Locale.ROOT, " b%d=%.3f", b, ms)));
            return s.toString();
        }

        static Entry parse(String v) {
            String[] f = v.strip().split("\\s+");
            Map<OptLevel, Double> ms = new EnumMap<>(OptLevel.class);
            Map<Integer, Double> batches = new java.util.TreeMap<>();
            for (int i = 1; i < f.length; i++) {
                String[] kv = f[i].split("=");
                if (kv[0].matches("b\\d+")) batches.put(Integer.parseInt(kv[0].substring(1)), Double.parseDouble(kv[1]));
                else ms.put(OptLevel.parse(kv[0], FILE), Double.parseDouble(kv[1]));
            }
            return new Entry(OptLevel.parse(f[0], FILE), ms, batches);
        }
    }

    private final Path file;

    public OptLevelCache(Path modelsDir) {
        this.file = modelsDir.resolve(FILE);
    }

    public Path file() {
        return file;
    }

    public static String key(String cpu, String ortVersion, String sha256, int threads) {
        return cpu + " | onnxruntime " + ortVersion + " | " + sha256 + " | threads " + threads;
    }

    /** The entry for the key, or null when none (or the file is unreadable: then measure again). */
    public synchronized Entry get(String key) {
        try {
            String v = load().getProperty(key);
            return v == null ? null : Entry.parse(v);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Adds or replaces one entry; other entries stay. */
    public synchronized void put(String key, Entry e) throws IOException {
        Properties p = load();
        p.setProperty(key, e.format());
        Path tmp = Files.createTempFile(file.getParent(), FILE, ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            p.store(out, "measured by facepipe: the fastest ONNX Runtime optimization level per model on this CPU;"
                    + " delete to measure again");
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private Properties load() throws IOException {
        Properties p = new Properties();
        if (Files.isRegularFile(file)) {
            try (InputStream in = Files.newInputStream(file)) {
                p.load(in);
            }
        }
        return p;
    }
}
