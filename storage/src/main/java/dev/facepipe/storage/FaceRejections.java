package dev.facepipe.storage;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collection;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Rewrites runs of a faces table so that given faces are rejected with a reason and keep no
 * embedding (opt-outs applied, forgotten faces scrubbed by gc); their rows stay, so every face is
 * still accounted for. Each run's folder is written anew beside it, then swapped in: the old one
 * is moved aside first and put back if the new one cannot be moved in, so a failure never leaves
 * a run without its folder.
 */
public final class FaceRejections {
    private FaceRejections() {}

    /** Rewrites each run of idsByRun (run id to face ids) with those faces rejected as reason. */
    public static void reject(SparkSession spark, HadoopFiles files, IngestLayout layout,
            Map<String, ? extends Collection<String>> idsByRun, String reason) {
        String work = layout.out() + "/_rewrite";
        for (Map.Entry<String, ? extends Collection<String>> e : idsByRun.entrySet()) {
            String run = "run_id=" + e.getKey();
            String part = layout.faces() + "/" + run;
            String next = work + "/next/" + run;
            String old = work + "/old/" + run;
            Column hit = col("face_id").isin(e.getValue().toArray());
            Dataset<Row> df = spark.read().parquet(part);
            df.withColumn("status", when(hit, lit("rejected")).otherwise(col("status")))
                    .withColumn("reason", when(hit, lit(reason)).otherwise(col("reason")))
                    .withColumn("embedding", when(hit, lit(null).cast(df.schema().apply("embedding").dataType()))
                            .otherwise(col("embedding")))
                    .withColumn("canonical", when(hit, lit(false)).otherwise(col("canonical")))
                    .write().mode("overwrite").parquet(next);
            try {
                FileSystem fs = files.fs(part);
                fs.delete(new Path(old), true);
                fs.mkdirs(new Path(old).getParent());
                if (!fs.rename(new Path(part), new Path(old))) throw new IOException("cannot move " + part + " aside");
                if (!fs.rename(new Path(next), new Path(part))) {
                    fs.rename(new Path(old), new Path(part));
                    throw new IOException("cannot move " + next + " to " + part);
                }
                fs.delete(new Path(old), true);
            } catch (IOException ex) {
                throw new UncheckedIOException("rewrite of faces run " + e.getKey() + " failed: " + ex.getMessage(), ex);
            }
        }
        files.delete(work);
    }
}
