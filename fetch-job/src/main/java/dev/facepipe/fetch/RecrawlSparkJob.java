package dev.facepipe.fetch;

import dev.facepipe.core.config.Config;
import dev.facepipe.crawler.CrawlSettings;
import dev.facepipe.crawler.FetchSchedule;
import dev.facepipe.storage.CrawlLayout;
import dev.facepipe.storage.HadoopFiles;
import dev.facepipe.storage.JobLease;
import dev.facepipe.storage.Sparks;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * recrawl --spark: the nightly re-crawl on Spark, for schedules one JVM cannot hold (the one-JVM
 * recrawl keeps every URL's row in memory). Steps: discovery, a crawl on Spark from the root's seeds
 * that fetches only what the schedule does not hold live ({@link CrawlSparkJob}, run R-discovery);
 * the schedule and the latest fetched rows by host ({@link RecrawlInputs}); each task's hosts joined,
 * fetched and rescheduled ({@link RecrawlTask}); the attempts the driver heard from published: the
 * manifest at CRAWL/manifests/run_id=R, the schedule as one file a host bucket under CRAWL/state.
 * After a discovery that read every page it found, an image no page showed for
 * recrawl.unreferenced_grace_s is gone, as in the one-JVM recrawl.
 */
public final class RecrawlSparkJob {
    private static final Logger LOG = LoggerFactory.getLogger(RecrawlSparkJob.class);

    private RecrawlSparkJob() {}

    /**
     * @param pages      pages discovery read (0 where it did not run)
     * @param pagesNotModified pages discovery read from their kept copy after a 304
     * @param discovered new images discovery fetched
     * @param alarms     a host that answered none of tonight's requests, a discovery that read no page; one line each
     * @param bytes      image bytes stored tonight: changed images and new ones discovery found
     */
    public record Result(String runId, long known, long due, long notModified, long sameBytes, long changed, long gone,
            long errors, long pages, long pagesNotModified, long discovered, int buckets, String manifest,
            double seconds, List<String> alarms, long bytes) {
        public String summary() {
            return String.format(Locale.ROOT, "%d known URLs, %d due: %d not modified (304), %d same bytes, %d changed,"
                    + " %d gone, %d errors; discovery: %d pages (%d not modified), %d new images; %.1f MB of images"
                    + " fetched; schedule in %d host buckets", known, due, notModified, sameBytes, changed, gone, errors,
                    pages, pagesNotModified, discovered, bytes / 1e6, buckets);
        }
    }

    public static Result run(Config cfg, String out, String runId, long now, boolean all) {
        // gc deletes no original of the root while tonight's tasks may find their bytes already stored.
        try (JobLease lease = JobLease.forJob(HadoopFiles.fromConfig(cfg), cfg, out,
                "recrawl run " + runId + " (Spark)")) {
            return night(cfg, out, runId, now, all);
        }
    }

    private static Result night(Config cfg, String out, String runId, long now, boolean all) {
        long t0 = System.nanoTime();
        SparkSession spark = Sparks.session(cfg, "facepipe-recrawl");
        HadoopFiles files = HadoopFiles.fromConfig(cfg);
        CrawlLayout layout = new CrawlLayout(out);
        ManifestPublish.checkNew(files, layout, runId);
        restoreState(files, layout);
        java.util.TreeSet<String> alarms = new java.util.TreeSet<>();
        String shown = layout.root() + "/_staging/shown-" + runId;
        files.delete(shown);
        CrawlSparkJob.Result found = discover(cfg, spark, files, layout, runId, shown, alarms);
        Dataset<Row> table = RecrawlInputs.read(spark, files, layout, runId + "-discovery");
        boolean aging = found != null && found.complete();
        if (aging) table = RecrawlInputs.withShown(spark, table, shown);
        // A task holds its bucket's rows in memory: buckets by the number of rows, as fetch's tasks by URLs.
        int buckets = FetchPlan.of(cfg.getInt("recrawl.spark_buckets"), table.count(), Long.MAX_VALUE,
                spark.sparkContext().defaultParallelism(), cfg.getLong("recrawl.urls_per_bucket")).partitions();
        String staging = layout.root() + "/_staging/recrawl-" + runId;
        files.delete(staging);
        List<Row> results = RecrawlInputs.byHost(table, buckets)
                .mapPartitions(new RecrawlTask(CrawlSettings.fromConfig(cfg), FetchSchedule.fromConfig(cfg), files, out,
                        staging, now, all, cfg.getInt("fetch.threads"), cfg.getInt("fetch.hosts_at_once"), aging,
                        cfg.getLong("recrawl.unreferenced_grace_s")),
                        Encoders.row(RecrawlTask.RESULT))
                .collectAsList();
        long[] c = new long[RecrawlTask.COUNTS.size()];
        for (Row r : results) {
            for (int i = 0; i < c.length; i++) c[i] += r.getLong(2 + i);
            alarms.addAll(r.getList(2 + c.length));
        }
        String manifest = publish(files, layout, runId, staging, results);
        files.delete(shown);
        Result res = new Result(runId, c[0], c[1], c[2], c[3], c[4], c[5], c[6], found == null ? 0 : found.pages(),
                found == null ? 0 : found.notModified(), found == null ? 0 : found.images(), results.size(), manifest, (System.nanoTime() - t0) / 1e9,
                List.copyOf(alarms), c[7] + (found == null ? 0 : found.manifest().bytes()));
        LOG.info("recrawl {}: {} in {} s", runId, res.summary(), String.format(Locale.ROOT, "%.1f", res.seconds()));
        for (String a : res.alarms()) LOG.warn("recrawl {}: alarm: {}", runId, a);
        return res;
    }

    /**
     * Discovery: a crawl on Spark from the root's seeds (robots, meta robots and X-Robots-Tag as a crawl
     * honours them) that notes the images the schedule holds live and fetches the others; they join
     * the schedule in the next step, first due an interval after tonight. Null where recrawl.discover
     * is off, the root has no seeds, or this run's discovery is published already (the night run again).
     */
    private static CrawlSparkJob.Result discover(Config cfg, SparkSession spark, HadoopFiles files, CrawlLayout layout,
            String runId, String shown, java.util.Set<String> alarms) {
        List<String> seeds = dev.facepipe.crawler.CrawlJob.seeds(files, layout);
        String run = runId + "-discovery";
        if (!cfg.getBoolean("recrawl.discover") || seeds.isEmpty()) return null;
        if (files.exists(ManifestPublish.target(layout, run))) {
            LOG.info("recrawl {}: discovery {} is published already, not run again", runId, run);
            return null;
        }
        Dataset<Row> known = RecrawlInputs.live(RecrawlInputs.read(spark, files, layout, null))
                .persist(org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK());
        CrawlSparkJob.Result found = CrawlSparkJob.run(cfg, seeds, layout.root(), run, known, shown);
        known.unpersist();
        if (found.pages() == 0) alarms.add("discovery read no page from the " + seeds.size() + " seeds");
        return found;
    }

    /**
     * Moves each reported attempt's files into place (attempts nobody reported, from a lost executor,
     * stay behind and go with the staging folder): the manifest parts to manifests/run_id=R, the
     * schedule's buckets to state, which replaces the old schedule with two renames.
     */
    private static String publish(HadoopFiles files, CrawlLayout layout, String runId, String staging, List<Row> results) {
        String manifest = ManifestPublish.target(layout, runId);
        String nextState = staging + "/state";
        String nextManifest = staging + "/manifest";
        try {
            FileSystem fs = files.fs(staging);
            fs.mkdirs(new Path(nextState));
            fs.mkdirs(new Path(nextManifest));
            for (Row r : results) {
                String part = String.format(Locale.ROOT, "part-%05d.parquet", r.getInt(0));
                rename(fs, r.getString(1) + "/state.parquet", nextState + "/" + part);
                rename(fs, r.getString(1) + "/manifest.parquet", nextManifest + "/" + part);
            }
            layout.declare(files);
            fs.mkdirs(new Path(layout.manifests()));
            rename(fs, nextManifest, manifest);
            String old = layout.root() + "/_state.old";
            fs.delete(new Path(old), true);
            if (fs.exists(new Path(layout.stateFolder()))) rename(fs, layout.stateFolder(), old);
            rename(fs, nextState, layout.stateFolder());
            fs.delete(new Path(old), true);
            fs.delete(new Path(staging), true);
        } catch (IOException e) {
            throw new UncheckedIOException("recrawl " + runId + ": cannot publish into " + layout.root() + ": "
                    + e.getMessage(), e);
        }
        return manifest;
    }

    /** A run that died between the schedule's two renames left it as _state.old: it is the schedule. */
    private static void restoreState(HadoopFiles files, CrawlLayout layout) {
        String old = layout.root() + "/_state.old";
        if (!files.exists(layout.stateFolder()) && files.exists(old)) {
            try {
                rename(files.fs(old), old, layout.stateFolder());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot restore the schedule from " + old + ": " + e.getMessage(), e);
            }
        }
    }

    private static void rename(FileSystem fs, String from, String to) throws IOException {
        if (!fs.rename(new Path(from), new Path(to))) throw new IOException("rename " + from + " -> " + to + " failed");
    }
}
