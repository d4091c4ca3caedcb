package dev.facepipe.fetch;

import dev.facepipe.storage.CrawlLayout;
import dev.facepipe.storage.HadoopFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;

/**
 * Step 4, the writer (of fetch, and of a crawl on Spark): the manifest rows through Spark's commit protocol (a task's rows count once,
 * whichever attempt committed them) into ROOT/_staging/run_id=R, then moved to
 * ROOT/manifests/run_id=R in one rename: readers never see half a run.
 */
final class ManifestPublish {
    private ManifestPublish() {}

    static String staging(CrawlLayout layout, String runId) {
        return layout.root() + "/_staging/run_id=" + runId;
    }

    static String target(CrawlLayout layout, String runId) {
        return layout.manifests() + "/run_id=" + runId;
    }

    /** Refuses a run id that already has a manifest under the root: a fetch never mixes two runs' rows. */
    static void checkNew(HadoopFiles files, CrawlLayout layout, String runId) {
        if (files.exists(target(layout, runId))) {
            throw new IllegalArgumentException("run " + runId + " already has a manifest in " + layout.root()
                    + ": give another --run-id");
        }
    }

    static String write(Dataset<Row> rows, HadoopFiles files, CrawlLayout layout, String runId) {
        stage(rows, layout, runId);
        return move(files, layout, runId);
    }

    /** The rows through Spark's commit protocol into the run's staging folder (replacing what was there). */
    static void stage(Dataset<Row> rows, CrawlLayout layout, String runId) {
        rows.write().mode(SaveMode.Overwrite).parquet(staging(layout, runId));
    }

    /** The staging folder becomes ROOT/manifests/run_id=R, in one rename. */
    static String move(HadoopFiles files, CrawlLayout layout, String runId) {
        String staging = staging(layout, runId);
        String target = target(layout, runId);
        try {
            FileSystem fs = files.fs(target);
            layout.declare(files);
            fs.mkdirs(new Path(layout.manifests()));
            if (!fs.rename(new Path(staging), new Path(target))) {
                throw new IOException("rename " + staging + " -> " + target + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot publish the manifest " + target + ": " + e.getMessage(), e);
        }
        return target;
    }
}
