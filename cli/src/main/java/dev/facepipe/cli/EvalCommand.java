package dev.facepipe.cli;

import dev.facepipe.core.engine.FaceEngine;
import dev.facepipe.core.engine.FaceResult;
import dev.facepipe.core.engine.ImageResult;
import dev.facepipe.core.eval.VerificationMetrics;
import dev.facepipe.core.face.Embedder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "eval", mixinStandardHelpOptions = true, description = "Measure the engine on your own data.",
        subcommands = {EvalCommand.Verification.class, DetectorEvalCommand.class})
final class EvalCommand extends GroupCommand {

    @Command(name = "verification", mixinStandardHelpOptions = true,
            description = "Score labelled pairs (csv: file_x,file_y,same with yes/no) and print ROC AUC, best accuracy"
                    + " and its threshold, TAR at FAR 1% and 0.1%, and failures to enrol.")
    static final class Verification implements Callable<Integer> {
        @ParentCommand
        EvalCommand eval;

        @Option(names = "--pairs", required = true, paramLabel = "CSV", description = "Pairs file.")
        Path pairs;

        @Option(names = "--root", paramLabel = "DIR", description = "Folder the csv's paths are relative to.")
        Path root = Path.of(".");

        @Override
        public Integer call() throws IOException {
            FaceEngine engine = FaceEngine.fromConfig(eval.main.config());
            Map<String, float[]> cache = new HashMap<>();
            List<Double> scores = new ArrayList<>();
            List<Boolean> same = new ArrayList<>();
            int fte = 0;
            int line = 0;
            for (String raw : Files.readAllLines(pairs)) {
                line++;
                String l = raw.strip();
                if (l.isEmpty() || l.startsWith("#")) continue;
                String[] f = l.split(",");
                if (f.length < 3) throw new IllegalArgumentException(pairs + " line " + line + ": want file_x,file_y,same");
                String label = f[2].strip().toLowerCase(Locale.ROOT);
                if (line == 1 && !label.matches("yes|no|true|false|1|0")) continue; // header
                float[] x = embed(engine, cache, f[0].strip());
                float[] y = embed(engine, cache, f[1].strip());
                if (x == null || y == null) {
                    fte++;
                    continue;
                }
                scores.add((double) Embedder.cosine(x, y));
                same.add(label.matches("yes|true|1"));
            }
            double[] s = scores.stream().mapToDouble(Double::doubleValue).toArray();
            boolean[] b = new boolean[same.size()];
            for (int i = 0; i < b.length; i++) b[i] = same.get(i);
            VerificationMetrics m = new VerificationMetrics(s, b);
            VerificationMetrics.Accuracy acc = m.bestAccuracy();
            VerificationMetrics.Rate r1 = m.tarAtFar(0.01);
            VerificationMetrics.Rate r01 = m.tarAtFar(0.001);
            System.out.printf(Locale.ROOT, "pairs %d (same %d, different %d), failures to enrol %d pairs%n", s.length,
                    m.positives(), m.negatives(), fte);
            System.out.printf(Locale.ROOT, "roc_auc %.4f%n", m.rocAuc());
            System.out.printf(Locale.ROOT, "best_accuracy %.4f at threshold %.4f%n", acc.accuracy(), acc.threshold());
            System.out.printf(Locale.ROOT, "tar_at_far_1%% %.4f (threshold %.4f, far %.4f)%n", r1.tar(), r1.threshold(),
                    r1.achievedFar());
            System.out.printf(Locale.ROOT, "tar_at_far_0.1%% %.4f (threshold %.4f, far %.4f)%n", r01.tar(),
                    r01.threshold(), r01.achievedFar());
            if (m.negatives() < 1000) {
                System.out.printf("note: %d different-person pairs cannot resolve FAR 0.1%%; add pairs for that figure%n",
                        m.negatives());
            }
            return 0;
        }

        private float[] embed(FaceEngine engine, Map<String, float[]> cache, String rel) throws IOException {
            if (cache.containsKey(rel)) return cache.get(rel);
            Path p = root.resolve(rel);
            ImageResult r = engine.process(Files.readAllBytes(p), p.toString());
            FaceResult f = r.bestFace();
            if (f == null) {
                System.err.println("failure to enrol: " + (r.ok() ? p + ": no face passed the quality gate"
                        : r.message()));
            }
            float[] e = f == null ? null : f.embedding();
            cache.put(rel, e);
            return e;
        }
    }
}
