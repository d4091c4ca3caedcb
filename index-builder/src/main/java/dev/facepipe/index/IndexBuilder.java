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
import dev.facepipe.ingest.HadoopFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
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
            .add("latencies_ms", DataTypes.createArrayType(DataTypes.DoubleType, false), false);

    private IndexBuilder() {}

    /**
     * @param factory "" to let {@link IndexChooser} decide
     * @param shards  0 for ceil(vectors / index.vectors_per_shard)
     */
    public record Request(String faces, String out, String factory, int shards) {}

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
        String factory = req.factory().isBlank() ? IndexChooser.fromConfig(cfg).factory(n) : req.factory();
        int lists = IndexChooser.listsOf(factory);
        int shards = req.shards() > 0 ? req.shards()
                : (int) Math.max(1, (n + cfg.getLong("index.vectors_per_shard") - 1) / cfg.getLong("index.vectors_per_shard"));
        int nprobe = lists == 0 ? 0 : Math.min(lists, cfg.getInt("index.nprobe"));
        int efSearch = cfg.getInt("index.ef_search");
        String version = "v-" + ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS"));
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
                (double) totalBytes / n, impostor, threshold, (System.currentTimeMillis() - t0) / 1000.0,
                System.currentTimeMillis());
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
                org.apache.hadoop.fs.FileSystem fs = files.fs(dest);
                fs.copyFromLocalFile(true, true, new org.apache.hadoop.fs.Path(tmp.toString()),
                        new org.apache.hadoop.fs.Path(dest));
                return RowFactory.create(shard, (long) ids.length, bytes, sha, dest, seq(approx.labels()),
                        seq(approx.distances()), seq(truth.labels()), seq(truth.distances()),
                        scala.jdk.javaapi.CollectionConverters.asScala(lat).toList());
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("shard " + shard + ": " + e.getMessage(), e);
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
