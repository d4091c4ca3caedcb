package dev.facepipe.faiss;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Indices are freed when closed: thousands of build-and-free cycles leave the process RSS flat. */
class NativeMemoryTest {
    private static long rssKb() throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (l.startsWith("VmRSS:")) return Long.parseLong(l.replaceAll("\\D", ""));
        }
        throw new IllegalStateException("no VmRSS");
    }

    private static void cycles(int n, float[] x, long[] ids) {
        for (int i = 0; i < n; i++) {
            try (FaissIndex f = FaissIndex.create(64, "IVF8,Flat", Metric.INNER_PRODUCT)) {
                f.train(x);
                f.add(x, ids);
                f.search(Vectors.rows(x, 64, 0, 4), 5, 2, 0);
            }
        }
    }

    @Test
    void buildingAndFreeingThousandsOfIndicesDoesNotGrowTheProcess() throws IOException {
        float[] x = Vectors.clustered(1000, 64, 10, 0.5, 3); // 256 KB of vectors per index
        long[] ids = Vectors.ids(1000, 0);
        cycles(300, x, ids); // warm up allocators and the JIT
        long before = rssKb();
        cycles(3000, x, ids); // about 0.8 GB allocated and freed in all
        long grown = rssKb() - before;
        assertTrue(grown < 30_000, "RSS grew by " + grown + " KB over 3000 indices");
    }
}
