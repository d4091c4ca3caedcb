package dev.facepipe.identities;

import dev.facepipe.faiss.FaissIndex;
import dev.facepipe.faiss.SearchResult;
import dev.facepipe.index.IndexLayout;
import dev.facepipe.index.IndexManifest;
import dev.facepipe.index.IndexSearcher;
import dev.facepipe.index.Sidecars;
import dev.facepipe.storage.HadoopFiles;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * The k nearest neighbours of indexed faces, found on executors: a task takes a slice of one shard's
 * faces, reads their vectors back from that shard (what search compares, SQ8 codes decoded), and
 * searches every shard with them, keeping the best k over all (scores compare across shards: one
 * quantizer). No vector crosses the network; a task returns k ids and scores a face.
 */
final class NeighbourSearch {
    static final StructType ROW = new StructType()
            .add("face_key", DataTypes.LongType, false)
            .add("face_id", DataTypes.StringType)
            .add("image_id", DataTypes.StringType)
            .add("source", DataTypes.StringType)
            .add("neighbours", DataTypes.createArrayType(DataTypes.LongType, false), false)
            .add("scores", DataTypes.createArrayType(DataTypes.FloatType, false), false);
    private static final int BLOCK = 4096;
    /** Shards copied from remote storage and checked, per executor JVM: file + sha256 to the local copy. */
    private static final ConcurrentHashMap<String, Path> LOCAL = new ConcurrentHashMap<>();

    private NeighbourSearch() {}

    /** One task's faces: sidecar rows [from, to) of a shard, in face key order. */
    record Slice(int shard, int from, int to) implements Serializable {}

    /**
     * What every task shares.
     *
     * @param skip sorted face keys whose neighbours are not wanted (already placed), or empty
     */
    record Task(String manifestJson, IndexLayout layout, int k, int nprobe, long[] skip, String cacheDir)
            implements Serializable {
        Task(IndexManifest index, IndexLayout layout, int k, int nprobe, long[] skip, String cacheDir) {
            this(index.toJson(), layout, k, nprobe, skip, cacheDir);
        }

        /** The index version (shipped as its JSON: the manifest record is not serializable). */
        IndexManifest index() {
            return IndexManifest.fromJson(manifestJson);
        }
    }

    /** A face's neighbours as the driver collects them. */
    record Found(long faceKey, String faceId, String imageId, String source, long[] neighbours, float[] scores) {
        /** Found rows one by one; close releases what Spark keeps of them. */
        record Stream(Iterator<Found> rows, Runnable release) implements AutoCloseable {
            @Override
            public void close() {
                release.run();
            }
        }
    }

    /**
     * Neighbours of every face of the index version except the skipped ones: every task runs at once
     * (the rows kept, memory then disk), then the driver reads them partition by partition; close
     * drops them.
     */
    static Found.Stream run(SparkSession spark, HadoopFiles files, Task task, int facesPerTask) {
        List<Slice> slices = new ArrayList<>();
        for (IndexManifest.Shard sh : task.index().shards()) {
            for (long from = 0; from < sh.count(); from += facesPerTask) {
                slices.add(new Slice(sh.shard(), (int) from, (int) Math.min(sh.count(), from + facesPerTask)));
            }
        }
        if (slices.isEmpty()) return new Found.Stream(java.util.Collections.emptyIterator(), () -> {});
        Broadcast<Task> bTask = spark.sparkContext().broadcast(task, scala.reflect.ClassTag$.MODULE$.apply(Task.class));
        Broadcast<HadoopFiles> bFiles = spark.sparkContext().broadcast(files,
                scala.reflect.ClassTag$.MODULE$.apply(HadoopFiles.class));
        Dataset<Row> found = spark.createDataFrame(JavaSparkContext.fromSparkContext(spark.sparkContext())
                .parallelize(slices, slices.size())
                .flatMap(s -> slice(s, bTask.value(), bFiles.value())), ROW)
                .persist(StorageLevel.MEMORY_AND_DISK());
        found.count();
        Iterator<Row> rows = found.toLocalIterator();
        Iterator<Found> each = new Iterator<>() {
            public boolean hasNext() {
                return rows.hasNext();
            }

            public Found next() {
                Row r = rows.next();
                List<Long> n = r.getList(4);
                List<Float> s = r.getList(5);
                long[] nb = new long[n.size()];
                float[] sc = new float[s.size()];
                for (int i = 0; i < nb.length; i++) {
                    nb[i] = n.get(i);
                    sc[i] = s.get(i);
                }
                return new Found(r.getLong(0), r.getString(1), r.getString(2), r.getString(3), nb, sc);
            }
        };
        return new Found.Stream(each, found::unpersist);
    }

    /** One task: the slice's vectors read back from their shard, then every shard searched with them. */
    static Iterator<Row> slice(Slice s, Task task, HadoopFiles files) {
        IndexManifest index = task.index();
        IndexManifest.Shard own = index.shards().stream().filter(x -> x.shard() == s.shard()).findFirst()
                .orElseThrow();
        List<Sidecars.Entry> mine = slicedEntries(files, own.sidecar(), s, task.skip());
        if (mine.isEmpty()) return java.util.Collections.emptyIterator();
        int dim = index.dim();
        float[] q = new float[mine.size() * dim];
        try (FaissIndex idx = FaissIndex.read(local(files, own, index.version(), task), true)) {
            idx.prepareReconstruct();
            for (int i = 0; i < mine.size(); i++) {
                float[] v = idx.reconstruct(mine.get(i).faceKey());
                if (v == null) throw new IllegalStateException("shard " + own.file() + " lacks face key "
                        + mine.get(i).faceKey() + " that its sidecar names");
                double ss = 0;
                for (float x : v) ss += x * x;
                float inv = (float) (1 / Math.sqrt(Math.max(ss, 1e-12)));
                for (int d = 0; d < dim; d++) q[i * dim + d] = v[d] * inv;
            }
        }
        int n = mine.size();
        int k = task.k();
        long[] best = new long[n * k];
        float[] bestScore = new float[n * k];
        Arrays.fill(best, -1);
        Arrays.fill(bestScore, Float.NEGATIVE_INFINITY);
        int nprobe = task.nprobe() > 0 ? task.nprobe() : index.defaultNprobe();
        for (IndexManifest.Shard sh : index.shards()) {
            if (sh.count() == 0) continue;
            try (FaissIndex idx = FaissIndex.read(local(files, sh, index.version(), task), true)) {
                for (int from = 0; from < n; from += BLOCK) {
                    int m = Math.min(BLOCK, n - from);
                    SearchResult r = idx.search(Arrays.copyOfRange(q, from * dim, (from + m) * dim), k + 1, nprobe,
                            index.defaultEfSearch());
                    for (int i = 0; i < m; i++) {
                        long self = mine.get(from + i).faceKey();
                        for (int j = 0; j <= k; j++) {
                            long id = r.label(i, j);
                            if (id >= 0 && id != self) offer(best, bestScore, (from + i) * k, k, id, r.distance(i, j));
                        }
                    }
                }
            }
        }
        List<Row> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int found = 0;
            while (found < k && best[i * k + found] >= 0) found++;
            Sidecars.Entry e = mine.get(i);
            out.add(RowFactory.create(e.faceKey(), e.faceId(), e.imageId(), e.source(),
                    Arrays.stream(Arrays.copyOfRange(best, i * k, i * k + found)).boxed().toArray(Long[]::new),
                    boxed(Arrays.copyOfRange(bestScore, i * k, i * k + found))));
        }
        return out.iterator();
    }

    /**
     * The slice's sidecar rows, by face key: the from-th to the (to-1)-th of the shard's keys in order,
     * but those to skip. Two reads of the sidecar, the first keeping only keys, so a task holds its own
     * slice's rows and 8 bytes for each other face of the shard, not every row.
     */
    static List<Sidecars.Entry> slicedEntries(HadoopFiles files, String sidecar, Slice s, long[] skip) {
        java.util.stream.LongStream.Builder all = java.util.stream.LongStream.builder();
        Sidecars.forEach(files, sidecar, e -> all.add(e.faceKey()));
        long[] keys = all.build().sorted().toArray();
        List<Sidecars.Entry> mine = new ArrayList<>();
        if (Math.min(s.from(), keys.length) >= Math.min(s.to(), keys.length)) return mine;
        long lo = keys[s.from()];
        long hi = keys[Math.min(s.to(), keys.length) - 1];
        Sidecars.forEach(files, sidecar, e -> {
            if (e.faceKey() >= lo && e.faceKey() <= hi && Arrays.binarySearch(skip, e.faceKey()) < 0) mine.add(e);
        });
        mine.sort(Comparator.comparingLong(Sidecars.Entry::faceKey));
        return mine;
    }

    /** Puts (id, score) into the sorted top-k run at [at, at + k) if it beats the last. */
    static void offer(long[] ids, float[] scores, int at, int k, long id, float score) {
        if (score <= scores[at + k - 1]) return;
        int i = at + k - 1;
        while (i > at && scores[i - 1] < score) {
            ids[i] = ids[i - 1];
            scores[i] = scores[i - 1];
            i--;
        }
        ids[i] = id;
        scores[i] = score;
    }

    private static Float[] boxed(float[] a) {
        Float[] b = new Float[a.length];
        for (int i = 0; i < a.length; i++) b[i] = a[i];
        return b;
    }

    /** The shard as a local file, copied from remote storage and checked at most once per executor. */
    private static Path local(HadoopFiles files, IndexManifest.Shard sh, String version, Task task) {
        return LOCAL.computeIfAbsent(sh.file() + "#" + sh.sha256(),
                key -> IndexSearcher.localCopy(files, sh, Path.of(task.cacheDir(), version)));
    }
}
