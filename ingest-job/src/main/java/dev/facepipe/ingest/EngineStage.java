package dev.facepipe.ingest;

import dev.facepipe.storage.ContentHash;
import dev.facepipe.storage.FaceIds;
import dev.facepipe.core.RejectReason;
import dev.facepipe.storage.OptOutList;
import dev.facepipe.core.config.Config;
import dev.facepipe.core.engine.FaceEngine;
import dev.facepipe.core.engine.FaceResult;
import dev.facepipe.core.engine.ImageResult;
import dev.facepipe.core.model.ModelSpec;
import dev.facepipe.storage.HadoopFiles;
import dev.facepipe.storage.Tombstones;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.resource.ResourceProfile;
import org.apache.spark.resource.ResourceProfileBuilder;
import org.apache.spark.resource.TaskResourceRequests;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.LongAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * Step 2, the engine: exact copies merged and images of earlier runs dropped (one shuffle), every
 * new image through the face engine (opt-outs and tombstones applied), the outcome rows cached, and in the same
 * pass the manifest's figures and the driver-side dedup's inputs folded.
 */
final class EngineStage {
    private static final Logger LOG = LoggerFactory.getLogger(EngineStage.class);

    private EngineStage() {}

    /**
     * The engine's output: one outcome row an image ({@link OutcomeRows}), cached, as the tables read it.
     *
     * @param cached the rows as one array a partition (what is cached)
     */
    record Output(JavaRDD<Row[]> cached, JavaRDD<Row> outcomes, RunStats stats, DedupInputs dedup) {
        void unpersist() {
            cached.unpersist();
        }
    }

    /** An ingest's engine pass: images an earlier run ingested are skipped, tombstones of this run's model apply. */
    static Output run(RunContext ctx, Inputs.Listed inputs) {
        Dataset<Row> earlier = ctx.earlierImages();
        return run(ctx, inputs, earlier == null ? null : earlier.select("image_id"), List.of());
    }

    /**
     * The engine pass over inputs, skipping the image ids of known; face tombstones apply under this
     * run's model and under each of priorModels (a re-embedding keeps what was forgotten under the old).
     */
    static Output run(RunContext ctx, Inputs.Listed inputs, Dataset<Row> known, List<String> priorModels) {
        Broadcast<HadoopFiles> bFiles = ctx.broadcast(ctx.files(), HadoopFiles.class);
        Broadcast<Config> bCfg = ctx.broadcast(ctx.shipped(), Config.class);
        OptOutList optOut = OptOutList.load(ctx.files(), ctx.cfg(), ModelSpec.embeddingId(ctx.cfg()));
        Broadcast<OptOutList> bOptOut = ctx.broadcast(optOut, OptOutList.class);
        Broadcast<Tombstones> bBuried = ctx.broadcast(Tombstones.load(ctx.files(), ctx.cfg()), Tombstones.class);
        JavaRDD<Pending> unique = unique(ctx, inputs, known);

        long nowMs = System.currentTimeMillis();
        LongAccumulator doneImages = ctx.spark().sparkContext().longAccumulator("images");
        LongAccumulator doneFaces = ctx.spark().sparkContext().longAccumulator("faces");
        LongAccumulator doneRejects = ctx.spark().sparkContext().longAccumulator("rejected");
        Progress progress = Progress.start(ctx.runId(), ctx.cfg().getInt("ingest.progress_seconds"), doneImages,
                doneFaces, doneRejects);
        JavaRDD<Row> engineRows = unique.mapPartitions(it -> tally(process(it, bFiles.value(), bCfg.value(),
                new Vetoes(bOptOut.value(), bBuried.value(), priorModels), nowMs), doneImages, doneFaces, doneRejects));
        ResourceProfile profile = engineProfile(ctx);
        // Stage-level scheduling: the engine stage alone asks for GPUs.
        if (profile != null) engineRows = engineRows.withResources(profile);
        // Cached as the engine's rows, not as a Dataset: no query is planned or encoded before the
        // engine starts. One array a partition: Spark sizes a cached partition by walking its objects
        // again each time it grows by a tenth; one value is walked once.
        JavaRDD<Row[]> cached = engineRows.mapPartitions(it -> {
            List<Row> rows = new ArrayList<>();
            it.forEachRemaining(rows::add);
            return Collections.singletonList(rows.toArray(new Row[0])).iterator();
        }).persist(StorageLevel.MEMORY_AND_DISK());
        JavaRDD<Row> outcomes = cached.flatMap(a -> Arrays.asList(a).iterator());
        try {
            Tuple2<RunStats, DedupInputs> folded = fold(ctx, outcomes);
            return new Output(cached, outcomes, folded._1(), folded._2());
        } finally {
            progress.stop();
        }
    }

    /**
     * Plain RDD steps up to the engine: one shuffle merges exact copies and drops images an earlier
     * run ingested, with no query planning in between.
     */
    private static JavaRDD<Pending> unique(RunContext ctx, Inputs.Listed inputs, Dataset<Row> known) {
        JavaPairRDD<String, Pending> pending = inputs.rows().mapToPair(r -> {
            Pending p = Pending.of(r);
            return new Tuple2<>(p.key(), p);
        });
        if (known != null) {
            pending = pending.union(known.javaRDD()
                    .mapToPair(r -> new Tuple2<>(r.getString(0), Pending.known(r.getString(0)))));
        }
        return pending.reduceByKey(Pending::merge, ctx.partitions()).values().filter(p -> !p.known());
    }

    /** The engine pass (while the progress line reports), folded at once into the manifest's figures. */
    private static Tuple2<RunStats, DedupInputs> fold(RunContext ctx, JavaRDD<Row> outcomes) {
        int sampleFaces = ctx.cfg().getInt("report.sample_faces");
        // Each partition's share of the driver-side dedup's budget.
        int imageShare = ctx.imageDedup().localMax() / ctx.partitions();
        int faceShare = ctx.faceDedup().localMax() / ctx.partitions();
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
        return new Tuple2<>(stats, dedup);
    }

    /**
     * The engine stage's task resources when ingest.engine_task_gpus asks for them: a task resource
     * profile (stage-level scheduling), so hashing and the exact-copy shuffle run on every core
     * while engine tasks wait for a GPU. Not in local mode, where Spark has no such scheduling.
     */
    private static ResourceProfile engineProfile(RunContext ctx) {
        Config cfg = ctx.cfg();
        double gpus = cfg.getDouble("ingest.engine_task_gpus");
        if (gpus <= 0) return null;
        if (ctx.spark().sparkContext().isLocal()) {
            LOG.warn("ingest.engine_task_gpus={} ignored: local mode has no stage-level scheduling", gpus);
            return null;
        }
        TaskResourceRequests task = new TaskResourceRequests()
                .cpus(cfg.getInt("ingest.engine_task_cpus")).resource(cfg.getString("ingest.gpu_resource"), gpus);
        return new ResourceProfileBuilder().require(task).build();
    }

    /**
     * What rejects a face whatever the engine says: opt-out requests and tombstones (face ids under
     * this run's model or any of priorModels).
     */
    record Vetoes(OptOutList optOut, Tombstones buried, List<String> priorModels) implements java.io.Serializable {}

    private static Iterator<Row> process(Iterator<Pending> it, HadoopFiles files, Config cfg, Vetoes vetoes,
            long now) {
        FaceEngine engine = EngineHolder.forTask(cfg);
        int per = Math.max(1, cfg.getInt("ingest.batch_images"));
        long maxBytes = cfg.getLong("image.max_bytes");
        List<Row> out = new ArrayList<>();
        List<Pending> inputs = new ArrayList<>();
        List<byte[]> data = new ArrayList<>();
        while (it.hasNext()) {
            Pending p = it.next();
            String source = p.source();
            if (p.imageId() == null) {
                out.add(unread(p, now));
                continue;
            }
            if (vetoes.buried().buriesImage(p.imageId(), source)) {
                out.add(OutcomeRows.rejected(p.imageId(), source, p.blob(), p.bytes(), RejectReason.FORGOTTEN.code(), "image "
                        + source + ": " + RejectReason.FORGOTTEN.description(), now, p.copies()));
                continue;
            }
            try {
                byte[] b = files.read(p.blob(), maxBytes);
                if (b == null) throw new IOException("it grew over image.max_bytes=" + maxBytes + " since it was hashed");
                if (!ContentHash.sha256Hex(b).equals(p.imageId())) {
                    throw new IOException("its bytes changed since they were hashed (sha256 " + p.imageId() + ")");
                }
                data.add(b);
                inputs.add(p);
            } catch (IOException e) {
                out.add(OutcomeRows.rejected(p.imageId(), source, p.blob(), p.bytes(), RejectReason.UNREADABLE.code(), "image "
                        + source + ": " + e.getMessage(), now, p.copies()));
                continue;
            }
            if (inputs.size() == per) processed(engine, inputs, data, vetoes, now, out);
        }
        if (!inputs.isEmpty()) processed(engine, inputs, data, vetoes, now, out);
        return out.iterator();
    }

    /** The row of an input whose bytes were not read: its reason code and message from the listing. */
    private static Row unread(Pending p, long now) {
        String error = p.error() == null ? RejectReason.UNREADABLE.code() : p.error();
        int colon = error.indexOf(':');
        String reason = colon < 0 ? error : error.substring(0, colon);
        String why = colon < 0 ? reason : error.substring(colon + 1).trim();
        return OutcomeRows.rejected(p.key(), p.source(), p.blob(), p.bytes(), reason, "image " + p.source() + ": " + why, now,
                p.copies());
    }

    /**
     * Several images through the engine at once: their faces share embedding runs of
     * embed.batch_size (on CPU, auto: as many as embed fastest on this CPU, often 1).
     */
    private static void processed(FaceEngine engine, List<Pending> inputs, List<byte[]> data, Vetoes vetoes,
            long now, List<Row> out) {
        List<ImageResult> results = engine.processBatch(data, inputs.stream().map(Pending::source).toList());
        for (int i = 0; i < inputs.size(); i++) {
            Pending p = inputs.get(i);
            out.add(OutcomeRows.outcome(p.imageId(), p.source(), p.blob(), p.pageUrl(), p.bytes(),
                    withTombstones(withOptOut(results.get(i), vetoes.optOut()), p.imageId(), vetoes.buried(),
                            vetoes.priorModels()), now,
                    p.copies(), engine.device()));
        }
        inputs.clear();
        data.clear();
    }

    private static Iterator<Row> tally(Iterator<Row> rows, LongAccumulator images, LongAccumulator faces,
            LongAccumulator rejects) {
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

    /**
     * Faces whose id was forgotten are rejected as forgotten and keep no embedding: the face's id
     * under its own model, or the id the same box had under one of priorModels.
     */
    static ImageResult withTombstones(ImageResult r, String imageId, Tombstones buried, List<String> priorModels) {
        if (buried.faceIds().isEmpty()) return r;
        return rejecting(r, f -> {
            if (buried.faceIds().contains(FaceIds.faceId(imageId, f.detectorId(), f.modelId(), f.x1(), f.y1(), f.x2(),
                    f.y2()))) return true;
            for (String m : priorModels) {
                if (buried.faceIds().contains(FaceIds.faceId(imageId, f.detectorId(), m, f.x1(), f.y1(), f.x2(),
                        f.y2()))) return true;
            }
            return false;
        }, RejectReason.FORGOTTEN);
    }

    /** Faces matching an opt-out request are rejected as optout and keep no embedding. */
    static ImageResult withOptOut(ImageResult r, OptOutList optOut) {
        if (optOut.size() == 0) return r;
        return rejecting(r, f -> f.embedding() != null && optOut.matches(f.embedding()), RejectReason.OPTOUT);
    }

    /** The result with each face the veto hits rejected as why (the same result when none is). */
    private static ImageResult rejecting(ImageResult r, java.util.function.Predicate<FaceResult> veto,
            RejectReason why) {
        List<FaceResult> faces = new ArrayList<>();
        boolean changed = false;
        for (FaceResult f : r.faces()) {
            boolean hit = veto.test(f);
            faces.add(hit ? f.rejectedAs(why) : f);
            changed |= hit;
        }
        return changed ? new ImageResult(r.name(), r.header(), r.orientation(), r.exifCorrupt(), r.reason(), r.message(),
                faces, r.thumb(), r.stageNanos()) : r;
    }
}
