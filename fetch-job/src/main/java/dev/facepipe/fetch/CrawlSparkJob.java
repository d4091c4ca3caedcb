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
import dev.facepipe.storage.JobLease;
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
 * crawl --spark, and the discovery of recrawl --spark: a crawl cut by host over the cluster, in rounds.
 * Steps: a round's seeds (the seeds; later, the links to other hosts' pages the round before found),
 * with the image URLs already known and the pages kept and read before, arranged by host
 * ({@link #arrange}); a crawler a task on its own hosts ({@link CrawlTask}); the links its pages gave
 * to pages on other hosts, the next round's seeds ({@link #links}), until there are none or
 * crawler.spark_rounds is reached; then the images the pages showed on hosts no task owns fetched by
 * host ({@link #fetchElsewhere}, {@link FetchTask}), the manifest published as one run
 * ({@link #publish}), the pages read kept for the next run ({@link #keepPages}), counted. The same
 * pages, blobs and manifest rows as the one-JVM crawl, one row a URL; crawler.max_pages holds a task.
 */
public final class CrawlSparkJob {
    private static final Logger LOG = LoggerFactory.getLogger(CrawlSparkJob.class);
    private static final StructType SEEDS = DataTypes.createStructType(List.of(
            DataTypes.createStructField("url", DataTypes.StringType, false),
            DataTypes.createStructField("depth", DataTypes.IntegerType, false)));

    private CrawlSparkJob() {}

    /**
     * @param hosts     hosts with seeds, one task's business each
     * @param tasks     crawl tasks, all rounds together
     * @param rounds    rounds run (one, and one more for each round whose pages linked to pages on other hosts)
     * @param elsewhere images the pages showed on hosts their task does not own (a CDN, a host without seeds,
     *                  another task's host whose own pages do not show them), fetched after the crawl
     * @param linksLeft links to pages on other hosts left unread when crawler.spark_rounds was reached
     * @param complete  whether every task read every page it found (no crawler.max_pages cut, no link left)
     * @param manifest  what the published manifest holds
     */
    public record Result(String runId, long hosts, int tasks, int rounds, long pages, long notModified, long elsewhere,
            long linksLeft, boolean complete, FetchJob.Result manifest, double seconds) {
        public long images() {
            return manifest.fetched();
        }

        public String summary() {
            return String.format(Locale.ROOT, "%d pages (%d not modified) of %d hosts in %d tasks over %d rounds%s, %d"
                    + " images shown on other tasks' hosts fetched after; %d image URLs: %s, %.1f MB in %.1f s (%.1f"
                    + " images/s)", pages, notModified, hosts, tasks, rounds, linksLeft == 0 ? "" : " (" + linksLeft
                    + " links to other hosts' pages left unread: raise crawler.spark_rounds)", elsewhere,
                    manifest.urls(), manifest.byStatus(), manifest.bytes() / 1e6, seconds, images() / seconds);
        }
    }

    /** What one task of one round reported (a row of {@link CrawlTask#RESULT}). */
    private record Share(int round, int partition, String dir, long hosts, long pages, long elsewhere, boolean complete,
            long notModified, long links) {
        static Share of(int round, Row r) {
            return new Share(round, r.getAs("partition"), r.getAs("dir"), r.getAs("hosts"), r.getAs("pages"),
                    r.getAs("elsewhere"), r.getAs("complete"), r.getAs("not_modified"), r.getAs("links"));
        }

        String file(String name) {
            return dir + "/" + name;
        }

        /** Its file's name in a published folder, one a task of a round. */
        String part() {
            return String.format(Locale.ROOT, "part-crawl-r%d-%05d.parquet", round, partition);
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
        // gc deletes no original of the root while the tasks may find the bytes they fetch already stored.
        try (JobLease lease = JobLease.forJob(HadoopFiles.fromConfig(cfg), cfg, out,
                "crawl run " + runId + " (Spark)")) {
            return crawl(cfg, seeds, out, runId, known, shown);
        }
    }

    private static Result crawl(Config cfg, List<String> seeds, String out, String runId, Dataset<Row> known,
            String shown) {
        long t0 = System.nanoTime();
        SparkSession spark = Sparks.session(cfg, "facepipe-crawl");
        HadoopFiles files = HadoopFiles.fromConfig(cfg);
        CrawlLayout layout = new CrawlLayout(out);
        ManifestPublish.checkNew(files, layout, runId);
        String staging = layout.root() + "/_staging/crawl-" + runId;
        files.delete(staging);
        CrawlSettings settings = CrawlSettings.fromConfig(cfg);
        Set<String> pageHosts = new TreeSet<>();
        for (String h : settings.allowedHosts()) pageHosts.add(h.toLowerCase(Locale.ROOT));
        if (pageHosts.isEmpty()) for (String s : seeds) pageHosts.add(UrlRef.hostOf(s));
        Dataset<Row> kept = settings.pageCache() && files.hasData(layout.pages()) ? spark.read().parquet(layout.pages())
                : null;
        CrawlTask task = new CrawlTask(settings, files, out, staging, cfg.getString("crawler.work_dir"), runId, pageHosts);
        Rounds rounds = rounds(spark, cfg, task, seeds, known, kept, runId);
        List<Share> shares = rounds.shares();
        long linksLeft = rounds.linksLeft();
        long elsewhere = fetchElsewhere(spark, cfg, files, layout, runId, shares, known);
        String manifest = publish(files, layout, runId, shares, shown);
        if (settings.pageCache()) keepPages(files, layout, runId, shares);
        files.delete(staging);
        long pages = 0, notModified = 0;
        boolean complete = linksLeft == 0;
        for (Share r : shares) {
            pages += r.pages();
            notModified += r.notModified();
            complete &= r.complete();
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        Result res = new Result(runId, rounds.hosts(), rounds.tasks(), rounds.rounds(), pages, notModified, elsewhere,
                linksLeft, complete && pages > 0, FetchJob.tally(spark, manifest, runId, secs), secs);
        LOG.info("crawl {}: {}", runId, res.summary());
        return res;
    }

    /** What the rounds did: every task's share, tasks and rounds run, hosts of the first, links left unread. */
    private record Rounds(List<Share> shares, int tasks, int rounds, long hosts, long linksLeft) {}

    /**
     * Steps 1-3 a round: arrange the round's seeds with what earlier rounds did, crawl them in tasks
     * by host, take the links to other hosts' pages no round read as the next round's seeds; up to
     * crawler.spark_rounds.
     */
    private static Rounds rounds(SparkSession spark, Config cfg, CrawlTask task, List<String> seeds, Dataset<Row> known,
            Dataset<Row> kept, String runId) {
        List<Row> first = new ArrayList<>();
        for (String s : new java.util.LinkedHashSet<>(seeds)) first.add(RowFactory.create(s, 0));
        Dataset<Row> next = spark.createDataFrame(first, SEEDS);
        Dataset<Row> seeded = next.select("url");
        List<Share> shares = new ArrayList<>();
        List<Dataset<Row>> cached = new ArrayList<>();
        int maxRounds = cfg.getInt("crawler.spark_rounds"), tasks = 0, round = 0;
        long hosts = 0, linksLeft = 0;
        while (next != null) {
            round++;
            Dataset<Row> input = arrange(next, known, kept, shares, spark);
            long n = input.count(), h = input.where(col("kind").equalTo("seed")).select("host").distinct().count();
            int roundTasks = FetchPlan.of(cfg.getInt("fetch.partitions"), n, h,
                    spark.sparkContext().defaultParallelism(), cfg.getLong("fetch.urls_per_task")).partitions();
            LOG.info("crawl {} round {}: seeds on {} hosts in {} tasks", runId, round, h, roundTasks);
            List<Share> done = new ArrayList<>();
            for (Row r : input.repartition(roundTasks, col("host")).sortWithinPartitions("host", "kind", "url")
                    .mapPartitions(task, Encoders.row(CrawlTask.RESULT)).collectAsList()) {
                done.add(Share.of(round, r));
            }
            shares.addAll(done);
            tasks += roundTasks;
            if (round == 1) hosts = h;
            next = links(spark, done, shares, seeded);
            if (next != null) cached.add(next);
            if (next != null && round == maxRounds) {
                linksLeft = next.count();
                LOG.warn("crawl {}: {} links to other hosts' pages left unread after crawler.spark_rounds={}", runId,
                        linksLeft, maxRounds);
                next = null;
            } else if (next != null) {
                seeded = seeded.unionByName(next.select("url"));
            }
        }
        cached.forEach(Dataset::unpersist);
        return new Rounds(shares, tasks, round, hosts, linksLeft);
    }

    /**
     * Step 1: a round's seeds (url, depth) and, on their hosts only, the image URLs known (the
     * schedule's, and those earlier rounds gave rows), the pages earlier rounds read (not read again)
     * and the pages kept from the last run that no round read yet: (url, kind, host, depth, the kept
     * page's columns), a host's rows together in one task.
     */
    private static Dataset<Row> arrange(Dataset<Row> seeds, Dataset<Row> known, Dataset<Row> kept, List<Share> before,
            SparkSession spark) {
        Dataset<Row> in = seeds.withColumn("kind", lit("seed"));
        Dataset<Row> knownNow = known == null ? null : known.select("url");
        Dataset<Row> read = null;
        if (!before.isEmpty()) {
            Dataset<Row> rows = spark.read().parquet(before.stream().map(s -> s.file("manifest.parquet"))
                    .toArray(String[]::new)).select("url");
            knownNow = knownNow == null ? rows : knownNow.unionByName(rows);
            read = spark.read().parquet(before.stream().map(s -> s.file("reach.parquet")).toArray(String[]::new))
                    .where(col("depth").isNull()).select("url");
            in = in.unionByName(read.withColumn("kind", lit("read")), true);
        }
        if (knownNow != null) in = in.unionByName(knownNow.withColumn("kind", lit("known")), true);
        if (kept != null) {
            Dataset<Row> unread = read == null ? kept : kept.join(read, "url", "left_anti");
            in = in.unionByName(unread.withColumn("kind", lit("page")), true);
        }
        in = in.withColumn("host", ByHost.HOST.apply(col("url")));
        Dataset<Row> hosts = seeds.select(ByHost.HOST.apply(col("url")).as("host")).distinct();
        return in.join(hosts, "host", "left_semi");
    }

    /**
     * Step 3: the links a round's pages gave to pages on other hosts the crawl reads, each once at its
     * least depth, none a round read or was seeded with: the next round's seeds; null when there are none.
     */
    private static Dataset<Row> links(SparkSession spark, List<Share> round, List<Share> all, Dataset<Row> seeded) {
        String[] found = round.stream().filter(s -> s.links() > 0).map(s -> s.file("reach.parquet")).toArray(String[]::new);
        if (found.length == 0) return null;
        Dataset<Row> read = spark.read().parquet(all.stream().map(s -> s.file("reach.parquet")).toArray(String[]::new))
                .where(col("depth").isNull()).select("url");
        Dataset<Row> links = spark.read().parquet(found).where(col("depth").isNotNull())
                .groupBy("url").agg(min("depth").as("depth"))
                .join(read, "url", "left_anti").join(seeded, "url", "left_anti")
                .persist(StorageLevel.MEMORY_AND_DISK());
        if (!links.isEmpty()) return links;
        links.unpersist();
        return null;
    }

    /**
     * Step 4: images the pages showed on hosts their task does not own and no task fetched (a CDN, a
     * host without seeds, another task's host whose pages do not show them), each once, none the
     * schedule knows, fetched by host as fetch does; their rows staged for the run's manifest. Returns
     * how many.
     */
    private static long fetchElsewhere(SparkSession spark, Config cfg, HadoopFiles files, CrawlLayout layout,
            String runId, List<Share> shares, Dataset<Row> known) {
        List<String> notes = new ArrayList<>();
        List<String> crawled = new ArrayList<>();
        for (Share r : shares) {
            crawled.add(r.file("manifest.parquet"));
            if (r.elsewhere() > 0) notes.add(r.file("elsewhere.parquet"));
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
     * Step 5: each reported attempt's manifest file joins the staged rows of step 4 (attempts nobody
     * reported, from a lost executor, stay behind and go with the staging folder); then the run is
     * published in one rename.
     */
    private static String publish(HadoopFiles files, CrawlLayout layout, String runId, List<Share> shares,
            String shown) {
        String run = ManifestPublish.staging(layout, runId);
        try {
            FileSystem fs = files.fs(run);
            if (shown != null) fs.mkdirs(new Path(shown));
            for (Share r : shares) {
                rename(fs, new Path(r.file("manifest.parquet")), new Path(run, r.part()));
                if (shown != null) rename(fs, new Path(r.file("shown.parquet")), new Path(shown, r.part()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("crawl " + runId + ": cannot publish into " + layout.root() + ": "
                    + e.getMessage(), e);
        }
        return ManifestPublish.move(files, layout, runId);
    }

    /**
     * Step 6: the pages each reported attempt read (and those it kept without reading) replace the
     * crawl root's kept pages, for the next run's conditional GETs (a page two rounds kept counts by its
     * later copy, {@link dev.facepipe.crawler.PageCache#of}). A host no round reached is dropped.
     */
    private static void keepPages(HadoopFiles files, CrawlLayout layout, String runId, List<Share> shares) {
        String next = layout.pages() + "-next";
        files.delete(next);
        try {
            FileSystem fs = files.fs(next);
            fs.mkdirs(new Path(next));
            for (Share r : shares) {
                Path kept = new Path(r.file("pages.parquet"));
                if (fs.exists(kept)) {
                    rename(fs, kept, new Path(next, r.part()));
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
