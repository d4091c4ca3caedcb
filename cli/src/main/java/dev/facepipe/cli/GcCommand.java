package dev.facepipe.cli;

import dev.facepipe.core.config.Config;
import dev.facepipe.lifecycle.GarbageCollector;
import dev.facepipe.storage.HadoopFiles;
import dev.facepipe.storage.Sparks;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "gc", mixinStandardHelpOptions = true,
        description = "Retention: delete the crawl's originals (blobs) of forgotten images, and of images gone from the"
                + " web or never ingested once older than retention.grace_days (never one the published index holds or"
                + " with a live URL), rotated search audit files older than retention.audit_days, and forgotten faces'"
                + " crops from the run reports. Each deletion is"
                + " logged in DATA/gc/ before it happens; --dry-run only lists.")
final class GcCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Option(names = "--crawl", required = true, paramLabel = "URI", description = "Crawl root whose blobs are judged.")
    String crawl;

    @Option(names = "--data", required = true, paramLabel = "URI", description = "Ingest output (its live view).")
    String data;

    @Option(names = "--index", paramLabel = "URI", description = "Index root: images its published version holds stay.")
    String index;

    @Option(names = "--dry-run", description = "List what would go; delete nothing.")
    boolean dryRun;

    @Override
    public Integer call() {
        Config cfg = main.config();
        HadoopFiles files = HadoopFiles.fromConfig(cfg);
        SparkSession spark = Sparks.session(cfg, "facepipe-gc");
        GarbageCollector.Result r;
        try {
            r = GarbageCollector.run(spark, cfg, files, new GarbageCollector.Request(crawl, data, index,
                    cfg.getPath("serve.audit_dir").toString(), dryRun));
        } finally {
            spark.stop();
        }
        System.out.printf(Locale.ROOT, "%s %d of %d blobs (%.1f MB)%s; %d unfinished blob write(s); %d search audit"
                + " file(s); forgotten faces' crops %s %d run report(s), their embeddings %s the faces table: %d%n",
                dryRun ? "would delete" : "deleted", r.deleted(), r.blobs(), r.bytes() / 1e6,
                r.byWhy().isEmpty() ? "" : " " + r.byWhy(), r.unfinished(), r.auditFiles(),
                dryRun ? "would leave" : "taken out of", r.scrubbedReports(), dryRun ? "would leave" : "taken out of",
                r.scrubbedEmbeddings());
        for (Map.Entry<String, Long> e : r.byWhy().entrySet()) {
            System.out.printf(Locale.ROOT, "  %s: %d%n", e.getKey(), e.getValue());
        }
        if (r.deferred() > 0) {
            System.out.printf(Locale.ROOT, "deferred %d original(s) due to go: the crawl root is in use by %s;"
                    + " run gc again when that ends%n", r.deferred(), String.join(", ", r.running()));
        }
        if (r.log() != null) System.out.println("log: " + r.log());
        return 0;
    }
}
