package dev.facepipe.index;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;

/**
 * The recall rule, pinned on two shards and two held-out queries: per-shard answers merged by score
 * into global top-k lists, each query's own id dropped from both, recall@1 on the first id,
 * recall@10 as the share of the exact list found, latency a query's slowest shard.
 */
class RecallTest {
    private static scala.collection.immutable.Seq<Object> seq(Object... v) {
        return scala.jdk.javaapi.CollectionConverters.asScala(List.of(v)).toList();
    }

    /** A shard's row as the builder makes it: columns 5-9 hold approximate and exact labels and scores, latencies. */
    private static Row shard(Object[] approx, Object[] approxScores, Object[] exact, Object[] exactScores, Object[] ms) {
        return RowFactory.create(0, 0, 0, 0, 0, seq(approx), seq(approxScores), seq(exact), seq(exactScores), seq(ms));
    }

    @Test
    void mergesShardsDropsTheQueryItselfAndScoresBothRecalls() {
        // Query 0 (key 100): finds itself, then 1 and 2 as exact search does. Query 1 (key 200): misses 7.
        Row a = shard(new Object[] {100L, 1L, 5L, 6L}, new Object[] {1.0f, 0.9f, 0.9f, 0.5f},
                new Object[] {100L, 1L, 7L, 5L}, new Object[] {1.0f, 0.9f, 0.95f, 0.9f}, new Object[] {1.0, 3.0});
        Row b = shard(new Object[] {2L, 3L, -1L, -1L}, new Object[] {0.8f, 0.7f, 0f, 0f},
                new Object[] {2L, 4L, -1L, -1L}, new Object[] {0.85f, 0.8f, 0f, 0f}, new Object[] {2.0, 1.0});
        Recall r = Recall.measure(List.of(a, b), new long[] {100L, 200L}, 2);
        assertEquals(0.5, r.at1(), 1e-9, "query 0's first is right, query 1's is not");
        assertEquals(0.75, r.at10(), 1e-9, "query 0: 2 of 2; query 1: 1 of 2 (5, not 7)");
        assertEquals(3.0, r.p50(), 1e-9, "latencies 2 and 3 ms (each query's slowest shard)");
        assertEquals(3.0, r.p99(), 1e-9);
    }
}
