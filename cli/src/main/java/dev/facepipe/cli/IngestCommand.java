package dev.facepipe.cli;

import dev.facepipe.storage.IngestLayout;
import dev.facepipe.core.config.Config;
import dev.facepipe.ingest.DriftCheck;
import dev.facepipe.ingest.IngestJob;

import dev.facepipe.ingest.RunManifest;
import dev.facepipe.ingest.RunReport;
import dev.facepipe.storage.Sparks;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "ingest", mixinStandardHelpOptions = true,
        description = "Run the ingest job: new images (by sha256) under INPUT through the face engine into"
                + " OUT/images and OUT/faces (Parquet, partitioned by run) with OUT/runs/run_id=ID/manifest.json."
                + " Local files or any Hadoop URI (s3a://...). Writes report.json and report.html beside the manifest."
                + " Exit 1 if the run does not reconcile, 3 if it raised drift alarms (one line each on stderr; a run"
                + " that read no input is one).")
final class IngestCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Option(names = "--input", required = true, paramLabel = "URI", description = "Folder (or file) of images.")
    String input;

    @Option(names = "--out", required = true, paramLabel = "URI", description = "Dataset root.")
    String out;

    @Option(names = "--run-id", paramLabel = "ID", description = "Run id (default: UTC time, yyyyMMdd-HHmmss);"
            + " running an id again replaces that run.")
    String runId = RunIds.now();

    @Override
    public Integer call() {
        Config cfg = main.config();
        SparkSession spark = Sparks.session(cfg, "facepipe-ingest");
        try {
            RunManifest m = IngestJob.run(spark, cfg, input, out, runId);
            System.out.println("run " + m.runId() + ": " + m.summary());
            IngestLayout layout = new IngestLayout(out);
            System.out.println("manifest " + layout.manifest(runId));
            System.out.println("report " + layout.runFolder(runId) + "/report.html");
            if (!m.reconciles()) return 1;
            String report = new dev.facepipe.storage.HadoopFiles(spark.sparkContext().hadoopConfiguration())
                    .readString(layout.report(runId));
            var alarms = RunReport.alarms(report);
            for (DriftCheck.Alarm a : alarms) System.err.println("alarm: " + a.describe());
            return alarms.isEmpty() ? 0 : 3;
        } finally {
            spark.stop();
        }
    }
}
