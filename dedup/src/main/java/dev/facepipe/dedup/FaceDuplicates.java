package dev.facepipe.dedup;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.udf;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Near-duplicate faces by embedding, in Spark: random-hyperplane LSH (each band = bits of the signs
 * of the embedding against seeded random hyperplanes) makes candidates of faces sharing a band;
 * candidates with cosine at or above the threshold are duplicates; groups are connected
 * components; the best-quality face of a group (then the lowest face id) is its canonical face.
 * Nothing is deleted: every face gets its group's canonical id.
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
            double minCosine, long seed) {
        if (faces.isEmpty()) return spark.createDataFrame(List.of(), RESULT);
        int dim = faces.first().getList(faces.schema().fieldIndex("embedding")).size();
        float[][] planes = planes(bands * bitsPerBand, dim, seed);
        UserDefinedFunction sig = udf((scala.collection.Seq<Object> e) -> signature(e, planes, bands, bitsPerBand),
                DataTypes.createArrayType(DataTypes.LongType, false));
        Dataset<Row> banded = faces.select(col("face_id"), col("embedding"), col("quality"),
                explode(sig.apply(col("embedding"))).as("band"));
        Dataset<Row> a = banded.select(col("band"), col("face_id").as("a"), col("embedding").as("ea"));
        Dataset<Row> b = banded.select(col("band"), col("face_id").as("b"), col("embedding").as("eb"));
        List<Row> pairs = a.join(b, "band").where(col("a").lt(col("b"))).dropDuplicates("a", "b")
                .where(expr("aggregate(zip_with(ea, eb, (x, y) -> x * y), 0D, (s, v) -> s + v) >= " + minCosine))
                .select("a", "b").collectAsList();
        if (pairs.isEmpty()) return spark.createDataFrame(List.of(), RESULT);
        java.util.Collection<List<String>> groups = UnionFind.groups(pairs);
        List<String> ids = groups.stream().flatMap(List::stream).toList();
        Map<String, Float> quality = new HashMap<>();
        for (Row r : faces.where(col("face_id").isin(ids.toArray())).select("face_id", "quality").collectAsList()) {
            quality.put(r.getString(0), r.isNullAt(1) ? 0f : r.getFloat(1));
        }
        Comparator<String> best = Comparator.<String>comparingDouble(id -> -quality.getOrDefault(id, 0f))
                .thenComparing(Comparator.naturalOrder());
        List<Row> out = new ArrayList<>();
        for (List<String> g : groups) {
            String keep = g.stream().min(best).orElseThrow();
            for (String m : g) out.add(RowFactory.create(m, keep, m.equals(keep)));
        }
        return spark.createDataFrame(out, RESULT);
    }

    static float[][] planes(int n, int dim, long seed) {
        Random r = new Random(seed);
        float[][] p = new float[n][dim];
        for (float[] v : p) for (int j = 0; j < dim; j++) v[j] = (float) r.nextGaussian();
        return p;
    }

    /** One key per band: band number in the high bits, the band's sign bits in the low bits. */
    static scala.collection.immutable.Seq<Long> signature(scala.collection.Seq<Object> e, float[][] planes, int bands,
            int bits) {
        int dim = e.size();
        float[] v = new float[dim];
        for (int i = 0; i < dim; i++) v[i] = ((Number) e.apply(i)).floatValue();
        List<Long> keys = new ArrayList<>(bands);
        for (int b = 0; b < bands; b++) {
            long key = (long) b << 48;
            for (int k = 0; k < bits; k++) {
                float[] p = planes[b * bits + k];
                double s = 0;
                for (int j = 0; j < dim; j++) s += p[j] * v[j];
                if (s >= 0) key |= 1L << k;
            }
            keys.add(key);
        }
        return scala.jdk.javaapi.CollectionConverters.asScala(keys).toList();
    }

}
