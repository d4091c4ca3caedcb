package dev.facepipe.ingest;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import dev.facepipe.core.model.ModelSpec;
import dev.facepipe.dedup.FaceDedupSettings;
import dev.facepipe.dedup.FaceDuplicates;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.functions;

/**
 * Step 3b, the faces table: one row a face of this run, near-duplicate faces (by embedding) among
 * this run's and earlier runs' accepted faces grouped (cluster_id is the group's best face, the only
 * canonical one), written as the run's partition. Grouped on the driver within
 * dedup.local_max_faces, in Spark above it. Earlier runs' rows are not rewritten.
 */
final class FaceTable {
    private FaceTable() {}

    /** Writes the run's faces (or clears an earlier attempt's when it has none); returns this run's grouped faces. */
    static List<ReportSamples.Member> write(RunContext ctx, EngineStage.Output engine) {
        if (engine.stats().faceRows == 0) {
            // Dynamic overwrite only replaces partitions it writes: clear an earlier attempt's faces.
            ctx.files().delete(ctx.layout().faces() + "/run_id=" + ctx.runId());
            return List.of();
        }
        DedupInputs dedup = engine.dedup();
        List<Row> local = dedup.facesComplete ? groupsOnDriver(ctx, dedup.faces) : null;
        Dataset<Row> faces;
        List<ReportSamples.Member> grouped;
        if (local != null) {
            Map<String, OutcomeRows.Group> byFace = new HashMap<>();
            for (Row g : local) byFace.put(g.getString(0), new OutcomeRows.Group(g.getString(1), g.getBoolean(2)));
            Broadcast<Map<String, OutcomeRows.Group>> bGroups = ctx.jsc().broadcast(byFace);
            faces = ctx.spark().createDataFrame(engine.outcomes().flatMap(r -> OutcomeRows.faces(r, bGroups.value())),
                    OutcomeRows.FACE);
            grouped = membersOnDriver(local, dedup);
        } else {
            Dataset<Row> ungrouped = ctx.spark().createDataFrame(engine.outcomes().flatMap(OutcomeRows::faces),
                    OutcomeRows.FACE);
            Dataset<Row> groups = groupsInSpark(ctx, ungrouped);
            faces = withGroups(ungrouped, groups);
            grouped = membersInSpark(ctx, ungrouped, groups);
        }
        faces.withColumn("run_id", lit(ctx.runId()))
                .coalesce(RunContext.fileCount(engine.stats().faceRows, ctx.cfg().getLong("ingest.faces_per_file")))
                // Embeddings never repeat a float: a dictionary only costs time, then is dropped.
                .write().option("parquet.enable.dictionary#embedding.list.element", "false")
                .mode(SaveMode.Overwrite).partitionBy("run_id").parquet(ctx.layout().faces());
        return grouped;
    }

    /**
     * Earlier runs' accepted faces of this run's model (face_id, embedding, quality), or null when
     * there are none: embeddings of two models are never compared (a face and its re-embedding
     * under a new model would group, and the old one stand as canonical for both).
     */
    private static Dataset<Row> earlierAccepted(RunContext ctx) {
        Dataset<Row> earlier = ctx.earlierFaces();
        return earlier == null ? null : earlier.where(col("status").equalTo("ok")
                .and(col("model_id").equalTo(ModelSpec.embeddingId(ctx.cfg())))).select("face_id", "embedding",
                "quality");
    }

    /**
     * Groups of this run's and earlier runs' accepted faces, found on the driver from the faces the
     * engine pass gathered: rows of {@link FaceDuplicates#RESULT}, or null over the driver's budget.
     */
    private static List<Row> groupsOnDriver(RunContext ctx, List<FaceDuplicates.Face> mine) {
        FaceDedupSettings d = ctx.faceDedup();
        Dataset<Row> earlier = earlierAccepted(ctx);
        List<FaceDuplicates.Face> all = DriverBudget.within(mine, earlier == null ? null
                : earlier.select(col("face_id").as("faceId"), col("embedding"), col("quality")),
                Encoders.bean(FaceDuplicates.Face.class), d.localMax());
        return all == null ? null : FaceDuplicates.groups(all, d);
    }

    /**
     * Groups in Spark: face_id as g_face, the group's best face as g_cluster, g_canonical; only
     * faces in a group of two or more.
     */
    private static Dataset<Row> groupsInSpark(RunContext ctx, Dataset<Row> faces) {
        Dataset<Row> accepted = faces.where(col("status").equalTo("ok")).select("face_id", "embedding", "quality");
        Dataset<Row> earlier = earlierAccepted(ctx);
        return FaceDuplicates.groups(ctx.spark(), earlier == null ? accepted : accepted.unionByName(earlier),
                ctx.faceDedup())
                .withColumnRenamed("face_id", "g_face").withColumnRenamed("cluster_id", "g_cluster")
                .withColumnRenamed("canonical", "g_canonical");
    }

    /** This run's faces with their groups: a face in a group points to its best face, the only canonical one. */
    private static Dataset<Row> withGroups(Dataset<Row> faces, Dataset<Row> groups) {
        Dataset<Row> joined = faces.join(groups, faces.col("face_id").equalTo(groups.col("g_face")), "left")
                .withColumn("cluster_id", functions.coalesce(col("g_cluster"), col("cluster_id")))
                .withColumn("canonical", functions.coalesce(col("g_canonical"), col("canonical")));
        return joined.select(Arrays.stream(OutcomeRows.FACE.fieldNames()).map(functions::col).toArray(Column[]::new));
    }

    /** This run's accepted faces in a group, from the driver's groups and the faces the engine pass gathered. */
    private static List<ReportSamples.Member> membersOnDriver(List<Row> groups, DedupInputs mine) {
        Map<String, Integer> at = new HashMap<>();
        for (int i = 0; i < mine.refs.size(); i++) at.put(mine.refs.get(i).faceId(), i);
        List<ReportSamples.Member> grouped = new ArrayList<>();
        for (Row g : groups) {
            Integer i = at.get(g.getString(0));
            if (i != null) {
                grouped.add(new ReportSamples.Member(mine.refs.get(i), g.getString(1), g.getBoolean(2),
                        mine.faces.get(i).getQuality()));
            }
        }
        return grouped;
    }

    /** This run's accepted faces in a group, in one pass over the run's faces (none when the report shows no groups). */
    private static List<ReportSamples.Member> membersInSpark(RunContext ctx, Dataset<Row> faces, Dataset<Row> groups) {
        List<ReportSamples.Member> grouped = new ArrayList<>();
        if (ctx.cfg().getInt("report.sample_groups") <= 0 || groups.isEmpty()) return grouped;
        for (Row r : faces.where(col("status").equalTo("ok"))
                .join(functions.broadcast(groups), col("face_id").equalTo(col("g_face")))
                .select("face_id", "image_id", "source", "landmarks", "g_cluster", "g_canonical", "quality")
                .collectAsList()) {
            grouped.add(new ReportSamples.Member(new RunStats.FaceRef(r.getString(0), r.getString(1), r.getString(2),
                    OutcomeRows.floats(r, 3)), r.getString(4), r.getBoolean(5), r.isNullAt(6) ? null : r.getFloat(6)));
        }
        return grouped;
    }
}
