package dev.facepipe.ingest;

import dev.facepipe.storage.IngestLayout;
import static org.apache.spark.sql.functions.col;

import dev.facepipe.core.config.Config;
import dev.facepipe.dedup.FaceDedupSettings;
import dev.facepipe.dedup.ImageDedupSettings;
import dev.facepipe.storage.HadoopFiles;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * What every step of one ingest run shares, on the driver: the session, the run's configuration
 * (and the copy shipped to executors), storage, where the run writes, and the dedup settings read
 * once. Never captured by a task: steps hand executors broadcasts and plain values only.
 *
 * @param shipped the configuration executors get (paths made absolute: they resolve nothing against their own folder)
 * @param partitions the run's task count for the inputs and the engine
 */
record RunContext(SparkSession spark, JavaSparkContext jsc, Config cfg, Config shipped, HadoopFiles files,
        IngestLayout layout, String runId, int partitions, ImageDedupSettings imageDedup, FaceDedupSettings faceDedup) {

    static RunContext of(SparkSession spark, Config cfg, String out, String runId) {
        if (!runId.matches("[A-Za-z0-9_.-]+")) {
            throw new IllegalArgumentException("run id '" + runId + "' may hold letters, digits, '.', '_' and '-' only");
        }
        Config shipped = cfg.with("models.dir", cfg.getPath("models.dir").toString(), "driver");
        return new RunContext(spark, JavaSparkContext.fromSparkContext(spark.sparkContext()), cfg, shipped,
                new HadoopFiles(spark.sparkContext().hadoopConfiguration()), new IngestLayout(out), runId, 1,
                ImageDedupSettings.of(cfg), FaceDedupSettings.of(cfg));
    }

    /** The same run with its task count, once the inputs are known. */
    RunContext withPartitions(int n) {
        return new RunContext(spark, jsc, cfg, shipped, files, layout, runId, n, imageDedup, faceDedup);
    }

    <T> Broadcast<T> broadcast(T value, Class<T> type) {
        return spark.sparkContext().broadcast(value, scala.reflect.ClassTag$.MODULE$.apply(type));
    }

    /** Earlier runs' image rows (any run but this one), or null when none were written. */
    Dataset<Row> earlierImages() {
        if (!files.hasData(layout.images())) return null;
        return spark.read().parquet(layout.images()).where(col("run_id").notEqual(runId));
    }

    /** Earlier runs' face rows, or null when none were written. */
    Dataset<Row> earlierFaces() {
        if (!files.hasData(layout.faces())) return null;
        return spark.read().parquet(layout.faces()).where(col("run_id").notEqual(runId));
    }

    /** Enough tasks to keep every core busy, and small ones, so progress and retries stay fine-grained. */
    int partitionsFor(int inputs) {
        int configured = cfg.getInt("ingest.partitions");
        int per = Math.max(1, cfg.getInt("ingest.images_per_partition"));
        int slots = Math.max(1, spark.sparkContext().defaultParallelism());
        int p = Math.max(slots * 2, (inputs + per - 1) / per);
        // Whole waves: with 5 tasks on 2 slots the last runs alone while a core idles.
        if (configured <= 0) p = (p + slots - 1) / slots * slots;
        else p = configured;
        return Math.max(1, Math.min(p, Math.max(1, inputs)));
    }

    /** How many files a table of this many rows is written as. */
    static int fileCount(long rows, long perFile) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, (rows + perFile - 1) / Math.max(1, perFile)));
    }
}
