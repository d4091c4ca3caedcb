package dev.facepipe.cli;

import dev.facepipe.core.config.Config;
import dev.facepipe.index.IndexBuilder;
import dev.facepipe.index.IndexManifest;
import dev.facepipe.storage.Sparks;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "build-index", mixinStandardHelpOptions = true,
        description = "Build sharded FAISS indices from the faces dataset (accepted canonical faces of embed.model)"
                + " into a new version under OUT, measure recall against exact search, then publish it (OUT/CURRENT).")
final class BuildIndexCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Option(names = "--faces", required = true, paramLabel = "URI", description = "Faces dataset (ingest's OUT/faces).")
    String faces;

    @Option(names = "--out", required = true, paramLabel = "URI", description = "Index root.")
    String out;

    @Option(names = "--factory", paramLabel = "STRING", description = "FAISS factory string (default: chosen by size"
            + " from the index.* rules).")
    String factory = "";

    @Option(names = "--shards", description = "Number of shards (default: from index.vectors_per_shard).")
    int shards = 0;

    @Option(names = "--incremental", description = "Sync the published version to exactly the faces it must hold (live"
            + " images, no tombstones): adds and removals on its trained quantizer, recall measured again; rebuilds"
            + " instead when its layout is outgrown or past index.max_imbalance.")
    boolean incremental;

    @Override
    public Integer call() {
        Config cfg = main.config();
        SparkSession spark = Sparks.session(cfg, "facepipe-build-index");
        try {
            IndexManifest m = IndexBuilder.build(spark, cfg, new IndexBuilder.Request(faces, out, factory, shards,
                    incremental));
            System.out.printf(Locale.ROOT, "published %s: %d vectors%s of %s, %s, %d shard(s); recall@1 %.3f recall@10"
                    + " %.3f (%d held-out queries); query p50 %.2f ms p99 %.2f ms; %.0f bytes/vector; threshold %.3f;"
                    + " %.1f s%n", m.version(), m.vectors(), m.change() == null ? " (full build)"
                            : " (" + m.change().added() + " faces added, " + m.change().removed() + " removed"
                                    + (m.change().forgotten() > 0 ? "; " + m.change().forgotten() + " forgotten or opted"
                                            + " out since the last build" : "") + ")",
                    m.modelId(), m.factory(), m.shards().size(), m.recallAt1(),
                    m.recallAt10(), m.recallQueries(), m.queryMsP50(), m.queryMsP99(), m.bytesPerVector(), m.threshold(),
                    m.buildSeconds());
            return 0;
        } finally {
            spark.stop();
        }
    }
}
