package dev.facepipe.index;

import dev.facepipe.faiss.FaissIndex;
import dev.facepipe.faiss.Metric;
import dev.facepipe.faiss.SearchResult;
import dev.facepipe.storage.HadoopFiles;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an executor does to the shards it owns: fill them from the trained empty index (full build)
 * or edit their current files (nightly sync: ids out, new vectors in; an unchanged shard keeps its
 * file), then measure each against exact search over its own vectors on the held-out queries, as one
 * {@link #RESULT} row. Rows in: (shard, face_key, embedding, add), grouped by shard.
 */
final class ShardWork {
    private static final Logger LOG = LoggerFactory.getLogger(ShardWork.class);
    static final int K = 11; // ten neighbours plus the query itself
    static final StructType RESULT = new StructType()
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
    static final int LIST_SIZES = RESULT.fieldIndex("list_sizes");

    private ShardWork() {}

    /**
     * One job's settings, shipped to the executors.
     *
     * @param trained the trained empty index, for shards without a base file
     * @param base each shard's current file (a sync; a shard that changes gets a new file), or empty
     * @param remove ids to take out, by shard (a sync), or empty
     */
    record Task(byte[] trained, Map<Integer, String> base, Map<Integer, long[]> remove,
            float[] queries, int dim, int nprobe, int efSearch, IndexLayout layout, String version)
            implements Serializable {}

    /** Every shard present in this partition. */
    static Iterator<Row> run(Iterator<Row> it, Task task, HadoopFiles files) {
        Map<Integer, List<Row>> byShard = new HashMap<>();
        while (it.hasNext()) {
            Row r = it.next();
            byShard.computeIfAbsent(r.getInt(0), s -> new ArrayList<>()).add(r);
        }
        List<Row> out = new ArrayList<>();
        for (Map.Entry<Integer, List<Row>> e : byShard.entrySet()) out.add(one(e.getKey(), e.getValue(), task, files));
        return out.iterator();
    }

    /**
     * One shard: rows (shard, face_key, embedding, add) are every vector it must end with, those with
     * add set are the ones to put in; the task's ids for it are taken out first.
     */
    static Row one(int shard, List<Row> rows, Task task, HadoopFiles files) {
        int dim = task.dim();
        float[] all = new float[rows.size() * dim];
        long[] ids = new long[rows.size()];
        int adds = 0;
        for (int i = 0; i < rows.size(); i++) {
            ids[i] = rows.get(i).getLong(1);
            List<Object> v = rows.get(i).getList(2);
            for (int d = 0; d < dim; d++) all[i * dim + d] = ((Number) v.get(d)).floatValue();
            if (rows.get(i).getBoolean(3)) adds++;
        }
        float[] x = new float[adds * dim];
        long[] addIds = new long[adds];
        for (int i = 0, j = 0; i < rows.size(); i++) {
            if (!rows.get(i).getBoolean(3)) continue;
            System.arraycopy(all, i * dim, x, j * dim, dim);
            addIds[j++] = ids[i];
        }
        long[] gone = task.remove().getOrDefault(shard, new long[0]);
        String base = task.base().get(shard);
        LOG.info("shard {}: filling {} vectors in, {} out", shard, adds, gone.length);
        try {
            Path local = Files.createTempFile("facepipe-shard-", ".faiss");
            try (FaissIndex idx = open(base, task, files, local)) {
                String file = base;
                if (base == null || gone.length > 0 || adds > 0) {
                    if (gone.length > 0) idx.remove(gone);
                    if (adds > 0) idx.add(x, addIds);
                    idx.write(local);
                    file = task.layout().shard(task.version(), shard);
                    files.upload(local, file);
                }
                return measured(shard, idx, file, local, all, ids, task);
            } finally {
                Files.deleteIfExists(local);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("shard " + shard + ": " + e.getMessage(), e);
        }
    }

    /** The shard's index: the trained empty one, or its base file (downloaded to local). */
    private static FaissIndex open(String base, Task task, HadoopFiles files, Path local) throws IOException {
        if (base != null) {
            files.fs(base).copyToLocalFile(false, new org.apache.hadoop.fs.Path(base),
                    new org.apache.hadoop.fs.Path(local.toString()), true);
            return FaissIndex.read(local, false);
        }
        Files.write(local, task.trained());
        return FaissIndex.read(local, false);
    }

    /** The shard measured on the held-out queries: approximate against exact over the shard's own vectors. */
    private static Row measured(int shard, FaissIndex idx, String file, Path local, float[] all, long[] ids, Task task)
            throws IOException {
        float[] queries = task.queries();
        int dim = task.dim();
        SearchResult approx = idx.search(queries, K, task.nprobe(), task.efSearch());
        SearchResult truth;
        try (FaissIndex exact = FaissIndex.create(dim, "IDMap,Flat", Metric.INNER_PRODUCT)) {
            if (ids.length > 0) exact.add(all, ids);
            truth = exact.search(queries, K, 0, 0);
        }
        int nq = queries.length / dim;
        List<Double> lat = new ArrayList<>(nq);
        for (int q = 0; q < nq; q++) {
            float[] one = Arrays.copyOfRange(queries, q * dim, (q + 1) * dim);
            long t = System.nanoTime();
            idx.search(one, K, task.nprobe(), task.efSearch());
            lat.add((System.nanoTime() - t) / 1e6);
        }
        return RowFactory.create(shard, idx.ntotal(), Files.size(local), IndexBuilder.sha256(local), file,
                seq(approx.labels()), seq(approx.distances()), seq(truth.labels()), seq(truth.distances()),
                scala.jdk.javaapi.CollectionConverters.asScala(lat).toList(), seq(listSizes(idx)));
    }

    static long[] listSizes(FaissIndex idx) {
        try {
            return idx.listSizes();
        } catch (dev.facepipe.faiss.FaissException e) {
            return new long[0]; // not an IVF index
        }
    }

    static scala.collection.immutable.Seq<Long> seq(long[] a) {
        return scala.jdk.javaapi.CollectionConverters.asScala(Arrays.stream(a).boxed().toList()).toList();
    }

    static scala.collection.immutable.Seq<Float> seq(float[] a) {
        List<Float> l = new ArrayList<>(a.length);
        for (float f : a) l.add(f);
        return scala.jdk.javaapi.CollectionConverters.asScala(l).toList();
    }
}
