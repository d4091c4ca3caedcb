package dev.facepipe.cli;

import dev.facepipe.core.config.Config;
import dev.facepipe.core.engine.FaceEngine;
import dev.facepipe.identities.ClusterQuality;
import dev.facepipe.identities.ClusterSettings;
import dev.facepipe.identities.ExactClustering;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "cluster", mixinStandardHelpOptions = true,
        description = "How well `facepipe cluster` finds persons in labelled photos: each photo's main face embedded,"
                + " clustered by the same rule (cluster.k nearest, links at the threshold, Chinese whispers) with exact"
                + " neighbours; pairwise and BCubed precision and recall at --min-cosine and over a sweep of"
                + " thresholds. Photos: DIR/<identity>/<photo>, or a csv of photo,identity (eval degrade writes one).")
final class ClusterEvalCommand implements Callable<Integer> {
    @ParentCommand
    EvalCommand eval;

    @Option(names = "--photos", required = true, paramLabel = "DIR_OR_CSV", description = "Labelled photos.")
    Path photos;

    @Option(names = "--min-cosine", paramLabel = "SCORE", description = "Link threshold (default: cluster.min_cosine;"
            + " auto means the index's search threshold, which a set of photos has none of: verify.threshold then).")
    Double minCosine;

    @Override
    public Integer call() throws IOException {
        Config cfg = eval.main.config();
        ClusterSettings s = ClusterSettings.fromConfig(cfg);
        double t = minCosine != null ? minCosine
                : Double.isNaN(s.minCosine()) ? cfg.getDouble("verify.threshold") : s.minCosine();
        FaceEngine engine = FaceEngine.fromConfig(cfg);
        Map<String, String> failures = new LinkedHashMap<>();
        List<float[]> vectors = new ArrayList<>();
        List<String> truth = new ArrayList<>();
        List<SearchEvalCommand.Labelled> all = SearchEvalCommand.labelled(photos);
        for (SearchEvalCommand.Labelled l : all) {
            float[] e = SearchEvalCommand.embed(engine, l, failures);
            if (e == null) continue;
            vectors.add(e);
            truth.add(l.identity());
        }
        float[][] unit = vectors.toArray(new float[0][]);
        String[] labels = truth.toArray(new String[0]);
        System.out.printf(Locale.ROOT, "photos %d, enrolled %d (failures to enrol %d, left out below), persons %d;"
                + " k %d, rounds %d, seed %d%n", all.size(), unit.length, failures.size(),
                truth.stream().distinct().count(), s.k(), s.rounds(), s.seed());
        System.out.println("at min_cosine " + String.format(Locale.ROOT, "%.3f", t) + ":");
        print(quality(unit, labels, s, t));
        System.out.println("sweep (min_cosine: found persons, pairwise P R F1, BCubed P R F1):");
        for (int i = 0; i <= 12; i++) {
            double x = 0.15 + 0.05 * i;
            ClusterQuality q = quality(unit, labels, s, x);
            System.out.printf(Locale.ROOT, "  %.2f: %d persons, pairwise %.3f %.3f %.3f, bcubed %.3f %.3f %.3f%n", x,
                    q.foundPersons(), q.pairwisePrecision(), q.pairwiseRecall(), q.pairwiseF1(), q.bcubedPrecision(),
                    q.bcubedRecall(), q.bcubedF1());
        }
        for (Map.Entry<String, String> f : failures.entrySet()) {
            System.out.println("failure to enrol: " + f.getKey() + ": " + f.getValue());
        }
        return 0;
    }

    private static ClusterQuality quality(float[][] unit, String[] truth, ClusterSettings s, double t) {
        int[] l = ExactClustering.labels(unit, s.k(), t, s.rounds(), s.seed());
        long[] found = new long[l.length];
        for (int i = 0; i < l.length; i++) found[i] = l[i];
        return ClusterQuality.of(found, truth);
    }

    private static void print(ClusterQuality q) {
        System.out.printf(Locale.ROOT, "  persons found %d of %d%n", q.foundPersons(), q.truePersons());
        System.out.printf(Locale.ROOT, "  pairwise precision %.4f recall %.4f f1 %.4f%n", q.pairwisePrecision(),
                q.pairwiseRecall(), q.pairwiseF1());
        System.out.printf(Locale.ROOT, "  bcubed precision %.4f recall %.4f f1 %.4f%n", q.bcubedPrecision(),
                q.bcubedRecall(), q.bcubedF1());
    }
}
