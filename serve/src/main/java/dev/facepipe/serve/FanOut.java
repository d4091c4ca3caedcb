package dev.facepipe.serve;

import dev.facepipe.faiss.SearchResult;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Sends one query to every shard and waits at most the deadline: a shard still silent then is left
 * out and named (a partial answer beats no answer; the caller says so). A shard slower than the
 * hedge delay is asked again on its next replica, and the first answer wins; a shard with one
 * replica is not hedged, since a second call to the same files would queue behind the first.
 */
final class FanOut implements AutoCloseable {
    private final ExecutorService pool;
    private final ScheduledExecutorService timer;
    private final ServeMetrics metrics;
    private final long deadlineMs;
    private final long hedgeMs;

    /** Every shard's result that arrived in time, and the shards that did not answer. */
    record Gathered(List<Part> parts, List<Integer> missed) {}

    /** One shard's answer. */
    record Part(int shard, SearchResult result) {}

    FanOut(ServeMetrics metrics, long deadlineMs, long hedgeMs) {
        AtomicInteger n = new AtomicInteger();
        this.pool = Executors.newCachedThreadPool(r -> daemon(r, "facepipe-shard-" + n.incrementAndGet()));
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "facepipe-hedge"));
        this.metrics = metrics;
        this.deadlineMs = deadlineMs;
        this.hedgeMs = hedgeMs;
    }

    Gathered search(List<List<ShardClient>> shards, float[] query, int k, int nprobe, int efSearch) {
        return search(shards, query, k, nprobe, efSearch, deadlineMs);
    }

    /** As {@link #search(List, float[], int, int, int)} with another deadline (opt-out checks wait longer). */
    Gathered search(List<List<ShardClient>> shards, float[] query, int k, int nprobe, int efSearch, long waitMs) {
        List<CompletableFuture<SearchResult>> futures = new ArrayList<>();
        for (List<ShardClient> replicas : shards) {
            CompletableFuture<SearchResult> f = new CompletableFuture<>();
            futures.add(f);
            pool.execute(() -> call(replicas.get(0), f, query, k, nprobe, efSearch));
            if (replicas.size() > 1 && hedgeMs > 0) {
                timer.schedule(() -> {
                    if (f.isDone()) return;
                    metrics.shardHedged.labelValues(label(replicas.get(0))).inc();
                    pool.execute(() -> call(replicas.get(1), f, query, k, nprobe, efSearch));
                }, hedgeMs, TimeUnit.MILLISECONDS);
            }
        }
        try {
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(waitMs, TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // gathered below: what finished in time counts, the rest is missed
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<Part> parts = new ArrayList<>();
        List<Integer> missed = new ArrayList<>();
        for (int i = 0; i < shards.size(); i++) {
            CompletableFuture<SearchResult> f = futures.get(i);
            int shard = shards.get(i).get(0).shard();
            if (f.isDone() && !f.isCompletedExceptionally()) {
                parts.add(new Part(shard, f.join()));
            } else {
                missed.add(shard);
                metrics.shardMissed.labelValues(String.valueOf(shard)).inc();
            }
        }
        return new Gathered(parts, missed);
    }

    private void call(ShardClient c, CompletableFuture<SearchResult> f, float[] q, int k, int nprobe, int ef) {
        if (f.isDone()) return;
        long t0 = System.nanoTime();
        try {
            SearchResult r = c.search(q, k, nprobe, ef);
            metrics.shardSeconds.labelValues(label(c)).observe((System.nanoTime() - t0) / 1e9);
            f.complete(r);
        } catch (RuntimeException e) {
            f.completeExceptionally(e);
        }
    }

    private static String label(ShardClient c) {
        return String.valueOf(c.shard());
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    @Override
    public void close() {
        pool.shutdownNow();
        timer.shutdownNow();
    }
}
