package dev.facepipe.ingest;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import dev.facepipe.dedup.ImageDedupSettings;
import dev.facepipe.dedup.ImageDuplicates;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.functions;

/**
 * Step 3a, the images table: one row an image of this run, duplicate_of set to the best
 * near-duplicate copy (pHash) among this run's and earlier runs' images, written as the run's
 * partition. Found on the driver within dedup.local_max_images (the usual nightly run), in Spark
 * above it. Earlier runs' rows are not rewritten.
 */
final class ImageTable {
    private ImageTable() {}

    static void write(RunContext ctx, EngineStage.Output engine) {
        Map<String, String> dupOf = engine.dedup().imagesComplete ? duplicatesOnDriver(ctx, engine.dedup().images)
                : null;
        Dataset<Row> images;
        if (dupOf != null) {
            Broadcast<Map<String, String>> bDup = ctx.jsc().broadcast(dupOf);
            images = ctx.spark().createDataFrame(engine.outcomes().map(r -> OutcomeRows.image(r, bDup.value())),
                    OutcomeRows.IMAGE);
        } else {
            images = withDuplicates(ctx, ctx.spark().createDataFrame(engine.outcomes().map(OutcomeRows::image),
                    OutcomeRows.IMAGE));
        }
        images.withColumn("run_id", lit(ctx.runId()))
                .coalesce(RunContext.fileCount(engine.stats().imageRows, ctx.cfg().getLong("ingest.images_per_file")))
                .write().mode(SaveMode.Overwrite).partitionBy("run_id").parquet(ctx.layout().images());
    }

    /** Earlier runs' hash rows (image_id, phash, pixels, ingested_at), or null when there are none. */
    private static Dataset<Row> earlierHashes(RunContext ctx) {
        Dataset<Row> earlier = ctx.earlierImages();
        return earlier == null ? null : hashRows(earlier);
    }

    private static Dataset<Row> hashRows(Dataset<Row> images) {
        return images.select(col("image_id"), col("phash"), col("width").cast("long").multiply(col("height"))
                .as("pixels"), col("ingested_at"));
    }

    /**
     * duplicate_of by image id for this run's images, from this run's hash rows (gathered by the
     * engine pass) and every earlier run's; null when together they are over the driver's budget.
     */
    private static Map<String, String> duplicatesOnDriver(RunContext ctx, List<Row> mine) {
        ImageDedupSettings d = ctx.imageDedup();
        Dataset<Row> earlier = earlierHashes(ctx);
        List<Row> all = DriverBudget.within(mine, earlier == null ? null : earlier.where(col("phash").isNotNull()),
                earlier == null ? null : Encoders.row(earlier.schema()), d.localMax());
        if (all == null) return null;
        Set<String> ours = new HashSet<>();
        for (Row r : mine) ours.add(r.getString(0));
        Map<String, String> dupOf = new HashMap<>();
        for (Row r : ImageDuplicates.duplicateOf(all, d)) {
            if (ours.contains(r.getString(0))) dupOf.put(r.getString(0), r.getString(1));
        }
        return dupOf;
    }

    /** This run's images with duplicate_of found in Spark. */
    private static Dataset<Row> withDuplicates(RunContext ctx, Dataset<Row> images) {
        Dataset<Row> hashes = hashRows(images);
        Dataset<Row> earlier = earlierHashes(ctx);
        Dataset<Row> dups = ImageDuplicates.duplicateOf(ctx.spark(),
                earlier == null ? hashes : hashes.unionByName(earlier), ctx.imageDedup())
                .withColumnRenamed("duplicate_of", "dup_of");
        Dataset<Row> joined = images.join(dups, images.col("image_id").equalTo(dups.col("image_id")), "left")
                .drop(dups.col("image_id"))
                .withColumn("duplicate_of", col("dup_of")).drop("dup_of");
        return joined.select(Arrays.stream(OutcomeRows.IMAGE.fieldNames()).map(functions::col).toArray(Column[]::new));
    }
}
