package dev.facepipe.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facepipe.core.config.Config;
import dev.facepipe.storage.HadoopFiles;
import dev.facepipe.storage.Sparks;
import dev.facepipe.storage.Tombstones;
import java.util.HashMap;
import java.util.Map;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** build-index and search in Spark local mode on generated, clustered 512-d faces. */
class IndexBuilderTest {
    private static final String MODEL = "fr_feature-87aacdfe";
    private static final StructType FACES = new StructType()
            .add("face_id", DataTypes.StringType).add("face_key", DataTypes.LongType)
            .add("image_id", DataTypes.StringType).add("source", DataTypes.StringType)
            .add("status", DataTypes.StringType).add("canonical", DataTypes.BooleanType)
            .add("model_id", DataTypes.StringType)
            .add("embedding", DataTypes.createArrayType(DataTypes.FloatType, false))
            .add("cluster_id", DataTypes.StringType).add("quality", DataTypes.FloatType);
    private static SparkSession spark;
    private static Config cfg;

    @BeforeAll
    static void start() {
        cfg = Config.builder().set("job.spark_master", "local[2]", "test").set("index.recall_queries", "200", "test")
                .build();
        spark = Sparks.session(cfg, "index-test");
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    /** n faces around n/20 identities (20 photos each); plus rows the builder must ignore. */
    private static String faces(Path dir, int n) {
        return faces(dir, n, n, "faces");
    }

    /** The first {@code keep} of the n faces above, written to dir/name. */
    private static String faces(Path dir, int n, int keep, String name) {
        Random r = new Random(3);
        int people = Math.max(1, n / 20);
        float[][] centres = new float[people][512];
        for (float[] c : centres) for (int j = 0; j < 512; j++) c[j] = (float) r.nextGaussian();
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < keep; i++) {
            float[] c = centres[i % people];
            List<Float> v = new ArrayList<>();
            double ss = 0;
            float[] x = new float[512];
            for (int j = 0; j < 512; j++) {
                x[j] = (float) (c[j] + 0.7 * r.nextGaussian());
                ss += x[j] * x[j];
            }
            for (float f : x) v.add((float) (f / Math.sqrt(ss)));
            rows.add(RowFactory.create("f" + i, 1000L + i, "img" + i, "http://example.test/" + i + ".jpg", "ok", true,
                    MODEL, scala.jdk.javaapi.CollectionConverters.asScala(v).toList(), null, 0.8f));
        }
        List<Float> junk = new ArrayList<>();
        for (int j = 0; j < 512; j++) junk.add(j == 0 ? 1f : 0f);
        var jseq = scala.jdk.javaapi.CollectionConverters.asScala(junk).toList();
        rows.add(RowFactory.create("rej", 1L, "x", "x", "rejected", false, MODEL, jseq, null, null));
        rows.add(RowFactory.create("dup", 2L, "x", "x", "ok", false, MODEL, jseq, "f1", 0.9f)); // f1 is its canonical
        rows.add(RowFactory.create("old", 3L, "x", "x", "ok", true, "fr_feature-00000000", jseq, null, 0.9f));
        String out = dir.resolve(name).toString();
        spark.createDataFrame(rows, FACES).write().parquet(out);
        return out;
    }

    @Test
    void buildsShardsMeasuresRecallAndSearchesAcrossShards(@TempDir Path tmp) {
        String faces = faces(tmp, 3000);
        String root = tmp.resolve("index").toString();
        IndexManifest m = IndexBuilder.build(spark, cfg, new IndexBuilder.Request(faces, root, "", 3));
        assertEquals(3000, m.vectors(), "rejected, non-canonical and other-model faces are left out");
        assertEquals("IVF64,Flat", m.factory());
        assertEquals(3, m.shards().size());
        assertEquals(3000, m.shards().stream().mapToLong(IndexManifest.Shard::count).sum());
        assertTrue(m.shards().stream().allMatch(s -> s.count() > 700), "hash sharding balances: " + m.shards());
        assertTrue(m.recallAt10() >= 0.9, "recall@10 " + m.recallAt10());
        assertTrue(m.trainingSample() >= 64 * 39 && m.trainingSample() <= 3000, "sample " + m.trainingSample());
        assertTrue(m.bytesPerVector() >= 2048 && m.bytesPerVector() < 2400, "flat codes: " + m.bytesPerVector());
        assertTrue(m.threshold() >= cfg.getDouble("verify.threshold"));
        assertEquals(MODEL, m.modelId());

        HadoopFiles files = new HadoopFiles(spark.sparkContext().hadoopConfiguration());
        try (IndexSearcher s = IndexSearcher.open(files, root, tmp.resolve("cache"))) {
            float[] q = embeddingOf(faces, "f1234");
            List<IndexSearcher.Hit> hits = s.search(q, 10, 0);
            assertEquals(10, hits.size());
            assertEquals("f1234", hits.get(0).faceId());
            assertEquals("img1234", hits.get(0).imageId());
            assertEquals("http://example.test/1234.jpg", hits.get(0).source());
            assertEquals(1.0, hits.get(0).score(), 1e-4);
            assertTrue(hits.get(1).score() <= hits.get(0).score());
            // The same person's other faces (same centre: i % 150) come next.
            assertTrue(hits.stream().allMatch(h -> Integer.parseInt(h.faceId().substring(1)) % 150 == 1234 % 150),
                    hits.toString());
            assertTrue(hits.stream().map(IndexSearcher.Hit::shard).distinct().count() > 1, "hits from several shards");

            SearchQuery ingested = SearchQuery.ofIngestedFace(files, faces, "f1234");
            assertArrayEquals(q, ingested.vector());
            assertEquals(MODEL, ingested.modelId());
            assertEquals(hits, s.search(ingested, 10, 0));
            IllegalArgumentException typo = assertThrows(IllegalArgumentException.class,
                    () -> SearchQuery.ofIndexedFace(s, "f1234"), "this fixture's ids are not ingest's");
            assertTrue(typo.getMessage().contains("not a face id: f1234"), typo.getMessage());
            assertEquals(null, SearchQuery.ofIngestedFace(files, faces, "nope"));
            assertEquals(null, SearchQuery.ofIndexedFace(s, "00112233445566778899"), "a face the index does not hold");
            SearchQuery other = SearchQuery.ofIngestedFace(files, faces, "old");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.search(other, 10, 0));
            assertTrue(e.getMessage().contains(MODEL) && e.getMessage().contains("fr_feature-00000000"), e.getMessage());
        }
    }

    @Test
    void aFailedBuildLeavesThePublishedVersionSearchable(@TempDir Path tmp) throws Exception {
        String faces = faces(tmp, 600);
        String root = tmp.resolve("index").toString();
        IndexManifest first = IndexBuilder.build(spark, cfg, new IndexBuilder.Request(faces, root, "", 1));
        assertEquals("IDMap,Flat", first.factory(), "under index.flat_below the index is exact");
        assertEquals(1.0, first.recallAt10(), 1e-9);
        String pointer = Files.readString(tmp.resolve("index/CURRENT"));
        assertThrows(RuntimeException.class,
                () -> IndexBuilder.build(spark, cfg, new IndexBuilder.Request(faces, root, "IVF4096,Flat", 2)));
        assertEquals(pointer, Files.readString(tmp.resolve("index/CURRENT")), "pointer unchanged");
        HadoopFiles files = new HadoopFiles(spark.sparkContext().hadoopConfiguration());
        try (IndexSearcher s = IndexSearcher.open(files, root, tmp.resolve("cache"))) {
            assertEquals(first.version(), s.manifest().version());
            assertEquals("f7", s.search(embeddingOf(faces, "f7"), 1, 0).get(0).faceId());
        }
        IndexManifest second = IndexBuilder.build(spark, cfg, new IndexBuilder.Request(faces, root, "", 2));
        assertNotEquals(first.version(), second.version());
        assertEquals(second.version(), Files.readString(tmp.resolve("index/CURRENT")));
    }

    @Test
    void addingNewFacesKeepsTheTrainingAndForgettingRemovesThemEverywhere(@TempDir Path tmp) throws Exception {
        String first = faces(tmp, 3000, 2000, "faces-1");
        String all = faces(tmp, 3000, 3000, "faces-2");
        String root = tmp.resolve("index").toString();
        IndexManifest v1 = IndexBuilder.build(spark, cfg, new IndexBuilder.Request(first, root, "", 3));
        assertEquals(2000, v1.vectors());
        IndexManifest v2 = IndexBuilder.build(spark, cfg, new IndexBuilder.Request(all, root, "", 0, true));
        assertEquals(3000, v2.vectors());
        assertEquals(v1.version(), v2.basedOn(), "incremental, not retrained");
        assertEquals(new IndexManifest.Change("sync", 1000, 0, 0), v2.change(), "what the sync did, in its manifest");
        assertEquals(null, v1.change(), "a full build changes nothing: it replaces");
        assertEquals(v2.change(), IndexManifest.fromJson(Files.readString(tmp.resolve("index/" + v2.version()
                + "/manifest.json"))).change());
        assertEquals(v1.factory(), v2.factory());
        assertEquals(v1.trainingSample(), v2.trainingSample());
        assertTrue(v2.imbalance() >= 1 && v2.imbalance() < cfg.getDouble("index.max_imbalance"), "" + v2.imbalance());
        IndexManifest same = IndexBuilder.build(spark, cfg, new IndexBuilder.Request(all, root, "", 0, true));
        assertEquals(v2.version(), same.version(), "nothing new: nothing published");

        HadoopFiles files = new HadoopFiles(spark.sparkContext().hadoopConfiguration());
        float[] q = embeddingOf(all, "f2500");
        try (IndexSearcher s = IndexSearcher.open(files, root, tmp.resolve("cache"))) {
            assertEquals("f2500", s.search(q, 1, 0).get(0).faceId(), "a face added incrementally is found");
        }
        IndexEditor.Forgotten f = IndexEditor.forget(files, root, e -> "img2500".equals(e.imageId()), "image img2500",
                "test");
        assertEquals(1, f.removed());
        try (IndexSearcher s = IndexSearcher.open(files, root, tmp.resolve("cache"))) {
            assertEquals(2999, s.manifest().vectors());
            assertTrue(s.search(q, 20, 64).stream().noneMatch(h -> "f2500".equals(h.faceId())), "forgotten");
        }
        String log = Files.readString(tmp.resolve("index/forget-log.jsonl"));
        assertTrue(log.contains("\"what\":\"image img2500\"") && log.contains("\"removed\":1"), log);
        try (IndexSearcher s = IndexSearcher.open(files, root, tmp.resolve("cache"))) {
            assertTrue(s.manifest().version().equals(f.version()));
            // Older versions still held the face: they are gone, but for the shards the new one shares.
            assertFalse(Files.exists(tmp.resolve("index").resolve(v1.version()).resolve("manifest.json")));
            assertFalse(Files.exists(tmp.resolve("index").resolve(v2.version()).resolve("manifest.json")));
            java.util.Set<String> onDisk = new java.util.TreeSet<>();
            try (var walk = Files.walk(tmp.resolve("index"))) {
                walk.filter(p -> p.toString().endsWith(".faiss")).forEach(p -> onDisk.add(p.toUri().getPath()));
            }
            java.util.Set<String> named = new java.util.TreeSet<>();
            for (IndexManifest.Shard sh : s.manifest().shards()) named.add(Path.of(sh.file().replaceFirst("^file:", "")).toUri().getPath());
            assertEquals(named, onDisk, "every shard file left is one the published version names");
        }
    }

    @Test
    void theNightlySyncHoldsExactlyTheLiveUnforgottenFacesAndNothingComesBack(@TempDir Path tmp) throws Exception {
        Config c = Config.builder().set("job.spark_master", "local[2]", "test").set("index.recall_queries", "200", "test")
                .set("optout.store", tmp.resolve("store").toString(), "test").build();
        Path data = tmp.resolve("data");
        Files.createDirectories(data);
        String faces = faces(data, 600, 600, "faces");
        String root = tmp.resolve("index").toString();
        // Near-duplicate copies at other URLs: of f10 (two, the better one should stand in) and of f7.
        List<Row> copies = List.of(copy("f10copy", "f10", 0.7f, faces), copy("f10copy2", "f10", 0.5f, faces),
                copy("f7copy", "f7", 0.9f, faces));
        spark.createDataFrame(copies, FACES).write().mode("append").parquet(faces);
        IndexManifest v1 = IndexBuilder.build(spark, c, new IndexBuilder.Request(faces, root, "", 2, true));
        assertEquals(600, v1.vectors(), "one face a group while its canonical image is live");
        HadoopFiles files = new HadoopFiles(spark.sparkContext().hadoopConfiguration());

        // A forget: the face leaves the index and its tombstone keeps it out of every later sync.
        IndexEditor.forget(files, root, e -> "f7".equals(e.faceId()), "face f7", "test");
        Tombstones.append(files, tmp.resolve("store").toString(),
                List.of(new Tombstones.Tombstone(Tombstones.Kind.FACE, "f7")), "test");
        IndexEditor.forget(files, root, e -> "f20".equals(e.faceId()), "face f20", "test");
        Tombstones.append(files, tmp.resolve("store").toString(),
                List.of(new Tombstones.Tombstone(Tombstones.Kind.FACE, "f20")), "test");
        String afterForgets = files.readString(root + "/CURRENT").strip();
        assertEquals(new IndexManifest.Change("forget", 0, 1, 2), IndexManifest.fromJson(files.readString(root + "/"
                + afterForgets + "/manifest.json")).change(), "two forgets in a row: the second counts both");
        // The live view: img10's only URL died; img11's first URL died but a copy lives on elsewhere;
        // img12's URL is forgotten; images the view never mentions stay live.
        List<Row> view = List.of(
                RowFactory.create("http://example.test/10.jpg", "img10", false, 2L),
                RowFactory.create("http://example.test/10.jpg", "img10", true, 1L),
                RowFactory.create("http://example.test/11.jpg", "img11", false, 2L),
                RowFactory.create("http://mirror.test/11.jpg", "img11", true, 2L),
                RowFactory.create("http://example.test/13.jpg", "img13", true, 2L));
        spark.createDataFrame(view, new StructType().add("source", DataTypes.StringType)
                        .add("image_id", DataTypes.StringType).add("live", DataTypes.BooleanType)
                        .add("as_of", DataTypes.LongType))
                .write().parquet(data.resolve("sources/input=a").toString());
        Tombstones.append(files, tmp.resolve("store").toString(),
                List.of(new Tombstones.Tombstone(Tombstones.Kind.URL, "http://example.test/12.jpg")), "test");

        IndexManifest v2 = IndexBuilder.build(spark, c, new IndexBuilder.Request(faces, root, "", 0, true));
        assertEquals(597, v2.vectors(), "f7 and f20 forgotten (f7's copy too), f10 gone (its best copy stands in),"
                + " f12's URL forgotten; nothing else");
        assertEquals("sync", v2.change().by());
        assertEquals(2, v2.change().forgotten(), "the forgets since the last build, apart from what the sync removed: "
                + v2.change());
        assertEquals(200, v2.recallQueries(), "measured again on fresh queries");
        assertEquals(1.0, v2.recallAt10(), 1e-9);
        assertEquals("IDMap,Flat", v2.factory());
        Map<String, String> indexed = new HashMap<>();
        for (IndexManifest.Shard sh : v2.shards()) {
            for (Sidecars.Entry e : Sidecars.read(files, sh.sidecar())) indexed.put(e.faceId(), e.source());
        }
        assertEquals(597, indexed.size());
        assertTrue(!indexed.containsKey("f7") && !indexed.containsKey("f20") && !indexed.containsKey("f10") && !indexed.containsKey("f12"));
        assertTrue(!indexed.containsKey("f7copy") && !indexed.containsKey("f10copy2"), indexed.keySet().toString());
        assertEquals("http://mirror.test/f10copy.jpg", indexed.get("f10copy"), "the copy still on the web");
        assertEquals("http://mirror.test/11.jpg", indexed.get("f11"), "a face keeps the URL that still serves it");
        assertEquals("http://example.test/13.jpg", indexed.get("f13"));
        try (IndexSearcher s = IndexSearcher.open(files, root, tmp.resolve("cache"))) {
            assertEquals(v2.version(), s.manifest().version());
            assertEquals(597, s.manifest().shards().stream().mapToLong(IndexManifest.Shard::count).sum());
            assertTrue(s.search(embeddingOf(faces, "f7"), 5, 0).stream().noneMatch(h -> "f7".equals(h.faceId())));
            assertEquals("f11", s.search(embeddingOf(faces, "f11"), 1, 0).get(0).faceId());
        }
        IndexManifest v3 = IndexBuilder.build(spark, c, new IndexBuilder.Request(faces, root, "", 0, true));
        assertEquals(v2.version(), v3.version(), "a second sync with nothing new publishes nothing");
        IndexManifest rebuilt = IndexBuilder.build(spark, c, new IndexBuilder.Request(faces, root, "", 2));
        assertEquals(597, rebuilt.vectors(), "a full rebuild applies the same rule");
    }

    @Test
    void theThresholdRuleAndTheStrangersQuantile() {
        assertEquals(0.40, IndexBuilder.threshold(0.40, 0.55, 999, 1000), 1e-12, "too few pairs: verify.threshold");
        assertEquals(0.55, IndexBuilder.threshold(0.40, 0.55, 1000, 1000), 1e-12, "enough: raised to the quantile");
        assertEquals(0.40, IndexBuilder.threshold(0.40, 0.20, 5000, 1000), 1e-12, "never lowered");
        assertEquals(0.40, IndexBuilder.threshold(0.40, Double.NaN, 5000, 1000), 1e-12, "no quantile: unchanged");
        // Four 2-d unit vectors; images a, a, b, c: the pair within image a is not a stranger pair.
        float[] q = {1, 0, 1, 0, 0, 1, 0.6f, 0.8f};
        String[] images = {"a", "a", "b", "c"};
        // Stranger scores: (0,2)=0 (0,3)=0.6 (1,2)=0 (1,3)=0.6 (2,3)=0.8, sorted 0 0 0.6 0.6 0.8.
        assertEquals(0.8, IndexBuilder.impostorQuantile(q, images, 2, 0.999), 1e-6);
        assertEquals(0.6, IndexBuilder.impostorQuantile(q, images, 2, 0.5), 1e-6);
        assertTrue(Double.isNaN(IndexBuilder.impostorQuantile(q, new String[] {"a", "a", "a", "a"}, 2, 0.999)));
    }

    /** A non-canonical member of {@code canonical}'s group: its embedding, another image at another URL. */
    private static Row copy(String id, String canonical, float quality, String faces) {
        List<Float> v = new ArrayList<>();
        for (float f : embeddingOf(faces, canonical)) v.add(f);
        return RowFactory.create(id, (long) id.hashCode() & 0xffffffL, "img-" + id, "http://mirror.test/" + id + ".jpg",
                "ok", false, MODEL, scala.jdk.javaapi.CollectionConverters.asScala(v).toList(), canonical, quality);
    }

    private static float[] embeddingOf(String faces, String id) {
        Row r = spark.read().parquet(faces).where("face_id = '" + id + "'").select("embedding").first();
        List<Object> l = r.getList(0);
        float[] v = new float[l.size()];
        for (int i = 0; i < v.length; i++) v[i] = ((Number) l.get(i)).floatValue();
        return v;
    }
}
