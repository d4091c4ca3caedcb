package dev.facepipe.serve;

import dev.facepipe.core.config.Config;
import dev.facepipe.core.engine.FaceEngine;
import dev.facepipe.core.engine.FaceResult;
import dev.facepipe.core.engine.ImageResult;
import dev.facepipe.index.IndexLayout;
import dev.facepipe.index.IndexManifest;
import dev.facepipe.index.Sidecars;
import dev.facepipe.storage.HadoopFiles;
import dev.facepipe.storage.OptOutList;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The search service without its HTTP face: the served index version (swapped when CURRENT moves),
 * the fan-out, the query-time guard and the face engine, loaded once. Queries never see a version
 * half open: a new one is opened and warmed aside, then swapped in with one reference write.
 */
public final class SearchService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SearchService.class);
    /** Opt-out checks wait this long for every shard: they decide what is withheld, so they never go partial. */
    private static final long OPTOUT_WAIT_MS = 30_000;
    private static final dev.facepipe.core.engine.CropRenderer CROPS = new dev.facepipe.core.engine.CropRenderer(112, 90);
    /** A face found again in its image is the indexed one when this close to the stored vector (SQ8 decodes ~0.99). */
    private static final double MIN_CROP_COSINE = 0.9;
    private final ServeSettings settings;
    private final HadoopFiles files;
    private final String root;
    private final FaceEngine engine;
    private final Semaphore imageSlots;
    final ServeMetrics metrics = new ServeMetrics();
    private final FanOut fanOut;
    private final QueryGuard guard;
    private final ServedPeople people;
    private final AtomicReference<ServedVersion> served = new AtomicReference<>();
    private final ScheduledExecutorService follower;
    private volatile String lastSwapError;
    private final java.util.Map<String, byte[]> crops;

    /** One hit as answered: the face's evidence, its score and whether it is a match at the threshold. */
    public record Match(long faceKey, int shard, float score, boolean match, Sidecars.Entry face, Long personId) {}

    /** An answer: hits best first, the version and threshold that gave them, and what was left out. */
    public record Answer(String version, String modelId, double threshold, String thresholdMethod, List<Match> hits,
            List<Integer> missedShards, int withheld) {}

    /**
     * A person (facepipe cluster) as the served version shows it: its faces that the version holds
     * and does not withhold, best linked first, and how many were withheld.
     */
    public record Person(long personId, String identitiesVersion, int size, Double cohesion,
            List<Sidecars.Entry> faces, int withheld) {}

    /** One face of an uploaded photo and, when it could be searched, its answer. */
    public record FaceAnswer(int number, FaceResult face, boolean main, Answer answer, byte[] crop) {}

    /** A photo's answer: its faces (all, or the main one) or why none could be searched. */
    public record ImageAnswer(ImageResult image, List<FaceAnswer> faces) {}

    public SearchService(Config cfg, ServeSettings settings, String root, FaceEngine engine) {
        this.settings = settings;
        this.files = HadoopFiles.fromConfig(cfg);
        this.root = root;
        this.engine = engine;
        this.imageSlots = new Semaphore(settings.imageWorkers());
        int keep = settings.cropCache();
        this.crops = java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(java.util.Map.Entry<String, byte[]> eldest) {
                return size() > keep;
            }
        });
        this.fanOut = new FanOut(metrics, settings.shardDeadlineMs(), settings.hedgeAfterMs());
        this.guard = new QueryGuard(files, cfg);
        this.people = new ServedPeople(files, root);
        this.follower = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "facepipe-follow-current");
            t.setDaemon(true);
            return t;
        });
    }

    /** Opens and warms the published version (the service is ready after this), then follows CURRENT. */
    public void start() {
        if (!refresh()) throw new IllegalStateException(lastSwapError);
        if (engine != null) engine.warmUp();
        if (settings.followSeconds() > 0) {
            follower.scheduleWithFixedDelay(this::refresh, settings.followSeconds(), settings.followSeconds(),
                    TimeUnit.SECONDS);
        }
    }

    /**
     * Reads CURRENT and swaps in the version it names when that is not the one served: opened and
     * warmed first, then one reference write; the old one closes when its last query releases it. A
     * version that fails to open leaves the served one in place and is reported by health.
     */
    public synchronized boolean refresh() {
        IndexLayout layout = new IndexLayout(root);
        try {
            if (!files.exists(layout.pointer())) {
                throw new IllegalArgumentException("no index published under " + root + " (no CURRENT); run build-index");
            }
            String version = files.readString(layout.pointer()).strip();
            ServedVersion old = served.get();
            if (old != null && old.version().equals(version)) {
                people.refresh(old.manifest.modelId());
                return true;
            }
            long t0 = System.nanoTime();
            ServedVersion next = ServedVersion.open(files, root, version, settings.cacheDir());
            long bytes = settings.warmupQueries() < 0 ? 0 : warm(next);
            served.set(next);
            metrics.vectors.set(next.vectors());
            metrics.ready.set(1);
            if (old != null) {
                metrics.swaps.inc();
                old.release();
            }
            pruneCache(next);
            people.refresh(next.manifest.modelId());
            lastSwapError = null;
            LOG.info("serving index version {} ({} vectors, {} shard(s), {} MB read to warm) after {} ms", version,
                    next.vectors(), next.shards.size(), bytes >> 20, (System.nanoTime() - t0) / 1_000_000);
            return true;
        } catch (RuntimeException e) {
            lastSwapError = "cannot open the index under " + root + ": " + e.getMessage();
            LOG.warn("{}; still serving {}", lastSwapError, served.get() == null ? "nothing" : served.get().version());
            return false;
        }
    }

    /** Warms the served version now (after a start with serve.warmup_queries=-1, which skipped it). */
    public void warm() {
        ServedVersion v = acquire();
        try {
            warm(v);
        } finally {
            v.release();
        }
    }

    /** Reads every page of the version's files, then runs serve.warmup_queries random queries; bytes read. */
    private long warm(ServedVersion v) {
        long bytes = v.warm();
        warmQueries(v);
        return bytes;
    }

    /**
     * Deletes cached lookups and shard copies the served version does not use (an old version still
     * answering keeps its mappings: a deleted file stays readable until unmapped).
     */
    private void pruneCache(ServedVersion v) {
        Set<Path> keep = v.cacheFiles(settings.cacheDir());
        for (String sub : new String[] {"lookups", "shards"}) {
            Path dir = settings.cacheDir().resolve(sub);
            if (!Files.isDirectory(dir)) continue;
            try (var s = Files.list(dir)) {
                for (Path p : s.toList()) {
                    if (keep.contains(p)) continue;
                    try (var walk = Files.walk(p)) {
                        for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
                            Files.deleteIfExists(q);
                        }
                    }
                }
            } catch (IOException e) {
                LOG.warn("cannot prune the serve cache {}: {}", dir, e.getMessage());
            }
        }
    }

    private void warmQueries(ServedVersion v) {
        Random r = new Random(7);
        int dim = v.manifest.dim();
        for (int i = 0; i < settings.warmupQueries(); i++) {
            float[] q = new float[dim];
            double n = 0;
            for (int j = 0; j < dim; j++) n += (q[j] = (float) r.nextGaussian()) * q[j];
            for (int j = 0; j < dim; j++) q[j] /= (float) Math.sqrt(n);
            fanOut.search(v.shards, q, 10, 0, 0, OPTOUT_WAIT_MS);
        }
    }

    public boolean ready() {
        ServedVersion v = served.get();
        return v != null && !v.closed();
    }

    /** The served version's name, or null before the first one opened. */
    public String version() {
        ServedVersion v = served.get();
        return v == null ? null : v.version();
    }

    public String lastSwapError() {
        return lastSwapError;
    }

    public String modelId() {
        ServedVersion v = served.get();
        return v == null ? null : v.manifest.modelId();
    }

    public long vectors() {
        ServedVersion v = served.get();
        return v == null ? 0 : v.vectors();
    }

    /** Searches one embedding (of the index's model). */
    public Answer search(float[] query, int k) {
        ServedVersion v = acquire();
        try {
            return search(v, query, k);
        } finally {
            v.release();
        }
    }

    private Answer search(ServedVersion v, float[] query, int k) {
        if (query.length != v.manifest.dim()) {
            throw new IllegalArgumentException("the embedding has " + query.length + " numbers; the index holds "
                    + v.manifest.dim());
        }
        int want = Math.max(1, Math.min(k, settings.maxK()));
        Set<Long> optedOut = optedOut(v);
        // Ask a little more than wanted, so withheld hits rarely leave the answer short.
        FanOut.Gathered g = fanOut.search(v.shards, query, want + 16, 0, 0);
        List<Match> hits = new ArrayList<>();
        int withheld = 0;
        // A search over N faces decides at the threshold for N (the gallery-size model in the manifest).
        double threshold = v.manifest.threshold(v.vectors());
        for (FanOut.Part p : g.parts()) {
            for (int j = 0; j < p.result().k(); j++) {
                long key = p.result().label(0, j);
                if (key < 0) continue;
                Sidecars.Entry e = v.lookup(p.shard(), key);
                QueryGuard.Why why = guard.withheld(e, key, optedOut);
                if (why != null) {
                    withheld++;
                    metrics.withheld.labelValues(why.code()).inc();
                    continue;
                }
                float score = p.result().distance(0, j);
                hits.add(new Match(key, p.shard(), score, score >= threshold, e, people.personOf(key)));
            }
        }
        hits.sort(Comparator.comparingDouble(Match::score).reversed());
        return new Answer(v.version(), v.manifest.modelId(), threshold, v.manifest.thresholdMethod(v.vectors()),
                List.copyOf(hits.subList(0,
                Math.min(want, hits.size()))), g.missed(), withheld);
    }

    /** The person a face belongs to (facepipe cluster), or null when there are no identities or it has none. */
    public Long personOf(long faceKey) {
        return people.personOf(faceKey);
    }

    /**
     * A person's faces as the served version shows them, at most max; null when there are no
     * identities, the person is unknown, or every face of it is withheld or no longer served.
     */
    public Person person(long personId, int max) {
        List<dev.facepipe.identities.Identity> members = people.members(personId);
        dev.facepipe.identities.People p = people.current();
        if (members.isEmpty() || p == null) return null;
        ServedVersion v = acquire();
        try {
            Set<Long> optedOut = optedOut(v);
            List<Sidecars.Entry> shown = new ArrayList<>();
            int withheld = 0;
            int size = 0;
            for (dev.facepipe.identities.Identity m : members) {
                for (IndexManifest.Shard sh : v.manifest.shards()) {
                    Sidecars.Entry e = v.lookup(sh.shard(), m.faceKey());
                    if (e == null) continue;
                    QueryGuard.Why why = guard.withheld(e, m.faceKey(), optedOut);
                    if (why != null) {
                        withheld++;
                        metrics.withheld.labelValues(why.code()).inc();
                    } else {
                        size++;
                        if (shown.size() < max) shown.add(e);
                    }
                    break;
                }
            }
            if (shown.isEmpty()) return null;
            return new Person(personId, p.manifest().version(), size, members.get(0).cohesion(), shown, withheld);
        } finally {
            v.release();
        }
    }

    /**
     * An indexed face by its id, as a one-hit answer of the version that holds it (no score, no
     * threshold), or null when the served version does not hold it or it is withheld (forgotten,
     * opted out: to the caller, as if it were not there).
     */
    public Answer face(String faceId) {
        ServedVersion v = acquire();
        try {
            Located at = locate(v, faceId);
            return at == null ? null : new Answer(v.version(), v.manifest.modelId(), Double.NaN, "",
                    List.of(new Match(at.key, at.shard, Float.NaN, false, at.entry, people.personOf(at.key))), List.of(), 0);
        } finally {
            v.release();
        }
    }

    /** Searches with an indexed face's own stored vector; null when the face is not served (see {@link #face}). */
    public Answer searchFace(String faceId, int k) {
        ServedVersion v = acquire();
        try {
            Located at = locate(v, faceId);
            if (at == null) return null;
            float[] q = null;
            for (List<ShardClient> replicas : v.shards) {
                if (replicas.get(0).shard() == at.shard) q = replicas.get(0).vector(at.key);
            }
            if (q == null) throw new IllegalStateException("shard " + at.shard + " lists face " + faceId
                    + " in its lookup but holds no vector for it");
            double n = 0;
            for (float x : q) n += x * x;
            for (int i = 0; i < q.length; i++) q[i] /= (float) Math.sqrt(n); // SQ8 decodes a little off unit length
            return search(v, q, k);
        } finally {
            v.release();
        }
    }

    /**
     * An indexed face's aligned crop (JPEG), for showing a match: its image's blob is read from the
     * first of serve.crawl_roots that holds it, the engine finds its faces again, and the one nearest
     * the stored vector is cropped. Null when the face is not served (or withheld), no crawl root
     * holds the image, or no face there is the one indexed (another detector or model since).
     */
    public byte[] faceCrop(String faceId) throws InterruptedException, IOException {
        if (engine == null || settings.crawlRoots().isEmpty()) return null;
        Located at;
        float[] stored = null;
        ServedVersion v = acquire();
        try {
            at = locate(v, faceId); // first: a face forgotten since its crop was cached is not shown
            if (at == null) return null;
            byte[] cached = crops.get(faceId);
            if (cached != null) return cached;
            for (List<ShardClient> replicas : v.shards) {
                if (replicas.get(0).shard() == at.shard) stored = replicas.get(0).vector(at.key);
            }
        } finally {
            v.release();
        }
        if (stored == null || at.entry.imageId() == null) return null;
        byte[] photo = null;
        for (String root : settings.crawlRoots()) {
            String blob = new dev.facepipe.storage.CrawlLayout(root).blob(at.entry.imageId());
            if (files.exists(blob)) {
                photo = files.read(blob, settings.maxUploadBytes() * 4);
                break;
            }
        }
        if (photo == null) return null;
        byte[] jpeg = null;
        imageSlots.acquire();
        try {
            ImageResult r = engine.process(photo, "blob " + at.entry.imageId());
            FaceResult best = null;
            double bestScore = MIN_CROP_COSINE;
            for (FaceResult f : r.ok() ? r.faces() : List.<FaceResult>of()) {
                if (f.embedding() == null) continue;
                double s = dev.facepipe.core.face.Embedder.cosine(f.embedding(), stored);
                if (s >= bestScore) {
                    bestScore = s;
                    best = f;
                }
            }
            if (best != null) jpeg = crop(photo, best, faceId);
        } finally {
            imageSlots.release();
        }
        if (jpeg != null) crops.put(faceId, jpeg);
        return jpeg;
    }

    private record Located(long key, int shard, Sidecars.Entry entry) {}

    private Located locate(ServedVersion v, String faceId) {
        long key = dev.facepipe.storage.FaceIds.faceKey(faceId); // IllegalArgumentException: not a face id
        for (IndexManifest.Shard sh : v.manifest.shards()) {
            Sidecars.Entry e = v.lookup(sh.shard(), key);
            if (e == null || !faceId.equals(e.faceId())) continue;
            QueryGuard.Why why = guard.withheld(e, key, optedOut(v));
            if (why != null) {
                metrics.withheld.labelValues(why.code()).inc();
                return null;
            }
            return new Located(key, sh.shard(), e);
        }
        return null;
    }

    /** The face keys of this version that match an opt-out request, computed once per blocklist state. */
    private Set<Long> optedOut(ServedVersion v) {
        String state = guard.blocklistState();
        Set<Long> have = v.optedOut.get(state);
        if (have != null) return have;
        synchronized (v) {
            have = v.optedOut.get(state);
            if (have != null) return have;
            OptOutList list = guard.optOuts(v.manifest.modelId());
            Set<Long> keys = new HashSet<>();
            for (float[] e : list.embeddings()) {
                FanOut.Gathered g = fanOut.search(v.shards, e, settings.optoutK(), 0, 0, OPTOUT_WAIT_MS);
                if (!g.missed().isEmpty()) {
                    throw new IllegalStateException("the opt-out check could not reach shard(s) " + g.missed()
                            + "; no answer is given until it can");
                }
                keys.addAll(QueryGuard.keysAtOrAbove(g, list.minCosine()));
            }
            v.optedOut.clear();
            v.optedOut.put(state, Set.copyOf(keys));
            return v.optedOut.get(state);
        }
    }

    /**
     * Detects the faces of a photo and searches them: every accepted face, or only the main one
     * ({@link dev.facepipe.core.engine.MainFace}'s rule). Photos are processed a few at a time
     * (serve.image_workers); each holds its decoded pixels.
     */
    public ImageAnswer searchImage(byte[] bytes, String name, boolean allFaces, int k, boolean crops)
            throws InterruptedException {
        if (engine == null) throw new IllegalStateException("this service was started without the face engine");
        ImageResult r;
        List<byte[]> cropped = new ArrayList<>();
        imageSlots.acquire();
        try { // the crops decode the photo again: inside the same slot, so memory stays bounded
            r = engine.process(bytes, name);
            if (r.ok()) for (FaceResult f : r.faces()) cropped.add(crops ? crop(bytes, f, name) : null);
        } finally {
            imageSlots.release();
        }
        List<FaceAnswer> out = new ArrayList<>();
        if (!r.ok()) return new ImageAnswer(r, out);
        int main = r.mainFaceIndex();
        ServedVersion v = acquire();
        try {
            for (int i = 0; i < r.faces().size(); i++) {
                FaceResult f = r.faces().get(i);
                boolean isMain = i == main;
                if (!allFaces && !isMain) continue;
                boolean comparable = f.accepted() && v.manifest.modelId().equals(f.modelId());
                out.add(new FaceAnswer(i + 1, f, isMain, comparable ? search(v, f.embedding(), k) : null,
                        cropped.get(i)));
            }
        } finally {
            v.release();
        }
        return new ImageAnswer(r, out);
    }

    /** The face's aligned crop as JPEG (as the report shows faces), or null without landmarks or on failure. */
    private byte[] crop(byte[] photo, FaceResult f, String name) {
        if (f.landmarks5() == null) return null;
        try {
            return CROPS.jpeg(photo, f.landmarks5(), name);
        } catch (RuntimeException | dev.facepipe.core.RejectedException e) {
            return null;
        }
    }

    private ServedVersion acquire() {
        for (int tries = 0; tries < 100; tries++) {
            ServedVersion v = served.get();
            if (v == null) throw new IllegalStateException("no index version is open yet");
            if (v.acquire()) return v;
        }
        throw new IllegalStateException("the index version changed under 100 tries in a row");
    }

    @Override
    public void close() {
        follower.shutdownNow();
        guard.close();
        ServedVersion v = served.getAndSet(null);
        if (v != null) v.release();
        fanOut.close();
    }
}
