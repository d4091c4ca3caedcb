package dev.facepipe.index;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.hash;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.rand;

import dev.facepipe.core.config.Config;
import dev.facepipe.core.model.ModelSpec;
import dev.facepipe.faiss.FaissIndex;
import dev.facepipe.faiss.Metric;
import dev.facepipe.storage.HadoopFiles;
import dev.facepipe.storage.Tombstones;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * build-index: the faces {@link IndexFaces} names into sharded FAISS indices. A full build trains
 * once on a uniform random sample on the driver, ships the trained empty index to the executors,
 * each fills the shards it owns (shard = hash of face id) and measures them against exact search,
 * then the driver writes sidecars and the manifest and flips the CURRENT pointer last. With
 * --incremental an existing index is synced instead ({@link IndexSync}) unless it should be rebuilt.
 */
public final class IndexBuilder {
    private static final Logger LOG = LoggerFactory.getLogger(IndexBuilder.class);

    private IndexBuilder() {}

    /**
     * @param factory "" to let {@link IndexChooser} decide
     * @param shards  0 for ceil(vectors / index.vectors_per_shard)
     */
    public record Request(String faces, String out, String factory, int shards, boolean incremental) {
        public Request(String faces, String out, String factory, int shards) {
            this(faces, out, factory, shards, false);
        }
    }

    /** What one build works on: the faces to index (cached), how many, their dimension and model (and the id faces carry). */
    record Input(Dataset<Row> faces, long count, int dim, ModelSpec model, String modelId, long startedAt) {}

    public static IndexManifest build(SparkSession spark, Config cfg, Request req) {
        long t0 = System.currentTimeMillis();
        HadoopFiles files = new HadoopFiles(spark.sparkContext().hadoopConfiguration());
        ModelSpec model = ModelSpec.fromConfig(cfg, cfg.getString("embed.model"));
        String modelId = ModelSpec.embeddingId(cfg);
        Dataset<Row> faces = IndexFaces.read(spark, files, req.faces(), modelId, Tombstones.load(files, cfg))
                .persist(StorageLevel.MEMORY_AND_DISK());
        try {
            long n = faces.count();
            boolean sync = req.incremental() && files.exists(new IndexLayout(req.out()).pointer());
            if (n == 0 && !sync) {
                throw new IllegalArgumentException("no accepted canonical faces of model " + modelId + " under "
                        + req.faces() + "; run facepipe ingest first");
            }
            int dim = n == 0 ? 0 : faces.first().getList(4).size();
            Input in = new Input(faces, n, dim, model, modelId, t0);
            if (sync) {
                IndexManifest synced = IndexSync.sync(spark, cfg, files, req, in);
                if (synced != null) return synced;
            }
            return full(spark, cfg, files, req, in);
        } finally {
            faces.unpersist();
        }
    }

    private static IndexManifest full(SparkSession spark, Config cfg, HadoopFiles files, Request req, Input in) {
        long n = in.count();
        String factory = req.factory().isBlank() ? IndexChooser.fromConfig(cfg).factory(n) : req.factory();
        int lists = IndexChooser.listsOf(factory);
        long perShard = cfg.getLong("index.vectors_per_shard");
        int shards = req.shards() > 0 ? req.shards() : (int) Math.max(1, (n + perShard - 1) / perShard);
        String version = IndexLayout.newVersion();
        IndexLayout layout = new IndexLayout(req.out());
        LOG.info("building {} over {} vectors of {} in {} shard(s) as {}", factory, n, in.modelId(), shards,
                version);
        HeldOut q = HeldOut.pick(in, cfg);
        Trained trained = train(spark, cfg, in, q, factory, lists);
        ShardWork.Task task = new ShardWork.Task(trained.index(), Map.of(), Map.of(), q.vectors(), in.dim(),
                lists == 0 ? 0 : Math.min(lists, cfg.getInt("index.nprobe")), cfg.getInt("index.ef_search"), layout,
                version);
        Dataset<Row> sharded = withShards(in.faces(), shards);
        Sidecars.columns(sharded).write().mode(SaveMode.Overwrite)
                .partitionBy("shard").parquet(layout.sidecars(version));
        Map<Integer, Row> results = runShards(spark, files, sharded.withColumn("add", lit(true)), task, shards);
        List<IndexManifest.Shard> list = new ArrayList<>();
        for (int s = 0; s < shards; s++) list.add(shardOf(results.get(s), layout.sidecar(version, s)));
        return publish(files, cfg, layout, new IndexManifest(version, in.modelId(), in.model().sha256(), in.dim(),
                "inner_product", factory, lists, trained.sample(), n, list, task.nprobe(), task.efSearch(),
                0, 0, 0, 0, 0, 0, 0, 0, 0, null, 0, 0, null, 0, null), results.values(), q, in.startedAt());
    }

    /** The faces with their shard: a hash of the face id, so a face keeps its shard from build to sync. */
    static Dataset<Row> withShards(Dataset<Row> faces, int shards) {
        return faces.withColumn("shard", pmod(hash(col("face_id")), lit(shards)));
    }

    /**
     * Runs {@link ShardWork} over rows (shard, face_key, embedding, add), one partition a shard; a
     * shard that got no row (empty, or emptied by the task's removals) is done on the driver.
     */
    static Map<Integer, Row> runShards(SparkSession spark, HadoopFiles files, Dataset<Row> rows, ShardWork.Task task,
            int shards) {
        Broadcast<ShardWork.Task> bTask = spark.sparkContext().broadcast(task,
                scala.reflect.ClassTag$.MODULE$.apply(ShardWork.Task.class));
        Broadcast<HadoopFiles> bFiles = spark.sparkContext().broadcast(files,
                scala.reflect.ClassTag$.MODULE$.apply(HadoopFiles.class));
        List<Row> done = rows.select("shard", "face_key", "embedding", "add").repartition(shards, col("shard"))
                .mapPartitions((MapPartitionsFunction<Row, Row>) it -> ShardWork.run(it, bTask.value(),
                        bFiles.value()), Encoders.row(ShardWork.RESULT))
                .collectAsList();
        Map<Integer, Row> byShard = new HashMap<>();
        for (Row r : done) byShard.put(r.getInt(0), r);
        for (int s = 0; s < shards; s++) byShard.computeIfAbsent(s, e -> ShardWork.one(e, List.of(), task, files));
        return byShard;
    }

    static IndexManifest.Shard shardOf(Row r, String sidecar) {
        return new IndexManifest.Shard(r.getInt(0), r.getLong(1), r.getString(4), r.getString(3), r.getLong(2),
                sidecar);
    }

    /**
     * Fills in what the shards measured (recall, latency, size, imbalance, threshold), writes the
     * manifest and publishes it: CURRENT is written last.
     */
    static IndexManifest publish(HadoopFiles files, Config cfg, IndexLayout layout, IndexManifest m,
            Collection<Row> shards, HeldOut q, long t0) {
        Recall recall = q.keys().length == 0 ? new Recall(1, 1, 0, 0)
                : Recall.measure(new ArrayList<>(shards), q.keys(), 10);
        long bytes = 0;
        for (Row r : shards) bytes += r.getLong(2);
        // Strangers' scores among the held-out faces calibrate the decision threshold, once there are
        // enough pairs for a 1-in-1000 quantile to mean something; until then verify.threshold stands.
        float[] strangers = impostorScores(q.vectors(), q.images(), m.dim());
        double impostor = quantile(strangers, 0.999);
        // Their upper tail models how the best of N strangers scores: the 1:N threshold at any gallery size.
        ImpostorTail tail = ImpostorTail.fit(strangers, cfg.getDouble("index.impostor_tail_fraction"));
        int nq = q.keys().length;
        long pairs = (long) nq * (nq - 1) / 2;
        double threshold = threshold(cfg.getDouble("verify.threshold"), impostor, pairs,
                cfg.getLong("index.calibration_min_pairs"));
        IndexManifest out = new IndexManifest(m.version(), m.modelId(), m.modelSha256(), m.dim(), m.metric(),
                m.factory(), m.lists(), m.trainingSample(), m.vectors(), m.shards(), m.defaultNprobe(),
                m.defaultEfSearch(), nq, recall.at1(), recall.at10(), recall.p50(), recall.p99(),
                m.vectors() == 0 ? 0 : (double) bytes / m.vectors(), impostor, threshold,
                imbalance(shards, ShardWork.LIST_SIZES), m.basedOn(), (System.currentTimeMillis() - t0) / 1000.0,
                System.currentTimeMillis(), tail, cfg.getDouble("index.open_set_fpir"), m.change());
        files.writeSmall(layout.manifest(out.version()), out.toJson().getBytes(StandardCharsets.UTF_8));
        files.writeSmall(layout.pointer(), out.version().getBytes(StandardCharsets.UTF_8)); // publish
        IndexVersions.prune(files, layout, cfg.getInt("index.keep_versions"));
        LOG.info("published {}: {} vectors, recall@10 {}, p99 {} ms", out.version(), out.vectors(), out.recallAt10(),
                out.queryMsP99());
        return out;
    }

    /** Held-out queries: a uniform sample of the faces by index.seed (their own ids are ignored in recall). */
    record HeldOut(float[] vectors, long[] keys, String[] images) {
        static HeldOut pick(Input in, Config cfg) {
            int nq = (int) Math.min(cfg.getInt("index.recall_queries"), in.count());
            List<Row> rows = in.faces().orderBy(rand(cfg.getLong("index.seed"))).limit(nq)
                    .select("face_key", "embedding", "image_id").collectAsList();
            float[] v = new float[nq * in.dim()];
            long[] keys = new long[nq];
            String[] images = new String[nq];
            for (int i = 0; i < nq; i++) {
                keys[i] = rows.get(i).getLong(0);
                copyInto(rows.get(i).getList(1), v, i * in.dim());
                images[i] = rows.get(i).getString(2);
            }
            return new HeldOut(v, keys, images);
        }
    }

    /** The trained empty index, and how many vectors trained it. */
    private record Trained(byte[] index, long sample) {}

    /** Trains once on the driver, on a uniform sample of 30..256 points a list (never "the first N"), queries left out. */
    private static Trained train(SparkSession spark, Config cfg, Input in, HeldOut q, String factory, int lists) {
        try (FaissIndex empty = FaissIndex.create(in.dim(), factory, Metric.INNER_PRODUCT)) {
            long count = 0;
            if (lists > 0) {
                long n = in.count();
                long want = Math.min(n, Math.max((long) lists * cfg.getInt("index.train_min_per_list"),
                        Math.min((long) lists * 256, cfg.getLong("index.train_max_vectors"))));
                Dataset<Row> notQueries = in.faces().join(spark.createDataset(Arrays.stream(q.keys()).boxed().toList(),
                        Encoders.LONG()).toDF("face_key"), "face_key", "left_anti");
                double fraction = Math.min(1.0, 1.2 * want / Math.max(1, n - q.keys().length));
                List<Row> sample = notQueries.sample(false, fraction, cfg.getLong("index.seed")).limit((int) want)
                        .select("embedding").collectAsList();
                float[] x = new float[sample.size() * in.dim()];
                for (int i = 0; i < sample.size(); i++) copyInto(sample.get(i).getList(0), x, i * in.dim());
                count = sample.size();
                empty.train(x);
            }
            return new Trained(toBytes(empty), count);
        }
    }

    /** Largest IVF list over the mean list, summed over shards (column listCol); 1 when not IVF. */
    static double imbalance(Collection<Row> shards, int listCol) {
        long[] total = null;
        for (Row r : shards) {
            List<Object> l = r.getList(listCol);
            if (total == null) total = new long[l.size()];
            for (int i = 0; i < l.size() && i < total.length; i++) total[i] += ((Number) l.get(i)).longValue();
        }
        if (total == null || total.length == 0) return 1.0;
        long max = Arrays.stream(total).max().orElse(0);
        double mean = Arrays.stream(total).average().orElse(0);
        return mean == 0 ? 1.0 : max / mean;
    }

    /**
     * The index's match threshold (pinned by IndexBuilderTest): verify.threshold, raised to the
     * strangers' 0.999 quantile when there are enough held-out pairs (index.calibration_min_pairs)
     * for that quantile to mean something; never lowered, and a NaN quantile changes nothing.
     */
    static double threshold(double verifyThreshold, double impostorQuantile, long pairs, long minPairs) {
        if (pairs < minPairs || Double.isNaN(impostorQuantile)) return verifyThreshold;
        return Math.max(verifyThreshold, impostorQuantile);
    }

    /** The q-quantile of scores between held-out faces of different images: how high strangers score. */
    static double impostorQuantile(float[] q, String[] images, int dim, double quantile) {
        return quantile(impostorScores(q, images, dim), quantile);
    }

    /** The q-quantile of a sample (NaN when empty). */
    static double quantile(float[] scores, double quantile) {
        if (scores.length == 0) return Double.NaN;
        float[] a = scores.clone();
        Arrays.sort(a);
        return a[(int) Math.min(a.length - 1, Math.floor(quantile * a.length))];
    }

    /** Scores between held-out faces of different images (the strangers' sample). */
    static float[] impostorScores(float[] q, String[] images, int dim) {
        int n = images.length;
        List<Float> scores = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                if (images[i].equals(images[j])) continue;
                double s = 0;
                for (int d = 0; d < dim; d++) s += q[i * dim + d] * q[j * dim + d];
                scores.add((float) s);
            }
        }
        float[] a = new float[scores.size()];
        for (int i = 0; i < a.length; i++) a[i] = scores.get(i);
        return a;
    }

    private static byte[] toBytes(FaissIndex idx) {
        try {
            Path tmp = Files.createTempFile("facepipe-trained-", ".faiss");
            try {
                idx.write(tmp);
                return Files.readAllBytes(tmp);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void copyInto(List<Object> v, float[] x, int off) {
        for (int i = 0; i < v.size(); i++) x[off + i] = ((Number) v.get(i)).floatValue();
    }

    static String sha256(Path p) throws IOException {
        return dev.facepipe.core.model.ModelFiles.sha256(p);
    }
}
