package dev.facepipe.bench;

import dev.facepipe.core.engine.FaceResult;
import java.util.List;
import java.util.Locale;

/**
 * How far one run's embeddings are from a reference run's (the GPU's from the CPU's in bench gpu): the largest
 * difference of one component, the lowest cosine, and the embeddings off by more than the tolerance. Faces of two
 * engine runs are paired by their boxes, since a detector on another device may order or place them slightly
 * differently; a reference face with no partner is counted, never skipped.
 *
 * @param compared  embeddings paired and compared
 * @param unmatched reference embeddings with no partner in the other run (no box overlapping enough, or the other
 *                  run rejected that face)
 * @param extra     embeddings of the other run that no reference face took
 * @param maxAbs    the largest |a[i] - b[i]| over every compared pair
 * @param minCosine the lowest cosine of a compared pair (1 when none)
 * @param over      compared pairs whose largest difference is over the tolerance
 */
record Agreement(int compared, int unmatched, int extra, double maxAbs, double minCosine, int over, double tolerance) {
    /** Boxes overlapping less than this (intersection over union) are different faces. */
    static final double MIN_IOU = 0.5;

    /** Whether every reference embedding was paired and none is off by more than the tolerance. */
    boolean passes() {
        return compared > 0 && unmatched == 0 && extra == 0 && over == 0;
    }

    String describe() {
        return String.format(Locale.ROOT, "%d compared, max |diff| %.2e, min cosine %.6f, %d over %.0e%s%s", compared,
                maxAbs, minCosine, over, tolerance, unmatched > 0 ? ", " + unmatched + " without a partner" : "",
                extra > 0 ? ", " + extra + " extra" : "");
    }

    /** Embeddings that belong together by position (the same aligned crops, in the same order). */
    static Agreement ofVectors(List<float[]> reference, List<float[]> other, double tolerance) {
        Tally t = new Tally(tolerance);
        int n = Math.min(reference.size(), other.size());
        int missing = 0;
        for (int i = 0; i < n; i++) {
            if (reference.get(i) == null || other.get(i) == null) {
                missing++; // an embedding refused (NaN, Inf or zero norm) on either side counts as unpaired
            } else {
                t.add(reference.get(i), other.get(i));
            }
        }
        return t.done(reference.size() - n + missing, other.size() - n);
    }

    /** The embedded faces of the same photos (by index), each reference face paired with its best-overlapping box. */
    static Agreement ofFaces(List<List<FaceResult>> reference, List<List<FaceResult>> other, double tolerance) {
        if (reference.size() != other.size()) {
            throw new IllegalArgumentException(reference.size() + " photos against " + other.size());
        }
        Tally t = new Tally(tolerance);
        int unmatched = 0;
        int extra = 0;
        for (int p = 0; p < reference.size(); p++) {
            List<FaceResult> mine = reference.get(p).stream().filter(f -> f.embedding() != null).toList();
            List<FaceResult> theirs = new java.util.ArrayList<>(other.get(p).stream()
                    .filter(f -> f.embedding() != null).toList());
            for (FaceResult f : mine) {
                FaceResult best = null;
                double bestIou = MIN_IOU;
                for (FaceResult g : theirs) {
                    double iou = iou(f, g);
                    if (iou >= bestIou) {
                        best = g;
                        bestIou = iou;
                    }
                }
                if (best == null) {
                    unmatched++;
                } else {
                    theirs.remove(best);
                    t.add(f.embedding(), best.embedding());
                }
            }
            extra += theirs.size();
        }
        return t.done(unmatched, extra);
    }

    static double iou(FaceResult a, FaceResult b) {
        double w = Math.min(a.x2(), b.x2()) - Math.max(a.x1(), b.x1());
        double h = Math.min(a.y2(), b.y2()) - Math.max(a.y1(), b.y1());
        if (w <= 0 || h <= 0) return 0;
        double inter = w * h;
        double union = (a.x2() - a.x1()) * (a.y2() - a.y1()) + (b.x2() - b.x1()) * (b.y2() - b.y1()) - inter;
        return inter / union;
    }

    /** The running figures of pairs compared so far. */
    private static final class Tally {
        final double tolerance;
        int compared;
        int over;
        double maxAbs;
        double minCosine = 1;

        Tally(double tolerance) {
            this.tolerance = tolerance;
        }

        void add(float[] a, float[] b) {
            if (a.length != b.length) throw new IllegalArgumentException(a.length + " components against " + b.length);
            double worst = 0;
            double dot = 0;
            double na = 0;
            double nb = 0;
            for (int i = 0; i < a.length; i++) {
                worst = Math.max(worst, Math.abs((double) a[i] - b[i]));
                dot += (double) a[i] * b[i];
                na += (double) a[i] * a[i];
                nb += (double) b[i] * b[i];
            }
            compared++;
            if (worst > tolerance) over++;
            maxAbs = Math.max(maxAbs, worst);
            minCosine = Math.min(minCosine, na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0);
        }

        Agreement done(int unmatched, int extra) {
            return new Agreement(compared, unmatched, extra, maxAbs, minCosine, over, tolerance);
        }
    }
}
