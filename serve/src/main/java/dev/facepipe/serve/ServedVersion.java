package dev.facepipe.serve;

import dev.facepipe.index.IndexLayout;
import dev.facepipe.index.IndexManifest;
import dev.facepipe.index.IndexSearcher;
import dev.facepipe.index.Sidecars;
import dev.facepipe.storage.HadoopFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One open index version: its manifest, its shards (each a list of replicas; one today) and their
 * face lookups. Reference-counted: queries {@link #acquire} and {@link #release} it, and a version
 * swapped out is closed when its last query ends, never under one.
 */
final class ServedVersion {
    final IndexManifest manifest;
    /** Per shard (manifest order), its replicas. */
    final List<List<ShardClient>> shards;
    private final Map<Integer, FaceLookup> lookups;
    /** Face keys withheld at query time because they match an opt-out, per blocklist state (see QueryGuard). */
    final Map<String, Set<Long>> optedOut = new ConcurrentHashMap<>();
    private final AtomicInteger refs = new AtomicInteger(1); // the holder's own reference

    ServedVersion(IndexManifest manifest, List<List<ShardClient>> shards, Map<Integer, FaceLookup> lookups) {
        this.manifest = manifest;
        this.shards = shards;
        this.lookups = lookups;
    }

    /**
     * Opens every shard of a published version: local copies, mapped, and their lookups built or
     * reused. Both are cached by what they hold (a remote shard by its sha256, a lookup by its
     * sidecar's path), so the shards a nightly sync or a forget left untouched are not fetched or
     * built again for the next version.
     */
    static ServedVersion open(HadoopFiles files, String root, String version, Path cache) {
        IndexLayout layout = new IndexLayout(root);
        IndexManifest m = IndexManifest.fromJson(files.readString(layout.manifest(version)));
        List<List<ShardClient>> shards = new ArrayList<>();
        Map<Integer, FaceLookup> lookups = new ConcurrentHashMap<>();
        try {
            for (IndexManifest.Shard sh : m.shards()) {
                Path local = IndexSearcher.localCopy(files, sh, cache.resolve("shards").resolve(sh.sha256()));
                shards.add(List.of(new LocalShard(sh.shard(), local)));
                lookups.put(sh.shard(), FaceLookup.open(files, sh.sidecar(), lookupFile(cache, sh)));
            }
        } catch (RuntimeException e) {
            for (List<ShardClient> r : shards) r.forEach(ShardClient::close);
            throw e;
        }
        return new ServedVersion(m, shards, lookups);
    }

    /** Where a shard's lookup is cached: named by its sidecar's path (a sidecar is written once, never changed). */
    static Path lookupFile(Path cache, IndexManifest.Shard sh) {
        String id = dev.facepipe.storage.ContentHash.sha256Hex(sh.sidecar().getBytes(
                java.nio.charset.StandardCharsets.UTF_8));
        return cache.resolve("lookups").resolve(id.substring(0, 32) + ".bin");
    }

    /** The cache files this version uses (shard copies of remote shards, lookups). */
    Set<Path> cacheFiles(Path cache) {
        Set<Path> out = new java.util.HashSet<>();
        for (IndexManifest.Shard sh : manifest.shards()) {
            out.add(lookupFile(cache, sh));
            out.add(cache.resolve("shards").resolve(sh.sha256()));
        }
        return out;
    }

    String version() {
        return manifest.version();
    }

    /** The sidecar row of a hit, or null when the shard's lookup lacks it. */
    Sidecars.Entry lookup(int shard, long key) {
        FaceLookup l = lookups.get(shard);
        return l == null ? null : l.get(key);
    }

    /** Reads every shard and lookup page once; returns bytes of shard files read. */
    long warm() {
        long bytes = 0;
        for (List<ShardClient> replicas : shards) {
            for (ShardClient c : replicas) if (c instanceof LocalShard l) bytes += l.warm();
        }
        for (FaceLookup l : lookups.values()) l.warm();
        return bytes;
    }

    long vectors() {
        return manifest.vectors();
    }

    /** Takes a reference; false once the version is closed (the caller reads the holder again). */
    boolean acquire() {
        for (int n; (n = refs.get()) > 0; ) if (refs.compareAndSet(n, n + 1)) return true;
        return false;
    }

    void release() {
        if (refs.decrementAndGet() == 0) {
            for (List<ShardClient> r : shards) r.forEach(ShardClient::close);
        }
    }

    boolean closed() {
        return refs.get() == 0;
    }
}
