package dev.facepipe.ingest;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.struct;

import dev.facepipe.core.RejectReason;
import dev.facepipe.storage.CrawlLayout;
import dev.facepipe.storage.HadoopFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;

/**
 * Step 1 of a re-embedding: the stored images to embed again under the new model, as ingest
 * inputs. Every image an ingest run took with a face (or, with all, every image it read), once,
 * its bytes found where that run read them: a crawl's blob (content-addressed) or the file under
 * the run's input folder (checked against its sha256 before the engine). Images a re-embedding
 * under this model already did are known and skipped, so a re-run only does the rest.
 */
final class ReembedInputs {
    private ReembedInputs() {}

    /**
     * @param listed the images to embed, one input each
     * @param done the image ids already re-embedded under this model by other runs (column image_id), or null
     * @param priorModels every other model the faces table holds (their face tombstones still apply)
     */
    record Stored(Inputs.Listed listed, Dataset<Row> done, List<String> priorModels) {}

    static Stored read(RunContext ctx, String modelId, boolean all) {
        if (!ctx.files().hasData(ctx.layout().images())) {
            throw new IllegalArgumentException("no images table under " + ctx.layout().out()
                    + ": nothing was ingested there (check --data)");
        }
        // merged: runs written before the images table kept blob have no such column
        Dataset<Row> images = ctx.spark().read().option("mergeSchema", "true").parquet(ctx.layout().images());
        if (!Arrays.asList(images.columns()).contains("blob")) images = images.withColumn("blob", lit(null).cast("string"));
        // A rejected image with a reason from face finding was read and decoded: --all embeds it again too.
        Column wanted = all ? col("status").equalTo("ok").or(col("reason").equalTo(RejectReason.NO_FACE.code()))
                : col("faces").gt(0);
        Dataset<Row> first = images.where(wanted.and(col("image_id").isNotNull()))
                .groupBy("image_id").agg(min(struct(col("source"), col("run_id"), col("page_url"), col("bytes"),
                        col("blob"))).as("first"))
                .select(col("image_id"), col("first.source"), col("first.run_id"), col("first.page_url"),
                        col("first.bytes"), col("first.blob"));
        Broadcast<Map<String, String>> bWhere = ctx.jsc().broadcast(blobRoots(ctx));
        JavaRDD<Inputs.Input> rows = first.javaRDD().map(r -> located(r, bWhere.value()))
                .persist(StorageLevel.MEMORY_AND_DISK());
        Inputs.Listed listed = new Inputs.Listed(rows, (int) rows.count(), false, List.of());
        return new Stored(listed, done(ctx, modelId), priorModels(ctx, modelId));
    }

    /**
     * Where each ingest run read its images: run id to "crawl:" and the crawl root, or "folder:"
     * (the source is the file's path), from the runs' manifests.
     */
    /** The crawl roots the data's runs read (whose originals a re-embedding reads again). */
    static java.util.Set<String> crawlRoots(RunContext ctx) {
        java.util.Set<String> out = new java.util.TreeSet<>();
        for (String w : blobRoots(ctx).values()) if (w.startsWith("crawl:")) out.add(w.substring("crawl:".length()));
        return out;
    }

    private static Map<String, String> blobRoots(RunContext ctx) {
        Map<String, String> out = new HashMap<>();
        HadoopFiles files = ctx.files();
        String runs = ctx.layout().runs();
        if (!files.exists(runs)) return out;
        try {
            for (FileStatus st : files.fs(runs).listStatus(new Path(runs))) {
                String name = st.getPath().getName();
                String mf = runs + "/" + name + "/manifest.json";
                if (!name.startsWith("run_id=") || !files.exists(mf)) continue;
                String input = RunManifest.fromJson(files.readString(mf)).input();
                CrawlLayout crawl = new CrawlLayout(input);
                out.put(name.substring("run_id=".length()), crawl.isCrawl(files) ? "crawl:" + input : "folder:");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the runs under " + runs + ": " + e.getMessage(), e);
        }
        return out;
    }

    /**
     * One stored image as an input: its blob as the images table keeps it, or (rows written before it
     * was kept) where its run read it; or why it cannot be found.
     */
    static Inputs.Input located(Row r, Map<String, String> where) {
        String imageId = r.getString(0);
        String source = r.getString(1);
        String runId = r.getString(2);
        String pageUrl = r.isNullAt(3) ? null : r.getString(3);
        long bytes = r.getLong(4);
        if (!r.isNullAt(5)) return new Inputs.Input(source, imageId, bytes, null, r.getString(5), pageUrl);
        String root = where.get(runId);
        if (root == null) {
            return new Inputs.Input(source, null, bytes, RejectReason.UNREADABLE.code() + ": run " + runId
                    + " has no manifest, so where its bytes are is unknown", source, pageUrl);
        }
        String blob = root.startsWith("crawl:") ? new CrawlLayout(root.substring("crawl:".length())).blob(imageId)
                : source;
        return new Inputs.Input(source, imageId, bytes, null, blob, pageUrl);
    }

    /** Image ids another run re-embedded under this model (any outcome), or null. */
    private static Dataset<Row> done(RunContext ctx, String modelId) {
        if (!ctx.files().hasData(ctx.layout().reembeds())) return null;
        return ctx.spark().read().parquet(ctx.layout().reembeds())
                .where(col("model_id").equalTo(modelId).and(col("run_id").notEqual(ctx.runId())))
                .select("image_id");
    }

    private static List<String> priorModels(RunContext ctx, String modelId) {
        List<String> out = new ArrayList<>();
        if (!ctx.files().hasData(ctx.layout().faces())) return out;
        for (Row r : ctx.spark().read().parquet(ctx.layout().faces()).select("model_id").distinct().collectAsList()) {
            if (!r.isNullAt(0) && !r.getString(0).equals(modelId)) out.add(r.getString(0));
        }
        return out;
    }
}
