package dev.facepipe.dedup;

import static org.apache.spark.sql.functions.col;
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
 * then checked by exact cosine (only those a spanning forest of the groups needs). Groups are
 * connected components; the best-quality face of a group (then the lowest face id) is its
 * canonical face. Nothing is deleted: every face gets its group's canonical id. Small inputs take
 * the same steps in the driver ({@code localMax}).
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
        return groups(spark, faces, bands, bitsPerBand, minCosine, seed, sketchSd, 0);
    }

    /**
     * As above; when there are at most {@code localMax} faces they are grouped on the driver with
     * the same sketches and bands (the same groups, without a dozen small Spark jobs).
     */
    public static Dataset<Row> groups(SparkSession spark, Dataset<Row> faces, int bands, int bitsPerBand,
            double minCosine, long seed, double sketchSd, int localMax) {
        int bits = bands * bitsPerBand;
        BandJoin join = new BandJoin(bits, bands);
        Planes planes = new Planes(bits, seed);
        if (localMax > 0) {
            // As beans: the embeddings arrive as float arrays, not half a million boxed floats per thousand faces.
            List<Face> rows = faces.select(col("face_id").as("faceId"), col("embedding"), col("quality"))
                    .limit(localMax + 1).as(Encoders.bean(Face.class)).collectAsList();
            if (rows.size() <= localMax) {
                return spark.createDataFrame(groups(rows, bands, bitsPerBand, minCosine, seed, sketchSd), RESULT);
            }
        }
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
            List<long[]> candidates = closestFirst(join.pairs(entries, maxSketchDistance(bits, minCosine, sketchSd),
                    BandJoin.partitions(spark)).collectAsList());
            if (candidates.isEmpty()) return spark.createDataFrame(List.of(), RESULT);
            List<long[]> edges = verifiedForest(spark, faces, indexed, candidates, minCosine);
            if (edges.isEmpty()) return spark.createDataFrame(List.of(), RESULT);
            Collection<List<Long>> groups = UnionFind.groups(edges);
            Map<Long, Row> info = BandJoin.members(spark, indexed.select("idx", "face_id", "quality"), groups);
            return spark.createDataFrame(withCanonical(groups, info, 1, 2), RESULT);
        } finally {
            indexed.unpersist();
        }
    }

    /**
     * Faces already in the driver's memory grouped there: the same sketches, bands and groups as
     * the Spark path, as rows of {@link #RESULT}.
     */
    public static List<Row> groups(List<Face> faces, int bands, int bitsPerBand, double minCosine, long seed,
            double sketchSd) {
        int bits = bands * bitsPerBand;
        return local(new BandJoin(bits, bands), new Planes(bits, seed), faces,
                maxSketchDistance(bits, minCosine, sketchSd), minCosine);
    }

    /**
     * Rows face_id, embedding, quality grouped in this JVM (idx is the position): the same groups
     * as in Spark ({@link BandJoin#localEdges}); a pair is tested by sketch distance, then exact
     * cosine, and a failed pair is not tested again in a later band.
     */
    static List<Row> local(BandJoin join, Planes planes, List<Face> rows, int maxSketch, double minCosine) {
        int n = rows.size();
        float[][] emb = new float[n][];
        long[][] sigs = new long[n][];
        for (int i = 0; i < n; i++) {
            emb[i] = rows.get(i).getEmbedding();
            sigs[i] = sketch(emb[i], planes.forDim(emb[i].length));
        }
        java.util.Set<Long> failed = new java.util.HashSet<>();
        List<long[]> edges = join.localEdges(sigs, n, (a, b) -> {
            if (BandJoin.hamming(sigs[a], sigs[b]) > maxSketch || failed.contains((long) a * n + b)) return false;
            double dot = 0;
            for (int k = 0; k < emb[a].length; k++) dot += (double) emb[a][k] * emb[b][k];
            if (dot < minCosine) failed.add((long) a * n + b);
            return dot >= minCosine;
        });
        if (edges.isEmpty()) return List.of();
        Map<Long, Row> info = new java.util.HashMap<>();
        for (long[] e : edges) {
            for (long m : e) info.put(m, RowFactory.create(rows.get((int) m).getFaceId(), null, rows.get((int) m).getQuality()));
        }
        return withCanonical(UnionFind.groups(edges), info, 0, 2);
    }

    /** A face as the driver-side path reads it (a Java bean, so Spark hands over the embedding as a float array). */
    public static final class Face implements java.io.Serializable {
        private String faceId;
        private float[] embedding;
        private Float quality;

        public Face() {}

        public Face(String faceId, float[] embedding, Float quality) {
            this.faceId = faceId;
            this.embedding = embedding;
            this.quality = quality;
        }

        public String getFaceId() {
            return faceId;
        }

        public void setFaceId(String faceId) {
            this.faceId = faceId;
        }

        public float[] getEmbedding() {
            return embedding;
        }

        public void setEmbedding(float[] embedding) {
            this.embedding = embedding;
        }

        public Float getQuality() {
            return quality;
        }

        public void setQuality(Float quality) {
            this.quality = quality;
        }
    }

    /** Result rows: every member points to its group's best-quality face (then the lowest face id). */
    private static List<Row> withCanonical(Collection<List<Long>> groups, Map<Long, Row> info, int idAt, int qualityAt) {
        Comparator<Long> best = Comparator.<Long>comparingDouble(i -> info.get(i).isNullAt(qualityAt)
                ? 0 : -info.get(i).getFloat(qualityAt)).thenComparing(i -> info.get(i).getString(idAt));
        List<Row> out = new ArrayList<>();
        for (List<Long> g : groups) {
            long keep = g.stream().min(best).orElseThrow();
            String keepId = info.get(keep).getString(idAt);
            for (long m : g) out.add(RowFactory.create(info.get(m).getString(idAt), keepId, m == keep));
        }
        return out;
    }

    /** Spanning-forest rounds before the remaining cross-group candidates are checked all at once. */
    private static final int FOREST_ROUNDS = 2;

    /**
     * Groups are connected components, so only candidates that join two components need their
     * exact cosine. A round takes the candidates closest sketch first into a spanning forest (over
     * the pairs passed so far) and checks its unchecked edges in one Spark pass; failed pairs are
     * dropped and the forest is built again, until every edge of it has passed. Pairs just under the
     * threshold can fail round after round, so after a few rounds every remaining candidate that
     * still joins two components is checked at once. Either way the result equals checking every
     * candidate (the components of the passing pairs), while a group of a thousand copies of one
     * photo costs about 999 checks instead of half a million. Returns the passing pairs.
     */
    private static List<long[]> verifiedForest(SparkSession spark, Dataset<Row> faces, Dataset<Row> indexed,
            List<long[]> candidates, double minCosine) {
        java.util.Set<Pair> passed = new java.util.LinkedHashSet<>();
        java.util.Set<Pair> failed = new java.util.HashSet<>();
        for (int round = 0; ; round++) {
            UnionFind uf = new UnionFind();
            for (Pair p : passed) uf.union(p.a(), p.b());
            boolean sweep = round >= FOREST_ROUNDS;
            List<Pair> unchecked = new ArrayList<>();
            for (long[] c : candidates) {
                Pair p = new Pair(c[0], c[1]);
                if (failed.contains(p) || passed.contains(p)) continue;
                if (sweep ? uf.find(c[0]) != uf.find(c[1]) : uf.union(c[0], c[1])) unchecked.add(p);
            }
            if (unchecked.isEmpty()) break;
            for (Map.Entry<Pair, Boolean> e : check(spark, faces, indexed, unchecked, minCosine).entrySet()) {
                (e.getValue() ? passed : failed).add(e.getKey());
            }
            if (sweep) break;
        }
        return passed.stream().map(p -> new long[] {p.a(), p.b()}).toList();
    }

    /** Pair rows (a, b, distance) as {a, b, distance}, closest sketch first (ties by ids: deterministic). */
    private static List<long[]> closestFirst(List<Row> pairs) {
        List<long[]> out = new ArrayList<>(pairs.size());
        for (Row p : pairs) out.add(new long[] {p.getLong(0), p.getLong(1), p.getInt(2)});
        out.sort(Comparator.comparingLong((long[] c) -> c[2]).thenComparingLong(c -> c[0]).thenComparingLong(c -> c[1]));
        return out;
    }

    private record Pair(long a, long b) {}

    /** Exact cosine of these pairs (by idx) against the threshold, embeddings joined in by face id. */
    private static Map<Pair, Boolean> check(SparkSession spark, Dataset<Row> faces, Dataset<Row> indexed,
            List<Pair> pairs, double minCosine) {
        StructType ab = new StructType().add("a", DataTypes.LongType, false).add("b", DataTypes.LongType, false);
        Dataset<Row> wanted = spark.createDataFrame(pairs.stream().map(p -> RowFactory.create(p.a(), p.b())).toList(),
                ab);
        Dataset<Row> ids = indexed.select("idx", "face_id");
        Dataset<Row> emb = faces.select("face_id", "embedding");
        Dataset<Row> withB = wanted
                .join(ids.withColumnRenamed("idx", "a").withColumnRenamed("face_id", "fa"), "a")
                .join(emb.withColumnRenamed("face_id", "fa").withColumnRenamed("embedding", "ea"), "fa")
                .join(ids.withColumnRenamed("idx", "b").withColumnRenamed("face_id", "fb"), "b")
                .join(emb.withColumnRenamed("face_id", "fb").withColumnRenamed("embedding", "eb"), "fb");
        StructType verdict = ab.add("pass", DataTypes.BooleanType, false);
        Map<Pair, Boolean> out = new java.util.HashMap<>();
        for (Row r : withB.select("a", "b", "ea", "eb").map((MapFunction<Row, Row>) r -> {
            List<Object> x = r.getList(2);
            List<Object> y = r.getList(3);
            double dot = 0;
            for (int i = 0; i < x.size(); i++) dot += ((Number) x.get(i)).doubleValue() * ((Number) y.get(i)).doubleValue();
            return RowFactory.create(r.getLong(0), r.getLong(1), dot >= minCosine);
        }, Encoders.row(verdict)).collectAsList()) {
            out.put(new Pair(r.getLong(0), r.getLong(1)), r.getBoolean(2));
        }
        for (Pair p : pairs) out.putIfAbsent(p, false); // a face without an embedding row passes nothing
        return out;
    }

    /** The hyperplanes, drawn from the seed once per JVM for the dimension the embeddings have. */
    static final class Planes implements java.io.Serializable {
        private final int n;
        private final long seed;
        private transient volatile float[][] planes;

        Planes(int n, long seed) {
            this.n = n;
            this.seed = seed;
        }

        float[][] forDim(int dim) {
            float[][] p = planes;
            if (p == null || p.length != dim) planes = p = planes(n, dim, seed);
            return p;
        }
    }

    private static long[] sketch(List<Object> e, Planes planes) {
        return sketch(e, planes.forDim(e.size()));
    }

    /**
     * Sketch distance (bits) that keeps pairs at the threshold cosine: the expected distance at the
     * threshold angle plus sd standard deviations of the binomial estimate.
     */
    static int maxSketchDistance(int bits, double minCosine, double sd) {
        double p = Math.acos(Math.min(1, Math.max(-1, minCosine))) / Math.PI;
        return (int) Math.ceil(bits * p + sd * Math.sqrt(bits * p * (1 - p)));
    }

    /** n seeded Gaussian hyperplanes in dim dimensions, stored by dimension: [dim][n] (see {@link #sketch}). */
    static float[][] planes(int n, int dim, long seed) {
        Random r = new Random(seed);
        float[][] byDim = new float[dim][n];
        for (int k = 0; k < n; k++) for (int j = 0; j < dim; j++) byDim[j][k] = (float) r.nextGaussian();
        return byDim;
    }

    /** Bit k set when the embedding is on the positive side of hyperplane k. */
    static long[] sketch(List<Object> e, float[][] planes) {
        float[] v = new float[e.size()];
        for (int i = 0; i < v.length; i++) v[i] = ((Number) e.get(i)).floatValue();
        return sketch(v, planes);
    }

    /**
     * All hyperplanes at once, one embedding dimension at a time: the inner loop adds a multiple of
     * one row to the running sums, which the JIT turns into vector instructions (5-7 times faster
     * than one dot product per plane).
     */
    static long[] sketch(float[] v, float[][] byDim) {
        int n = byDim[0].length;
        float[] sums = new float[n];
        for (int j = 0; j < v.length; j++) {
            float x = v[j];
            float[] row = byDim[j];
            for (int k = 0; k < n; k++) sums[k] += x * row[k];
        }
        long[] sig = new long[(n + 63) / 64];
        for (int k = 0; k < n; k++) if (sums[k] >= 0) sig[k >>> 6] |= 1L << (k & 63);
        return sig;
    }
}
