package dev.facepipe.fetch;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.input_file_name;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max_by;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.when;

import dev.facepipe.core.schema.CrawlStatus;
import dev.facepipe.storage.CrawlLayout;
import dev.facepipe.storage.HadoopFiles;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Step 1 of a recrawl on Spark: the schedule's rows (CRAWL/state, whatever wrote it) and each URL's
 * latest fetched manifest row, in one table of state columns plus kind ("state" or "fetched") and
 * host, cut into tasks by host so a task holds its hosts' whole schedule and nothing else.
 */
final class RecrawlInputs {
    static final List<String> STATE = List.of("url", "page_url", "alt", "status", "etag", "last_modified", "sha256",
            "last_fetch", "next_due", "interval_s", "fetches", "changes", "last_seen");

    private RecrawlInputs() {}

    /**
     * The schedule's rows and the latest fetched rows, with kind and host; those of the run tonight
     * (a discovery, first due a whole interval after tonight) are of kind "discovered".
     */
    static Dataset<Row> read(SparkSession spark, HadoopFiles files, CrawlLayout layout, String tonight) {
        Dataset<Row> all = fetched(spark, files, layout, tonight);
        if (hasParquet(files, layout.stateFolder())) {
            Dataset<Row> st = spark.read().option("mergeSchema", "true").parquet(layout.stateFolder());
            List<String> have = Arrays.asList(st.columns());
            Column[] cols = STATE.stream().map(c -> have.contains(c) ? col(c) : lit(null).cast(type(c)).as(c))
                    .toArray(Column[]::new);
            Dataset<Row> state = st.select(cols).withColumn("kind", lit("state"));
            all = all == null ? state : state.unionByName(all);
        }
        if (all == null) {
            throw new IllegalArgumentException(layout.root() + " holds no crawl (no state or manifests): fetch or crawl"
                    + " into it first");
        }
        return all.withColumn("host", ByHost.HOST.apply(col("url")));
    }

    /** The table with the image URLs tonight's pages showed, as rows of kind "shown" (url, nothing else). */
    static Dataset<Row> withShown(SparkSession spark, Dataset<Row> table, String shown) {
        Column[] cols = STATE.stream().map(c -> c.equals("url") ? col(c) : lit(null).cast(type(c)).as(c))
                .toArray(Column[]::new);
        return table.unionByName(spark.read().parquet(shown).select(cols).withColumn("kind", lit("shown"))
                .withColumn("host", ByHost.HOST.apply(col("url"))));
    }

    /**
     * The image URLs the schedule holds live, for a discovery to leave alone: live schedule rows, and
     * URLs fetched that the schedule does not hold yet.
     */
    static Dataset<Row> live(Dataset<Row> table) {
        Dataset<Row> state = table.where(col("kind").equalTo("state"));
        return state.where(col("status").equalTo("live")).select("url")
                .union(table.where(col("kind").notEqual("state")).join(state.select("url"), "url", "left_anti").select("url"))
                .distinct();
    }

    /** Cut into tasks by host: a task holds its hosts' whole schedule. */
    static Dataset<Row> byHost(Dataset<Row> table, int partitions) {
        return table.repartition(partitions, col("host"));
    }

    /** Each URL's latest fetched row of every manifest, as a state row (null when there are no manifests). */
    private static Dataset<Row> fetched(SparkSession spark, HadoopFiles files, CrawlLayout layout, String tonight) {
        if (!hasParquet(files, layout.manifests())) return null;
        Dataset<Row> m = spark.read().option("mergeSchema", "true").parquet(layout.manifests())
                .where(col("status").equalTo(CrawlStatus.FETCHED.code()))
                .withColumn("kind", tonight == null ? lit("fetched")
                        : when(input_file_name().contains("/run_id=" + tonight + "/"), lit("discovered"))
                                .otherwise(lit("fetched")));
        Dataset<Row> latest = m.groupBy("url").agg(max_by(struct(col("page_url"), col("alt"), col("etag"),
                col("last_modified"), col("sha256"), col("fetched_at"), col("kind")), col("fetched_at")).as("m"));
        return latest.select(col("url"), col("m.page_url").as("page_url"), col("m.alt").as("alt"),
                lit("live").as("status"), col("m.etag").as("etag"), col("m.last_modified").as("last_modified"),
                col("m.sha256").as("sha256"), col("m.fetched_at").as("last_fetch"), lit(0L).as("next_due"),
                lit(0L).as("interval_s"), lit(0).as("fetches"), lit(0).as("changes"),
                lit(null).cast("long").as("last_seen"), col("m.kind").as("kind"));
    }

    private static String type(String column) {
        return switch (column) {
            case "last_fetch", "next_due", "interval_s", "last_seen" -> "long";
            case "fetches", "changes" -> "int";
            default -> "string";
        };
    }

    private static boolean hasParquet(HadoopFiles files, String folder) {
        return files.exists(folder) && files.listFiles(folder).stream().anyMatch(f -> f.endsWith(".parquet"));
    }
}
