package dev.facepipe.cli;

import dev.facepipe.core.config.Config;
import dev.facepipe.core.engine.FaceEngine;
import dev.facepipe.core.engine.FaceResult;
import dev.facepipe.core.engine.ImageResult;
import dev.facepipe.core.face.Embedder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Are two photos of the same person? Prints the similarity of their best faces, the decision"
                + " and the threshold (verify.threshold). Exit 0 same, 1 different, 2 when a photo has no usable face.")
final class VerifyCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "A", description = "First photo.")
    Path a;

    @Parameters(index = "1", paramLabel = "B", description = "Second photo.")
    Path b;

    @Override
    public Integer call() throws Exception {
        Config cfg = main.config();
        FaceEngine engine = FaceEngine.fromConfig(cfg);
        FaceResult fa = best(engine, a);
        FaceResult fb = best(engine, b);
        if (fa == null || fb == null) return 2;
        double threshold = cfg.getDouble("verify.threshold");
        float sim = Embedder.cosine(fa.embedding(), fb.embedding());
        boolean same = sim >= threshold;
        System.out.printf(Locale.ROOT, "similarity %.4f%ndecision %s%nthreshold %.4f%nmodel %s%n", sim,
                same ? "same" : "different", threshold, fa.modelId());
        return same ? 0 : 1;
    }

    private static FaceResult best(FaceEngine engine, Path p) throws java.io.IOException {
        ImageResult r = engine.process(Files.readAllBytes(p), p.toString());
        if (!r.ok()) {
            System.err.println("facepipe verify: " + r.message() + " (" + r.reason().code() + ")");
            return null;
        }
        FaceResult f = r.bestFace();
        if (f == null) {
            System.err.println("facepipe verify: image " + p + ": " + r.faces().size()
                    + " face(s) found, none passed the quality gate");
            return null;
        }
        System.out.printf(Locale.ROOT, "%s: %d face(s), using the best (quality %.2f, box %.0f,%.0f,%.0f,%.0f)%n", p,
                r.faces().size(), f.quality().overall(), f.x1(), f.y1(), f.x2(), f.y2());
        return f;
    }
}
