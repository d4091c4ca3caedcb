package dev.facepipe.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facepipe.faiss.SearchResult;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class FanOutTest {
    /** A shard that answers its number as the one label, after a delay, or fails. */
    private record Fake(int shard, long sleepMs, boolean fail, AtomicInteger calls) implements ShardClient {
        Fake(int shard, long sleepMs) {
            this(shard, sleepMs, false, new AtomicInteger());
        }

        @Override
        public SearchResult search(float[] query, int k, int nprobe, int efSearch) {
            calls.incrementAndGet();
            if (fail) throw new IllegalStateException("shard " + shard + " is broken");
            try {
                Thread.sleep(sleepMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new SearchResult(1, 1, new float[] {1f}, new long[] {shard});
        }

        @Override
        public float[] vector(long key) {
            return null;
        }

        @Override
        public void close() {}
    }

    @Test
    void aShardPastTheDeadlineIsNamedAndTheRestAnswer() {
        ServeMetrics m = new ServeMetrics();
        try (FanOut f = new FanOut(m, 100, 0)) {
            long t0 = System.nanoTime();
            FanOut.Gathered g = f.search(List.of(List.of(new Fake(0, 0)), List.of(new Fake(1, 2000)),
                    List.of(new Fake(2, 0, true, new AtomicInteger()))), new float[1], 1, 0, 0);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms < 1000, "waited " + ms + " ms for a 100 ms deadline");
            assertEquals(List.of(0), g.parts().stream().map(FanOut.Part::shard).toList());
            assertEquals(List.of(1, 2), g.missed());
            assertTrue(m.scrape().contains("facepipe_shard_missed_total{shard=\"1\"} 1.0"), m.scrape());
        }
    }

    @Test
    void aSlowShardIsHedgedToItsOtherReplicaAndTheFirstAnswerWins() {
        ServeMetrics m = new ServeMetrics();
        Fake slow = new Fake(3, 2000);
        Fake quick = new Fake(3, 0);
        try (FanOut f = new FanOut(m, 500, 30)) {
            FanOut.Gathered g = f.search(List.of(List.of(slow, quick)), new float[1], 1, 0, 0);
            assertEquals(List.of(), g.missed(), "the hedge answered in time");
            assertEquals(3, g.parts().get(0).result().label(0, 0));
            assertEquals(1, quick.calls().get());
            assertTrue(m.scrape().contains("facepipe_shard_hedged_total{shard=\"3\"} 1.0"), m.scrape());
        }
    }

    @Test
    void aQuickShardIsNotHedged() {
        ServeMetrics m = new ServeMetrics();
        Fake a = new Fake(0, 0);
        Fake b = new Fake(0, 0);
        try (FanOut f = new FanOut(m, 500, 200)) {
            f.search(List.of(List.of(a, b)), new float[1], 1, 0, 0);
            assertEquals(0, b.calls().get());
        }
    }
}
