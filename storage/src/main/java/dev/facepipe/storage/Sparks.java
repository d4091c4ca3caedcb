package dev.facepipe.storage;

import dev.facepipe.core.config.Config;
import dev.facepipe.core.config.NativeEnv;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Spark sessions for facepipe jobs: spark-submit's settings when present, else the embedded default. */
public final class Sparks {
    private static final Logger LOG = LoggerFactory.getLogger(Sparks.class);
    private static final AtomicBoolean WARNED = new AtomicBoolean();

    private Sparks() {}

    public static SparkSession session(Config cfg, String app) {
        SparkConf sc = new SparkConf();
        SparkSession.Builder b = SparkSession.builder().appName(app);
        if (!sc.contains("spark.master")) {
            // Not under spark-submit: this machine, local files, loopback only.
            b.master(cfg.getString("job.spark_master"))
                    .config("spark.driver.host", "127.0.0.1")
                    .config("spark.driver.bindAddress", "127.0.0.1")
                    .config("spark.ui.enabled", cfg.getBoolean("job.spark_ui"))
                    // Spark's default of 200 shuffle partitions is made for clusters; here it is pure overhead.
                    .config("spark.sql.shuffle.partitions", cfg.getInt("job.local_shuffle_partitions"));
        }
        // conf's job.native_env for the executors this driver starts, whoever launched it (submit.sh passes them
        // too); a JVM reads them only as it starts, so one started without them says so once.
        Map<String, String> nativeEnv = NativeEnv.effective(cfg, System.getenv());
        nativeEnv.forEach((k, v) -> {
            if (!sc.contains("spark.executorEnv." + k)) b.config("spark.executorEnv." + k, v);
        });
        Map<String, String> missing = NativeEnv.missing(nativeEnv, System.getenv());
        if (!missing.isEmpty() && !WARNED.getAndSet(true)) {
            String vars = missing.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                    .collect(java.util.stream.Collectors.joining(" "));
            LOG.warn("this JVM started without {} (conf's job.native_env; bin/facepipe and scripts/submit.sh set it):"
                    + " FAISS's training and batch searches in it run slower; the executors it starts get it", vars);
        }
        // Storage settings reach the executors as spark.hadoop.*; Spark redacts the keys in its UI and logs.
        java.util.Map<String, String> storage = HadoopFiles.storageSettings(cfg);
        storage.forEach((k, v) -> b.config("spark.hadoop." + k, v));
        // Our limits guard driver-side paths (dedup.local_max_*): scan every partition in one job, not
        // one, then four, then the rest.
        if (!sc.contains("spark.sql.limit.initialNumPartitions")) {
            b.config("spark.sql.limit.initialNumPartitions", cfg.getInt("job.limit_initial_partitions"));
        }
        // Spark's default spark.sql.debug.maxToStringFields (25) is kept on purpose: every query writes its
        // plan as text for the listeners, and with every field of the outcome schema spelled out that
        // text took a quarter of the driver's time while the tables were written.
        SparkSession s = b.config("spark.sql.sources.partitionOverwriteMode", "dynamic").getOrCreate();
        storage.forEach(s.sparkContext().hadoopConfiguration()::set); // also when the session existed already
        s.sparkContext().setLogLevel(cfg.getString("job.spark_log_level"));
        return s;
    }
}
