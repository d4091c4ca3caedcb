package dev.facepipe.serve;

import dev.facepipe.faiss.SearchResult;

/**
 * One shard as the fan-out sees it: search one query, nothing else. Today every shard is a local
 * memory-mapped file ({@link LocalShard}); a shard on another machine is another implementation of
 * this, and the fan-out, deadline and hedging stay as they are.
 */
public interface ShardClient extends AutoCloseable {
    /** The shard's number in the manifest. */
    int shard();

    /** The k nearest of one query: scores and face keys (key -1 where the shard holds fewer than k). */
    SearchResult search(float[] query, int k, int nprobe, int efSearch);

    /** The vector the shard stores under a face key (decoded), or null when it holds none. */
    float[] vector(long key);

    @Override
    void close();
}
