package dev.facepipe.identities;

import java.util.Arrays;

/**
 * The graph that is clustered: a node a face, an undirected edge wherever one face is among the
 * other's nearest neighbours with cosine at least the threshold, weighted by that cosine. Held as
 * compressed rows (offsets, targets, weights: about 16 bytes an edge), so a million faces with ten
 * neighbours each fit in a few hundred megabytes on the driver.
 */
public final class FaceGraph {
    private final int n;
    private final int[] offsets;
    private final int[] targets;
    private final float[] weights;

    private FaceGraph(int n, int[] offsets, int[] targets, float[] weights) {
        this.n = n;
        this.offsets = offsets;
        this.targets = targets;
        this.weights = weights;
    }

    /**
     * From directed neighbour lists (edge e: from[e] to to[e] with weight w[e]): edges below
     * minCosine and self edges are dropped, each kept edge is made both ways, and a pair listed twice
     * (each in the other's list) keeps its larger weight once.
     */
    public static FaceGraph of(int n, int[] from, int[] to, float[] w, double minCosine) {
        int[] degree = new int[n + 1];
        for (int e = 0; e < from.length; e++) {
            if (!keep(from[e], to[e], w[e], minCosine)) continue;
            degree[from[e]]++;
            degree[to[e]]++;
        }
        int[] start = new int[n + 1];
        for (int i = 0; i < n; i++) start[i + 1] = start[i] + degree[i];
        int[] fill = Arrays.copyOf(start, n);
        int[] t = new int[start[n]];
        float[] wt = new float[start[n]];
        for (int e = 0; e < from.length; e++) {
            if (!keep(from[e], to[e], w[e], minCosine)) continue;
            t[fill[from[e]]] = to[e];
            wt[fill[from[e]]++] = w[e];
            t[fill[to[e]]] = from[e];
            wt[fill[to[e]]++] = w[e];
        }
        return dedupe(n, start, t, wt);
    }

    private static boolean keep(int a, int b, float w, double minCosine) {
        return a != b && w >= minCosine;
    }

    /** Each row sorted by target, a repeated target kept once with its largest weight. */
    private static FaceGraph dedupe(int n, int[] start, int[] t, float[] wt) {
        int[] offsets = new int[n + 1];
        int out = 0;
        long[] row = new long[0];
        for (int i = 0; i < n; i++) {
            int len = start[i + 1] - start[i];
            if (row.length < len) row = new long[Math.max(len, 2 * row.length)];
            for (int j = 0; j < len; j++) {
                row[j] = ((long) t[start[i] + j] << 32) | (Float.floatToIntBits(wt[start[i] + j]) & 0xffffffffL);
            }
            Arrays.sort(row, 0, len);
            offsets[i] = out;
            for (int j = 0; j < len; j++) {
                int target = (int) (row[j] >>> 32);
                float weight = Float.intBitsToFloat((int) row[j]);
                if (out > offsets[i] && t[out - 1] == target) {
                    wt[out - 1] = Math.max(wt[out - 1], weight);
                    continue;
                }
                t[out] = target;
                wt[out++] = weight;
            }
        }
        offsets[n] = out;
        return new FaceGraph(n, offsets, Arrays.copyOf(t, out), Arrays.copyOf(wt, out));
    }

    public int nodes() {
        return n;
    }

    /** Undirected edges (each counted once). */
    public long edges() {
        return targets.length / 2;
    }

    public int degree(int node) {
        return offsets[node + 1] - offsets[node];
    }

    public int target(int node, int j) {
        return targets[offsets[node] + j];
    }

    public float weight(int node, int j) {
        return weights[offsets[node] + j];
    }
}
