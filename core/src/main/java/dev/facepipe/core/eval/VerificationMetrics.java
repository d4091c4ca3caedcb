package dev.facepipe.core.eval;

import java.util.Arrays;

/**
 * Verification quality from scored pairs: ROC AUC, best accuracy and its threshold, and the
 * true-accept rate at a given false-accept rate. A pair is called "same" when score >= threshold.
 */
public final class VerificationMetrics {
    private final double[] pos;
    private final double[] neg;

    /**
     * Figures over the scored pairs only: a pair whose score is NaN (a photo failed to enrol) is
     * left out, as most published figures do.
     */
    public static VerificationMetrics scoredOnly(double[] scores, boolean[] same) {
        int n = 0;
        for (double s : scores) if (!Double.isNaN(s)) n++;
        double[] sc = new double[n];
        boolean[] sa = new boolean[n];
        for (int i = 0, j = 0; i < scores.length; i++) {
            if (Double.isNaN(scores[i])) continue;
            sc[j] = scores[i];
            sa[j++] = same[i];
        }
        return new VerificationMetrics(sc, sa);
    }

    /**
     * Figures counting every pair (ISO/IEC 19795-1: the false non-match rate includes failures to
     * enrol): a NaN-scored pair is the system's "different" at any threshold, so a same-person pair
     * is a miss and a different-person pair a correct rejection.
     */
    public static VerificationMetrics countingUnscored(double[] scores, boolean[] same) {
        double[] sc = scores.clone();
        for (int i = 0; i < sc.length; i++) if (Double.isNaN(sc[i])) sc[i] = Double.NEGATIVE_INFINITY;
        return new VerificationMetrics(sc, same);
    }

    /** @param scores pair similarities (no NaN); @param same whether each pair shows one person */
    public VerificationMetrics(double[] scores, boolean[] same) {
        int p = 0;
        for (boolean s : same) if (s) p++;
        pos = new double[p];
        neg = new double[scores.length - p];
        for (int i = 0, a = 0, b = 0; i < scores.length; i++) {
            if (same[i]) pos[a++] = scores[i];
            else neg[b++] = scores[i];
        }
        Arrays.sort(pos);
        Arrays.sort(neg);
    }

    public int positives() {
        return pos.length;
    }

    public int negatives() {
        return neg.length;
    }

    /** Probability that a random same pair outscores a random different pair (ties count half). */
    public double rocAuc() {
        if (pos.length == 0 || neg.length == 0) return Double.NaN;
        double wins = 0;
        for (double s : pos) {
            int below = lowerBound(neg, s);
            int notAbove = upperBound(neg, s);
            wins += below + 0.5 * (notAbove - below);
        }
        return wins / ((double) pos.length * neg.length);
    }

    public record Accuracy(double accuracy, double threshold) {}

    /**
     * The threshold with the highest accuracy; candidates are the midpoints between neighbouring
     * scores (and just beyond both ends), so a clean split reports the middle of its gap.
     */
    public Accuracy bestAccuracy() {
        double[] all = new double[pos.length + neg.length];
        System.arraycopy(pos, 0, all, 0, pos.length);
        System.arraycopy(neg, 0, all, pos.length, neg.length);
        Arrays.sort(all);
        if (all.length == 0) return new Accuracy(Double.NaN, Double.NaN);
        double[] cands = new double[all.length + 1];
        cands[0] = all[0];
        for (int i = 1; i < all.length; i++) cands[i] = (all[i - 1] + all[i]) / 2;
        cands[all.length] = Math.nextUp(all[all.length - 1]);
        double best = -1;
        double bestT = Double.NaN;
        for (double t : cands) {
            t = Math.max(t, -Double.MAX_VALUE); // an unscored pair (-infinity) is never accepted
            int tp = pos.length - lowerBound(pos, t);
            int tn = lowerBound(neg, t);
            double acc = (double) (tp + tn) / (pos.length + neg.length);
            if (acc > best) {
                best = acc;
                bestT = t;
            }
        }
        return new Accuracy(best, bestT);
    }

    public record Rate(double tar, double threshold, double achievedFar) {}

    /** TAR at the lowest threshold whose false-accept rate is at most {@code far}. */
    public Rate tarAtFar(double far) {
        if (neg.length == 0 || pos.length == 0) return new Rate(Double.NaN, Double.NaN, Double.NaN);
        int allowed = (int) Math.floor(far * neg.length); // negatives that may score >= threshold
        // Threshold just above the (allowed+1)-th highest negative.
        double t = Math.nextUp(neg[neg.length - 1 - Math.min(allowed, neg.length - 1)]);
        if (allowed >= neg.length) t = neg[0];
        t = Math.max(t, -Double.MAX_VALUE);
        int fa = neg.length - lowerBound(neg, t);
        int ta = pos.length - lowerBound(pos, t);
        return new Rate((double) ta / pos.length, t, (double) fa / neg.length);
    }

    /** First index with a[i] >= v. */
    private static int lowerBound(double[] a, double v) {
        int lo = 0, hi = a.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (a[mid] < v) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    /** First index with a[i] > v. */
    private static int upperBound(double[] a, double v) {
        int lo = 0, hi = a.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (a[mid] <= v) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }
}
