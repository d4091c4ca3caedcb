package dev.facepipe.cli;

import dev.facepipe.core.config.Config;
import dev.facepipe.core.engine.FaceEngine;
import dev.facepipe.core.eval.ErrorVersusDiscard;
import dev.facepipe.core.eval.GateChooser;
import dev.facepipe.core.eval.PairList;
import dev.facepipe.core.face.Embedder;
import dev.facepipe.core.face.Quality;
import dev.facepipe.core.face.QualitySignal;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "quality", mixinStandardHelpOptions = true,
        description = "Judge the quality score and each sub-score by error-versus-discard (ISO/IEC 29794-1):"
                + " FNMR at a threshold fixed at --fmr, after discarding the lowest 0-20% of the same-person pairs"
                + " by each measure, against discarding at random. Prints a table and which sub-scores earn a gate;"
                + " --svg draws the curves. Every face is scored (quality.min_score=0 here).")
final class QualityEvalCommand implements Callable<Integer> {
    @ParentCommand
    EvalCommand eval;

    @Option(names = "--pairs", required = true, paramLabel = "CSV", description = "Pairs file (file_x,file_y,same).")
    Path pairs;

    @Option(names = "--root", paramLabel = "DIR", description = "Folder the csv's paths are relative to.")
    Path root = Path.of(".");

    @Option(names = "--fmr", description = "False-match rate that fixes the threshold (default: ${DEFAULT-VALUE}).")
    double fmr = 0.01;

    @Option(names = "--svg", paramLabel = "FILE", description = "Also draw the curves into this SVG file.")
    Path svg;

    @Option(names = "--per-photo", paramLabel = "CSV", description = "Also write each photo's overall score and"
            + " sub-scores here.")
    Path perPhoto;

    private static final double[] FRACTIONS = {0, 0.02, 0.04, 0.06, 0.08, 0.10, 0.12, 0.14, 0.16, 0.18, 0.20};

    private record Photo(float[] embedding, Quality quality) {}

    @Override
    public Integer call() throws IOException {
        Config cfg = eval.main.config();
        FaceEngine engine = FaceEngine.fromConfig(cfg.with("quality.min_score", "0", "eval quality"));
        PairList list = PairList.parse(Files.readAllLines(pairs), pairs.toString());
        Map<String, Photo> photos = new HashMap<>();
        List<String> failed = new ArrayList<>();
        for (String name : list.photos()) {
            try {
                QueryFace q = QueryFace.of(engine, root.resolve(name), null);
                photos.put(name, new Photo(q.face().embedding(), q.face().quality()));
            } catch (QueryFace.Refused e) {
                failed.add(name + ": " + e.getMessage());
            }
        }
        List<PairList.Pair> scored = list.pairs().stream()
                .filter(p -> photos.containsKey(p.x()) && photos.containsKey(p.y())).toList();
        double[] scores = new double[scored.size()];
        boolean[] same = new boolean[scored.size()];
        for (int i = 0; i < scores.length; i++) {
            PairList.Pair p = scored.get(i);
            scores[i] = Embedder.cosine(photos.get(p.x()).embedding(), photos.get(p.y()).embedding());
            same[i] = p.same();
        }
        double t = ErrorVersusDiscard.threshold(scores, same, fmr);
        Map<String, double[]> measures = new LinkedHashMap<>();
        measures.put("overall", pairQuality(scored, photos, null));
        for (QualitySignal s : QualitySignal.values()) measures.put(s.code(), pairQuality(scored, photos, s));
        ErrorVersusDiscard.Curve random = ErrorVersusDiscard.random(scores, same, t, FRACTIONS);
        List<ErrorVersusDiscard.Curve> curves = new ArrayList<>();
        for (Map.Entry<String, double[]> m : measures.entrySet()) {
            curves.add(ErrorVersusDiscard.curve(m.getKey(), scores, same, m.getValue(), t, FRACTIONS));
        }
        int positives = 0;
        for (boolean s : same) if (s) positives++;
        System.out.printf(Locale.ROOT, "pairs %d scored (same %d, different %d); threshold %.4f at fmr %.4f;"
                + " photos without an accepted face %d of %d (not in the curves)%n", scores.length, positives,
                scores.length - positives, t, fmr, failed.size(), list.photos().size());
        System.out.println("fnmr after discarding the lowest share of same-person pairs by each measure:");
        StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "%-11s", "measure"));
        for (double f : FRACTIONS) head.append(String.format(Locale.ROOT, " %6s", Math.round(f * 100) + "%"));
        double minScore = cfg.getDouble("quality.min_score");
        System.out.println(head.append("    area  rejects  their_fnmr  verdict"));
        System.out.println(row(random, "", "baseline"));
        Map<String, double[]> subScores = new LinkedHashMap<>(measures);
        subScores.remove("overall");
        Map<String, GateChooser.Verdict> verdicts = GateChooser.choose(subScores, scores, same, t, FRACTIONS);
        List<String> gates = new ArrayList<>();
        List<String> current = cfg.getList("quality.gates");
        for (ErrorVersusDiscard.Curve c : curves) {
            String verdict;
            if (c.measure().equals("overall")) {
                verdict = ErrorVersusDiscard.earnsAGate(c, random) ? "predicts errors" : "no better than random";
            } else {
                GateChooser.Verdict v = verdicts.get(c.measure());
                if (v == GateChooser.Verdict.GATE) gates.add(c.measure());
                verdict = v.text() + (current.contains(c.measure()) ? " (gated now)" : "");
            }
            Map<String, Double> q = c.measure().equals("overall") ? photoQuality(photos, null)
                    : photoQuality(photos, QualitySignal.valueOf(c.measure().toUpperCase(Locale.ROOT)));
            System.out.println(row(c, atTheGate(scored, scores, t, photos, q, minScore), verdict));
        }
        System.out.printf(Locale.ROOT, "rejects: photos under quality.min_score=%.2f by the measure alone; their_fnmr:"
                + " fnmr of the same-person pairs they are in%n", minScore);
        System.out.println("sub-scores that earn a gate (faster than random, and not repeating the others): quality.gates=" + String.join(",", gates));
        for (String f : failed) System.out.println("no face: " + f);
        if (perPhoto != null) writePerPhoto(photos);
        if (svg != null) {
            Files.writeString(svg, EdcSvg.draw(curves, random, String.format(Locale.ROOT,
                    "FNMR at FMR %.3f after discarding the lowest-quality same-person pairs", fmr)));
            System.out.println("curves drawn in " + svg);
        }
        return 0;
    }

    private static String row(ErrorVersusDiscard.Curve c, String gate, String verdict) {
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "%-11s", c.measure()));
        for (double v : c.fnmr()) s.append(String.format(Locale.ROOT, " %6.4f", v));
        return s.append(String.format(Locale.ROOT, "  %6.4f  %-19s  %s", c.area(), gate, verdict)).toString();
    }

    /** Photos under the gate by one measure, and the FNMR of the same-person pairs they are in. */
    private static String atTheGate(List<PairList.Pair> pairs, double[] scores, double t, Map<String, Photo> photos,
            Map<String, Double> quality, double minScore) {
        long under = quality.values().stream().filter(v -> v < minScore).count();
        int n = 0;
        int miss = 0;
        for (int i = 0; i < scores.length; i++) {
            PairList.Pair p = pairs.get(i);
            if (!p.same() || (quality.get(p.x()) >= minScore && quality.get(p.y()) >= minScore)) continue;
            n++;
            if (scores[i] < t) miss++;
        }
        return String.format(Locale.ROOT, "%3d/%-3d  %s", under, photos.size(),
                n == 0 ? "     -" : String.format(Locale.ROOT, "%.4f", (double) miss / n));
    }

    private void writePerPhoto(Map<String, Photo> photos) throws IOException {
        List<String> lines = new ArrayList<>();
        StringBuilder head = new StringBuilder("photo,overall");
        for (QualitySignal s : QualitySignal.values()) head.append(',').append(s.code());
        lines.add(head.toString());
        for (String name : new java.util.TreeSet<>(photos.keySet())) {
            Quality q = photos.get(name).quality();
            StringBuilder l = new StringBuilder(name).append(String.format(Locale.ROOT, ",%.3f", q.overall()));
            for (QualitySignal s : QualitySignal.values()) l.append(String.format(Locale.ROOT, ",%.3f", q.sub(s)));
            lines.add(l.toString());
        }
        Files.write(perPhoto, lines);
    }

    private static Map<String, Double> photoQuality(Map<String, Photo> photos, QualitySignal s) {
        Map<String, Double> out = new HashMap<>();
        photos.forEach((k, v) -> out.put(k, (double) (s == null ? v.quality().overall() : v.quality().sub(s))));
        return out;
    }

    /** Per pair, the lower quality of its two photos by one sub-score (null: the overall score). */
    private static double[] pairQuality(List<PairList.Pair> pairs, Map<String, Photo> photos, QualitySignal s) {
        double[] x = new double[pairs.size()];
        double[] y = new double[pairs.size()];
        for (int i = 0; i < x.length; i++) {
            Quality qx = photos.get(pairs.get(i).x()).quality();
            Quality qy = photos.get(pairs.get(i).y()).quality();
            x[i] = s == null ? qx.overall() : qx.sub(s);
            y[i] = s == null ? qy.overall() : qy.sub(s);
        }
        return ErrorVersusDiscard.pairQuality(x, y);
    }
}
