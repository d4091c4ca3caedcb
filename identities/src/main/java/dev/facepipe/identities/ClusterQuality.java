package dev.facepipe.identities;

import java.util.HashMap;
import java.util.Map;

/**
 * How well found persons match labelled ones. Pairwise: of the pairs of faces put together, the share
 * that are one person (precision), and of the pairs that are one person, the share put together
 * (recall). BCubed (Bagga and Baldwin 1998): the same two questions asked per face and averaged, so
 * one huge person does not outweigh many small ones. Over-merging lowers precision, under-merging
 * recall.
 */
public record ClusterQuality(long faces, long foundPersons, long truePersons, double pairwisePrecision,
        double pairwiseRecall, double bcubedPrecision, double bcubedRecall) {

    public double pairwiseF1() {
        return f1(pairwisePrecision, pairwiseRecall);
    }

    public double bcubedF1() {
        return f1(bcubedPrecision, bcubedRecall);
    }

    private static double f1(double p, double r) {
        return p + r == 0 ? 0 : 2 * p * r / (p + r);
    }

    /** Found person and true label of each face, index by index. */
    public static <T> ClusterQuality of(long[] found, T[] truth) {
        if (found.length != truth.length) throw new IllegalArgumentException("found and truth differ in length");
        Map<Long, Long> foundSize = new HashMap<>();
        Map<T, Long> trueSize = new HashMap<>();
        record Cell(long found, Object truth) {}
        Map<Cell, Long> cell = new HashMap<>();
        for (int i = 0; i < found.length; i++) {
            foundSize.merge(found[i], 1L, Long::sum);
            trueSize.merge(truth[i], 1L, Long::sum);
            cell.merge(new Cell(found[i], truth[i]), 1L, Long::sum);
        }
        double together = 0;
        double same = 0;
        double both = 0;
        for (long n : foundSize.values()) together += pairs(n);
        for (long n : trueSize.values()) same += pairs(n);
        double bp = 0;
        double br = 0;
        for (Map.Entry<Cell, Long> e : cell.entrySet()) {
            long n = e.getValue();
            both += pairs(n);
            bp += (double) n * n / foundSize.get(e.getKey().found());
            @SuppressWarnings("unchecked")
            T t = (T) e.getKey().truth();
            br += (double) n * n / trueSize.get(t);
        }
        int n = found.length;
        return new ClusterQuality(n, foundSize.size(), trueSize.size(), together == 0 ? 1 : both / together,
                same == 0 ? 1 : both / same, n == 0 ? 1 : bp / n, n == 0 ? 1 : br / n);
    }

    private static double pairs(long n) {
        return n * (n - 1) / 2.0;
    }
}
