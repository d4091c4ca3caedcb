package dev.facepipe.core.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which quality sub-scores earn a gate, from error-versus-discard curves (pinned by GateChooserTest):
 * <ol>
 *   <li>a sub-score is a candidate when discarding by it lowers FNMR faster than discarding at random
 *       (its curve's area is under the random line's);</li>
 *   <li>then, one at a time, the candidate whose leaving out makes the gate's own curve (the smallest
 *       of the remaining candidates, as the overall score is made) no worse is left out, until every
 *       one left is needed: a sub-score that only repeats what the others already catch would only
 *       turn more people away.</li>
 * </ol>
 * Each sub-score left out is stored with the face, not gated.
 */
public final class GateChooser {
    private GateChooser() {}

    public enum Verdict {
        GATE("gate"), NO_BETTER_THAN_RANDOM("store: no better than random"), REPEATS_OTHERS("store: adds nothing to the other gates");

        private final String text;

        Verdict(String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }
    }

    /**
     * @param pairQuality per sub-score (in the order to report), the lower quality of each pair's two photos
     * @return each sub-score's verdict, in the order given
     */
    public static Map<String, Verdict> choose(Map<String, double[]> pairQuality, double[] scores, boolean[] same,
            double threshold, double[] fractions) {
        double randomArea = ErrorVersusDiscard.random(scores, same, threshold, fractions).area();
        Map<String, Verdict> out = new LinkedHashMap<>();
        List<String> kept = new ArrayList<>();
        for (Map.Entry<String, double[]> e : pairQuality.entrySet()) {
            double area = ErrorVersusDiscard.curve(e.getKey(), scores, same, e.getValue(), threshold, fractions).area();
            boolean candidate = area < randomArea - 1e-12;
            out.put(e.getKey(), candidate ? Verdict.GATE : Verdict.NO_BETTER_THAN_RANDOM);
            if (candidate) kept.add(e.getKey());
        }
        while (kept.size() > 1) {
            double now = area(kept, pairQuality, scores, same, threshold, fractions);
            String drop = null;
            double best = Double.POSITIVE_INFINITY;
            for (String s : kept) {
                List<String> without = new ArrayList<>(kept);
                without.remove(s);
                double a = area(without, pairQuality, scores, same, threshold, fractions);
                if (a <= now + 1e-12 && a <= best) {
                    best = a;
                    drop = s;
                }
            }
            if (drop == null) break;
            kept.remove(drop);
            out.put(drop, Verdict.REPEATS_OTHERS);
        }
        return out;
    }

    /** Area of the curve of the smallest of the named sub-scores. */
    static double area(List<String> names, Map<String, double[]> pairQuality, double[] scores, boolean[] same,
            double threshold, double[] fractions) {
        double[] min = new double[scores.length];
        java.util.Arrays.fill(min, Double.POSITIVE_INFINITY);
        for (String n : names) {
            double[] q = pairQuality.get(n);
            for (int i = 0; i < min.length; i++) min[i] = Math.min(min[i], q[i]);
        }
        return ErrorVersusDiscard.curve("gate", scores, same, min, threshold, fractions).area();
    }
}
