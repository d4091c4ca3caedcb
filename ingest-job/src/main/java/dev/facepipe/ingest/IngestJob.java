package dev.facepipe.ingest;

import dev.facepipe.storage.ContentHash;
import dev.facepipe.storage.HadoopFiles;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import dev.facepipe.core.RejectReason;
import dev.facepipe.core.config.Config;
import dev.facepipe.core.engine.FaceEngine;
import dev.facepipe.core.engine.ImageResult;
import dev.facepipe.core.model.ModelSpec;
import dev.facepipe.dedup.FaceDuplicates;
import dev.facepipe.dedup.ImageDuplicates;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * The nightly ingest: new images (by sha256) through the face engine into the images and faces
 * tables, partitioned by run. Re-running a run id replaces that run's partitions in one commit
 * (Spark's dynamic partition overwrite), so a killed run leaves nothing half-written behind.
 */
public final class IngestJob {
    private static final Logger LOG = LoggerFactory.getLogger(IngestJob.class);
    private IngestJob() {}

    /** Where a run writes: OUT/images, OUT/faces (partitioned by run_id) and OUT/runs/run_id=R/manifest.json. */
    public record Layout(String out) {
        public String images() {
            return out + "/images";
        }

        public String faces() {
            return out + "/faces";
        }

        public String manifest(String runId) {
            return runFolder(runId) + "/manifest.json";
        }

        public String runFolder(String runId) {
            return out + "/runs/run_id=" + runId;
        }

        public String report(String runId) {
            return runFolder(runId) + "/report.json";
        }
    }

    public static RunManifest run(SparkSession spark, Config cfg, String input, String out, String runId) {
        long t0 = System.currentTimeMillis();
        if (!runId.matches("[A-Za-z0-9_.-]+")) {
            throw new IllegalArgumentException("run id '" + runId + "' may hold letters, digits, '.', '_' and '-' only");
        }
        Layout layout = new Layout(out);
        Phases phases = new Phases();
        // Executors resolve nothing against their own working directory: ship absolute paths.
        Config shipped = cfg.with("models.dir", cfg.getPath("models.dir").toString(), "driver");
        // In local mode the executor is this JVM: load the models while the inputs are listed and hashed.
        if (spark.sparkContext().isLocal()) EngineHolder.preload(shipped);
        HadoopFiles files = new HadoopFiles(spark.sparkContext().hadoopConfiguration());
        Broadcast<HadoopFiles> bFiles = spark.sparkContext().broadcast(files,
                scala.reflect.ClassTag$.MODULE$.apply(HadoopFiles.class));
        Broadcast<Config> bCfg = spark.sparkContext().broadcast(shipped,
                scala.reflect.ClassTag$.MODULE$.apply(Config.class));
        OptOutList optOut = OptOutList.load(files, cfg, ModelSpec.fromConfig(cfg, cfg.getString("embed.model")).id());
        Broadcast<OptOutList> bOptOut = spark.sparkContext().broadcast(optOut,
                scala.reflect.ClassTag$.MODULE$.apply(OptOutList.class));

        // A crawl output (it has manifests/) gives URLs and sha256s without reading any bytes;
        // anything else is a folder of image files to hash.
        boolean crawl = files.exists(input + "/manifests");
        long maxBytes = cfg.getLong("image.max_bytes");
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        JavaRDD<Row> hashed;
        int inputs;
        int parts;
        if (crawl) {
            hashed = spark.read().parquet(input + "/manifests").where(col("status").equalTo("fetched"))
                    .select(col("url").as("source"), col("sha256").as("image_id"), col("bytes"),
                            lit(null).cast("string").as("error"), col("blob"), col("page_url"))
                    .javaRDD().persist(StorageLevel.MEMORY_AND_DISK());
            inputs = (int) hashed.count();
            parts = partitions(spark, cfg, inputs);
        } else {
            List<String> paths = files.listFiles(input);
            inputs = paths.size();
            parts = partitions(spark, cfg, inputs);
            hashed = jsc.parallelize(paths, parts)
                    .mapPartitions(it -> hash(it, bFiles.value(), maxBytes)).persist(StorageLevel.MEMORY_AND_DISK());
            // Hash on the executors while the driver plans the rest (the engine pass reuses the cached
            // hashes; a task needing a partition still being hashed waits for it, never hashes it twice).
            JavaRDD<Row> toHash = hashed;
            Thread t = new Thread(() -> {
                try {
                    toHash.count();
                } catch (RuntimeException e) {
                    LOG.debug("early hashing failed; the engine pass hashes what is missing: {}", e.toString());
                }
            }, "facepipe-ingest-hash");
            t.setDaemon(true);
            t.start();
        }
        LOG.info("run {}: {} inputs from {} {}", runId, inputs, crawl ? "the crawl manifests under" : "the files under",
                input);

        // Plain RDD steps up to the engine: one shuffle merges exact copies and drops images an
        // earlier run ingested, with no query planning in between.
        JavaPairRDD<String, Pending> pending = hashed.mapToPair(r -> {
            Pending p = Pending.of(r);
            return new Tuple2<>(p.key(), p);
        });
        if (files.hasData(layout.images())) {
            pending = pending.union(spark.read().parquet(layout.images()).where(col("run_id").notEqual(runId))
                    .select("image_id").javaRDD().mapToPair(r -> new Tuple2<>(r.getString(0),
                            Pending.known(r.getString(0)))));
        }
        JavaRDD<Pending> unique = pending.reduceByKey(Pending::merge, parts).values().filter(p -> !p.known());

        long nowMs = System.currentTimeMillis();
        org.apache.spark.util.LongAccumulator doneImages = spark.sparkContext().longAccumulator("images");
        org.apache.spark.util.LongAccumulator doneFaces = spark.sparkContext().longAccumulator("faces");
        org.apache.spark.util.LongAccumulator doneRejects = spark.sparkContext().longAccumulator("rejected");
        Progress progress = Progress.start(runId, cfg.getInt("ingest.progress_seconds"), doneImages, doneFaces,
                doneRejects);
        JavaRDD<Row> engineRows = unique.mapPartitions(it -> tally(process(it, bFiles.value(), bCfg.value(),
                bOptOut.value(), nowMs), doneImages, doneFaces, doneRejects));
        org.apache.spark.resource.ResourceProfile profile = engineProfile(spark, cfg);
        // Stage-level scheduling: the engine stage alone asks for GPUs.
        if (profile != null) engineRows = engineRows.withResources(profile);
        // Cached as the engine's rows, not as a Dataset: no query is planned or encoded before the
        // engine starts. One array a partition: Spark sizes a cached partition by walking its objects
        // again each time it grows by a tenth (every row ~11 times, as much Java time as the engine's
        // own); one value is walked once.
        JavaRDD<Row[]> cached = engineRows.mapPartitions(it -> {
            List<Row> rows = new ArrayList<>();
            it.forEachRemaining(rows::add);
            return java.util.Collections.singletonList(rows.toArray(new Row[0])).iterator();
        }).persist(StorageLevel.MEMORY_AND_DISK());
        JavaRDD<Row> outcomes = cached.flatMap(a -> java.util.Arrays.asList(a).iterator());
        phases.lap("prepare");
        // The engine pass (while the progress line reports), folded at once into the manifest's figures.
        int sampleFaces = cfg.getInt("report.sample_faces");
        // Each partition's share of the driver-side dedup's budget.
        int imageShare = cfg.getInt("dedup.local_max_images") / parts;
        int faceShare = cfg.getInt("dedup.local_max_faces") / parts;
        List<Tuple2<RunStats, DedupInputs>> folded = outcomes.mapPartitions(it -> {
            RunStats st = new RunStats(sampleFaces);
            DedupInputs d = new DedupInputs(imageShare, faceShare);
            it.forEachRemaining(r -> {
                st.add(r);
                d.add(r);
            });
            return List.of(new Tuple2<>(st, d)).iterator();
        }).collect();
        RunStats stats = new RunStats(sampleFaces);
        DedupInputs dedup = new DedupInputs(0, 0);
        for (Tuple2<RunStats, DedupInputs> t : folded) {
            stats.merge(t._1());
            dedup.merge(t._2());
        }
        progress.stop();
        phases.lap("engine");
        // The two tables are independent queries over the cached outcomes: written side by side, as
        // each leaves cores idle while the driver plans and commits. The faces side also renders the
        // report's crops once its groups are known. Dedup results the driver finds on its own (this
        // run's and earlier runs' rows within its budget: the usual nightly run) are set as each
        // table's rows are made, one scan of the cached rows, no join planned; above the budget,
        // Spark finds them and joins them in.
        AtomicLong facesNanos = new AtomicLong();
        CompletableFuture<RunReport.Samples> faceSide = CompletableFuture
                .supplyAsync(() -> {
                    long f0 = System.nanoTime();
                    RunReport.Samples samples = RunReport.Samples.none();
                    if (stats.faceRows > 0) {
                        List<Row> local = dedup.facesComplete
                                ? faceGroupsOnDriver(spark, cfg, files, layout, runId, dedup.faces) : null;
                        Dataset<Row> faces;
                        List<Member> grouped;
                        if (local != null) {
                            Map<String, OutcomeRows.Group> byFace = new java.util.HashMap<>();
                            for (Row g : local) byFace.put(g.getString(0), new OutcomeRows.Group(g.getString(1), g.getBoolean(2)));
                            Broadcast<Map<String, OutcomeRows.Group>> bGroups = jsc.broadcast(byFace);
                            faces = spark.createDataFrame(outcomes.flatMap(r -> OutcomeRows.faces(r, bGroups.value())),
                                    OutcomeRows.FACE);
                            grouped = membersOnDriver(local, dedup);
                        } else {
                            Dataset<Row> ungrouped = spark.createDataFrame(outcomes.flatMap(OutcomeRows::faces),
                                    OutcomeRows.FACE);
                            Dataset<Row> groups = faceGroups(spark, cfg, files, layout, runId, ungrouped);
                            faces = withGroups(ungrouped, groups);
                            grouped = membersInSpark(cfg, ungrouped, groups);
                        }
                        faces.withColumn("run_id", lit(runId))
                                .coalesce(fileCount(stats.faceRows, cfg.getLong("ingest.faces_per_file")))
                                // Embeddings never repeat a float: a dictionary only costs time, then is dropped.
                                .write().option("parquet.enable.dictionary#embedding.list.element", "false")
                                .mode(SaveMode.Overwrite).partitionBy("run_id").parquet(layout.faces());
                        samples = samples(cfg, files, stats, grouped, crawl ? hashed : null);
                    } else {
                        // Dynamic overwrite only replaces partitions it writes: clear an earlier attempt's faces.
                        files.delete(layout.faces() + "/run_id=" + runId);
                    }
                    facesNanos.set(System.nanoTime() - f0);
                    return samples;
                }, r -> new Thread(r, "facepipe-ingest-faces").start());
        long i0 = System.nanoTime();
        try {
            Map<String, String> dupOf = dedup.imagesComplete
                    ? duplicatesOnDriver(spark, cfg, files, layout, runId, dedup.images) : null;
            Dataset<Row> images;
            if (dupOf != null) {
                Broadcast<Map<String, String>> bDup = jsc.broadcast(dupOf);
                images = spark.createDataFrame(outcomes.map(r -> OutcomeRows.image(r, bDup.value())),
                        OutcomeRows.IMAGE);
            } else {
                images = withDuplicates(spark, cfg, files, layout, runId,
                        spark.createDataFrame(outcomes.map(OutcomeRows::image), OutcomeRows.IMAGE));
            }
            images.withColumn("run_id", lit(runId))
                    .coalesce(fileCount(stats.imageRows, cfg.getLong("ingest.images_per_file")))
                    .write().mode(SaveMode.Overwrite).partitionBy("run_id").parquet(layout.images());
        } catch (RuntimeException e) {
            faceSide.handle((x, t) -> null).join(); // nothing of this run goes on writing after it failed
            throw e;
        }
        long imagesNanos = System.nanoTime() - i0;
        RunReport.Samples samples;
        try {
            samples = faceSide.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : e;
        }
        phases.put("images", imagesNanos);
        phases.put("faces", facesNanos.get());
        phases.lap("tables");

        RunManifest m = manifest(cfg, runId, input, inputs, stats, t0, phases.copy());
        files.writeSmall(layout.manifest(runId), m.toJson().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        List<DriftCheck.Alarm> alarms = DriftCheck.check(m, previousRuns(files, layout, runId, cfg), cfg);
        RunReport.write(files, layout.runFolder(runId), m, alarms, samples);
        for (DriftCheck.Alarm a : alarms) LOG.warn("run {}: drift alarm: {}", runId, a.describe());
        hashed.unpersist();
        cached.unpersist();
        phases.lap("report");
        LOG.info("run {}: {}; phases (s) {}", runId, m.summary(), phases.seconds);
        return m;
    }

    /** The image dedup's settings (conf's dedup.image_* and the shared dedup.* keys). */
    private record ImageDedup(int bands, int tables, long seed, int maxHamming, boolean mirror, int localMax,
            int bucketMaxPairs) {
        static ImageDedup of(Config cfg) {
            return new ImageDedup(cfg.getInt("dedup.image_bands"), cfg.getInt("dedup.image_tables"),
                    cfg.getLong("dedup.seed"), cfg.getInt("dedup.image_max_hamming"),
                    cfg.getBoolean("dedup.image_mirror"), cfg.getInt("dedup.local_max_images"),
                    cfg.getInt("dedup.image_bucket_max_pairs"));
        }
    }

    /** The face dedup's settings (conf's dedup.face_* and the shared dedup.* keys). */
    private record FaceDedup(int bands, int bits, double minCosine, long seed, double sketchSd, int localMax) {
        static FaceDedup of(Config cfg) {
            return new FaceDedup(cfg.getInt("dedup.face_bands"), cfg.getInt("dedup.face_band_bits"),
                    cfg.getDouble("dedup.face_min_cosine"), cfg.getLong("dedup.seed"),
                    cfg.getDouble("dedup.face_sketch_sd"), cfg.getInt("dedup.local_max_faces"));
        }
    }

    /** Earlier runs' hash rows (image_id, phash, pixels, ingested_at), or null when there are none. */
    private static Dataset<Row> earlierHashes(SparkSession spark, HadoopFiles files, Layout layout, String runId) {
        if (!files.hasData(layout.images())) return null;
        return hashRows(spark.read().parquet(layout.images()).where(col("run_id").notEqual(runId)));
    }

    private static Dataset<Row> hashRows(Dataset<Row> images) {
        return images.select(col("image_id"), col("phash"), col("width").cast("long").multiply(col("height"))
                .as("pixels"), col("ingested_at"));
    }

    /** Earlier runs' accepted faces (face_id, embedding, quality), or null when there are none. */
    private static Dataset<Row> earlierFaces(SparkSession spark, HadoopFiles files, Layout layout, String runId) {
        if (!files.hasData(layout.faces())) return null;
        return spark.read().parquet(layout.faces()).where(col("run_id").notEqual(runId).and(col("status")
                .equalTo("ok"))).select("face_id", "embedding", "quality");
    }

    /**
     * duplicate_of by image id for this run's images, found on the driver from this run's hash rows
     * (gathered by the stats pass) and every earlier run's; null when together they are over the
     * driver's budget (then {@link #withDuplicates} finds them in Spark).
     */
    private static Map<String, String> duplicatesOnDriver(SparkSession spark, Config cfg, HadoopFiles files,
            Layout layout, String runId, List<Row> mine) {
        ImageDedup d = ImageDedup.of(cfg);
        Dataset<Row> earlier = earlierHashes(spark, files, layout, runId);
        List<Row> all = withinBudget(mine, earlier == null ? null : earlier.where(col("phash").isNotNull()),
                earlier == null ? null : Encoders.row(earlier.schema()), d.localMax());
        if (all == null) return null;
        java.util.Set<String> ours = new java.util.HashSet<>();
        for (Row r : mine) ours.add(r.getString(0));
        Map<String, String> dupOf = new java.util.HashMap<>();
        for (Row r : ImageDuplicates.duplicateOf(all, d.bands(), d.tables(), d.seed(), d.maxHamming(), d.mirror())) {
            if (ours.contains(r.getString(0))) dupOf.put(r.getString(0), r.getString(1));
        }
        return dupOf;
    }

    /**
     * Sets duplicate_of on this run's images in Spark: near-duplicates by pHash among this run's and
     * every earlier run's images point to the best copy. Earlier runs' rows are not rewritten.
     */
    private static Dataset<Row> withDuplicates(SparkSession spark, Config cfg, HadoopFiles files, Layout layout,
            String runId, Dataset<Row> images) {
        ImageDedup d = ImageDedup.of(cfg);
        Dataset<Row> hashes = hashRows(images);
        Dataset<Row> earlier = earlierHashes(spark, files, layout, runId);
        Dataset<Row> dups = ImageDuplicates.duplicateOf(spark, earlier == null ? hashes : hashes.unionByName(earlier),
                d.bands(), d.tables(), d.seed(), d.maxHamming(), d.mirror(), d.localMax(), d.bucketMaxPairs())
                .withColumnRenamed("duplicate_of", "dup_of");
        Dataset<Row> joined = images.join(dups, images.col("image_id").equalTo(dups.col("image_id")), "left")
                .drop(dups.col("image_id"))
                .withColumn("duplicate_of", col("dup_of")).drop("dup_of");
        return joined.select(java.util.Arrays.stream(OutcomeRows.IMAGE.fieldNames()).map(
                org.apache.spark.sql.functions::col).toArray(org.apache.spark.sql.Column[]::new));
    }

    /**
     * Near-duplicate groups of this run's and earlier runs' accepted faces, found on the driver from
     * the faces the stats pass gathered: rows of {@link FaceDuplicates#RESULT}, or null when
     * together they are over the driver's budget (then {@link #faceGroups} finds them in Spark).
     */
    private static List<Row> faceGroupsOnDriver(SparkSession spark, Config cfg, HadoopFiles files, Layout layout,
            String runId, List<FaceDuplicates.Face> mine) {
        FaceDedup d = FaceDedup.of(cfg);
        Dataset<Row> earlier = earlierFaces(spark, files, layout, runId);
        List<FaceDuplicates.Face> all = withinBudget(mine, earlier == null ? null
                : earlier.select(col("face_id").as("faceId"), col("embedding"), col("quality")),
                Encoders.bean(FaceDuplicates.Face.class), d.localMax());
        return all == null ? null
                : FaceDuplicates.groups(all, d.bands(), d.bits(), d.minCosine(), d.seed(), d.sketchSd());
    }

    /**
     * Near-duplicate faces (by embedding) among this run's and earlier runs' accepted faces, in
     * Spark: face_id as g_face, the group's best face as g_cluster, g_canonical; only faces in a
     * group of two or more.
     */
    private static Dataset<Row> faceGroups(SparkSession spark, Config cfg, HadoopFiles files, Layout layout,
            String runId, Dataset<Row> faces) {
        FaceDedup d = FaceDedup.of(cfg);
        Dataset<Row> accepted = faces.where(col("status").equalTo("ok")).select("face_id", "embedding", "quality");
        Dataset<Row> earlier = earlierFaces(spark, files, layout, runId);
        return FaceDuplicates.groups(spark, earlier == null ? accepted : accepted.unionByName(earlier), d.bands(),
                d.bits(), d.minCosine(), d.seed(), d.sketchSd(), d.localMax())
                .withColumnRenamed("face_id", "g_face").withColumnRenamed("cluster_id", "g_cluster")
                .withColumnRenamed("canonical", "g_canonical");
    }

    /**
     * This run's rows (already in the driver) plus earlier runs' rows, when together they are at
     * most localMax (the driver-side dedup's budget); else null, and the Spark path takes over.
     */
    private static <T> List<T> withinBudget(List<T> mine, Dataset<Row> earlier,
            org.apache.spark.sql.Encoder<T> encoder, int localMax) {
        if (mine == null || localMax <= 0 || mine.size() > localMax) return null;
        if (earlier == null) return mine;
        List<T> rest = earlier.limit(localMax - mine.size() + 1).as(encoder).collectAsList();
        if (mine.size() + rest.size() > localMax) return null;
        List<T> all = new ArrayList<>(mine);
        all.addAll(rest);
        return all;
    }

    /**
     * This run's faces with their groups: each face in a group points to the group's best face
     * (cluster_id), and only that face is canonical. Earlier runs' rows are not rewritten.
     */
    private static Dataset<Row> withGroups(Dataset<Row> faces, Dataset<Row> groups) {
        Dataset<Row> joined = faces.join(groups, faces.col("face_id").equalTo(groups.col("g_face")), "left")
                .withColumn("cluster_id", org.apache.spark.sql.functions.coalesce(col("g_cluster"), col("cluster_id")))
                .withColumn("canonical", org.apache.spark.sql.functions.coalesce(col("g_canonical"), col("canonical")));
        return joined.select(java.util.Arrays.stream(OutcomeRows.FACE.fieldNames()).map(
                org.apache.spark.sql.functions::col).toArray(org.apache.spark.sql.Column[]::new));
    }

    /** This run's accepted faces in a group, from the driver's groups and the faces the stats pass gathered. */
    private static List<Member> membersOnDriver(List<Row> groups, DedupInputs mine) {
        Map<String, Integer> at = new java.util.HashMap<>();
        for (int i = 0; i < mine.refs.size(); i++) at.put(mine.refs.get(i).faceId(), i);
        List<Member> grouped = new ArrayList<>();
        for (Row g : groups) {
            Integer i = at.get(g.getString(0));
            if (i != null) {
                grouped.add(new Member(mine.refs.get(i), g.getString(1), g.getBoolean(2), mine.faces.get(i).getQuality()));
            }
        }
        return grouped;
    }

    /** This run's accepted faces in a group, in one pass over the run's faces (none when the report shows no groups). */
    private static List<Member> membersInSpark(Config cfg, Dataset<Row> faces, Dataset<Row> groups) {
        List<Member> grouped = new ArrayList<>();
        if (cfg.getInt("report.sample_groups") <= 0 || groups.isEmpty()) return grouped;
        for (Row r : faces.where(col("status").equalTo("ok"))
                .join(org.apache.spark.sql.functions.broadcast(groups), col("face_id").equalTo(col("g_face")))
                .select("face_id", "image_id", "source", "landmarks", "g_cluster", "g_canonical", "quality")
                .collectAsList()) {
            grouped.add(new Member(new RunStats.FaceRef(r.getString(0), r.getString(1), r.getString(2),
                    OutcomeRows.floats(r, 3)), r.getString(4), r.getBoolean(5), r.isNullAt(6) ? null : r.getFloat(6)));
        }
        return grouped;
    }

    /**
     * Crops for the report: the run's first report.sample_faces accepted faces by face id (picked
     * while the engine's output was folded into the manifest's figures), and the run's largest
     * near-duplicate groups (canonical face first) among this run's grouped faces; aligned again
     * from their landmarks, several at once.
     *
     * @param grouped this run's accepted faces that are in a group
     * @param hashed the inputs' rows when blobs are not at their source (a crawl), else null
     */
    private static RunReport.Samples samples(Config cfg, HadoopFiles files, RunStats stats, List<Member> grouped,
            JavaRDD<Row> hashed) {
        int nGroups = cfg.getInt("report.sample_groups");
        List<RunStats.FaceRef> sample = new ArrayList<>(stats.samples.values());
        List<List<RunStats.FaceRef>> chosen = new ArrayList<>();
        if (nGroups > 0 && !grouped.isEmpty()) {
            Map<String, List<Member>> byGroup = new java.util.HashMap<>();
            for (Member m : grouped) byGroup.computeIfAbsent(m.cluster(), k -> new ArrayList<>()).add(m);
            // A group of n faces has n - 1 that are not canonical; the biggest first, then by cluster id.
            java.util.function.ToLongFunction<List<Member>> dups = g -> g.stream().filter(m -> !m.canonical()).count();
            List<String> big = byGroup.entrySet().stream().filter(e -> dups.applyAsLong(e.getValue()) > 0)
                    .sorted(Comparator.<Map.Entry<String, List<Member>>>comparingLong(e -> -dups.applyAsLong(e.getValue()))
                            .thenComparing(Map.Entry::getKey))
                    .limit(nGroups).map(Map.Entry::getKey).toList();
            for (String g : big) {
                chosen.add(byGroup.get(g).stream()
                        .sorted(Comparator.<Member, Boolean>comparing(m -> !m.canonical())
                                .thenComparingDouble(m -> m.quality() == null ? Double.POSITIVE_INFINITY : -m.quality()))
                        .limit(8).map(Member::ref).toList());
            }
        }
        Map<String, String> blobs = new java.util.HashMap<>();
        java.util.Set<String> images = new java.util.HashSet<>();
        for (RunStats.FaceRef f : sample) images.add(f.imageId());
        for (List<RunStats.FaceRef> g : chosen) for (RunStats.FaceRef f : g) images.add(f.imageId());
        if (hashed != null && !images.isEmpty()) {
            // Hashed rows by position: source, image_id, bytes, error, blob, page_url.
            for (Row r : hashed.filter(r -> images.contains(r.getString(1))).collect()) {
                blobs.putIfAbsent(r.getString(1), r.getString(4));
            }
        }
        int size = cfg.getInt("align.size");
        java.util.function.Function<RunStats.FaceRef, java.util.Optional<RunReport.Crop>> crop = f -> crop(
                new dev.facepipe.core.engine.CropRenderer(size, 85), files,
                hashed == null ? f.source() : blobs.get(f.imageId()), f);
        List<RunReport.Crop> faceCrops = sample.parallelStream().map(crop).flatMap(java.util.Optional::stream)
                .toList();
        List<List<RunReport.Crop>> groupCrops = chosen.parallelStream()
                .map(g -> g.stream().map(crop).flatMap(java.util.Optional::stream).toList()).toList();
        return new RunReport.Samples(faceCrops, groupCrops);
    }

    /** A face of this run in a near-duplicate group, as the report picks them. */
    private record Member(RunStats.FaceRef ref, String cluster, boolean canonical, Float quality) {}

    /** One face's crop, or nothing when its image cannot be read again (the report goes on without it). */
    private static java.util.Optional<RunReport.Crop> crop(dev.facepipe.core.engine.CropRenderer renderer,
            HadoopFiles files, String blob, RunStats.FaceRef f) {
        if (blob == null || f.landmarks().length < 10) return java.util.Optional.empty();
        try {
            byte[] b = files.read(blob, Long.MAX_VALUE);
            return java.util.Optional.of(new RunReport.Crop(f.faceId(), renderer.jpeg(b, f.landmarks(), blob)));
        } catch (IOException | dev.facepipe.core.RejectedException | RuntimeException e) {
            LOG.warn("report: no crop for face {} ({}): {}", f.faceId(), blob, e.getMessage());
            return java.util.Optional.empty();
        }
    }

    /** The most recent earlier runs' manifests (report.drift_window of them), oldest first. */
    static List<RunManifest> previousRuns(HadoopFiles files, Layout layout, String runId, Config cfg) {
        List<RunManifest> out = new ArrayList<>();
        String runs = layout.out() + "/runs";
        if (!files.exists(runs)) return out;
        try {
            for (var st : files.fs(runs).listStatus(new org.apache.hadoop.fs.Path(runs))) {
                String name = st.getPath().getName();
                if (!name.startsWith("run_id=") || name.equals("run_id=" + runId)) continue;
                String mf = runs + "/" + name + "/manifest.json";
                if (files.exists(mf)) out.add(RunManifest.fromJson(files.readString(mf)));
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        out.sort(java.util.Comparator.comparingLong(RunManifest::finishedAt));
        int w = cfg.getInt("report.drift_window");
        return out.subList(Math.max(0, out.size() - w), out.size());
    }

    /**
     * The engine stage's task resources when ingest.engine_task_gpus asks for them: a task resource
     * profile (stage-level scheduling), so hashing and the exact-copy shuffle run on every core
     * while engine tasks wait for a GPU. Not in local mode, where Spark has no such scheduling.
     */
    private static org.apache.spark.resource.ResourceProfile engineProfile(SparkSession spark, Config cfg) {
        double gpus = cfg.getDouble("ingest.engine_task_gpus");
        if (gpus <= 0) return null;
        if (spark.sparkContext().isLocal()) {
            LOG.warn("ingest.engine_task_gpus={} ignored: local mode has no stage-level scheduling", gpus);
            return null;
        }
        org.apache.spark.resource.TaskResourceRequests task = new org.apache.spark.resource.TaskResourceRequests()
                .cpus(cfg.getInt("ingest.engine_task_cpus")).resource(cfg.getString("ingest.gpu_resource"), gpus);
        return new org.apache.spark.resource.ResourceProfileBuilder().require(task).build();
    }

    private static int fileCount(long rows, long perFile) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, (rows + perFile - 1) / Math.max(1, perFile)));
    }

    /** Enough tasks to keep every core busy, and small ones, so progress and retries stay fine-grained. */
    private static int partitions(SparkSession spark, Config cfg, int files) {
        int configured = cfg.getInt("ingest.partitions");
        int per = Math.max(1, cfg.getInt("ingest.images_per_partition"));
        int slots = Math.max(1, spark.sparkContext().defaultParallelism());
        int p = Math.max(slots * 2, (files + per - 1) / per);
        // Whole waves: with 5 tasks on 2 slots the last runs alone while a core idles.
        if (configured <= 0) p = (p + slots - 1) / slots * slots;
        else p = configured;
        return Math.max(1, Math.min(p, Math.max(1, files)));
    }

    private static Iterator<Row> hash(Iterator<String> it, HadoopFiles files, long maxBytes) {
        List<Row> out = new ArrayList<>();
        while (it.hasNext()) {
            String path = it.next();
            try {
                byte[] b = files.read(path, maxBytes);
                if (b == null) {
                    out.add(RowFactory.create(path, null, files.length(path), RejectReason.TOO_MANY_BYTES.code(), path,
                            null));
                } else {
                    out.add(RowFactory.create(path, ContentHash.sha256Hex(b), (long) b.length, null, path, null));
                }
            } catch (IOException | RuntimeException e) {
                out.add(RowFactory.create(path, null, 0L, "unreadable: " + e.getMessage(), path, null));
            }
        }
        return out.iterator();
    }

    private static Iterator<Row> process(Iterator<Pending> it, HadoopFiles files, Config cfg, OptOutList optOut,
            long now) {
        FaceEngine engine = EngineHolder.forTask(cfg);
        int per = Math.max(1, cfg.getInt("ingest.batch_images"));
        List<Row> out = new ArrayList<>();
        List<Pending> inputs = new ArrayList<>();
        List<byte[]> data = new ArrayList<>();
        while (it.hasNext()) {
            Pending p = it.next();
            String source = p.source();
            if (p.imageId() == null) {
                String reason = RejectReason.TOO_MANY_BYTES.code().equals(p.error()) ? p.error() : "unreadable";
                out.add(OutcomeRows.rejected(ContentHash.sha256Hex(source.getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                        source, p.bytes(), reason, "image " + source + ": " + (reason.equals("unreadable") ? p.error()
                                : p.bytes() + " bytes, over image.max_bytes"), now, p.copies()));
                continue;
            }
            try {
                data.add(files.read(p.blob(), Long.MAX_VALUE));
                inputs.add(p);
            } catch (IOException e) {
                out.add(OutcomeRows.rejected(p.imageId(), source, p.bytes(), "unreadable", "image " + source + ": "
                        + e.getMessage(), now, p.copies()));
                continue;
            }
            if (inputs.size() == per) processed(engine, inputs, data, optOut, now, out);
        }
        if (!inputs.isEmpty()) processed(engine, inputs, data, optOut, now, out);
        return out.iterator();
    }

    /**
     * Several images through the engine at once: their faces share embedding runs of
     * embed.batch_size (the GPU path; on the CPU default of 1 it is the same as one by one).
     */
    private static void processed(FaceEngine engine, List<Pending> inputs, List<byte[]> data, OptOutList optOut,
            long now, List<Row> out) {
        List<ImageResult> results = engine.processBatch(data, inputs.stream().map(Pending::source).toList());
        for (int i = 0; i < inputs.size(); i++) {
            Pending p = inputs.get(i);
            out.add(OutcomeRows.outcome(p.imageId(), p.source(), p.pageUrl(), p.bytes(),
                    withOptOut(results.get(i), optOut), now, p.copies()));
        }
        inputs.clear();
        data.clear();
    }

    private static Iterator<Row> tally(Iterator<Row> rows, org.apache.spark.util.LongAccumulator images,
            org.apache.spark.util.LongAccumulator faces, org.apache.spark.util.LongAccumulator rejects) {
        List<Row> out = new ArrayList<>();
        rows.forEachRemaining(out::add);
        // Rows made by RowFactory carry no schema: read by position.
        int facesAt = OutcomeRows.FACES_AT;
        int statusAt = OutcomeRows.IMAGE.fieldIndex("status");
        for (Row r : out) {
            images.add(1);
            faces.add(((scala.collection.Seq<?>) r.get(facesAt)).size());
            if ("rejected".equals(r.get(statusAt))) rejects.add(1);
        }
        return out.iterator();
    }

    /** Faces matching an opt-out request are rejected as optout and keep no embedding. */
    static ImageResult withOptOut(ImageResult r, OptOutList optOut) {
        if (optOut.size() == 0 || r.faces().isEmpty()) return r;
        List<dev.facepipe.core.engine.FaceResult> faces = new ArrayList<>();
        boolean changed = false;
        for (dev.facepipe.core.engine.FaceResult f : r.faces()) {
            if (f.embedding() != null && optOut.matches(f.embedding())) {
                faces.add(f.rejectedAs(RejectReason.OPTOUT));
                changed = true;
            } else {
                faces.add(f);
            }
        }
        return changed ? new ImageResult(r.name(), r.header(), r.orientation(), r.exifCorrupt(), r.reason(), r.message(),
                faces, r.thumb(), r.stageNanos()) : r;
    }

    /** Seconds spent in each named phase, in order (laps, and phases that ran side by side). */
    private static final class Phases {
        final Map<String, Double> seconds = new LinkedHashMap<>();
        private long last = System.nanoTime();

        synchronized void lap(String name) {
            long now = System.nanoTime();
            seconds.put(name, Math.round((now - last) / 1e7) / 100.0);
            last = now;
        }

        synchronized void put(String name, long nanos) {
            seconds.put(name, Math.round(nanos / 1e7) / 100.0);
        }

        synchronized Map<String, Double> copy() {
            return new LinkedHashMap<>(seconds);
        }
    }

    private static RunManifest manifest(Config cfg, String runId, String input, int inputs, RunStats st, long t0,
            Map<String, Double> phases) {
        Map<String, String> models = new LinkedHashMap<>();
        for (String key : new String[] {"embed.model", "landmarks.model"}) {
            ModelSpec s = ModelSpec.fromConfig(cfg, cfg.getString(key));
            models.put(s.id(), s.sha256());
        }
        ModelSpec det = ModelSpec.fromConfig(cfg,
                cfg.getString("detector.name").equals("ultraface") ? "fr_detect" : "blazeface256");
        models.put(det.id(), det.sha256());
        double secs = (System.currentTimeMillis() - t0) / 1000.0;
        return new RunManifest(runId, input, inputs, inputs - st.inputs, st.inputs - st.imageRows, st.imageRows,
                st.imagesOk, st.imageReasons, st.faceRows, st.facesOk, st.faceReasons, models, st.meanQuality(),
                st.quality, st.detScore, st.bytesIn, secs, System.currentTimeMillis(), phases);
    }
}
