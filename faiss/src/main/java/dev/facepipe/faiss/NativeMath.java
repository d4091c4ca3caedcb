package dev.facepipe.faiss;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What does FAISS's arithmetic in this JVM: the OpenBLAS loaded (its file, build line, the core
 * kernel it chose for this CPU, its threads and threading model, how long its idle workers spin) and
 * OpenMP's threads. Training and adding spend most of their time in BLAS, so two builds on one
 * machine can differ by more than the code around them (bench index prints this beside python3-faiss's
 * own).
 *
 * @param library   the loaded libopenblas file (from /proc/self/maps), or "?" where that cannot be read
 * @param config    OpenBLAS's build line (version, DYNAMIC_ARCH, ...)
 * @param core      the kernel OpenBLAS chose for this CPU (Haswell, SkylakeX, Zen, ...)
 * @param threads   OpenBLAS's threads
 * @param threading sequential, pthreads or OpenMP
 * @param threadTimeout the OPENBLAS_THREAD_TIMEOUT OpenBLAS read as it loaded (idle workers spin 2^this
 *                  cycles before they sleep; OpenBLAS keeps it within 4..30), 0 when it was unset
 * @param ompThreads OpenMP's threads (FAISS's own loops)
 */
public record NativeMath(String library, String config, String core, int threads, String threading,
        int threadTimeout, int ompThreads) {

    /** The spin OpenBLAS is built with when OPENBLAS_THREAD_TIMEOUT is unset (its THREAD_TIMEOUT). */
    static final int BUILD_TIMEOUT = 28;

    public static NativeMath describe() {
        int p = FaissNative.fp_blas_parallel();
        return new NativeMath(loaded("libopenblas"), FaissNative.fp_blas_config().strip(),
                FaissNative.fp_blas_core().strip(), FaissNative.fp_blas_threads(),
                p == 0 ? "sequential" : p == 1 ? "pthreads" : p == 2 ? "OpenMP" : "model " + p,
                FaissNative.fp_blas_thread_timeout(), FaissNative.fp_omp_threads());
    }

    /** One line: build, core, threads, idle spin, file. */
    public String line() {
        return config + " (core " + core + ", " + threading + ", " + threads + " threads, " + spin() + "; "
                + library + "); OpenMP " + ompThreads + " threads";
    }

    /** How long idle workers spin, and where that comes from. */
    String spin() {
        if (threadTimeout <= 0) {
            return "idle workers spin 2^" + BUILD_TIMEOUT + " cycles (OPENBLAS_THREAD_TIMEOUT unset; conf's"
                    + " job.native_env sets it through the launchers)";
        }
        return "idle workers spin 2^" + Math.max(4, Math.min(30, threadTimeout)) + " cycles (OPENBLAS_THREAD_TIMEOUT="
                + threadTimeout + ")";
    }

    /** The path of the first mapped file whose name starts with this, or "?". */
    private static String loaded(String name) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/maps"))) {
                int slash = l.lastIndexOf('/');
                if (slash >= 0 && l.substring(slash + 1).startsWith(name)) return l.substring(l.indexOf('/'));
            }
        } catch (IOException e) {
            return "?";
        }
        return "?";
    }
}
