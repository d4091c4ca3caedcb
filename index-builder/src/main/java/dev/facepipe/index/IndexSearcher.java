package dev.facepipe.index;

import dev.facepipe.faiss.FaissIndex;
import dev.facepipe.faiss.SearchResult;
import dev.facepipe.storage.HadoopFiles;
import java.io.IOException;
import java.io.UncheckedIOException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Answers queries over the published version of an index: every shard is searched in parallel and
 * the top k merged by score (comparable across shards: one quantizer for all). Ids map back to
 * faces through each shard's sidecar. Shards on remote storage are copied to a local cache first
 * and checked against the manifest's sha256.
 */
public final class IndexSearcher implements AutoCloseable {
    private final IndexManifest manifest;
    private final List<FaissIndex> shards = new ArrayList<>();
    private final List<Map<Long, String[]>> sidecars = new ArrayList<>();
    private final ExecutorService pool;

    /** One result: the face, its image and source, its score, and the shard it came from. */
    public record Hit(long faceKey, String faceId, String imageId, String source, float score, int shard) {}

    private IndexSearcher(IndexManifest manifest) {
        this.manifest = manifest;
        this.pool = Executors.newFixedThreadPool(Math.max(1, manifest.shards().size()), r -> {
            Thread t = new Thread(r, "facepipe-search");
            t.setDaemon(true);
            return t;
        });
    }

    public static IndexSearcher open(HadoopFiles files, String root, Path cache) {
        IndexLayout layout = new IndexLayout(root);
        if (!files.exists(layout.pointer())) {
            throw new IllegalArgumentException("no index published under " + root + " (no CURRENT); run build-index");
        }
        String version = files.readString(layout.pointer()).strip();
        IndexManifest m = IndexManifest.fromJson(files.readString(layout.manifest(version)));
        IndexSearcher s = new IndexSearcher(m);
        try {
            for (IndexManifest.Shard sh : m.shards()) {
                Path local = localCopy(files, sh, cache.resolve(version));
                s.shards.add(FaissIndex.read(local, true));
                s.sidecars.add(readSidecar(files, sh.sidecar()));
            }
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    public IndexManifest manifest() {
        return manifest;
    }

    /**
     * The top k for a query of this index's model; IllegalArgumentException naming both models when
     * the query was embedded with another (their scores would mean nothing).
     */
    public List<Hit> search(SearchQuery q, int k, int nprobe) {
        if (!manifest.modelId().equals(q.modelId())) {
            throw new IllegalArgumentException("the index holds " + manifest.modelId() + " embeddings but the query was"
                    + " embedded with " + q.modelId() + "; they cannot be compared");
        }
        return search(q.vector(), k, nprobe);
    }

    public List<Hit> search(float[] query, int k, int nprobe) {
        if (query.length != manifest.dim()) {
            throw new IllegalArgumentException("query has " + query.length + " dimensions, index " + manifest.dim());
        }
        int np = nprobe > 0 ? nprobe : manifest.defaultNprobe();
        List<Future<SearchResult>> fs = new ArrayList<>();
        for (FaissIndex idx : shards) fs.add(pool.submit(() -> idx.search(query, k, np, manifest.defaultEfSearch())));
        List<Hit> hits = new ArrayList<>();
        try {
            for (int s = 0; s < fs.size(); s++) {
                SearchResult r = fs.get(s).get();
                for (int j = 0; j < k; j++) {
                    long key = r.label(0, j);
                    if (key < 0) continue;
                    String[] meta = sidecars.get(s).getOrDefault(key, new String[3]);
                    hits.add(new Hit(key, meta[0], meta[1], meta[2], r.distance(0, j), s));
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException("search failed: " + e.getMessage(), e);
        }
        hits.sort(Comparator.comparingDouble(Hit::score).reversed());
        return hits.subList(0, Math.min(k, hits.size()));
    }

    /** Whether this version holds the face (a face forgotten since a table was made is not held). */
    public boolean holds(long faceKey) {
        for (Map<Long, String[]> sc : sidecars) if (sc.containsKey(faceKey)) return true;
        return false;
    }

    /** An indexed face's own stored vector (decoded; SQ8 approximately), or null when no shard holds the id. */
    public float[] vectorOf(String faceId) {
        long key = dev.facepipe.storage.FaceIds.faceKey(faceId);
        for (int s = 0; s < shards.size(); s++) {
            String[] meta = sidecars.get(s).get(key);
            if (meta == null || !faceId.equals(meta[0])) continue;
            FaissIndex idx = shards.get(s);
            idx.prepareReconstruct();
            return idx.reconstruct(key);
        }
        return null;
    }

    /**
     * The shard as a local file: itself when local, else a copy under dir, fetched unless the copy
     * there already has the manifest's sha256; the copy is checked against it either way.
     */
    public static Path localCopy(HadoopFiles files, IndexManifest.Shard sh, Path dir) {
        try {
            if (sh.file().startsWith("file:") || sh.file().startsWith("/")) {
                return Path.of(java.net.URI.create(sh.file().startsWith("/") ? "file://" + sh.file() : sh.file()));
            }
            Files.createDirectories(dir);
            Path local = dir.resolve("shard-" + sh.shard() + ".faiss");
            if (!Files.exists(local) || !IndexBuilder.sha256(local).equals(sh.sha256())) {
                files.fs(sh.file()).copyToLocalFile(false, new org.apache.hadoop.fs.Path(sh.file()),
                        new org.apache.hadoop.fs.Path(local.toString()), true);
            }
            String sum = IndexBuilder.sha256(local);
            if (!sum.equals(sh.sha256())) {
                throw new IllegalStateException("shard " + sh.file() + " has sha256 " + sum + ", manifest says "
                        + sh.sha256());
            }
            return local;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot fetch shard " + sh.file() + ": " + e.getMessage(), e);
        }
    }

    private static Map<Long, String[]> readSidecar(HadoopFiles files, String folder) {
        Map<Long, String[]> m = new HashMap<>();
        for (Sidecars.Entry e : Sidecars.read(files, folder)) {
            m.put(e.faceKey(), new String[] {e.faceId(), e.imageId(), e.source()});
        }
        return m;
    }

    @Override
    public void close() {
        pool.shutdownNow();
        for (FaissIndex i : shards) i.close();
    }

}
