package dev.facepipe.faiss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FaissIndexTest {
    private static final int D = 64;
    private static final int N = 5000;
    private static final float[] X = Vectors.clustered(N, D, 50, 0.6, 7);
    private static final float[] Q = Vectors.rows(Vectors.clustered(200, D, 50, 0.6, 7), D, 0, 200);

    private static FaissIndex flat() {
        FaissIndex f = FaissIndex.create(D, "IDMap,Flat", Metric.INNER_PRODUCT); // Flat alone has no ids
        f.add(X, Vectors.ids(N, 1000));
        return f;
    }

    private static FaissIndex ivf(String factory) {
        FaissIndex i = FaissIndex.create(D, factory, Metric.INNER_PRODUCT);
        i.train(Vectors.rows(X, D, 0, 4000));
        i.add(X, Vectors.ids(N, 1000));
        return i;
    }

    private static double recallAt10(SearchResult exact, SearchResult approx) {
        int hit = 0;
        for (int q = 0; q < exact.n(); q++) {
            Set<Long> truth = new HashSet<>();
            for (int r = 0; r < 10; r++) truth.add(exact.label(q, r));
            for (int r = 0; r < 10; r++) if (truth.contains(approx.label(q, r))) hit++;
        }
        return hit / (10.0 * exact.n());
    }

    @Test
    void addingAnArrayInRowRangesGivesTheIndexOneAddGives() {
        long[] ids = Vectors.ids(N, 1000);
        try (FaissIndex whole = flat(); FaissIndex parts = FaissIndex.create(D, "IDMap,Flat", Metric.INNER_PRODUCT)) {
            for (int from = 0; from < N; from += 1500) parts.add(X, ids, from, Math.min(N, from + 1500));
            assertEquals(N, parts.ntotal());
            SearchResult a = whole.search(Q, 10, 0, 0);
            SearchResult b = parts.search(Q, 10, 0, 0);
            for (int q = 0; q < a.n(); q++) for (int r = 0; r < 10; r++) assertEquals(a.label(q, r), b.label(q, r));
            assertThrows(IllegalArgumentException.class, () -> parts.add(X, ids, 10, N + 1));
            assertThrows(IllegalArgumentException.class, () -> parts.add(X, ids, 20, 20));
        }
    }

    @Test
    void aStoredVectorComesBackByItsIdFromFlatAndMappedIvfShards(@TempDir Path tmp) {
        try (FaissIndex f = flat()) {
            assertArrayEquals(Vectors.rows(X, D, 17, 1), f.reconstruct(1017), 0f);
            assertEquals(null, f.reconstruct(999_999));
        }
        for (String factory : new String[] {"IVF32,Flat", "IVF32,SQ8"}) {
            Path file = tmp.resolve(factory.replace(',', '_') + ".faiss");
            try (FaissIndex i = ivf(factory)) {
                i.write(file);
            }
            try (FaissIndex m = FaissIndex.read(file, true)) {
                assertThrows(RuntimeException.class, () -> m.reconstruct(1017), "needs the map first");
                m.prepareReconstruct();
                float[] want = Vectors.rows(X, D, 4321, 1);
                float[] got = m.reconstruct(5321);
                double err = 0;
                for (int d = 0; d < D; d++) err = Math.max(err, Math.abs(want[d] - got[d]));
                assertTrue(err < (factory.endsWith("SQ8") ? 0.02 : 1e-6), factory + " max error " + err);
                assertEquals(null, m.reconstruct(42), "an id the shard does not hold");
            }
        }
    }

    @Test
    void flatFindsEachVectorItself() {
        try (FaissIndex f = flat()) {
            assertEquals(N, f.ntotal());
            assertEquals(Metric.INNER_PRODUCT, f.metric());
            SearchResult r = f.search(Vectors.rows(X, D, 10, 5), 3, 0, 0);
            for (int q = 0; q < 5; q++) {
                assertEquals(1010 + q, r.label(q, 0));
                assertEquals(1.0, r.distance(q, 0), 1e-4);
                assertTrue(r.distance(q, 1) <= r.distance(q, 0));
            }
        }
    }

    @Test
    void ivfHnswRecallDependsOnPerCallNprobe() {
        try (FaissIndex f = flat(); FaissIndex i = ivf("IVF64_HNSW32,Flat")) {
            SearchResult exact = f.search(Q, 10, 0, 0);
            double low = recallAt10(exact, i.search(Q, 10, 1, 0));
            double high = recallAt10(exact, i.search(Q, 10, 32, 64));
            assertTrue(high >= 0.95, "recall@10 at nprobe 32: " + high);
            assertTrue(low < high, "nprobe 1 " + low + " vs 32 " + high);
            assertEquals(low, recallAt10(exact, i.search(Q, 10, 1, 0)), 1e-12, "per-call settings do not stick");
            i.setParameter("nprobe", 32);
            assertEquals(high, recallAt10(exact, i.search(Q, 10, 0, 64)), 0.02);
            assertEquals(64, i.nlist());
            assertEquals(N, Arrays.stream(i.listSizes()).sum());
        }
    }

    @Test
    void writeThenReadAndMmapGiveTheSameAnswers(@TempDir Path tmp) {
        Path file = tmp.resolve("shard.faiss");
        try (FaissIndex i = ivf("IVF64,Flat")) {
            SearchResult before = i.search(Q, 10, 8, 0);
            i.write(file);
            for (boolean mmap : new boolean[] {false, true}) {
                try (FaissIndex back = FaissIndex.read(file, mmap)) {
                    assertEquals(N, back.ntotal());
                    SearchResult after = back.search(Q, 10, 8, 0);
                    assertArrayEquals(before.labels(), after.labels());
                    assertArrayEquals(before.distances(), after.distances(), 1e-6f);
                }
            }
        }
    }

    @Test
    void removedIdsAreNeverReturned() {
        try (FaissIndex i = ivf("IVF64,Flat")) {
            long[] gone = {1000, 1001, 1002, 999_999};
            assertEquals(3, i.remove(gone));
            assertEquals(N - 3, i.ntotal());
            SearchResult r = i.search(Vectors.rows(X, D, 0, 3), 5, 64, 0);
            for (long l : r.labels()) assertFalse(l >= 1000 && l <= 1002, "removed id " + l + " returned");
        }
    }

    @Test
    void shardsFilledFromOneTrainedIndexMergeIntoTheWhole() {
        try (FaissIndex trained = FaissIndex.create(D, "IVF64,Flat", Metric.INNER_PRODUCT)) {
            trained.train(Vectors.rows(X, D, 0, 4000));
            try (FaissIndex a = trained.copy(); FaissIndex b = trained.copy(); FaissIndex whole = trained.copy()) {
                a.add(Vectors.rows(X, D, 0, 2500), Vectors.ids(2500, 0));
                b.add(Vectors.rows(X, D, 2500, 2500), Vectors.ids(2500, 2500));
                whole.add(X, Vectors.ids(N, 0));
                a.mergeFrom(b);
                assertEquals(N, a.ntotal());
                assertEquals(0, b.ntotal());
                assertArrayEquals(whole.search(Q, 10, 16, 0).labels(), a.search(Q, 10, 16, 0).labels());
            }
            assertEquals(0, trained.ntotal(), "copies leave the trained template empty");
        }
    }

    @Test
    void badCallsThrowJavaExceptionsInsteadOfCrashing(@TempDir Path tmp) {
        FaissException bad = assertThrows(FaissException.class, () -> FaissIndex.create(D, "NoSuchIndex99", Metric.L2));
        assertTrue(bad.getMessage().contains("NoSuchIndex99"), bad.getMessage());
        assertThrows(IllegalArgumentException.class, () -> FaissIndex.create(0, "Flat", Metric.L2));
        assertThrows(FaissException.class, () -> FaissIndex.read(tmp.resolve("none.faiss"), false));
        try (FaissIndex i = FaissIndex.create(D, "IVF16,Flat", Metric.L2)) {
            assertThrows(IllegalStateException.class, () -> i.add(new float[D], new long[] {1}));
            assertThrows(IllegalArgumentException.class, () -> i.train(new float[D + 1]));
            FaissException few = assertThrows(FaissException.class, () -> i.train(new float[D * 4]));
            assertTrue(few.getMessage().contains("train"), few.getMessage());
            assertThrows(FaissException.class, () -> i.setParameter("no_such_parameter", 1));
        }
        FaissIndex f = flat();
        assertThrows(IllegalArgumentException.class, () -> f.add(new float[D * 2], new long[] {1}));
        assertThrows(IllegalArgumentException.class, () -> f.search(new float[D], 0, 0, 0));
        assertThrows(FaissException.class, f::nlist);
        f.close();
        f.close();
        assertThrows(IllegalStateException.class, f::ntotal);
    }
}
