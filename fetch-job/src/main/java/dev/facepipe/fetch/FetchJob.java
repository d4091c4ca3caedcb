package dev.facepipe.fetch;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.sum;

import dev.facepipe.core.config.Config;
import dev.facepipe.core.schema.CrawlStatus;
import dev.facepipe.crawler.CrawlSettings;
import dev.facepipe.storage.CrawlLayout;
import dev.facepipe.storage.HadoopFiles;
import dev.facepipe.storage.JobLease;
import dev.facepipe.storage.Sparks;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * fetch: a list of image URLs fetched on Spark into a crawl root, the same blobs and manifest rows
 * a crawl writes, so ingest and recrawl read it unchanged. Steps: read the list ({@link UrlList}),
 * arrange it by host ({@link ByHost}), fetch each task's hosts ({@link FetchTask}), publish the
 * manifest ({@link ManifestPublish}), count what happened.
 */
public final class FetchJob {
    private static final Logger LOG = LoggerFactory.getLogger(FetchJob.class);

    private FetchJob() {}

    /** What a fetch did: URLs (each once), hosts, rows by status, image bytes stored, seconds. */
    public record Result(String runId, long urls, long hosts, Map<String, Long> byStatus, long bytes, String manifest,
            double seconds) {
        public long fetched() {
            return byStatus.getOrDefault(CrawlStatus.FETCHED.code(), 0L);
        }

        public String summary() {
            return String.format(Locale.ROOT, "%d URLs of %d hosts in %.1f s: %s; %.1f images/s, %.2f MB/s", urls, hosts,
                    seconds, byStatus, fetched() / seconds, bytes / 1e6 / seconds);
        }
    }

    public static Result run(Config cfg, String urls, String out, String runId) {
        // gc deletes no original of the root while the tasks may find the bytes they fetch already stored.
        try (JobLease lease = JobLease.forJob(HadoopFiles.fromConfig(cfg), cfg, out, "fetch run " + runId)) {
            return fetch(cfg, urls, out, runId);
        }
    }

    private static Result fetch(Config cfg, String urls, String out, String runId) {
        long t0 = System.nanoTime();
        SparkSession spark = Sparks.session(cfg, "facepipe-fetch");
        HadoopFiles files = HadoopFiles.fromConfig(cfg);
        CrawlLayout layout = new CrawlLayout(out);
        ManifestPublish.checkNew(files, layout, runId);
        Dataset<Row> list = UrlList.read(spark, files, urls);
        Dataset<Row> unique = ByHost.unique(list).persist(StorageLevel.MEMORY_AND_DISK());
        Row size = unique.agg(count("*"), countDistinct(col("host"))).first();
        FetchPlan plan = FetchPlan.of(cfg.getInt("fetch.partitions"), size.getLong(0), size.getLong(1),
                spark.sparkContext().defaultParallelism(), cfg.getLong("fetch.urls_per_task"));
        LOG.info("fetch {}: {} URLs of {} hosts in {} tasks", runId, size.getLong(0), size.getLong(1), plan.partitions());
        Dataset<Row> byHost = ByHost.arrange(unique, plan.partitions());
        Dataset<Row> rows = byHost.mapPartitions(new FetchTask(CrawlSettings.fromConfig(cfg), files, out,
                cfg.getInt("fetch.threads"), cfg.getInt("fetch.hosts_at_once")), Encoders.row(ManifestRows.SCHEMA));
        String manifest = ManifestPublish.write(rows, files, layout, runId);
        unique.unpersist();
        Result r = tally(spark, manifest, runId, (System.nanoTime() - t0) / 1e9);
        LOG.info("fetch {}: {}", runId, r.summary());
        return r;
    }

    /** What a published manifest holds: URLs, hosts, rows by status, image bytes. */
    static Result tally(SparkSession spark, String manifest, String runId, double seconds) {
        Dataset<Row> m = spark.read().parquet(manifest).withColumn("host", ByHost.HOST.apply(col("url")));
        Map<String, Long> byStatus = new TreeMap<>();
        for (Row r : m.groupBy("status").agg(count("*")).collectAsList()) byStatus.put(r.getString(0), r.getLong(1));
        Row totals = m.agg(count("*"), countDistinct(col("host")),
                sum(col("bytes").multiply(col("status").equalTo(CrawlStatus.FETCHED.code()).cast("long")))).first();
        return new Result(runId, totals.getLong(0), totals.getLong(1), byStatus, totals.isNullAt(2) ? 0 : totals.getLong(2),
                manifest, seconds);
    }
}
