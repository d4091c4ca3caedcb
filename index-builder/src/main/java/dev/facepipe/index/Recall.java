package dev.facepipe.index;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Row;

/**
 * Merges the per-shard answers of the held-out queries (approximate and exact) into global top-k
 * lists and compares them. Each query's own id is dropped from both lists first, so a query finding
 * itself does not count. Latency of a query = its slowest shard (shards are searched in parallel).
 */
record Recall(double at1, double at10, double p50, double p99) {

    static Recall measure(List<Row> shards, long[] queryKeys, int k) {
        int nq = queryKeys.length;
        int kk = ((List<?>) shards.get(0).getList(5)).size() / Math.max(1, nq);
        double hit1 = 0;
        double hit10 = 0;
        double[] lat = new double[nq];
        for (int q = 0; q < nq; q++) {
            long[] approx = merge(shards, q, kk, 5, 6, queryKeys[q], k);
            long[] exact = merge(shards, q, kk, 7, 8, queryKeys[q], k);
            if (exact.length > 0 && approx.length > 0 && approx[0] == exact[0]) hit1++;
            Set<Long> truth = new HashSet<>();
            for (long e : exact) truth.add(e);
            int h = 0;
            for (long a : approx) if (truth.contains(a)) h++;
            hit10 += exact.length == 0 ? 1 : (double) h / exact.length;
            for (Row s : shards) lat[q] = Math.max(lat[q], ((Number) s.getList(9).get(q)).doubleValue());
        }
        Arrays.sort(lat);
        return new Recall(hit1 / nq, hit10 / nq, lat[nq / 2], lat[Math.min(nq - 1, (int) Math.ceil(0.99 * nq) - 1)]);
    }

    /** Global top-k ids for query q over all shards, by score, without the query's own id. */
    private static long[] merge(List<Row> shards, int q, int kk, int labelsCol, int scoresCol, long self, int k) {
        List<long[]> cands = new ArrayList<>();
        List<Float> scores = new ArrayList<>();
        for (Row s : shards) {
            List<Object> labels = s.getList(labelsCol);
            List<Object> sc = s.getList(scoresCol);
            for (int r = 0; r < kk; r++) {
                long id = ((Number) labels.get(q * kk + r)).longValue();
                if (id < 0 || id == self) continue;
                cands.add(new long[] {id});
                scores.add(((Number) sc.get(q * kk + r)).floatValue());
            }
        }
        Integer[] order = new Integer[cands.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Float.compare(scores.get(b), scores.get(a)));
        long[] out = new long[Math.min(k, order.length)];
        for (int i = 0; i < out.length; i++) out[i] = cands.get(order[i])[0];
        return out;
    }
}
