package dev.facepipe.ingest;

import static org.apache.spark.sql.functions.lit;

import dev.facepipe.core.config.Config;
import dev.facepipe.core.model.ModelSpec;
import dev.facepipe.storage.JobLease;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A model upgrade: the stored images embedded again under the configured model (embed.model,
 * embed.flip), their faces written into the faces table as run R beside the old model's, so
 * build-index for the new model (into a new index root) finds them while the old index keeps
 * serving. Nothing of the old model is changed. The steps: {@link OptOutCarry} (requests under the
 * new model first, so the engine pass drops the requesters' faces), {@link ReembedInputs},
 * {@link EngineStage} (face tombstones of the old model still apply), {@link FaceTable} (near
 * copies grouped among the new model's faces only), one row an image in the reembeds table, and
 * the manifest. Re-running a run id replaces that run's rows; a later run does only what is left.
 */
public final class ReembedJob {
    private static final Logger LOG = LoggerFactory.getLogger(ReembedJob.class);

    private ReembedJob() {}

    public static ReembedManifest run(SparkSession spark, Config cfg, String data, String runId, boolean all) {
        long t0 = System.currentTimeMillis();
        RunContext ctx = RunContext.of(spark, cfg, data, runId);
        if (ctx.files().exists(ctx.layout().runFolder(runId))
                || ctx.files().exists(ctx.layout().images() + "/run_id=" + runId)) {
            throw new IllegalArgumentException("run id " + runId + " is an ingest run under " + data
                    + ": give the re-embedding a run id of its own");
        }
        // gc deletes no original of the crawl roots while this run reads them again.
        List<JobLease> leases = new ArrayList<>();
        try {
            for (String root : ReembedInputs.crawlRoots(ctx)) {
                leases.add(JobLease.onCrawl(ctx.files(), cfg, root, "reembed run " + runId));
            }
            return steps(ctx, cfg, runId, all, t0);
        } finally {
            leases.forEach(JobLease::close);
        }
    }

    private static ReembedManifest steps(RunContext ctx, Config cfg, String runId, boolean all, long t0) {
        String modelId = ModelSpec.embeddingId(cfg);
        OptOutCarry.Carried carried = OptOutCarry.carry(ctx.files(), cfg, modelId);
        for (String line : OptOutCarry.describe(carried.notCarried())) LOG.warn("reembed {}: {}", runId, line);
        ReembedInputs.Stored stored = ReembedInputs.read(ctx, modelId, all);
        ctx = ctx.withPartitions(ctx.partitionsFor(stored.listed().count()));
        LOG.info("reembed {}: {} stored images, model {} (faces of {} stay as they are)", runId,
                stored.listed().count(), modelId, stored.priorModels());
        EngineStage.Output engine = EngineStage.run(ctx, stored.listed(), stored.done(), stored.priorModels());
        FaceTable.write(ctx, engine);
        writeImages(ctx, engine, modelId);
        RunStats st = engine.stats();
        ReembedManifest m = new ReembedManifest(runId, modelId, String.join(",", stored.priorModels()),
                stored.listed().count(), stored.listed().count() - st.inputs, st.imageRows, st.imagesOk,
                new TreeMap<>(st.imageReasons), st.faceRows, st.facesOk, new TreeMap<>(st.faceReasons),
                carried.carried(), carried.already(), carried.notCarried(),
                (System.currentTimeMillis() - t0) / 1000.0, System.currentTimeMillis());
        ctx.files().writeSmall(ctx.layout().reembedManifest(runId), m.toJson().getBytes(StandardCharsets.UTF_8));
        stored.listed().unpersist();
        engine.unpersist();
        LOG.info("reembed {}: {}", runId, m.summary());
        return m;
    }

    /** One row an image this run embedded (its outcome under the model), as the run's partition of the reembeds table. */
    private static void writeImages(RunContext ctx, EngineStage.Output engine, String modelId) {
        if (engine.stats().imageRows == 0) {
            ctx.files().delete(ctx.layout().reembeds() + "/run_id=" + ctx.runId());
            return;
        }
        ctx.spark().createDataFrame(engine.outcomes().map(OutcomeRows::image), OutcomeRows.IMAGE)
                .select("image_id", "source", "status", "reason", "message", "faces", "faces_accepted", "ingested_at")
                .withColumn("model_id", lit(modelId)).withColumn("run_id", lit(ctx.runId()))
                .coalesce(RunContext.fileCount(engine.stats().imageRows, ctx.cfg().getLong("ingest.images_per_file")))
                .write().mode(SaveMode.Overwrite).partitionBy("run_id").parquet(ctx.layout().reembeds());
    }
}
