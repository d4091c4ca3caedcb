package dev.facepipe.faiss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** An executor needs nothing but the jars: BLAS and OpenMP load from them, not from the system. */
class BundledLibrariesTest {
    @Test
    void blasAndOpenMpAreLoadedFromTheJars() throws IOException {
        try (FaissIndex i = FaissIndex.create(8, "IDMap,Flat", Metric.L2)) {
            i.add(new float[8], new long[] {1});
        }
        List<String> libs = Files.readAllLines(Path.of("/proc/self/maps")).stream()
                .filter(l -> l.contains("libopenblas") || l.contains("libgomp") || l.contains("libjniFaissNative"))
                .map(l -> l.substring(l.lastIndexOf(' ') + 1)).distinct().toList();
        assertTrue(libs.stream().anyMatch(l -> l.endsWith("libjniFaissNative.so")), libs.toString());
        assertTrue(libs.stream().anyMatch(l -> l.contains("libopenblas.so.0")), libs.toString());
        assertTrue(libs.stream().anyMatch(l -> l.contains("libgomp.so.1")), libs.toString());
        for (String l : libs) assertFalse(l.startsWith("/usr/lib"), "loaded from the system: " + l + " in " + libs);
    }

    @Test
    void theLoadedBlasDescribesItself() {
        NativeMath m = NativeMath.describe();
        assertTrue(m.config().startsWith("OpenBLAS 0.3.30"), "the jar's build, not the system's: " + m.line());
        assertFalse(m.core().isEmpty(), m.line());
        assertTrue(m.library().contains("libopenblas.so.0") && !m.library().startsWith("/usr/lib"), m.line());
        assertTrue(m.threads() >= 1 && m.ompThreads() >= 1, m.line());
        assertTrue(List.of("sequential", "pthreads", "OpenMP").contains(m.threading()), m.line());
    }

    /** The timeout reported is the one OpenBLAS read from this JVM's environment as it loaded. */
    @Test
    void theBlasReportsTheThreadTimeoutItRead() {
        String env = System.getenv("OPENBLAS_THREAD_TIMEOUT");
        NativeMath m = NativeMath.describe();
        assertEquals(env == null ? 0 : Integer.parseInt(env.strip()), m.threadTimeout(), m.line());
        String said = env == null ? "OPENBLAS_THREAD_TIMEOUT unset" : "OPENBLAS_THREAD_TIMEOUT=" + env.strip();
        assertTrue(m.line().contains(said), m.line());
    }

    @Test
    void theSpinIsSaidAsOpenBlasApplies() {
        assertEquals("idle workers spin 2^28 cycles (OPENBLAS_THREAD_TIMEOUT unset; conf's job.native_env sets it"
                + " through the launchers)", math(0).spin());
        assertEquals("idle workers spin 2^4 cycles (OPENBLAS_THREAD_TIMEOUT=4)", math(4).spin());
        assertEquals("idle workers spin 2^4 cycles (OPENBLAS_THREAD_TIMEOUT=2)", math(2).spin());
        assertEquals("idle workers spin 2^30 cycles (OPENBLAS_THREAD_TIMEOUT=40)", math(40).spin());
    }

    private static NativeMath math(int timeout) {
        return new NativeMath("lib", "OpenBLAS", "Zen", 2, "pthreads", timeout, 2);
    }
}
