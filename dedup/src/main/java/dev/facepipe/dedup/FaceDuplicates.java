package dev.facepipe.dedup;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.monotonically_increasing_id;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Near-duplicate faces by embedding, in Spark. Each face gets a sign sketch: one bit per seeded
 * random hyperplane (bands x bits of them). Faces sharing a band of the sketch are compared by the
 * Hamming distance of their whole sketches, which estimates their angle (angle = pi * d / bits);
 * pairs within the threshold angle plus {@code sketchSd} standard deviations of that estimate are
 * then checked by exact cosine. Groups are connected components; the best-quality face of a group
 * (then the lowest face id) is its canonical face. Nothing is deleted: every face gets its group's
 * canonical id.
 */
public final class FaceDuplicates {
    private FaceDuplicates() {}

    public static final StructType RESULT = new StructType()
            .add("face_id", DataTypes.StringType, false)
            .add("cluster_id", DataTypes.StringType, false)
            .add("canonical", DataTypes.BooleanType, false);

    /**
     * @param faces columns face_id, embedding (array of float, unit length), quality (float)
     * @return face_id, cluster_id (the canonical face's id) and canonical, for faces in a group of two or more
     */
    public static Dataset<Row> groups(SparkSession spark, Dataset<Row> faces, int bands, int bitsPerBand,
            double minCosine, long seed, double sketchSd) {
        if (faces.isEmpty()) return spark.createDataFrame(List.of(), RESULT);
        int bits = bands * bitsPerBand;
        BandJoin join = new BandJoin(bits, bands);
        int dim = faces.first().getList(faces.schema().fieldIndex("embedding")).size();
        float[][] planes = planes(bits, dim, seed);
        // Only the sketches are kept (tens of bytes a face); embeddings are read again for the few candidates.
        StructType sketched = new StructType().add("idx", DataTypes.LongType, false)
                .add("face_id", DataTypes.StringType, false).add("quality", DataTypes.FloatType, true)
                .add("sig", DataTypes.createArrayType(DataTypes.LongType, false), false);
        Dataset<Row> indexed = faces.select(col("face_id"), col("embedding"), col("quality"),
                monotonically_increasing_id().as("idx")).map((MapFunction<Row, Row>) r -> RowFactory.create(
                        r.getLong(3), r.getString(0), r.isNullAt(2) ? null : r.getFloat(2),
                        scala.jdk.javaapi.CollectionConverters.asScala(java.util.Arrays.stream(
                                sketch(r.getList(1), planes)).boxed().toList()).toList()), Encoders.row(sketched))
                .persist();
        try {
            Dataset<Row> entries = indexed.select("idx", "sig").flatMap((FlatMapFunction<Row, Row>) r -> {
                List<Object> s = r.getList(1);
                long[] sig = new long[s.size()];
                for (int i = 0; i < sig.length; i++) sig[i] = (Long) s.get(i);
                return join.entries(r.getLong(0), sig, false).iterator();
            }, Encoders.row(BandJoin.ENTRY));
            Dataset<Row> candidates = join.pairs(entries, maxSketchDistance(bits, minCosine, sketchSd),
                    BandJoin.partitions(spark)).select("a", "b");
            Dataset<Row> ids = indexed.select("idx", "face_id");
            Dataset<Row> emb = faces.select("face_id", "embedding");
            Dataset<Row> withA = candidates
                    .join(ids.withColumnRenamed("idx", "a").withColumnRenamed("face_id", "fa"), "a")
                    .join(emb.withColumnRenamed("face_id", "fa").withColumnRenamed("embedding", "ea"), "fa");
            Dataset<Row> withB = withA
                    .join(ids.withColumnRenamed("idx", "b").withColumnRenamed("face_id", "fb"), "b")
                    .join(emb.withColumnRenamed("face_id", "fb").withColumnRenamed("embedding", "eb"), "fb");
            List<long[]> pairs = new ArrayList<>();
            for (Row p : withB
                    .where(expr("aggregate(zip_with(ea, eb, (x, y) -> x * y), 0D, (s, v) -> s + v) >= " + minCosine))
                    .select("a", "b").collectAsList()) {
                pairs.add(new long[] {p.getLong(0), p.getLong(1)});
            }
            if (pairs.isEmpty()) return spark.createDataFrame(List.of(), RESULT);
            Collection<List<Long>> groups = UnionFind.groups(pairs);
            Map<Long, Row> info = BandJoin.members(spark, indexed.select("idx", "face_id", "quality"), groups);
            Comparator<Long> best = Comparator.<Long>comparingDouble(i -> info.get(i).isNullAt(2)
                    ? 0 : -info.get(i).getFloat(2)).thenComparing(i -> info.get(i).getString(1));
            List<Row> out = new ArrayList<>();
            for (List<Long> g : groups) {
                long keep = g.stream().min(best).orElseThrow();
                String keepId = info.get(keep).getString(1);
                for (long m : g) out.add(RowFactory.create(info.get(m).getString(1), keepId, m == keep));
            }
            return spark.createDataFrame(out, RESULT);
        } finally {
            indexed.unpersist();
        }
    }

    /**
     * Sketch distance (bits) that keeps pairs at the threshold cosine: the expected distance at the
     * threshold angle plus sd standard deviations of the binomial estimate.
     */
    static int maxSketchDistance(int bits, double minCosine, double sd) {
        double p = Math.acos(Math.min(1, Math.max(-1, minCosine))) / Math.PI;
        return (int) Math.ceil(bits * p + sd * Math.sqrt(bits * p * (1 - p)));
    }

    static float[][] planes(int n, int dim, long seed) {
        Random r = new Random(seed);
        float[][] p = new float[n][dim];
        for (float[] v : p) for (int j = 0; j < dim; j++) v[j] = (float) r.nextGaussian();
        return p;
    }

    /** Bit k set when the embedding is on the positive side of hyperplane k. */
    static long[] sketch(List<Object> e, float[][] planes) {
        int dim = e.size();
        float[] v = new float[dim];
        for (int i = 0; i < dim; i++) v[i] = ((Number) e.get(i)).floatValue();
        long[] sig = new long[(planes.length + 63) / 64];
        for (int k = 0; k < planes.length; k++) {
            float[] p = planes[k];
            double s = 0;
            for (int j = 0; j < dim; j++) s += p[j] * v[j];
            if (s >= 0) sig[k >>> 6] |= 1L << (k & 63);
        }
        return sig;
    }
}
