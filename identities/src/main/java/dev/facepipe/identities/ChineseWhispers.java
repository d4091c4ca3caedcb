package dev.facepipe.identities;

import java.util.Random;

/**
 * Chinese whispers (Biemann 2006), the graph clustering dlib uses for faces: every face starts as
 * its own person; in rounds, each face in a shuffled order takes the person its neighbours vote for,
 * a neighbour's vote weighing its cosine; it stops when a round changes nothing. It needs no number
 * of persons, runs in time linear in the edges, and a face follows the weight of its neighbours, not
 * a single link, so one stray edge between two people does not merge them as single linkage would.
 * Written here because no maintained Java library offers it; the order is drawn from a seed, so a
 * run is repeatable.
 */
public final class ChineseWhispers {
    private ChineseWhispers() {}

    /** A person for each node (the index of some node in it), after at most maxRounds rounds. */
    public static int[] labels(FaceGraph g, int maxRounds, long seed) {
        long[] initial = new long[g.nodes()];
        for (int i = 0; i < initial.length; i++) initial[i] = i;
        long[] l = labels(g, initial, null, maxRounds, seed);
        int[] out = new int[l.length];
        for (int i = 0; i < l.length; i++) out[i] = (int) l[i];
        return out;
    }

    /**
     * The same rounds from given labels, where nodes marked fixed keep theirs and only vote: a nightly
     * run fixes the faces already placed and lets the new ones join them or each other.
     *
     * @param fixed null when every node may change
     */
    public static long[] labels(FaceGraph g, long[] initial, boolean[] fixed, int maxRounds, long seed) {
        int n = g.nodes();
        long[] label = initial.clone();
        int[] order = new int[n];
        int free = 0;
        for (int i = 0; i < n; i++) if (fixed == null || !fixed[i]) order[free++] = i;
        order = java.util.Arrays.copyOf(order, free);
        Votes votes = new Votes();
        Random r = new Random(seed);
        for (int round = 0; round < maxRounds; round++) {
            shuffle(order, r);
            int changed = 0;
            for (int v : order) {
                int d = g.degree(v);
                if (d == 0) continue;
                votes.clear();
                for (int j = 0; j < d; j++) votes.add(label[g.target(v, j)], g.weight(v, j));
                long best = votes.best();
                if (best != label[v]) {
                    label[v] = best;
                    changed++;
                }
            }
            if (changed == 0) break;
        }
        return label;
    }

    private static void shuffle(int[] a, Random r) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    /**
     * Weighted votes for labels: the label with the largest sum wins, a tie going to the smaller
     * label. Reused across nodes; a node's neighbours name few distinct persons, so a linear list
     * beats a map.
     */
    public static final class Votes {
        private long[] labels = new long[16];
        private double[] sums = new double[16];
        private int size;

        public void clear() {
            size = 0;
        }

        public void add(long label, double weight) {
            for (int i = 0; i < size; i++) {
                if (labels[i] == label) {
                    sums[i] += weight;
                    return;
                }
            }
            if (size == labels.length) {
                labels = java.util.Arrays.copyOf(labels, 2 * size);
                sums = java.util.Arrays.copyOf(sums, 2 * size);
            }
            labels[size] = label;
            sums[size++] = weight;
        }

        public boolean isEmpty() {
            return size == 0;
        }

        /** The winning label (call only when not empty). */
        public long best() {
            int b = 0;
            for (int i = 1; i < size; i++) {
                if (sums[i] > sums[b] || (sums[i] == sums[b] && labels[i] < labels[b])) b = i;
            }
            return labels[b];
        }
    }
}
