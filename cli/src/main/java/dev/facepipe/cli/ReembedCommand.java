package dev.facepipe.cli;

import dev.facepipe.core.config.Config;
import dev.facepipe.ingest.OptOutCarry;
import dev.facepipe.ingest.ReembedJob;
import dev.facepipe.ingest.ReembedManifest;
import dev.facepipe.storage.IngestLayout;
import dev.facepipe.storage.Sparks;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "reembed", mixinStandardHelpOptions = true,
        description = "A model upgrade: embed the stored images of DATA again under the configured model (embed.model,"
                + " embed.flip), writing their faces beside the old model's (nothing old changes), after carrying every"
                + " opt-out request to the model from its kept photo. Then build-index for the new model into a new"
                + " index root and point search at it (docs/LIFECYCLE.md). Exit 1 if the run does not reconcile, 3 if an"
                + " opt-out request could not be carried (one line each on stderr).")
final class ReembedCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Option(names = "--data", required = true, paramLabel = "URI", description = "Ingest output root.")
    String data;

    @Option(names = "--all", description = "Every image read, not only those with a face (when the detector changes too).")
    boolean all;

    @Option(names = "--run-id", paramLabel = "ID", description = "Run id (default: reembed-UTC time); running an id"
            + " again replaces that run, a new id does only the images not yet done under the model.")
    String runId = "reembed-" + RunIds.now();

    @Override
    public Integer call() {
        Config cfg = main.config();
        SparkSession spark = Sparks.session(cfg, "facepipe-reembed");
        try {
            ReembedManifest m = ReembedJob.run(spark, cfg, data, runId, all);
            System.out.println("reembed " + m.runId() + ": " + m.summary());
            System.out.println("manifest " + new IngestLayout(data).reembedManifest(runId));
            for (String line : OptOutCarry.describe(m.optOutsNotCarried())) System.err.println("alarm: " + line);
            if (!m.reconciles()) return 1;
            return m.optOutsNotCarried().isEmpty() ? 0 : 3;
        } finally {
            spark.stop();
        }
    }
}
