package dev.facepipe.fetch;

import dev.facepipe.core.config.Config;
import dev.facepipe.crawler.CrawlSettings;
import dev.facepipe.crawler.FetchSchedule;
import dev.facepipe.storage.CrawlLayout;
import dev.facepipe.storage.HadoopFiles;
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
 * recrawl --spark: the nightly re-fetch of what is due, on Spark, for schedules one JVM cannot hold
 * (the one-JVM recrawl keeps every URL's row in memory). Steps: the schedule and the latest fetched
 * rows by host ({@link RecrawlInputs}), each task's hosts joined, fetched and rescheduled
 * ({@link RecrawlTask}), the attempts the driver heard from published: the manifest at
 * CRAWL/manifests/run_id=R, the schedule as one file a host bucket under CRAWL/state. Discovery (new
 * images from the seeds' pages) and the unreferenced-image rule stay with the one-JVM recrawl.
 */
public final class RecrawlSparkJob {
    private static final Logger LOG = LoggerFactory.getLogger(RecrawlSparkJob.class);

    private RecrawlSparkJob() {}

    /** @param alarms a host that answered none of tonight's requests, one line each */
    public record Result(String runId, long known, long due, long notModified, long sameBytes, long changed, long gone,
            long errors, int buckets, String manifest, double seconds, List<String> alarms) {
        public String summary() {
            return String.format(Locale.ROOT, "%d known URLs, %d due: %d not modified (304), %d same bytes, %d changed,"
                    + " %d gone, %d errors; schedule in %d host buckets", known, due, notModified, sameBytes,
                    changed, gone, errors, buckets);
        }
    }

    public static Result run(Config cfg, String out, String runId, long now, boolean all) {
        long t0 = System.nanoTime();
        SparkSession spark = Sparks.session(cfg, "facepipe-recrawl");
        HadoopFiles files = HadoopFiles.fromConfig(cfg);
        CrawlLayout layout = new CrawlLayout(out);
        ManifestPublish.checkNew(files, layout, runId);
        restoreState(files, layout);
        Dataset<Row> table = RecrawlInputs.read(spark, files, layout);
        // A task holds its bucket's rows in memory: buckets by the number of rows, as fetch's tasks by URLs.
        int buckets = FetchPlan.of(cfg.getInt("recrawl.spark_buckets"), table.count(), Long.MAX_VALUE,
                spark.sparkContext().defaultParallelism(), cfg.getLong("recrawl.urls_per_bucket")).partitions();
        String staging = layout.root() + "/_staging/recrawl-" + runId;
        files.delete(staging);
        List<Row> results = RecrawlInputs.byHost(table, buckets)
                .mapPartitions(new RecrawlTask(CrawlSettings.fromConfig(cfg), FetchSchedule.fromConfig(cfg), files, out,
                        staging, now, all, cfg.getInt("fetch.threads"), cfg.getInt("fetch.hosts_at_once")),
                        Encoders.row(RecrawlTask.RESULT))
                .collectAsList();
        long[] c = new long[RecrawlTask.COUNTS.size()];
        java.util.TreeSet<String> alarms = new java.util.TreeSet<>();
        for (Row r : results) {
            for (int i = 0; i < c.length; i++) c[i] += r.getLong(2 + i);
            alarms.addAll(r.getList(2 + c.length));
        }
        String manifest = publish(files, layout, runId, staging, results);
        Result res = new Result(runId, c[0], c[1], c[2], c[3], c[4], c[5], c[6], results.size(), manifest,
                (System.nanoTime() - t0) / 1e9, List.copyOf(alarms));
        LOG.info("recrawl {}: {} in {} s", runId, res.summary(), String.format(Locale.ROOT, "%.1f", res.seconds()));
        for (String a : res.alarms()) LOG.warn("recrawl {}: alarm: {}", runId, a);
        return res;
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
