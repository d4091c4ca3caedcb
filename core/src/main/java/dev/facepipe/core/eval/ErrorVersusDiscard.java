package dev.facepipe.core.eval;

import java.util.Arrays;
import java.util.Comparator;

/**
 * Error-versus-discard characteristic, the standard way to judge a face quality measure (ISO/IEC
 * 29794-1; NIST's quality evaluations): the false non-match rate at one threshold, fixed where the
 * false-match rate over every pair is the target, after discarding the same-person pairs whose
 * quality (the lower of the two photos') is lowest. A measure that predicts errors lowers FNMR as
 * it discards; discarding at random leaves it where it was, so that flat line is the baseline.
 * Pairs of equal quality on the discard boundary are discarded at random: the curve is the exact
 * expectation of that, so a constant measure draws the random line.
 */
public final class ErrorVersusDiscard {
    private ErrorVersusDiscard() {}

    /** FNMR at each discard fraction; area is their mean (lower predicts errors better). */
    public record Curve(String measure, double[] fractions, double[] fnmr) {
        public double area() {
            return Arrays.stream(fnmr).average().orElse(Double.NaN);
        }
    }

    /** The threshold where the false-match rate over the different-person pairs is at most {@code fmr}. */
    public static double threshold(double[] scores, boolean[] same, double fmr) {
        return new VerificationMetrics(scores, same).tarAtFar(fmr).threshold();
    }

    /**
     * @param pairQuality per pair, the lower quality of its two photos by the measure
     * @param fractions   shares of the same-person pairs to discard, each in 0..1
     */
    public static Curve curve(String measure, double[] scores, boolean[] same, double[] pairQuality, double threshold,
            double[] fractions) {
        int n = 0;
        for (boolean s : same) if (s) n++;
        Integer[] order = new Integer[n];
        for (int i = 0, j = 0; i < same.length; i++) if (same[i]) order[j++] = i;
        Arrays.sort(order, Comparator.comparingDouble(i -> pairQuality[i]));
        double[] fnmr = new double[fractions.length];
        for (int f = 0; f < fractions.length; f++) {
            int k = (int) Math.round(fractions[f] * n); // pairs to discard
            if (n - k <= 0) {
                fnmr[f] = Double.NaN;
                continue;
            }
            double qk = k == 0 ? Double.NEGATIVE_INFINITY : pairQuality[order[k - 1]];
            double misses = 0;
            int tied = 0;
            int tiedMisses = 0;
            int below = 0;
            for (Integer i : order) {
                double q = pairQuality[i];
                boolean miss = scores[i] < threshold;
                if (k > 0 && q < qk) below++;
                else if (k > 0 && q == qk) {
                    tied++;
                    if (miss) tiedMisses++;
                } else if (miss) misses++;
            }
            int tiedDiscarded = k - below;
            if (tied > 0) misses += tiedMisses * (double) (tied - tiedDiscarded) / tied;
            fnmr[f] = misses / (n - k);
        }
        return new Curve(measure, fractions.clone(), fnmr);
    }

    /** The baseline: discarding at random keeps the expected FNMR where it was. */
    public static Curve random(double[] scores, boolean[] same, double threshold, double[] fractions) {
        return curve("random", scores, same, new double[scores.length], threshold, fractions);
    }

    /** Whether discarding by the measure lowers FNMR faster than discarding at random. */
    public static boolean earnsAGate(Curve measure, Curve random) {
        return measure.area() < random.area() - 1e-12;
    }

    /** The lower of two photos' qualities, per pair. */
    public static double[] pairQuality(double[] qx, double[] qy) {
        double[] out = new double[qx.length];
        for (int i = 0; i < out.length; i++) out[i] = Math.min(qx[i], qy[i]);
        return out;
    }
}
