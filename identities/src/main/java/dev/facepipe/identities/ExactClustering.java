package dev.facepipe.identities;

/**
 * The same clustering over vectors held in memory, with exact neighbours instead of the index's:
 * for `eval cluster` on labelled photos (hundreds, not millions), so its figures judge the rule the
 * job applies (k nearest, links at the threshold, Chinese whispers, same rounds and seed).
 */
public final class ExactClustering {
    private ExactClustering() {}

    /** A person label for each unit vector. */
    public static int[] labels(float[][] unit, int k, double minCosine, int rounds, long seed) {
        int n = unit.length;
        int kk = Math.min(k, Math.max(0, n - 1));
        int[] from = new int[n * kk];
        int[] to = new int[n * kk];
        float[] w = new float[n * kk];
        long[] ids = new long[kk];
        float[] scores = new float[kk];
        int e = 0;
        for (int i = 0; i < n; i++) {
            if (kk == 0) break;
            java.util.Arrays.fill(ids, -1);
            java.util.Arrays.fill(scores, Float.NEGATIVE_INFINITY);
            for (int j = 0; j < n; j++) {
                if (j != i) NeighbourSearch.offer(ids, scores, 0, kk, j, dot(unit[i], unit[j]));
            }
            for (int j = 0; j < kk; j++) {
                from[e] = i;
                to[e] = (int) ids[j];
                w[e++] = scores[j];
            }
        }
        return ChineseWhispers.labels(FaceGraph.of(n, from, to, w, minCosine), rounds, seed);
    }

    static float dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return (float) s;
    }
}
