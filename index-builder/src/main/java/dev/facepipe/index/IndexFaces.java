package dev.facepipe.index;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.max_by;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.when;

import dev.facepipe.storage.HadoopFiles;
import dev.facepipe.storage.IngestLayout;
import dev.facepipe.storage.Tombstones;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;

/**
 * The faces an index must hold, the one rule every full build and nightly sync applies: one accepted
 * face of the index's model a near-duplicate group, of images that are live (some live source URL in
 * the data root's live view; an image the view never mentions, e.g. ingested before the view existed,
 * counts as live), minus every tombstone (face, image, URL). The group's canonical face while its
 * image is live; when it is gone from the web, the best member still live (by quality) takes its
 * place, so a near-duplicate copy elsewhere keeps the face searchable; a group whose canonical face
 * was forgotten stays out. A face's source is its image's live URL (the first by name), so a copy
 * still on the web keeps its faces when the first URL died.
 */
final class IndexFaces {
    private IndexFaces() {}

    /**
     * Columns: face_id, face_key, image_id, source, embedding, and for the evidence trail page_url,
     * crawled_at (epoch ms its source was last seen live; null outside a crawl layout) and quality.
     */
    static Dataset<Row> read(SparkSession spark, HadoopFiles files, String facesPath, String modelId,
            Tombstones buried) {
        // Every accepted face that could stand for its group: the canonical one, or a member (cluster_id set).
        Dataset<Row> faces = spark.read().parquet(facesPath)
                .where(col("status").equalTo("ok").and(col("model_id").equalTo(modelId))
                        .and(col("canonical").or(col("cluster_id").isNotNull())))
                .dropDuplicates("face_id")
                .withColumn("group", coalesce(col("cluster_id"), col("face_id")))
                .select("face_id", "face_key", "image_id", "source", "embedding", "canonical", "group", "quality");
        Dataset<Row> faceIds = strings(spark, buried.faceIds(), "face_id");
        Dataset<Row> imageIds = strings(spark, buried.imageIds(), "image_id");
        // A group whose canonical face was forgotten (by face or image) stays out: no copy of it comes back.
        Dataset<Row> forgottenGroups = faces.where(col("canonical"))
                .join(faceIds, "face_id", "left_semi").select("group")
                .union(faces.where(col("canonical")).join(imageIds, "image_id", "left_semi").select("group"));
        Dataset<Row> urls = strings(spark, buried.urls(), "source");
        IngestLayout data = IngestLayout.ofFaces(facesPath);
        if (data != null && files.hasData(data.sources())) {
            Dataset<Row> perImage = liveSources(spark, data, urls);
            faces = faces.join(perImage, faces.col("image_id").equalTo(perImage.col("view_image_id")), "left")
                    .where(col("in_view").isNull().or(col("live_source").isNotNull()))
                    .withColumn("source", coalesce(col("live_source"), col("source")))
                    .drop("view_image_id", "live_source", "in_view");
        } else {
            faces = faces.withColumn("crawled_at", lit(null).cast("long"));
        }
        faces = withPageUrl(spark, files, data, faces);
        Dataset<Row> eligible = faces.join(urls, "source", "left_anti")
                .join(imageIds, "image_id", "left_anti")
                .join(faceIds, "face_id", "left_anti")
                .join(forgottenGroups, "group", "left_anti");
        // One face a group: its canonical while that one is live, else the best member still live.
        WindowSpec best = Window.partitionBy("group").orderBy(col("canonical").desc(),
                col("quality").desc_nulls_last(), col("face_id"));
        return eligible.withColumn("rank", row_number().over(best)).where(col("rank").equalTo(1))
                .select(col("face_id"), col("face_key"), col("image_id"), col("source"), col("embedding"),
                        col("page_url"), col("crawled_at"), col("quality").cast("double").as("quality"));
    }

    /** Each face's image's page URL (the first by name over the images table), for the evidence trail. */
    private static Dataset<Row> withPageUrl(SparkSession spark, HadoopFiles files, IngestLayout data,
            Dataset<Row> faces) {
        if (data == null || !files.hasData(data.images())) return faces.withColumn("page_url", lit(null).cast("string"));
        Dataset<Row> pages = spark.read().parquet(data.images()).groupBy("image_id")
                .agg(min(col("page_url")).as("page_url")).withColumnRenamed("image_id", "page_image_id");
        return faces.join(pages, faces.col("image_id").equalTo(pages.col("page_image_id")), "left")
                .drop("page_image_id");
    }

    /**
     * Per image of the live view: its first live, unburied source URL (null when none is live).
     * Each (source, image) pair takes its latest word over every input root.
     */
    private static Dataset<Row> liveSources(SparkSession spark, IngestLayout data, Dataset<Row> buriedUrls) {
        Dataset<Row> pairs = spark.read().parquet(data.sources())
                .groupBy("source", "image_id").agg(max_by(col("live"), col("as_of")).as("live"),
                        max(col("as_of")).as("as_of"))
                .join(buriedUrls.withColumn("buried", lit(true)), "source", "left")
                .withColumn("live", col("live").and(col("buried").isNull()));
        return pairs.groupBy("image_id")
                .agg(min(when(col("live"), col("source"))).as("live_source"),
                        max(when(col("live"), col("as_of"))).as("crawled_at"))
                .withColumnRenamed("image_id", "view_image_id")
                .withColumn("in_view", lit(true));
    }

    private static Dataset<Row> strings(SparkSession spark, Set<String> values, String name) {
        return spark.createDataset(List.copyOf(values), Encoders.STRING()).toDF(name);
    }
}
