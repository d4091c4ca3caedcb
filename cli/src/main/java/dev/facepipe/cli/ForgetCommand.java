package dev.facepipe.cli;

import dev.facepipe.index.IndexEditor;
import dev.facepipe.index.Sidecars;
import dev.facepipe.storage.HadoopFiles;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "forget", mixinStandardHelpOptions = true,
        description = "Remove faces from every shard of the published index (by face id, image id or URL), publish the"
                + " result as a new version, and record it in INDEX/forget-log.jsonl.")
final class ForgetCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Option(names = "--index", required = true, paramLabel = "URI", description = "Index root.")
    String index;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    static final class Target {
        @Option(names = "--face-id", paramLabel = "ID") String faceId;
        @Option(names = "--image-id", paramLabel = "SHA256") String imageId;
        @Option(names = "--url", paramLabel = "URL") String url;
    }

    @Option(names = "--reason", description = "Why (kept in the log).")
    String reason = "";

    @Override
    public Integer call() {
        dev.facepipe.core.config.Config cfg = main.config();
        Predicate<Sidecars.Entry> match;
        String what;
        if (target.faceId != null) {
            match = e -> target.faceId.equals(e.faceId());
            what = "face " + target.faceId;
        } else if (target.imageId != null) {
            match = e -> target.imageId.equals(e.imageId());
            what = "image " + target.imageId;
        } else {
            match = e -> target.url.equals(e.source());
            what = "url " + target.url;
        }
        HadoopFiles files = HadoopFiles.fromConfig(cfg);
        IndexEditor.Forgotten f = IndexEditor.forget(files, index, match, what, reason);
        System.out.println(f.removed() == 0 ? "nothing matched " + what + "; index unchanged"
                : "removed " + f.removed() + " face(s) for " + what + "; published " + f.version());
        return f.removed() == 0 ? 1 : 0;
    }
}
