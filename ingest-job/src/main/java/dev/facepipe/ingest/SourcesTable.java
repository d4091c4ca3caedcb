package dev.facepipe.ingest;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.max_by;

import dev.facepipe.core.schema.CrawlStatus;
import dev.facepipe.storage.ContentHash;
import dev.facepipe.storage.CrawlLayout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Step 4, the live view (OUT/sources/input=KEY, one snapshot per input root, replaced each run):
 * every (source URL, image) pair the input root ever had, and whether it is live now. From a crawl:
 * a URL's latest definitive word decides (fetched = live with its latest bytes; gone, 404/410 or
 * disallowed by robots = dead; timeouts and 5xx change nothing), and bytes a URL served before are
 * no longer live there. From a folder: the files under it now are live, pairs of the previous
 * snapshot that are not are dead. Index builds keep faces only of images with a live URL.
 */
final class SourcesTable {
    private static final Logger LOG = LoggerFactory.getLogger(SourcesTable.class);

    private static final StructType PAIR = new StructType().add("source", DataTypes.StringType)
            .add("image_id", DataTypes.StringType);

    private SourcesTable() {}

    /** The snapshot's folder name for an input root. */
    static String key(String input) {
        String root = input.endsWith("/") ? input.substring(0, input.length() - 1) : input;
        return ContentHash.sha256Hex(root.getBytes(StandardCharsets.UTF_8)).substring(0, 16);
    }

    static void write(RunContext ctx, String input, Inputs.Listed inputs) {
        String target = ctx.layout().sources(key(input));
        Dataset<Row> view = inputs.crawl() ? fromCrawl(ctx, new CrawlLayout(input)) : fromFolder(ctx, target, inputs);
        String next = ctx.layout().sources() + "/_next-" + key(input);
        view.select("source", "image_id", "live", "as_of").coalesce(1).write().mode(SaveMode.Overwrite).parquet(next);
        try {
            FileSystem fs = ctx.files().fs(target);
            fs.delete(new Path(target), true);
            if (!fs.rename(new Path(next), new Path(target))) throw new IOException("rename " + next + " failed");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot publish the live view " + target + ": " + e.getMessage(), e);
        }
        LOG.info("run {}: live view of {} written to {}", ctx.runId(), input, target);
    }

    private static Dataset<Row> fromCrawl(RunContext ctx, CrawlLayout crawl) {
        Dataset<Row> m = ctx.spark().read().option("mergeSchema", "true").parquet(crawl.manifests());
        Column status = col("status");
        Column dead = status.isin(CrawlStatus.GONE.code(), CrawlStatus.ROBOTS.code(), "http_404", "http_410");
        if (Arrays.asList(m.columns()).contains("http_status")) {
            dead = dead.or(status.equalTo(CrawlStatus.HTTP_ERROR.code()).and(col("http_status").isin(404, 410)));
        }
        Column fetched = status.equalTo(CrawlStatus.FETCHED.code());
        Dataset<Row> word = m.where(fetched.or(dead)).groupBy("url")
                .agg(max_by(fetched, col("fetched_at")).as("url_live"), max(col("fetched_at")).as("as_of"));
        Dataset<Row> current = m.where(fetched).groupBy("url")
                .agg(max_by(col("sha256"), col("fetched_at")).as("current_sha"));
        return m.where(fetched).select(col("url"), col("sha256")).distinct()
                .join(word, "url").join(current, "url")
                .select(col("url").as("source"), col("sha256").as("image_id"),
                        col("url_live").and(col("sha256").equalTo(col("current_sha"))).as("live"), col("as_of"));
    }

    private static Dataset<Row> fromFolder(RunContext ctx, String previous, Inputs.Listed inputs) {
        long now = System.currentTimeMillis();
        Dataset<Row> here = ctx.spark().createDataFrame(inputs.rows().filter(r -> r.imageId() != null)
                        .map(r -> RowFactory.create(r.source(), r.imageId())), PAIR)
                .withColumn("live", lit(true)).withColumn("as_of", lit(now));
        if (!ctx.files().hasData(previous)) return here;
        Dataset<Row> before = ctx.spark().read().parquet(previous).select("source", "image_id")
                .join(here.select("source", "image_id"), new String[] {"source", "image_id"}, "left_anti")
                .withColumn("live", lit(false)).withColumn("as_of", lit(now));
        return here.unionByName(before);
    }
}
