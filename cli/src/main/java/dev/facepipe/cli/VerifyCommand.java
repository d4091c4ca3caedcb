package dev.facepipe.cli;

import dev.facepipe.core.config.Config;
import dev.facepipe.core.engine.FaceEngine;
import dev.facepipe.core.face.Embedder;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Are two photos of the same person? Prints the similarity of their main faces (the largest, most central and clearest; --face-a/--face-b choose another), the decision"
                + " and the threshold (verify.threshold). Exit 0 same, 1 different, 2 when a photo has no usable face.")
final class VerifyCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "A", description = "First photo.")
    Path a;

    @Parameters(index = "1", paramLabel = "B", description = "Second photo.")
    Path b;

    @Option(names = "--face-a", paramLabel = "N", description = "Use face N of A (1 = first found) instead of its main face.")
    Integer faceA;

    @Option(names = "--face-b", paramLabel = "N", description = "Use face N of B instead of its main face.")
    Integer faceB;

    @Override
    public Integer call() throws Exception {
        Config cfg = main.config();
        FaceEngine engine = FaceEngine.fromConfig(cfg);
        QueryFace fa;
        QueryFace fb;
        try {
            fa = QueryFace.of(engine, a, faceA);
            fb = QueryFace.of(engine, b, faceB);
        } catch (QueryFace.Refused e) {
            System.err.println("facepipe verify: " + e.getMessage());
            return 2;
        }
        System.out.println(fa.summary(faceA == null));
        System.out.println(fb.summary(faceB == null));
        double threshold = cfg.getDouble("verify.threshold");
        float sim = Embedder.cosine(fa.face().embedding(), fb.face().embedding());
        boolean same = sim >= threshold;
        System.out.printf(Locale.ROOT, "similarity %.4f%ndecision %s%nthreshold %.4f%nmodel %s%n", sim,
                same ? "same" : "different", threshold, fa.face().modelId());
        return same ? 0 : 1;
    }
}
