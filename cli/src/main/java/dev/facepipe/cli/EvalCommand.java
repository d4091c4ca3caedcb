package dev.facepipe.cli;

import dev.facepipe.core.engine.FaceEngine;
import dev.facepipe.core.eval.PairList;
import dev.facepipe.core.eval.VerificationMetrics;
import dev.facepipe.core.face.Embedder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "eval", mixinStandardHelpOptions = true, description = "Measure the engine on your own data.",
        subcommands = {EvalCommand.Verification.class, QualityEvalCommand.class, DegradeCommand.class,
                DetectorEvalCommand.class, SearchEvalCommand.class, ClusterEvalCommand.class})
final class EvalCommand extends GroupCommand {

    @Command(name = "verification", mixinStandardHelpOptions = true,
            description = "Score labelled pairs (csv: file_x,file_y,same with yes/no) and print ROC AUC, best accuracy"
                    + " and its threshold, TAR at FAR 1% and 0.1%: on the scored pairs, and counting each pair a photo"
                    + " failed to enrol in as the system's decision (ISO/IEC 19795-1); failures to enrol per photo.")
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
            PairList list = PairList.parse(Files.readAllLines(pairs), pairs.toString());
            Map<String, float[]> embeddings = new HashMap<>();
            Map<String, String> failures = new LinkedHashMap<>();
            for (String photo : list.photos()) {
                Path p = root.resolve(photo);
                try {
                    embeddings.put(photo, QueryFace.of(engine, p, null).face().embedding());
                } catch (QueryFace.Refused e) {
                    failures.put(photo, e.getMessage());
                } catch (IOException e) {
                    failures.put(photo, "cannot read " + p + ": " + e.getMessage());
                }
            }
            double[] scores = new double[list.pairs().size()];
            int fteSame = 0;
            int fteDifferent = 0;
            for (int i = 0; i < scores.length; i++) {
                PairList.Pair pair = list.pairs().get(i);
                float[] x = embeddings.get(pair.x());
                float[] y = embeddings.get(pair.y());
                scores[i] = x == null || y == null ? Double.NaN : Embedder.cosine(x, y);
                if (Double.isNaN(scores[i]) && pair.same()) fteSame++;
                else if (Double.isNaN(scores[i])) fteDifferent++;
            }
            boolean[] same = list.same();
            VerificationMetrics all = VerificationMetrics.countingUnscored(scores, same);
            System.out.printf(Locale.ROOT, "pairs %d (same %d, different %d), photos %d%n", scores.length,
                    all.positives(), all.negatives(), list.photos().size());
            System.out.printf(Locale.ROOT, "failures_to_enrol photos %d of %d (%.4f); pairs unscored: same %d of %d,"
                    + " different %d of %d%n", failures.size(), list.photos().size(),
                    (double) failures.size() / Math.max(1, list.photos().size()), fteSame, all.positives(),
                    fteDifferent, all.negatives());
            print("scored pairs only", VerificationMetrics.scoredOnly(scores, same));
            print("every pair (an unenrolled same-person pair counts as a miss, a different-person pair as rejected)",
                    all);
            if (all.negatives() < 1000) {
                System.out.printf("note: %d different-person pairs cannot resolve FAR 0.1%%; add pairs for that figure%n",
                        all.negatives());
            }
            for (Map.Entry<String, String> f : failures.entrySet()) {
                System.out.println("failure to enrol: " + f.getKey() + ": " + f.getValue());
            }
            return 0;
        }

        private static void print(String title, VerificationMetrics m) {
            VerificationMetrics.Accuracy acc = m.bestAccuracy();
            VerificationMetrics.Rate r1 = m.tarAtFar(0.01);
            VerificationMetrics.Rate r01 = m.tarAtFar(0.001);
            System.out.printf(Locale.ROOT, "%s: %d pairs (same %d, different %d)%n", title,
                    m.positives() + m.negatives(), m.positives(), m.negatives());
            System.out.printf(Locale.ROOT, "  roc_auc %.4f%n", m.rocAuc());
            System.out.printf(Locale.ROOT, "  best_accuracy %.4f at threshold %.4f%n", acc.accuracy(), acc.threshold());
            System.out.printf(Locale.ROOT, "  tar_at_far_1%% %.4f (threshold %.4f, far %.4f)%n", r1.tar(),
                    r1.threshold(), r1.achievedFar());
            System.out.printf(Locale.ROOT, "  tar_at_far_0.1%% %.4f (threshold %.4f, far %.4f)%n", r01.tar(),
                    r01.threshold(), r01.achievedFar());
        }
    }
}
