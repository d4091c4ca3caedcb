package dev.facepipe.serve;

import dev.facepipe.faiss.FaissIndex;
import dev.facepipe.faiss.SearchResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A shard file opened memory-mapped (FAISS's IO_FLAG_MMAP), so the index is shared with the page
 * cache instead of copied into the heap, and warmed by reading the whole file once: a freshly mapped
 * shard otherwise pays a disk read on the first query that touches each page.
 */
final class LocalShard implements ShardClient {
    private final int shard;
    private final Path file;
    private final FaissIndex index;
    /** Searches hold it shared, close exclusively: a call that outlived its query's deadline is never freed under. */
    private final ReentrantReadWriteLock use = new ReentrantReadWriteLock();
    private boolean closed;

    LocalShard(int shard, Path file) {
        this.shard = shard;
        this.file = file;
        this.index = FaissIndex.read(file, true);
        this.index.prepareReconstruct(); // search by face id reads a face's own vector back
    }

    @Override
    public int shard() {
        return shard;
    }

    long vectors() {
        return index.ntotal();
    }

    /** Reads every page of the file (into the page cache that the mapping uses); returns bytes read. */
    long warm() {
        long total = 0;
        ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            for (int n; (n = ch.read(buf)) > 0; buf.clear()) total += n;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read shard " + file + ": " + e.getMessage(), e);
        }
        return total;
    }

    @Override
    public SearchResult search(float[] query, int k, int nprobe, int efSearch) {
        use.readLock().lock();
        try {
            if (closed) throw new IllegalStateException("shard " + shard + " was closed (its version was swapped out)");
            return index.search(query, k, nprobe, efSearch);
        } finally {
            use.readLock().unlock();
        }
    }

    @Override
    public float[] vector(long key) {
        use.readLock().lock();
        try {
            if (closed) throw new IllegalStateException("shard " + shard + " was closed (its version was swapped out)");
            return index.reconstruct(key);
        } finally {
            use.readLock().unlock();
        }
    }

    @Override
    public void close() {
        use.writeLock().lock();
        try {
            if (!closed) index.close();
            closed = true;
        } finally {
            use.writeLock().unlock();
        }
    }
}
