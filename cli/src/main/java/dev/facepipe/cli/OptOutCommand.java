package dev.facepipe.cli;

import dev.facepipe.core.config.Config;
import dev.facepipe.core.engine.FaceEngine;
import dev.facepipe.core.engine.FaceResult;
import dev.facepipe.index.IndexEditor;
import dev.facepipe.storage.HadoopFiles;
import dev.facepipe.ingest.OptOutApply;
import dev.facepipe.storage.OptOutList;
import dev.facepipe.storage.Sparks;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "optout", mixinStandardHelpOptions = true,
        description = "Opt-out requests: faces that match one are dropped at ingest (reason optout, no embedding)"
                + " and can be removed from what was already ingested and indexed. Every action is audited.",
        subcommands = {OptOutCommand.Add.class, OptOutCommand.Apply.class})
final class OptOutCommand extends GroupCommand {

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Record a request from a photo of the person (its main face's embedding is kept, or --face N's;"
                    + " the photo itself is kept encrypted when optout.keep_photo, so a model upgrade can carry it).")
    static final class Add implements Callable<Integer> {
        @ParentCommand
        OptOutCommand parent;

        @Option(names = "--image", required = true, paramLabel = "FILE", description = "Photo of the person.")
        Path image;

        @Option(names = "--face", paramLabel = "N", description = "Use face N of the photo (1 = first found)"
                + " instead of its main face.")
        Integer face;

        @Option(names = "--reason", description = "Why (kept in the audit trail).")
        String reason = "";

        @Override
        public Integer call() throws Exception {
            Config cfg = parent.main.config();
            FaceResult f;
            try {
                QueryFace q = QueryFace.of(FaceEngine.fromConfig(cfg), image, face);
                System.out.println(q.summary(face == null));
                f = q.face();
            } catch (QueryFace.Refused e) {
                System.err.println("facepipe optout add: " + e.getMessage());
                return 2;
            }
            String id = OptOutList.add(HadoopFiles.fromConfig(cfg), cfg, f.embedding(),
                    f.modelId(), image.getFileName().toString(), reason, java.nio.file.Files.readAllBytes(image),
                    new float[] {f.x1(), f.y1(), f.x2(), f.y2()});
            System.out.println("opt-out request " + id + " recorded in " + OptOutList.store(cfg));
            return 0;
        }
    }

    @Command(name = "apply", mixinStandardHelpOptions = true,
            description = "Reject already ingested faces that match a request, and forget them in the index.")
    static final class Apply implements Callable<Integer> {
        @ParentCommand
        OptOutCommand parent;

        @Option(names = "--data", required = true, paramLabel = "URI", description = "Ingest output root.")
        String data;

        @Option(names = "--index", paramLabel = "URI", description = "Index root to forget the faces in.")
        String index;

        @Override
        public Integer call() {
            Config cfg = parent.main.config();
            SparkSession spark = Sparks.session(cfg, "facepipe-optout");
            try {
                List<OptOutApply.Match> hits = OptOutApply.run(spark, cfg, data);
                System.out.println(hits.size() + " ingested face(s) rejected as optout");
                Set<String> ids = new TreeSet<>();
                for (OptOutApply.Match m : hits) ids.add(m.faceId());
                if (index != null && !hits.isEmpty()) {
                    IndexEditor.Forgotten f = IndexEditor.forgetOptedOut(
                            new HadoopFiles(spark.sparkContext().hadoopConfiguration()), cfg, index, ids);
                    System.out.println(f.removed() + " face(s) removed from the index; published " + f.version());
                }
                return 0;
            } finally {
                spark.stop();
            }
        }
    }
}
