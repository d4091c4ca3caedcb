package dev.facepipe.index;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;

import dev.facepipe.core.config.Config;
import dev.facepipe.storage.HadoopFiles;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The nightly sync: brings the published index to exactly the faces {@link IndexFaces} names, on the
 * same trained quantizer. Faces it lacks are added, faces it holds that are no longer wanted (gone
 * from the web, forgotten, opted out) are removed, and a face whose live URL changed gets its
 * sidecar row rewritten; every shard is measured again on fresh held-out queries (figures are never
 * copied from the previous version). Unchanged shards keep their files. Returns null, so the caller
 * rebuilds, when the index chooser would now pick another layout or the lists would end more uneven
 * than index.max_imbalance.
 */
final class IndexSync {
    private static final Logger LOG = LoggerFactory.getLogger(IndexSync.class);
    private static final StructType SIDECAR = new StructType().add("face_key", DataTypes.LongType)
            .add("face_id", DataTypes.StringType).add("image_id", DataTypes.StringType)
            .add("source", DataTypes.StringType).add("page_url", DataTypes.StringType)
            .add("shard", DataTypes.IntegerType);

    private IndexSync() {}

    static IndexManifest sync(SparkSession spark, Config cfg, HadoopFiles files, IndexBuilder.Request req,
            IndexBuilder.Input in) {
        IndexLayout layout = new IndexLayout(req.out());
        String old = files.readString(layout.pointer()).strip();
        IndexManifest m = IndexManifest.fromJson(files.readString(layout.manifest(old)));
        if (!m.modelId().equals(in.modelId())) {
            throw new IllegalArgumentException("index " + old + " holds " + m.modelId() + " embeddings, the faces are "
                    + in.modelId() + ": build a new index instead of adding");
        }
        if (IndexChooser.fromConfig(cfg).outgrown(m.factory(), in.count())) {
            LOG.info("rebuilding: {} vectors call for another layout than {}", in.count(), m.factory());
            return null;
        }
        int shards = m.shards().size();
        Diff d = diff(spark, files, m, in);
        try {
            if (d.rewritten().isEmpty()) {
                LOG.info("index {} already holds exactly the wanted faces", old);
                return m;
            }
            String version = IndexLayout.newVersion();
            Map<Integer, String> base = new HashMap<>();
            for (IndexManifest.Shard sh : m.shards()) base.put(sh.shard(), sh.file());
            IndexBuilder.HeldOut q = IndexBuilder.HeldOut.pick(in, cfg);
            ShardWork.Task task = new ShardWork.Task(null, base, d.remove(), q.vectors(), in.dim(), m.defaultNprobe(),
                    m.defaultEfSearch(), layout, version);
            Map<Integer, Row> results = IndexBuilder.runShards(spark, files, d.rows(), task, shards);
            double imbalance = IndexBuilder.imbalance(results.values(), ShardWork.LIST_SIZES);
            if (imbalance > cfg.getDouble("index.max_imbalance")) {
                LOG.info("rebuilding: the synced lists would be {} times the mean", imbalance);
                return null;
            }
            Sidecars.columns(d.rows().where(col("shard").isin(d.rewritten().toArray()))).write()
                    .mode(SaveMode.Overwrite).partitionBy("shard").parquet(layout.sidecars(version));
            List<IndexManifest.Shard> list = new ArrayList<>();
            for (IndexManifest.Shard sh : m.shards()) {
                list.add(d.rewritten().contains(sh.shard())
                        ? IndexBuilder.shardOf(results.get(sh.shard()), layout.sidecar(version, sh.shard())) : sh);
            }
            long vectors = list.stream().mapToLong(IndexManifest.Shard::count).sum();
            long removed = d.remove().values().stream().mapToLong(a -> a.length).sum();
            LOG.info("syncing {} as {}: {} added, {} removed, {} shard(s) rewritten", old, version, d.added(), removed,
                    d.rewritten().size());
            return IndexBuilder.publish(files, cfg, layout, new IndexManifest(version, m.modelId(), m.modelSha256(),
                    m.dim(), m.metric(), m.factory(), m.lists(), m.trainingSample(), vectors, list, m.defaultNprobe(),
                    m.defaultEfSearch(), 0, 0, 0, 0, 0, 0, 0, 0, 0, old, 0, 0, null, 0,
                    IndexManifest.Change.sync(m, d.added(), removed)), results.values(), q,
                    in.startedAt());
        } finally {
            d.rows().unpersist();
        }
    }

    /**
     * What a sync changes.
     *
     * @param rows every wanted face with its shard and whether it is new (add), cached
     * @param remove ids to take out, by shard
     * @param rewritten shards whose vectors or sidecar rows change (none: the index is already right)
     * @param added how many faces are new
     */
    private record Diff(Dataset<Row> rows, Map<Integer, long[]> remove, Set<Integer> rewritten, long added) {}

    private static Diff diff(SparkSession spark, HadoopFiles files, IndexManifest m, IndexBuilder.Input in) {
        Dataset<Row> wanted = IndexBuilder.withShards(in.faces(), m.shards().size());
        Dataset<Row> held = sidecars(spark, files, m);
        Map<Integer, long[]> remove = removals(held.join(wanted.select("face_key"), "face_key", "left_anti")
                .select("shard", "face_key").collectAsList());
        Dataset<Row> rows = wanted.join(held.select("face_key").withColumn("held", lit(true)), "face_key", "left")
                .withColumn("add", col("held").isNull()).drop("held").persist();
        Set<Integer> rewritten = new HashSet<>(remove.keySet());
        long added = 0;
        for (Row r : rows.where(col("add")).groupBy("shard").count().collectAsList()) {
            rewritten.add(r.getInt(0));
            added += r.getLong(1);
        }
        // A face whose live URL (or image) changed keeps its vector; its shard's sidecar is rewritten.
        for (Row r : wanted.as("w").join(held.as("h"), "face_key")
                .where(not(col("w.source").eqNullSafe(col("h.source")).and(col("w.image_id").eqNullSafe(
                        col("h.image_id"))).and(col("w.page_url").eqNullSafe(col("h.page_url")))))
                .select(col("w.shard")).distinct().collectAsList()) {
            rewritten.add(r.getInt(0));
        }
        return new Diff(rows, remove, rewritten, added);
    }

    /** The published version's sidecar rows, each with its shard. */
    private static Dataset<Row> sidecars(SparkSession spark, HadoopFiles files, IndexManifest m) {
        Dataset<Row> all = spark.createDataFrame(List.of(), SIDECAR);
        for (IndexManifest.Shard sh : m.shards()) {
            if (!files.hasData(sh.sidecar())) continue;
            all = all.unionByName(Sidecars.withPageUrl(spark.read().parquet(sh.sidecar()))
                    .select("face_key", "face_id", "image_id", "source", "page_url")
                    .withColumn("shard", lit(sh.shard())));
        }
        return all;
    }

    private static Map<Integer, long[]> removals(List<Row> rows) {
        Map<Integer, List<Long>> by = new HashMap<>();
        for (Row r : rows) by.computeIfAbsent(r.getInt(0), s -> new ArrayList<>()).add(r.getLong(1));
        Map<Integer, long[]> out = new HashMap<>();
        by.forEach((s, l) -> out.put(s, l.stream().mapToLong(Long::longValue).toArray()));
        return out;
    }
}
