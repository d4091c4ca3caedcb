package dev.facepipe.ingest;

import static dev.facepipe.testing.Fixtures.DEBIAN;
import static dev.facepipe.testing.Fixtures.IDENTITIES;
import static dev.facepipe.testing.Fixtures.ROOT;
import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facepipe.core.config.Config;
import dev.facepipe.core.config.NativeEnv;
import dev.facepipe.core.schema.CrawlStatus;
import dev.facepipe.core.schema.Schemas;
import dev.facepipe.storage.AvroParquetFiles;
import dev.facepipe.storage.ContentHash;
import dev.facepipe.storage.CrawlLayout;
import dev.facepipe.storage.HadoopFiles;
import dev.facepipe.storage.JobLease;
import dev.facepipe.storage.Sparks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ingest job in Spark local mode on real photos and broken files. */
class IngestJobTest {
    private static SparkSession spark;
    private static Config cfg;

    @BeforeAll
    static void start() {
        cfg = Config.builder().set("models.dir", ROOT.resolve("models").toString(), "test")
                .set("job.spark_master", "local[2]", "test").build();
        spark = Sparks.session(cfg, "ingest-test");
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    /** Executors read job.native_env (OPENBLAS_THREAD_TIMEOUT) only as they start: the driver's session passes it. */
    @Test
    void theSessionGivesItsExecutorsConfsNativeEnvironment() {
        Map<String, String> want = NativeEnv.effective(cfg, System.getenv());
        assertFalse(want.isEmpty(), "job.native_env");
        want.forEach((k, v) -> assertEquals(v, spark.sparkContext().getConf().get("spark.executorEnv." + k, "unset"), k));
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to.getParent());
        Files.copy(from, to);
    }

    /** The photo at half size, re-encoded at quality 70: a near-duplicate, not the same bytes. */
    private static byte[] shrunk(Path p) {
        org.bytedeco.opencv.opencv_core.Mat m = org.bytedeco.opencv.global.opencv_imgcodecs.imread(p.toString());
        org.bytedeco.opencv.opencv_core.Mat s = new org.bytedeco.opencv.opencv_core.Mat();
        org.bytedeco.opencv.global.opencv_imgproc.resize(m, s, new org.bytedeco.opencv.opencv_core.Size(
                m.cols() / 2, m.rows() / 2));
        org.bytedeco.javacpp.BytePointer out = new org.bytedeco.javacpp.BytePointer();
        org.bytedeco.opencv.global.opencv_imgcodecs.imencode(".jpg", s, out, new org.bytedeco.javacpp.IntPointer(
                org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_QUALITY, 70));
        byte[] b = new byte[(int) out.limit()];
        out.get(b);
        return b;
    }

    private static Path inputs(Path dir) throws IOException {
        Path in = dir.resolve("in");
        copy(IDENTITIES.resolve("obama_1.jpg"), in.resolve("a/obama_1.jpg"));
        copy(IDENTITIES.resolve("obama_2.jpg"), in.resolve("a/obama_2.jpg"));
        copy(IDENTITIES.resolve("biden_1.jpg"), in.resolve("b/biden_1.jpg"));
        copy(DEBIAN.resolve("grace_hopper.jpg"), in.resolve("b/hopper.jpg"));
        copy(DEBIAN.resolve("ice_block_640.jpg"), in.resolve("c/ice.jpg"));
        copy(IDENTITIES.resolve("obama_1.jpg"), in.resolve("c/copy-of-obama.jpg"));
        byte[] hopper = Files.readAllBytes(DEBIAN.resolve("grace_hopper.jpg"));
        Files.write(in.resolve("c/truncated.jpg"), Arrays.copyOf(hopper, hopper.length / 2));
        Files.write(in.resolve("c/empty.jpg"), new byte[0]);
        Files.writeString(in.resolve(".hidden"), "not an input");
        Files.write(in.resolve("b/obama_2_small.jpg"), shrunk(IDENTITIES.resolve("obama_2.jpg")));
        return in;
    }

    /** An ingest of a crawl holds a lease on the root while it runs (gc deletes none of its originals then), then ends it. */
    @Test
    void anIngestOfACrawlHoldsALeaseOnItWhileItRuns(@TempDir Path tmp) throws Exception {
        HadoopFiles files = new HadoopFiles(new org.apache.hadoop.conf.Configuration());
        String crawl = tmp.resolve("crawl").toString();
        CrawlLayout layout = new CrawlLayout(crawl);
        byte[] photo = Files.readAllBytes(IDENTITIES.resolve("obama_1.jpg"));
        String sha = ContentHash.sha256Hex(photo);
        copy(IDENTITIES.resolve("obama_1.jpg"), Path.of(layout.blob(sha)));
        org.apache.avro.generic.GenericRecord m = new org.apache.avro.generic.GenericData.Record(Schemas.CRAWL);
        m.put("url", "http://example.org/obama.jpg");
        m.put("status", CrawlStatus.FETCHED.symbol());
        m.put("bytes", (long) photo.length);
        m.put("sha256", sha);
        m.put("blob", layout.blob(sha));
        m.put("fetched_at", 0L);
        AvroParquetFiles.replace(files, layout.manifest("c1"), Schemas.CRAWL, List.of(m));
        layout.declare(files);
        java.util.concurrent.atomic.AtomicInteger most = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread watch = new Thread(() -> {
            while (running.get()) {
                most.accumulateAndGet(JobLease.held(files, crawl, System.currentTimeMillis(), 60_000).size(), Math::max);
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        watch.start();
        try {
            assertEquals(1, IngestJob.run(spark, cfg, crawl, tmp.resolve("out").toString(), "r1").imagesOk());
        } finally {
            running.set(false);
            watch.join();
        }
        assertEquals(1, most.get(), "the run held one lease on the crawl");
        assertEquals(List.of(), JobLease.held(files, crawl, System.currentTimeMillis(), 60_000), "and ended it");
    }

    /** A folder of photos that has a folder named "manifests" (a photographer's own) is read as photos, not as a crawl. */
    @Test
    void aPhotoFolderWithAManifestsFolderIsPhotosNotACrawl(@TempDir Path tmp) throws IOException {
        Path in = tmp.resolve("in");
        copy(IDENTITIES.resolve("obama_1.jpg"), in.resolve("manifests/obama_1.jpg"));
        copy(IDENTITIES.resolve("biden_1.jpg"), in.resolve("biden_1.jpg"));
        RunManifest m = IngestJob.run(spark, cfg, in.toString(), tmp.resolve("out").toString(), "r1");
        assertEquals(2, m.inputs(), m.summary());
        assertEquals(2, m.imagesOk(), m.summary());
    }

    /** A run that asks for CUDA where none starts runs on the CPU, and its manifest and report say so. */
    @Test
    void aRunAskingForCudaThatRanOnTheCpuSaysSoAndAlarms(@TempDir Path tmp) throws IOException {
        if (Files.exists(Path.of("/dev/nvidia0"))) return; // there the models do run on CUDA
        Path in = tmp.resolve("in");
        copy(IDENTITIES.resolve("obama_1.jpg"), in.resolve("obama_1.jpg"));
        copy(IDENTITIES.resolve("biden_1.jpg"), in.resolve("biden_1.jpg"));
        RunManifest m = IngestJob.run(spark, cfg.with("onnx.device", "cuda", "test"), in.toString(),
                tmp.resolve("out").toString(), "r1");
        assertEquals(2, m.imagesOk(), m.summary());
        assertEquals("cuda", m.engineTime().device());
        assertEquals(Map.of("cpu", 2L), m.engineTime().devices());
        assertTrue(m.summary().contains(", 2 on the CPU instead of CUDA)"), m.summary());
        String report = Files.readString(tmp.resolve("out/runs/run_id=r1/report.json"));
        assertTrue(report.contains("images_on_cpu_instead_of_cuda"), report);
    }

    @Test
    void everyInputEndsAsOneRowAndReRunsReplaceTheirRun(@TempDir Path tmp) throws IOException {
        Path in = inputs(tmp);
        String out = tmp.resolve("out").toString();
        RunManifest m = IngestJob.run(spark, cfg, in.toString(), out, "r1");
        assertEquals(9, m.inputs());
        assertEquals(0, m.alreadyIngested());
        assertEquals(1, m.duplicateInputs(), "the second copy of obama_1");
        assertEquals(8, m.imageRows());
        assertEquals(5, m.imagesOk());
        assertEquals(Map.of("empty", 1L, "no_face", 1L, "truncated", 1L), m.rejectedByReason());
        assertTrue(m.reconciles(), m.summary());
        assertTrue(m.facesOk() >= 4, m.summary());

        Dataset<Row> images = spark.read().parquet(out + "/images");
        assertEquals(8, images.count());
        Row small = images.where(col("source").endsWith("obama_2_small.jpg")).first();
        Row big = images.where(col("source").endsWith("a/obama_2.jpg")).first();
        assertEquals(big.<String>getAs("image_id"), small.getAs("duplicate_of"), "near-duplicate points to the larger copy");
        assertEquals(1, images.where(col("duplicate_of").isNotNull()).count());
        assertTrue(big.<String>getAs("blob").endsWith("a/obama_2.jpg"), "where its bytes are: " + big);
        assertEquals(0, images.where(col("image_id").isNotNull().and(col("blob").isNull())).count(),
                "every image read keeps where its bytes are");
        // Its face is a near-duplicate of the full-size photo's face: one group, one canonical face.
        Dataset<Row> all = spark.read().parquet(out + "/faces").where(col("status").equalTo("ok"));
        Row smallFace = all.where(col("source").endsWith("obama_2_small.jpg")).first();
        Row bigFace = all.where(col("source").endsWith("a/obama_2.jpg")).first();
        assertEquals(smallFace.<String>getAs("cluster_id"), bigFace.<String>getAs("cluster_id"));
        assertTrue(smallFace.<Boolean>getAs("canonical") ^ bigFace.<Boolean>getAs("canonical"), "exactly one canonical");
        assertEquals(all.count() - 1, all.where(col("canonical")).count(), "only that pair is grouped");
        Dataset<Row> faces = spark.read().parquet(out + "/faces").where(col("status").equalTo("ok"));
        List<Row> ok = faces.collectAsList();
        for (Row f : ok) {
            List<Float> e = f.getList(f.fieldIndex("embedding"));
            assertEquals(512, e.size());
            double n = 0;
            for (float x : e) n += x * x;
            assertEquals(1.0, n, 1e-3);
            assertTrue(f.<String>getAs("model_id").startsWith("fr_feature-"));
        }
        Set<String> ids1 = ok.stream().map(r -> r.<String>getAs("face_id")).collect(Collectors.toSet());
        assertEquals(ok.size(), ids1.size(), "face ids are unique");
        String report = Files.readString(tmp.resolve("out/runs/run_id=r1/report.json"));
        assertTrue(report.contains("\"status\" : \"ok\""), report);
        String html = Files.readString(tmp.resolve("out/runs/run_id=r1/report.html"));
        assertTrue(html.contains("<svg id=quality"));
        // A crop for every accepted face (up to report.sample_faces), plus the near-duplicate pair's row.
        assertTrue(ok.size() <= 24);
        assertEquals(ok.size() + 2, html.split("data:image/jpeg;base64,", -1).length - 1, html.length() + " chars");
        assertEquals(1, html.split("<div class=group>", -1).length - 1);
        // The manifest's figures (folded in one pass over the engine's output) agree with the tables.
        Dataset<Row> runFaces = spark.read().parquet(out + "/faces").where(col("run_id").equalTo("r1"));
        assertEquals(runFaces.count(), m.faceRows());
        assertEquals(ok.size(), m.facesOk());
        assertEquals(runFaces.where(col("quality").isNotNull()).count(), java.util.Arrays.stream(m.qualityHistogram()).sum());
        assertEquals(runFaces.count(), java.util.Arrays.stream(m.detScoreHistogram()).sum());
        assertEquals(runFaces.agg(org.apache.spark.sql.functions.avg("quality")).first().getDouble(0), m.meanQuality(), 1e-6);
        assertEquals(images.agg(org.apache.spark.sql.functions.sum("bytes")).first().getLong(0), m.bytesIn());
        assertEquals(List.of("prepare", "engine", "images", "faces", "tables", "sources"),
                List.copyOf(m.phaseSeconds().keySet()));
        // Where the engine's time went, a mean per image it saw (all 8: its header check refuses the empty and
        // truncated files).
        RunManifest.EngineTime et = m.engineTime();
        assertEquals(m.imageRows(), et.images(), et.toString());
        assertEquals(1, et.decodedTwice(), "biden_1 (2204 px tall) is detected on a 1/2 decode, and its face, under"
                + " image.full_res_face_px there, is cropped from a second, full one: " + et);
        assertTrue(et.msPerImage().get("decode") > 0 && et.msPerImage().get("full_decode") > 0, et.toString());
        assertTrue(et.modelMsPerImage().get("detect") > 0 && et.modelMsPerImage().get("embed") > 0, et.toString());
        assertTrue(et.msPerImage().get("embed") >= et.modelMsPerImage().get("embed"), et.toString());
        assertTrue(m.summary().contains("(1 of 8 decoded twice)"), m.summary());
        assertEquals("cpu", et.device());
        assertEquals(Map.of("cpu", 8L), et.devices(), "where the models ran, by image");
        assertFalse(m.summary().contains(";"), "the nightly summary joins its steps' lines with ';': " + m.summary());
        // The live view: every readable file under the folder is a live source of its image.
        Dataset<Row> view = spark.read().parquet(out + "/sources");
        assertEquals(1, view.select("input").distinct().count(), "one snapshot for the one input root");
        assertEquals(9, view.where(col("live")).count(), "each file, the exact copy too");
        assertEquals(8, view.select("image_id").distinct().count());
        // Embeddings are written without a dictionary (their floats never repeat); ids keep theirs.
        Path faceFile;
        try (var files = Files.walk(tmp.resolve("out/faces/run_id=r1"))) {
            faceFile = files.filter(p -> p.toString().endsWith(".parquet")).findFirst().orElseThrow();
        }
        try (var reader = org.apache.parquet.hadoop.ParquetFileReader.open(org.apache.parquet.hadoop.util.HadoopInputFile
                .fromPath(new org.apache.hadoop.fs.Path(faceFile.toString()), new org.apache.hadoop.conf.Configuration()))) {
            Map<String, Boolean> dictionary = new java.util.TreeMap<>();
            for (var c : reader.getFooter().getBlocks().get(0).getColumns()) {
                dictionary.put(c.getPath().toDotString(), c.hasDictionaryPage());
            }
            assertEquals(false, dictionary.get("embedding.list.element"), dictionary.toString());
            assertEquals(true, dictionary.get("model_id"), dictionary.toString());
        }
        String manifest = Files.readString(tmp.resolve("out/runs/run_id=r1/manifest.json"));
        assertTrue(manifest.contains("\"rejected_by_reason\"") && manifest.contains("fr_feature-87aacdfe"), manifest);
        assertEquals(et, RunManifest.fromJson(manifest).engineTime(), "engine_time read back: " + manifest);

        // Same run again: replaced, not appended; same face ids.
        RunManifest again = IngestJob.run(spark, cfg, in.toString(), out, "r1");
        assertEquals(8, again.imageRows());
        assertEquals(8, spark.read().parquet(out + "/images").count());
        Set<String> ids2 = spark.read().parquet(out + "/faces").where(col("status").equalTo("ok"))
                .select("face_id").collectAsList().stream().map(r -> r.getString(0)).collect(Collectors.toSet());
        assertEquals(ids1, ids2, "deterministic face ids");

        // A later run sees only what is new.
        copy(DEBIAN.resolve("astronaut.png"), in.resolve("d/astronaut.png"));
        RunManifest next = IngestJob.run(spark, cfg, in.toString(), out, "r2");
        assertEquals(10, next.inputs());
        assertEquals(9, next.alreadyIngested(), "eight known images, one of them twice");
        assertEquals(1, next.imageRows());
        assertTrue(next.reconciles(), next.summary());
        assertEquals(9, spark.read().parquet(out + "/images").count());
        assertEquals(new HashSet<>(List.of("r1", "r2")), new HashSet<>(spark.read().parquet(out + "/images")
                .select("run_id").distinct().collectAsList().stream().map(r -> r.get(0).toString()).toList()));
    }

    /**
     * Dedup inside a run and against an earlier run gives the same duplicate_of, clusters and
     * canonical faces whether the driver holds the hashes and embeddings (gathered by the stats
     * pass), or the budget is zero or smaller than a partition's share and Spark does the work.
     */
    @Test
    void driverAndSparkDedupAgree(@TempDir Path tmp) throws IOException {
        Path in = inputs(tmp);
        Path small = in.resolve("b/obama_2_small.jpg");
        byte[] smallBytes = Files.readAllBytes(small);
        Files.delete(small);
        Map<String, Config> configs = new java.util.LinkedHashMap<>();
        configs.put("driver", cfg);
        configs.put("spark", cfg.with("dedup.local_max_images", "0", "test").with("dedup.local_max_faces", "0", "test"));
        configs.put("over-share", cfg.with("dedup.local_max_images", "1", "test").with("dedup.local_max_faces", "1", "test"));
        Map<String, List<String>> results = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, Config> c : configs.entrySet()) {
            String out = tmp.resolve("out-" + c.getKey()).toString();
            if (Files.exists(small)) Files.delete(small);
            IngestJob.run(spark, c.getValue(), in.toString(), out, "r1");
            Files.write(small, smallBytes); // the near-duplicate arrives in a later run
            RunManifest m = IngestJob.run(spark, c.getValue(), in.toString(), out, "r2");
            assertEquals(1, m.imageRows(), c.getKey());
            Dataset<Row> images = spark.read().parquet(out + "/images");
            assertEquals(images.where(col("source").endsWith("a/obama_2.jpg")).first().<String>getAs("image_id"),
                    images.where(col("source").endsWith("obama_2_small.jpg")).first().getAs("duplicate_of"),
                    c.getKey() + ": the later copy points to the earlier, larger one");
            Dataset<Row> faces = spark.read().parquet(out + "/faces").where(col("status").equalTo("ok"));
            Row smallFace = faces.where(col("source").endsWith("obama_2_small.jpg")).first();
            assertEquals(faces.where(col("source").endsWith("a/obama_2.jpg")).first().<String>getAs("face_id"),
                    smallFace.getAs("cluster_id"), c.getKey() + ": the later face joins the earlier, better face's group");
            assertEquals(false, smallFace.getAs("canonical"));
            List<String> rows = new java.util.ArrayList<>();
            for (Row r : images.select("image_id", "duplicate_of").orderBy("image_id").collectAsList()) {
                rows.add(r.mkString(" "));
            }
            for (Row r : spark.read().parquet(out + "/faces").select("face_id", "cluster_id", "canonical")
                    .orderBy("face_id").collectAsList()) {
                rows.add(r.mkString(" "));
            }
            // The report shows the group the later face joined (with its one face of this run).
            String html = Files.readString(Path.of(out, "runs/run_id=r2/report.html"));
            assertEquals(1, html.split("<div class=group>", -1).length - 1, c.getKey());
            rows.add("crops " + (html.split("data:image/jpeg;base64,", -1).length - 1));
            results.put(c.getKey(), rows);
        }
        assertEquals(results.get("driver"), results.get("spark"));
        assertEquals(results.get("driver"), results.get("over-share"));
    }
}
