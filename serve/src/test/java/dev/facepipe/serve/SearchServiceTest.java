package dev.facepipe.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facepipe.core.config.Config;
import dev.facepipe.storage.HadoopFiles;
import dev.facepipe.storage.OptOutList;
import dev.facepipe.storage.Tombstones;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SearchServiceTest {

    private static SearchService started(Config cfg, Path root) {
        SearchService s = new SearchService(cfg, ServeSettings.fromConfig(cfg), root.toString(), null);
        s.start();
        return s;
    }

    @Test
    void findsTheFaceWithItsEvidenceAcrossShards(@TempDir Path tmp) throws Exception {
        TestIndex.publish(tmp.resolve("index"), "v-20260101-000000-000", 40, 3);
        Config cfg = TestIndex.config(tmp);
        try (SearchService s = started(cfg, tmp.resolve("index"))) {
            assertTrue(s.ready());
            for (int i : new int[] {0, 7, 38}) {
                SearchService.Answer a = s.search(TestIndex.vector(i), 5);
                SearchService.Match top = a.hits().get(0);
                assertEquals(TestIndex.faceId(i), top.face().faceId());
                assertEquals("http://site/page" + i + ".html", top.face().pageUrl());
                assertEquals(1_700_000_000_000L + i, top.face().crawledAt());
                assertEquals(i % 3, top.shard());
                assertTrue(top.match(), "a face scores 1.0 against itself, above the 0.6 threshold");
                assertEquals(5, a.hits().size());
                assertTrue(a.missedShards().isEmpty());
                for (int j = 1; j < a.hits().size(); j++) {
                    assertTrue(a.hits().get(j - 1).score() >= a.hits().get(j).score(), "best first");
                }
            }
        }
    }

    @Test
    void aFaceIdGivesItsEvidenceAndSearchesWithItsOwnVector(@TempDir Path tmp) throws Exception {
        TestIndex.publish(tmp.resolve("index"), "v-20260101-000000-000", 30, 3);
        Config cfg = TestIndex.config(tmp);
        try (SearchService s = started(cfg, tmp.resolve("index"))) {
            SearchService.Answer ev = s.face(TestIndex.faceId(13));
            assertEquals("http://site/13.jpg", ev.hits().get(0).face().source());
            assertEquals(1, ev.hits().get(0).shard());
            assertEquals(null, s.face(TestIndex.faceId(31)), "not indexed");
            SearchService.Answer a = s.searchFace(TestIndex.faceId(13), 4);
            assertEquals(TestIndex.faceId(13), a.hits().get(0).face().faceId());
            assertEquals(1.0, a.hits().get(0).score(), 1e-5);
            assertEquals(s.search(TestIndex.vector(13), 4).hits().stream().map(m -> m.face().faceId()).toList(),
                    a.hits().stream().map(m -> m.face().faceId()).toList(), "the same as searching its vector");
            Tombstones.append(HadoopFiles.fromConfig(cfg), Tombstones.store(cfg), List.of(
                    new Tombstones.Tombstone(Tombstones.Kind.FACE, TestIndex.faceId(13))), "test");
            Thread.sleep(1500); // the guard looks at the store once a second
            assertEquals(null, s.face(TestIndex.faceId(13)), "a forgotten face is not there to anyone");
            assertEquals(null, s.searchFace(TestIndex.faceId(13), 4));
        }
    }

    @Test
    void forgottenAndOptedOutFacesAreWithheldBeforeAnyRebuild(@TempDir Path tmp) throws Exception {
        TestIndex.publish(tmp.resolve("index"), "v-20260101-000000-000", 30, 2);
        Config cfg = TestIndex.config(tmp);
        HadoopFiles files = HadoopFiles.fromConfig(cfg);
        try (SearchService s = started(cfg, tmp.resolve("index"))) {
            assertEquals(TestIndex.faceId(4), s.search(TestIndex.vector(4), 3).hits().get(0).face().faceId());
            Tombstones.append(files, Tombstones.store(cfg), List.of(
                    new Tombstones.Tombstone(Tombstones.Kind.URL, "http://site/4.jpg"),
                    new Tombstones.Tombstone(Tombstones.Kind.FACE, TestIndex.faceId(9))), "test");
            OptOutList.add(files, cfg, TestIndex.vector(12), TestIndex.MODEL, "test", "test", null, null);
            Thread.sleep(1500); // the guard looks at the store once a second
            SearchService.Answer a4 = s.search(TestIndex.vector(4), 30);
            SearchService.Answer a9 = s.search(TestIndex.vector(9), 30);
            SearchService.Answer a12 = s.search(TestIndex.vector(12), 30);
            for (SearchService.Answer a : List.of(a4, a9, a12)) {
                for (SearchService.Match m : a.hits()) {
                    assertFalse(List.of(TestIndex.faceId(4), TestIndex.faceId(9), TestIndex.faceId(12)).contains(m.face().faceId()), m.toString());
                }
                assertTrue(a.withheld() >= 3, "all three are withheld from every full answer: " + a.withheld());
            }
            assertEquals(27, a4.hits().size(), "30 faces, 3 withheld");
        }
    }

    @Test
    void aNewVersionIsSwappedInUnderLoadWithoutAFailedQuery(@TempDir Path tmp) throws Exception {
        Path root = tmp.resolve("index");
        TestIndex.publish(root, "v-20260101-000000-000", 50, 2, 33);
        Config cfg = TestIndex.config(tmp);
        try (SearchService s = started(cfg, root)) {
            assertFalse(s.search(TestIndex.vector(33), 1).hits().get(0).face().faceId().equals(TestIndex.faceId(33)));
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger ok = new AtomicInteger();
            ExecutorService clients = Executors.newFixedThreadPool(4);
            List<Future<?>> runs = new java.util.ArrayList<>();
            for (int c = 0; c < 4; c++) {
                runs.add(clients.submit(() -> {
                    int i = 0;
                    while (!stop.get()) {
                        SearchService.Answer a = s.search(TestIndex.vector(i++ % 50), 3);
                        assertTrue(a.missedShards().isEmpty() && !a.hits().isEmpty(), a.toString());
                        ok.incrementAndGet();
                    }
                    return null;
                }));
            }
            for (int v = 1; v <= 3; v++) {
                TestIndex.publish(root, "v-20260101-00000" + v + "-000", 50, 2);
                assertTrue(s.refresh());
                assertEquals("v-20260101-00000" + v + "-000", s.version());
            }
            stop.set(true);
            for (Future<?> f : runs) f.get(); // an exception in any query fails here
            clients.shutdown();
            assertTrue(ok.get() > 0);
            assertEquals(TestIndex.faceId(33), s.search(TestIndex.vector(33), 1).hits().get(0).face().faceId(),
                    "the new version's face is found");
            assertTrue(s.metrics.scrape().contains("facepipe_index_swaps_total 3.0"), s.metrics.scrape());
        }
    }

    @Test
    void theThresholdAppliedIsTheOneForTheServedGallerySize(@TempDir Path tmp) throws Exception {
        Path root = tmp.resolve("index");
        dev.facepipe.index.ImpostorTail tail = new dev.facepipe.index.ImpostorTail(0.2, 0.01, 0.05, 100_000);
        TestIndex.publish(root, "v-20260101-000000-000", 40, 2, 0.1, tail);
        Config cfg = TestIndex.config(tmp);
        try (SearchService s = started(cfg, root)) {
            SearchService.Answer small = s.search(TestIndex.vector(3), 40);
            assertEquals(tail.threshold(40, 0.001), small.threshold(), 1e-9);
            assertTrue(small.thresholdMethod().startsWith("open-set: FPIR 0.001 over 40 faces"), small.thresholdMethod());
            for (SearchService.Match m : small.hits()) assertEquals(m.score() >= small.threshold(), m.match(), m.toString());
            assertTrue(small.hits().stream().anyMatch(m -> !m.match()), "strangers fall below it");

            TestIndex.publish(root, "v-20260101-000001-000", 400, 2, 0.1, tail);
            assertTrue(s.refresh());
            SearchService.Answer big = s.search(TestIndex.vector(3), 5);
            assertEquals(tail.threshold(400, 0.001), big.threshold(), 1e-9);
            assertTrue(big.threshold() > small.threshold(), "ten times the faces, a higher bar");

            TestIndex.publish(root, "v-20260101-000002-000", 400, 2, 0.9, tail);
            assertTrue(s.refresh());
            SearchService.Answer floor = s.search(TestIndex.vector(3), 5);
            assertEquals(0.9, floor.threshold(), 1e-9, "never below the 1:1 threshold");
            assertTrue(floor.thresholdMethod().startsWith("1:1 floor"), floor.thresholdMethod());
        }
    }

    @Test
    void aShardAVersionSharesKeepsItsLookupAndUnusedOnesArePruned(@TempDir Path tmp) throws Exception {
        Path root = tmp.resolve("index");
        TestIndex.publish(root, "v-20260101-000000-000", 20, 2);
        Config cfg = TestIndex.config(tmp);
        Path lookups = tmp.resolve("cache/lookups");
        try (SearchService s = started(cfg, root)) {
            java.util.List<Path> before = list(lookups);
            assertEquals(2, before.size());
            // As a forget writes it: shard 0 untouched (the old version's files), shard 1 rewritten.
            TestIndex.publish(root, "v-20260101-000001-000", 20, 2, 7);
            dev.facepipe.index.IndexLayout layout = new dev.facepipe.index.IndexLayout(root.toString());
            dev.facepipe.index.IndexManifest old = dev.facepipe.index.IndexManifest.fromJson(
                    Files.readString(Path.of(layout.manifest("v-20260101-000000-000"))));
            dev.facepipe.index.IndexManifest next = dev.facepipe.index.IndexManifest.fromJson(
                    Files.readString(Path.of(layout.manifest("v-20260101-000001-000"))));
            java.util.List<dev.facepipe.index.IndexManifest.Shard> shards = java.util.List.of(old.shards().get(0),
                    next.shards().get(1));
            Files.writeString(Path.of(layout.manifest("v-20260101-000001-000")), new dev.facepipe.index.IndexManifest(
                    next.version(), next.modelId(), next.modelSha256(), next.dim(), next.metric(), next.factory(), 0, 0,
                    19, shards, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.6, 1, old.version(), 0, 0, null, 0, null).toJson());
            long shard0Built = Files.getLastModifiedTime(ServedVersion.lookupFile(tmp.resolve("cache"),
                    old.shards().get(0))).toMillis();
            Thread.sleep(20);
            assertTrue(s.refresh());
            java.util.List<Path> after = list(lookups);
            assertEquals(2, after.size(), "the old shard 1 lookup is pruned: " + after);
            assertEquals(shard0Built, Files.getLastModifiedTime(ServedVersion.lookupFile(tmp.resolve("cache"),
                    old.shards().get(0))).toMillis(), "shard 0's lookup is reused, not rebuilt");
            assertEquals(TestIndex.faceId(2), s.search(TestIndex.vector(2), 1).hits().get(0).face().faceId());
            assertFalse(s.search(TestIndex.vector(7), 1).hits().get(0).face().faceId().equals(TestIndex.faceId(7)));
        }
    }

    private static java.util.List<Path> list(Path dir) throws java.io.IOException {
        try (var s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    @Test
    void aVersionThatCannotOpenLeavesTheServedOneInPlace(@TempDir Path tmp) throws Exception {
        Path root = tmp.resolve("index");
        TestIndex.publish(root, "v-20260101-000000-000", 10, 1);
        Config cfg = TestIndex.config(tmp);
        try (SearchService s = started(cfg, root)) {
            Files.writeString(root.resolve("CURRENT"), "v-20260101-000009-000");
            assertFalse(s.refresh());
            assertEquals("v-20260101-000000-000", s.version());
            assertNotNull(s.lastSwapError());
            assertEquals(TestIndex.faceId(3), s.search(TestIndex.vector(3), 1).hits().get(0).face().faceId());
        }
    }
}
