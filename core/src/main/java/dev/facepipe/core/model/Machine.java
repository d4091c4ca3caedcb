package dev.facepipe.core.model;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** What CPU this JVM runs on, as benchmarks and the level cache name it. */
public final class Machine {
    private Machine() {}

    /**
     * The instruction-set extensions ONNX Runtime's and OpenBLAS's kernels are chosen by: two CPUs
     * that differ in one of them run the same model at different speeds and may want different levels.
     */
    static final List<String> KERNEL_FLAGS = List.of("avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_vnni",
            "avx_vnni", "avx512_bf16", "avx512_fp16", "amx_tile", "amx_int8", "amx_bf16", "asimddp", "sve", "sve2",
            "i8mm", "bf16");

    private static final String CPU = readCpu();

    /**
     * The CPU, named so that two different ones never share a name: the model string, then its
     * family, model and stepping and the kernel flags it has ("AMD EPYC [family 26 model 2
     * stepping 1; avx2 fma avx512f ...]"). Cloud machines often show only "AMD EPYC" for CPUs three
     * generations apart (2.5x apart on the same model here), so the model string alone is not enough.
     */
    public static String cpu() {
        return CPU;
    }

    private static String readCpu() {
        String cores = Runtime.getRuntime().availableProcessors() + " cores";
        try {
            return describe(Files.readString(Path.of("/proc/cpuinfo")), System.getProperty("os.arch"), cores);
        } catch (Exception e) {
            return describe("", System.getProperty("os.arch"), cores);
        }
    }

    /** The name {@link #cpu} gives a machine whose /proc/cpuinfo reads {@code cpuinfo} (empty when unreadable). */
    static String describe(String cpuinfo, String arch, String cores) {
        Map<String, String> first = new LinkedHashMap<>();
        for (String l : cpuinfo.split("\n")) {
            if (l.isBlank()) {
                if (!first.isEmpty()) break; // the first processor's block describes them all
                continue;
            }
            int colon = l.indexOf(':');
            if (colon > 0) first.putIfAbsent(l.substring(0, colon).strip(), l.substring(colon + 1).strip());
        }
        String name = first.getOrDefault("model name", "").replaceAll("\\s+", " ");
        List<String> id = new ArrayList<>();
        if (first.containsKey("cpu family")) {
            id.add("family " + first.get("cpu family") + " model " + first.getOrDefault("model", "?") + " stepping "
                    + first.getOrDefault("stepping", "?"));
        } else if (first.containsKey("CPU implementer")) {
            id.add("implementer " + first.get("CPU implementer") + " part " + first.getOrDefault("CPU part", "?"));
        }
        // A set that takes repeats: Set.of throws on a flag listed twice (the name would fall back to the arch).
        Set<String> flags = new HashSet<>(List.of(first.getOrDefault("flags", first.getOrDefault("Features", ""))
                .split("\\s+")));
        List<String> kernel = KERNEL_FLAGS.stream().filter(flags::contains).toList();
        if (name.isEmpty() && id.isEmpty()) return arch + " (" + cores + ")";
        if (!kernel.isEmpty()) id.add(String.join(" ", kernel));
        return (name.isEmpty() ? arch : name) + (id.isEmpty() ? "" : " [" + String.join("; ", id) + "]");
    }
}
