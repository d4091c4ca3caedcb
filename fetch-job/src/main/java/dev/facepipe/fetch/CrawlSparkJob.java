package dev.facepipe.fetch;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.struct;

import dev.facepipe.core.config.Config;
import dev.facepipe.crawler.CrawlJob;
import dev.facepipe.crawler.CrawlSettings;
import dev.facepipe.crawler.UrlRef;
import dev.facepipe.storage.CrawlLayout;
import dev.facepipe.storage.HadoopFiles;
import dev.facepipe.storage.Sparks;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * crawl --spark, and the discovery of recrawl --spark: a crawl cut by host over the cluster. Steps:
 * the seeds (and the image URLs the schedule already holds) arranged by host ({@link #arrange}), a
 * crawler a task on its own hosts ({@link CrawlTask}), the images the pages showed on hosts no task
 * owns fetched by host ({@link #fetchElsewhere}, {@link FetchTask}), the manifest published as one run
 * ({@link #publish}), the pages read kept for the next run ({@link #keepPages}), counted. The same blobs and manifest rows as the one-JVM crawl, one row a URL.
 * Where it differs: a host's pages are read from its own seeds only (a link to a page on another host
 * is not followed: that host needs a seed of its own), and crawler.max_pages holds a task.
 */
public final class CrawlSparkJob {
    private static final Logger LOG = LoggerFactory.getLogger(CrawlSparkJob.class);
    private static final StructType SEEDS = DataTypes.createStructType(List.of(
            DataTypes.createStructField("url", DataTypes.StringType, false),
            DataTypes.createStructField("kind", DataTypes.StringType, false)));

    private CrawlSparkJob() {}

    /**
     * @param hosts     hosts with seeds, one task's business each
     * @param elsewhere images the pages showed on hosts their task does not own (a CDN, a host without seeds,
     *                  another task's host whose own pages do not show them), fetched after the crawl
     * @param complete  whether every task read every page it found (no crawler.max_pages cut)
     * @param manifest  what the published manifest holds
     */
    public record Result(String runId, long hosts, int tasks, long pages, long notModified, long elsewhere,
            boolean complete, FetchJob.Result manifest, double seconds) {
        public long images() {
            return manifest.fetched();
        }

        public String summary() {
            return String.format(Locale.ROOT, "%d pages (%d not modified) of %d hosts in %d tasks, %d images shown on"
                    + " other tasks' hosts fetched after; %d image URLs: %s, %.1f MB in %.1f s (%.1f images/s)", pages,
                    notModified, hosts, tasks, elsewhere, manifest.urls(), manifest.byStatus(), manifest.bytes() / 1e6, seconds, images() / seconds);
        }
    }

    public static Result run(Config cfg, List<String> seeds, String out, String runId) {
        if (seeds.isEmpty()) throw new IllegalArgumentException("no seed given: name at least one start URL");
        for (String s : seeds) CrawlJob.checkSeed(s);
        CrawlJob.rememberSeeds(HadoopFiles.fromConfig(cfg), new CrawlLayout(out), seeds);
        return run(cfg, seeds, out, runId, null, null);
    }

    /**
     * @param known image URLs the schedule holds live (a discovery): noted where shown, never fetched; or null
     * @param shown where the image URLs the pages showed go (a discovery: they keep known images live), one file a
     *              task; or null
     */
    static Result run(Config cfg, List<String> seeds, String out, String runId, Dataset<Row> known, String shown) {
        long t0 = System.nanoTime();
        SparkSession spark = Sparks.session(cfg, "facepipe-crawl");
        HadoopFiles files = HadoopFiles.fromConfig(cfg);
        CrawlLayout layout = new CrawlLayout(out);
        ManifestPublish.checkNew(files, layout, runId);
        String staging = layout.root() + "/_staging/crawl-" + runId;
        files.delete(staging);
        Set<String> hosts = new TreeSet<>();
        for (String s : seeds) hosts.add(UrlRef.hostOf(s));
        CrawlSettings settings = CrawlSettings.fromConfig(cfg);
        Dataset<Row> input = arrange(spark, seeds, known, settings.pageCache() && files.hasData(layout.pages())
                ? spark.read().parquet(layout.pages()) : null);
        long rows = known == null ? seeds.size() : input.count();
        int tasks = FetchPlan.of(cfg.getInt("fetch.partitions"), rows, hosts.size(),
                spark.sparkContext().defaultParallelism(), cfg.getLong("fetch.urls_per_task")).partitions();
        LOG.info("crawl {}: {} seeds on {} hosts in {} tasks", runId, seeds.size(), hosts.size(), tasks);
        List<Row> shares = input.repartition(tasks, col("host")).sortWithinPartitions("host", "kind", "url")
                .mapPartitions(new CrawlTask(settings, files, out, staging,
                        cfg.getString("crawler.work_dir"), runId), Encoders.row(CrawlTask.RESULT))
                .collectAsList();
        long elsewhere = fetchElsewhere(spark, cfg, files, layout, runId, shares, known);
        String manifest = publish(files, layout, runId, shares, shown);
        if (settings.pageCache()) keepPages(files, layout, runId, shares);
        files.delete(staging);
        long pages = 0, notModified = 0;
        boolean complete = true;
        for (Row r : shares) {
            pages += r.getLong(3);
            notModified += r.getLong(7);
            complete &= r.getBoolean(6);
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        Result res = new Result(runId, hosts.size(), tasks, pages, notModified, elsewhere, complete && pages > 0,
                FetchJob.tally(spark, manifest, runId, secs), secs);
        LOG.info("crawl {}: {}", runId, res.summary());
        return res;
    }

    /**
     * Step 1: seeds, known URLs and kept pages as (url, kind, host, the kept page's columns), a host's
     * rows together in one task.
     */
    private static Dataset<Row> arrange(SparkSession spark, List<String> seeds, Dataset<Row> known, Dataset<Row> pages) {
        List<Row> rows = new ArrayList<>();
        for (String s : new java.util.LinkedHashSet<>(seeds)) rows.add(RowFactory.create(s, "seed"));
        Dataset<Row> in = spark.createDataFrame(rows, SEEDS);
        if (known != null) in = in.unionByName(known.select(col("url"), lit("known").as("kind")));
        if (pages != null) in = in.unionByName(pages.withColumn("kind", lit("page")), true);
        return in.withColumn("host", ByHost.HOST.apply(col("url")));
    }

    /**
     * Step 3: images the pages showed on hosts their task does not own and no task fetched (a CDN, a
     * host without seeds, another task's host whose pages do not show them), each once, none the
     * schedule knows, fetched by host as fetch does; their rows staged for the run's manifest. Returns
     * how many.
     */
    private static long fetchElsewhere(SparkSession spark, Config cfg, HadoopFiles files, CrawlLayout layout,
            String runId, List<Row> shares, Dataset<Row> known) {
        List<String> notes = new ArrayList<>();
        List<String> crawled = new ArrayList<>();
        for (Row r : shares) {
            crawled.add(r.getString(1) + "/manifest.parquet");
            if (r.getLong(5) > 0) notes.add(r.getString(1) + "/elsewhere.parquet");
        }
        if (notes.isEmpty()) {
            ManifestPublish.stage(spark.createDataFrame(List.of(), ManifestRows.SCHEMA), layout, runId);
            return 0;
        }
        Dataset<Row> refs = spark.read().parquet(notes.toArray(String[]::new))
                .join(spark.read().parquet(crawled.toArray(String[]::new)).select("url"), "url", "left_anti");
        if (known != null) refs = refs.join(known.select("url"), "url", "left_anti");
        Dataset<Row> unique = refs.groupBy("url").agg(min(struct(col("page_url"), col("caption"), col("via"))).as("f"))
                .select(col("url"), col("f.page_url").as("page_url"), col("f.caption").as("caption"),
                        col("f.via").as("via"))
                .withColumn("host", ByHost.HOST.apply(col("url"))).persist(StorageLevel.MEMORY_AND_DISK());
        long n = unique.count();
        long hosts = unique.select("host").distinct().count();
        int tasks = FetchPlan.of(cfg.getInt("fetch.partitions"), n, hosts, spark.sparkContext().defaultParallelism(),
                cfg.getLong("fetch.urls_per_task")).partitions();
        LOG.info("crawl {}: {} images shown on {} hosts without seeds, fetched in {} tasks", runId, n, hosts, tasks);
        ManifestPublish.stage(ByHost.arrange(unique, tasks).mapPartitions(new FetchTask(CrawlSettings.fromConfig(cfg),
                files, layout.root(), cfg.getInt("fetch.threads"), cfg.getInt("fetch.hosts_at_once")),
                Encoders.row(ManifestRows.SCHEMA)), layout, runId);
        unique.unpersist();
        return n;
    }

    /**
     * Step 4: each reported attempt's manifest file joins the staged rows of step 3 (attempts nobody
     * reported, from a lost executor, stay behind and go with the staging folder); then the run is
     * published in one rename.
     */
    private static String publish(HadoopFiles files, CrawlLayout layout, String runId, List<Row> shares,
            String shown) {
        String run = ManifestPublish.staging(layout, runId);
        try {
            FileSystem fs = files.fs(run);
            if (shown != null) fs.mkdirs(new Path(shown));
            for (Row r : shares) {
                String part = String.format(Locale.ROOT, "part-crawl-%05d.parquet", r.getInt(0));
                rename(fs, new Path(r.getString(1) + "/manifest.parquet"), new Path(run, part));
                if (shown != null) rename(fs, new Path(r.getString(1) + "/shown.parquet"), new Path(shown, part));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("crawl " + runId + ": cannot publish into " + layout.root() + ": "
                    + e.getMessage(), e);
        }
        return ManifestPublish.move(files, layout, runId);
    }

    /**
     * Step 5: the pages each reported attempt read (and those it kept without reading) replace the
     * crawl root's kept pages, for the next run's conditional GETs. A host no task had is dropped: no
     * seed reads its pages.
     */
    private static void keepPages(HadoopFiles files, CrawlLayout layout, String runId, List<Row> shares) {
        String next = layout.pages() + "-next";
        files.delete(next);
        try {
            FileSystem fs = files.fs(next);
            fs.mkdirs(new Path(next));
            for (Row r : shares) {
                Path kept = new Path(r.getString(1) + "/pages.parquet");
                if (fs.exists(kept)) {
                    rename(fs, kept, new Path(next, String.format(Locale.ROOT, "part-crawl-%05d.parquet", r.getInt(0))));
                }
            }
            files.delete(layout.pages());
            rename(fs, new Path(next), new Path(layout.pages()));
        } catch (IOException e) {
            throw new UncheckedIOException("crawl " + runId + ": cannot keep the pages read in " + layout.root() + ": "
                    + e.getMessage(), e);
        }
    }

    private static void rename(FileSystem fs, Path from, Path to) throws IOException {
        if (!fs.rename(from, to)) throw new IOException("rename " + from + " -> " + to + " failed");
    }
}
