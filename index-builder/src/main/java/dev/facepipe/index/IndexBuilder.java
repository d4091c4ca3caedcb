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
import dev.facepipe.faiss.SearchResult;
import dev.facepipe.storage.HadoopFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * build-index: canonical faces of one model into sharded FAISS indices. Trains once on a uniform
 * random sample on the driver, ships the trained empty index to the executors, each fills the
 * shards it owns (shard = hash of face id), measures its shards against exact search, and writes
 * them with a sidecar per shard; the driver writes the manifest and flips the CURRENT pointer last.
 */
public final class IndexBuilder {
    private static final Logger LOG = LoggerFactory.getLogger(IndexBuilder.class);
    private static final StructType SHARD_RESULT = new StructType()
            .add("shard", DataTypes.IntegerType, false)
            .add("count", DataTypes.LongType, false)
            .add("bytes", DataTypes.LongType, false)
            .add("sha256", DataTypes.StringType, false)
            .add("file", DataTypes.StringType, false)
            .add("approx_labels", DataTypes.createArrayType(DataTypes.LongType, false), false)
            .add("approx_scores", DataTypes.createArrayType(DataTypes.FloatType, false), false)
            .add("exact_labels", DataTypes.createArrayType(DataTypes.LongType, false), false)
            .add("exact_scores", DataTypes.createArrayType(DataTypes.FloatType, false), false)
            .add("latencies_ms", DataTypes.createArrayType(DataTypes.DoubleType, false), false)
            .add("list_sizes", DataTypes.createArrayType(DataTypes.LongType, false), false);

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

    public static IndexManifest build(SparkSession spark, Config cfg, Request req) {
        long t0 = System.currentTimeMillis();
        HadoopFiles files = new HadoopFiles(spark.sparkContext().hadoopConfiguration());
        ModelSpec model = ModelSpec.fromConfig(cfg, cfg.getString("embed.model"));
        long seed = cfg.getLong("index.seed");
        Dataset<Row> faces = spark.read().parquet(req.faces())
                .where(col("status").equalTo("ok").and(col("canonical")).and(col("model_id").equalTo(model.id())))
                .dropDuplicates("face_id")
                .select("face_id", "face_key", "image_id", "source", "embedding")
                .persist(org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK());
        long n = faces.count();
        if (n == 0) {
            throw new IllegalArgumentException("no accepted canonical faces of model " + model.id() + " under "
                    + req.faces() + "; run facepipe ingest first");
        }
        int dim = faces.first().getList(4).size();
        IndexLayout rootLayout = new IndexLayout(req.out());
        if (req.incremental() && files.exists(rootLayout.pointer())) {
            IndexManifest added = addIncrementally(spark, cfg, files, req, faces, model, t0);
            if (added != null) {
                faces.unpersist();
                return added;
            }
            LOG.info("retraining: the incremental add would leave the lists too uneven");
        }
        String factory = req.factory().isBlank() ? IndexChooser.fromConfig(cfg).factory(n) : req.factory();
        int lists = IndexChooser.listsOf(factory);
        int shards = req.shards() > 0 ? req.shards()
                : (int) Math.max(1, (n + cfg.getLong("index.vectors_per_shard") - 1) / cfg.getLong("index.vectors_per_shard"));
        int nprobe = lists == 0 ? 0 : Math.min(lists, cfg.getInt("index.nprobe"));
        int efSearch = cfg.getInt("index.ef_search");
        String version = IndexLayout.newVersion();
        IndexLayout layout = new IndexLayout(req.out());
        LOG.info("building {} over {} vectors of {} in {} shard(s) as {}", factory, n, model.id(), shards, version);

        // Held-out queries: a uniform sample, kept out of training; their own ids are ignored in recall.
        int nq = (int) Math.min(cfg.getInt("index.recall_queries"), n);
        List<Row> qRows = faces.orderBy(rand(seed)).limit(nq).select("face_key", "embedding", "image_id").collectAsList();
        float[] queries = new float[nq * dim];
        long[] queryKeys = new long[nq];
        String[] queryImages = new String[nq];
        for (int i = 0; i < nq; i++) {
            queryKeys[i] = qRows.get(i).getLong(0);
            copyInto(qRows.get(i).getList(1), queries, i * dim);
            queryImages[i] = qRows.get(i).getString(2);
        }

        // Train once on the driver, on a uniform sample of 30..256 points a list (never "the first N").
        long trainCount = 0;
        byte[] trained;
        try (FaissIndex empty = FaissIndex.create(dim, factory, Metric.INNER_PRODUCT)) {
            if (lists > 0) {
                long want = Math.min(n, Math.max((long) lists * cfg.getInt("index.train_min_per_list"),
                        Math.min((long) lists * 256, cfg.getLong("index.train_max_vectors"))));
                Dataset<Row> notQueries = faces.join(spark.createDataset(Arrays.stream(queryKeys).boxed().toList(),
                        Encoders.LONG()).toDF("face_key"), "face_key", "left_anti");
                double fraction = Math.min(1.0, 1.2 * want / Math.max(1, n - nq));
                List<Row> sample = notQueries.sample(false, fraction, seed).limit((int) want).select("embedding")
                        .collectAsList();
                float[] x = new float[sample.size() * dim];
                for (int i = 0; i < sample.size(); i++) copyInto(sample.get(i).getList(0), x, i * dim);
                trainCount = sample.size();
                empty.train(x);
            }
            trained = toBytes(empty);
        }

        Broadcast<byte[]> bTrained = spark.sparkContext().broadcast(trained,
                scala.reflect.ClassTag$.MODULE$.apply(byte[].class));
        Broadcast<float[]> bQueries = spark.sparkContext().broadcast(queries,
                scala.reflect.ClassTag$.MODULE$.apply(float[].class));
        Broadcast<HadoopFiles> bFiles = spark.sparkContext().broadcast(files,
                scala.reflect.ClassTag$.MODULE$.apply(HadoopFiles.class));
        int k = 11; // ten neighbours plus the query itself
        Dataset<Row> sharded = faces.withColumn("shard", pmod(hash(col("face_id")), lit(shards)));
        sharded.select("shard", "face_key", "face_id", "image_id", "source").write().mode(SaveMode.Overwrite)
                .partitionBy("shard").parquet(layout.sidecars(version));
        List<Row> results = sharded.select("shard", "face_key", "embedding").repartition(shards, col("shard"))
                .mapPartitions((MapPartitionsFunction<Row, Row>) it -> fill(it, bTrained.value(), bQueries.value(),
                        dim, k, nprobe, efSearch, layout, version, bFiles.value()), Encoders.row(SHARD_RESULT))
                .collectAsList();

        // Shards that received no vector still exist, empty, so every shard number opens.
        Map<Integer, Row> byShard = new HashMap<>();
        for (Row r : results) byShard.put(r.getInt(0), r);
        List<IndexManifest.Shard> shardList = new ArrayList<>();
        long totalBytes = 0;
        for (int s = 0; s < shards; s++) {
            Row r = byShard.get(s);
            if (r == null) {
                r = fill(List.<Row>of().iterator(), trained, queries, dim, k, nprobe, efSearch, layout, version, files,
                        s).next();
                byShard.put(s, r);
            }
            shardList.add(new IndexManifest.Shard(s, r.getLong(1), r.getString(4), r.getString(3), r.getLong(2),
                    layout.sidecar(version, s)));
            totalBytes += r.getLong(2);
        }
        Recall recall = Recall.measure(new ArrayList<>(byShard.values()), queryKeys, 10);
        // Strangers' scores among the held-out faces calibrate the decision threshold, once there are
        // enough pairs for a 1-in-1000 quantile to mean something; until then verify.threshold stands.
        double impostor = impostorQuantile(queries, queryImages, dim, 0.999);
        long pairs = (long) nq * (nq - 1) / 2;
        double threshold = pairs >= cfg.getLong("index.calibration_min_pairs")
                ? Math.max(cfg.getDouble("verify.threshold"), impostor) : cfg.getDouble("verify.threshold");
        IndexManifest m = new IndexManifest(version, model.id(), model.sha256(), dim, "inner_product", factory, lists,
                trainCount, n, shardList, nprobe, efSearch, nq, recall.at1(), recall.at10(), recall.p50(), recall.p99(),
                (double) totalBytes / n, impostor, threshold, imbalance(byShard.values(), 10), null,
                (System.currentTimeMillis() - t0) / 1000.0, System.currentTimeMillis());
        files.writeSmall(layout.manifest(version), m.toJson().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        files.writeSmall(layout.pointer(), version.getBytes(java.nio.charset.StandardCharsets.UTF_8)); // publish
        faces.unpersist();
        LOG.info("published {}: recall@10 {}, p99 {} ms", version, m.recallAt10(), m.queryMsP99());
        return m;
    }

    private static Iterator<Row> fill(Iterator<Row> it, byte[] trained, float[] queries, int dim, int k, int nprobe,
            int efSearch, IndexLayout layout, String version, HadoopFiles files) throws IOException {
        return fill(it, trained, queries, dim, k, nprobe, efSearch, layout, version, files, -1);
    }

    /** Fills every shard present in this partition (or the given empty shard) and evaluates it. */
    private static Iterator<Row> fill(Iterator<Row> it, byte[] trained, float[] queries, int dim, int k, int nprobe,
            int efSearch, IndexLayout layout, String version, HadoopFiles files, int emptyShard) {
        Map<Integer, List<Row>> byShard = new HashMap<>();
        while (it.hasNext()) {
            Row r = it.next();
            byShard.computeIfAbsent(r.getInt(0), s -> new ArrayList<>()).add(r);
        }
        if (emptyShard >= 0) byShard.put(emptyShard, List.of());
        List<Row> out = new ArrayList<>();
        for (Map.Entry<Integer, List<Row>> e : byShard.entrySet()) {
            List<Row> rows = e.getValue();
            float[] x = new float[rows.size() * dim];
            long[] ids = new long[rows.size()];
            for (int i = 0; i < rows.size(); i++) {
                ids[i] = rows.get(i).getLong(1);
                copyInto(rows.get(i).getList(2), x, i * dim);
            }
            out.add(fillOne(e.getKey(), x, ids, trained, queries, dim, k, nprobe, efSearch, layout, version, files));
        }
        return out.iterator();
    }

    private static Row fillOne(int shard, float[] x, long[] ids, byte[] trained, float[] queries, int dim, int k,
            int nprobe, int efSearch, IndexLayout layout, String version, HadoopFiles files) {
        LOG.info("shard {}: filling {} vectors", shard, ids.length);
        try {
            Path tmp = Files.createTempFile("facepipe-shard-", ".faiss");
            try (FaissIndex idx = fromBytes(trained); FaissIndex exact = FaissIndex.create(dim, "IDMap,Flat",
                    Metric.INNER_PRODUCT)) {
                if (ids.length > 0) {
                    idx.add(x, ids);
                    exact.add(x, ids);
                }
                SearchResult approx = idx.search(queries, k, nprobe, efSearch);
                SearchResult truth = exact.search(queries, k, 0, 0);
                int nq = queries.length / dim;
                List<Double> lat = new ArrayList<>(nq);
                for (int q = 0; q < nq; q++) {
                    float[] one = Arrays.copyOfRange(queries, q * dim, (q + 1) * dim);
                    long t = System.nanoTime();
                    idx.search(one, k, nprobe, efSearch);
                    lat.add((System.nanoTime() - t) / 1e6);
                }
                idx.write(tmp);
                String sha = sha256(tmp);
                long bytes = Files.size(tmp);
                String dest = layout.shard(version, shard);
                files.upload(tmp, dest);
                Files.delete(tmp);
                return RowFactory.create(shard, (long) ids.length, bytes, sha, dest, seq(approx.labels()),
                        seq(approx.distances()), seq(truth.labels()), seq(truth.distances()),
                        scala.jdk.javaapi.CollectionConverters.asScala(lat).toList(), seq(listSizes(idx)));
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("shard " + shard + ": " + e.getMessage(), e);
        }
    }

    private static long[] listSizes(FaissIndex idx) {
        try {
            return idx.listSizes();
        } catch (dev.facepipe.faiss.FaissException e) {
            return new long[0]; // not an IVF index
        }
    }

    /** Largest IVF list over the mean list, summed over shards (column listCol); 1 when not IVF. */
    static double imbalance(java.util.Collection<Row> shards, int listCol) {
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

    private static final StructType ADDED = new StructType()
            .add("shard", DataTypes.IntegerType, false)
            .add("count", DataTypes.LongType, false)
            .add("bytes", DataTypes.LongType, false)
            .add("sha256", DataTypes.StringType, false)
            .add("file", DataTypes.StringType, false)
            .add("list_sizes", DataTypes.createArrayType(DataTypes.LongType, false), false);

    /**
     * Adds the faces the published version lacks into its shards (same trained quantizer), as a new
     * version sharing the untouched shards. Returns null when the lists would end more uneven than
     * index.max_imbalance, so the caller retrains.
     */
    private static IndexManifest addIncrementally(SparkSession spark, Config cfg, HadoopFiles files, Request req,
            Dataset<Row> faces, ModelSpec model, long t0) {
        IndexLayout layout = new IndexLayout(req.out());
        String old = files.readString(layout.pointer()).strip();
        IndexManifest m = IndexManifest.fromJson(files.readString(layout.manifest(old)));
        if (!m.modelId().equals(model.id())) {
            throw new IllegalArgumentException("index " + old + " holds " + m.modelId() + " embeddings, the faces are "
                    + model.id() + ": build a new index instead of adding");
        }
        String[] sidecars = m.shards().stream().map(IndexManifest.Shard::sidecar).filter(files::exists)
                .toArray(String[]::new);
        Dataset<Row> known = sidecars.length == 0
                ? spark.createDataFrame(List.of(), new StructType().add("face_key", DataTypes.LongType))
                : spark.read().parquet(sidecars).select("face_key");
        int shards = m.shards().size();
        Dataset<Row> fresh = faces.join(known, "face_key", "left_anti")
                .withColumn("shard", pmod(hash(col("face_id")), lit(shards))).persist();
        long added = fresh.count();
        if (added == 0) {
            LOG.info("index {} already holds every face", old);
            fresh.unpersist();
            return m;
        }
        String version = IndexLayout.newVersion();
        Broadcast<HadoopFiles> bFiles = spark.sparkContext().broadcast(files,
                scala.reflect.ClassTag$.MODULE$.apply(HadoopFiles.class));
        Map<Integer, String> baseFiles = new HashMap<>();
        for (IndexManifest.Shard sh : m.shards()) baseFiles.put(sh.shard(), sh.file());
        List<Row> results = fresh.select("shard", "face_key", "embedding").repartition(shards, col("shard"))
                .mapPartitions((MapPartitionsFunction<Row, Row>) it -> addToShards(it, baseFiles, layout, version,
                        bFiles.value()), Encoders.row(ADDED))
                .collectAsList();
        Map<Integer, Row> changed = new HashMap<>();
        for (Row r : results) changed.put(r.getInt(0), r);
        // Lists of unchanged shards count too: read their sizes from the files they keep.
        List<Row> sizes = new ArrayList<>(results);
        for (IndexManifest.Shard sh : m.shards()) {
            if (changed.containsKey(sh.shard())) continue;
            sizes.add(RowFactory.create(sh.shard(), sh.count(), sh.bytes(), sh.sha256(), sh.file(),
                    seq(listSizesOf(files, sh.file()))));
        }
        double imbalance = imbalance(sizes, 5);
        if (imbalance > cfg.getDouble("index.max_imbalance")) {
            fresh.unpersist();
            return null;
        }
        // Changed shards get a full sidecar in the new version: their old rows plus the new ones.
        List<IndexManifest.Shard> list = new ArrayList<>();
        long bytes = 0;
        for (IndexManifest.Shard sh : m.shards()) {
            Row r = changed.get(sh.shard());
            if (r == null) {
                list.add(sh);
                bytes += sh.bytes();
                continue;
            }
            Dataset<Row> rows = fresh.where(col("shard").equalTo(sh.shard()))
                    .select("face_key", "face_id", "image_id", "source");
            if (files.exists(sh.sidecar())) {
                rows = rows.unionByName(spark.read().parquet(sh.sidecar()).select("face_key", "face_id", "image_id",
                        "source"));
            }
            rows.coalesce(1).write().mode(SaveMode.Overwrite).parquet(layout.sidecar(version, sh.shard()));
            list.add(new IndexManifest.Shard(sh.shard(), r.getLong(1), r.getString(4), r.getString(3), r.getLong(2),
                    layout.sidecar(version, sh.shard())));
            bytes += r.getLong(2);
        }
        long vectors = m.vectors() + added;
        IndexManifest next = new IndexManifest(version, m.modelId(), m.modelSha256(), m.dim(), m.metric(), m.factory(),
                m.lists(), m.trainingSample(), vectors, list, m.defaultNprobe(), m.defaultEfSearch(), m.recallQueries(),
                m.recallAt1(), m.recallAt10(), m.queryMsP50(), m.queryMsP99(), (double) bytes / vectors,
                m.impostorP999(), m.threshold(), imbalance, old, (System.currentTimeMillis() - t0) / 1000.0,
                System.currentTimeMillis());
        files.writeSmall(layout.manifest(version), next.toJson().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        files.writeSmall(layout.pointer(), version.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        fresh.unpersist();
        LOG.info("added {} faces to {} as {} (imbalance {})", added, old, version, imbalance);
        return next;
    }

    private static Iterator<Row> addToShards(Iterator<Row> it, Map<Integer, String> baseFiles, IndexLayout layout,
            String version, HadoopFiles files) throws IOException {
        Map<Integer, List<Row>> byShard = new HashMap<>();
        while (it.hasNext()) {
            Row r = it.next();
            byShard.computeIfAbsent(r.getInt(0), s -> new ArrayList<>()).add(r);
        }
        List<Row> out = new ArrayList<>();
        for (Map.Entry<Integer, List<Row>> e : byShard.entrySet()) {
            int dim = e.getValue().get(0).getList(2).size();
            float[] x = new float[e.getValue().size() * dim];
            long[] ids = new long[e.getValue().size()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = e.getValue().get(i).getLong(1);
                copyInto(e.getValue().get(i).getList(2), x, i * dim);
            }
            Path local = Files.createTempFile("facepipe-add-", ".faiss");
            try {
                String base = baseFiles.get(e.getKey());
                files.fs(base).copyToLocalFile(false, new org.apache.hadoop.fs.Path(base),
                        new org.apache.hadoop.fs.Path(local.toString()), true);
                long count;
                long[] lists;
                try (FaissIndex idx = FaissIndex.read(local, false)) {
                    idx.add(x, ids);
                    count = idx.ntotal();
                    lists = listSizes(idx);
                    idx.write(local);
                }
                String dest = layout.shard(version, e.getKey());
                String sha = sha256(local);
                long bytes = Files.size(local);
                files.upload(local, dest);
                out.add(RowFactory.create(e.getKey(), count, bytes, sha, dest, seq(lists)));
            } finally {
                Files.deleteIfExists(local);
            }
        }
        return out.iterator();
    }

    private static long[] listSizesOf(HadoopFiles files, String file) {
        try {
            Path local = Files.createTempFile("facepipe-sizes-", ".faiss");
            try {
                files.fs(file).copyToLocalFile(false, new org.apache.hadoop.fs.Path(file),
                        new org.apache.hadoop.fs.Path(local.toString()), true);
                try (FaissIndex idx = FaissIndex.read(local, true)) {
                    return listSizes(idx);
                }
            } finally {
                Files.deleteIfExists(local);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The q-quantile of scores between held-out faces of different images: how high strangers score. */
    static double impostorQuantile(float[] q, String[] images, int dim, double quantile) {
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
        if (scores.isEmpty()) return Double.NaN;
        float[] a = new float[scores.size()];
        for (int i = 0; i < a.length; i++) a[i] = scores.get(i);
        Arrays.sort(a);
        return a[(int) Math.min(a.length - 1, Math.floor(quantile * a.length))];
    }

    static FaissIndex fromBytes(byte[] b) throws IOException {
        Path tmp = Files.createTempFile("facepipe-trained-", ".faiss");
        try {
            Files.write(tmp, b);
            return FaissIndex.read(tmp, false);
        } finally {
            Files.deleteIfExists(tmp);
        }
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

    private static void copyInto(List<Object> v, float[] x, int off) {
        for (int i = 0; i < v.size(); i++) x[off + i] = ((Number) v.get(i)).floatValue();
    }

    static String sha256(Path p) throws IOException {
        return dev.facepipe.core.model.ModelFiles.sha256(p);
    }

    private static scala.collection.immutable.Seq<Long> seq(long[] a) {
        return scala.jdk.javaapi.CollectionConverters.asScala(Arrays.stream(a).boxed().toList()).toList();
    }

    private static scala.collection.immutable.Seq<Float> seq(float[] a) {
        List<Float> l = new ArrayList<>(a.length);
        for (float f : a) l.add(f);
        return scala.jdk.javaapi.CollectionConverters.asScala(l).toList();
    }

}
