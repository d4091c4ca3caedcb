package dev.facepipe.cli;

import dev.facepipe.index.IndexEditor;
import dev.facepipe.index.Sidecars;
import dev.facepipe.storage.HadoopFiles;
import dev.facepipe.storage.Tombstones;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "forget", mixinStandardHelpOptions = true,
        description = "Forget faces for good (by face id, image id or URL): a tombstone in optout.store that every later"
                + " ingest and index build respects, the faces removed from every shard of the published index as a new"
                + " version, and a line in INDEX/forget-log.jsonl.")
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
        Tombstones.Tombstone what = target.faceId != null ? new Tombstones.Tombstone(Tombstones.Kind.FACE, target.faceId)
                : target.imageId != null ? new Tombstones.Tombstone(Tombstones.Kind.IMAGE, target.imageId)
                : new Tombstones.Tombstone(Tombstones.Kind.URL, target.url);
        String store = Tombstones.store(cfg);
        IndexEditor.Forgotten f = IndexEditor.forget(HadoopFiles.fromConfig(cfg), store, index, what, reason);
        String named = what.kind().code() + " " + what.value();
        System.out.println((f.removed() == 0 ? "nothing in the index matched " + named + "; index unchanged"
                : "removed " + f.removed() + " face(s) for " + named + "; published " + f.version())
                + "; tombstone recorded in " + store);
        return f.removed() == 0 ? 1 : 0;
    }
}
