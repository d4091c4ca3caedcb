package dev.facepipe.core.model;

import java.nio.file.Files;
import java.nio.file.Path;

/** What CPU this JVM runs on, as benchmarks and the level cache name it. */
public final class Machine {
    private Machine() {}

    private static final String CPU = readCpu();

    /** The CPU model ("AMD EPYC 7B13"), or the architecture and core count where it cannot be read. */
    public static String cpu() {
        return CPU;
    }

    private static String readCpu() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (l.startsWith("model name")) return l.substring(l.indexOf(':') + 1).strip().replaceAll("\\s+", " ");
            }
        } catch (Exception ignored) {
            // not Linux: fall through
        }
        return System.getProperty("os.arch") + " (" + Runtime.getRuntime().availableProcessors() + " cores)";
    }
}
