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
 * then checked by exact cosine (only those that join two groups found so far). Groups are
 * connected components; the best-quality face of a group (then the lowest face id) is its
 * canonical face. Nothing is deleted: every face gets its group's canonical id. Small inputs take
 * these steps in the driver ({@code localMax}); in Spark the band scan only picks the faces that
 * have a near sketch, and those are grouped with the same steps in sets, one set per task.
 */
public final class FaceDuplicates {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(FaceDuplicates.class);

    private FaceDuplicates() {}

    private static String secs(long nanos) {
        return String.format(java.util.Locale.ROOT, "%.1f", nanos / 1e9);
    }

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

    /** As below, with a run's settings. */
    public static Dataset<Row> groups(SparkSession spark, Dataset<Row> faces, FaceDedupSettings s) {
        return groups(spark, faces, s.bands(), s.bitsPerBand(), s.minCosine(), s.seed(), s.sketchSd(), s.localMax());
    }

    /** Faces already in the driver's memory (see the positional form below), with a run's settings. */
    public static List<Row> groups(List<Face> faces, FaceDedupSettings s) {
        return groups(faces, s.bands(), s.bitsPerBand(), s.minCosine(), s.seed(), s.sketchSd());
    }

    /**
     * As above; when there are at most {@code localMax} faces they are grouped on the driver with
     * the same sketches and bands (the same groups, without a dozen small Spark jobs). Above, every
     * band bucket sends the faces that have a near sketch in it, and those are grouped in sets of up
     * to {@code localMax} faces ({@link #nearEdges}).
     */
    public static Dataset<Row> groups(SparkSession spark, Dataset<Row> faces, int bands, int bitsPerBand,
            double minCosine, long seed, double sketchSd, int localMax) {
        int bits = bands * bitsPerBand;
        BandJoin join = new BandJoin(bits, bands);
        Planes planes = new Planes(bits, seed);
        // Counted first (ids only): over the budget, no embedding is fetched to the driver in vain.
        if (localMax > 0 && faces.select("face_id").limit(localMax + 1).count() <= localMax) {
            // As beans: the embeddings arrive as float arrays, not half a million boxed floats per thousand faces.
            List<Face> rows = faces.select(col("face_id").as("faceId"), col("embedding"), col("quality"))
                    .as(Encoders.bean(Face.class)).collectAsList();
            return spark.createDataFrame(groups(rows, bands, bitsPerBand, minCosine, seed, sketchSd), RESULT);
        }
        long t0 = System.nanoTime();
        // Only the sketches are kept (tens of bytes a face); embeddings are read again for the faces in a set.
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
            int maxSketch = maxSketchDistance(bits, minCosine, sketchSd);
            // Each bucket sends its faces with a near sketch there, not their pairs (copies of one
            // viral photo would send the square of their number).
            Map<Long, List<Long>> buckets = new java.util.TreeMap<>();
            for (Row m : join.nearMembers(entries, maxSketch, BandJoin.partitions(spark)).collectAsList()) {
                buckets.computeIfAbsent(m.getLong(0), k -> new ArrayList<>()).add(m.getLong(1));
            }
            long t1 = System.nanoTime();
            Map<Integer, List<Long>> sets = gather(buckets.values(), localMax);
            List<long[]> edges = nearEdges(spark, join, sets, indexed, faces, maxSketch, minCosine);
            long t2 = System.nanoTime();
            List<Row> result = List.of();
            Collection<List<Long>> groups = UnionFind.groups(edges);
            if (!edges.isEmpty()) {
                Map<Long, Row> info = BandJoin.members(spark, indexed.select("idx", "face_id", "quality"), groups);
                result = withCanonical(groups, info, 1, 2);
            }
            if (LOG.isInfoEnabled()) { // counting the near faces is a pass over every member row: only when logged
                LOG.info("face dedup in Spark: {} groups holding {} faces; {} faces placed {} times in {} sets"
                        + " (sketches and band scan {} s, sets grouped {} s, canonical faces {} s)", groups.size(),
                        result.size(), buckets.values().stream().flatMap(List::stream).distinct().count(),
                        sets.values().stream().mapToInt(List::size).sum(), sets.size(), secs(t1 - t0),
                        secs(t2 - t1), secs(System.nanoTime() - t2));
            }
            return spark.createDataFrame(result, RESULT);
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
        List<long[]> edges = edges(join, sigs, emb, maxSketch, minCosine);
        if (edges.isEmpty()) return List.of();
        Map<Long, Row> info = new java.util.HashMap<>();
        for (long[] e : edges) {
            for (long m : e) info.put(m, RowFactory.create(rows.get((int) m).getFaceId(), null, rows.get((int) m).getQuality()));
        }
        return withCanonical(UnionFind.groups(edges), info, 0, 2);
    }

    /**
     * The joining pairs (by position) among faces in one JVM: the components of every pair that
     * shares a band, is within the sketch distance and passes the exact cosine
     * ({@link BandJoin#localEdges}); a failed pair is not tested again in a later band.
     */
    private static List<long[]> edges(BandJoin join, long[][] sigs, float[][] emb, int maxSketch, double minCosine) {
        int n = sigs.length;
        java.util.Set<Long> failed = new java.util.HashSet<>();
        return join.localEdges(sigs, n, (a, b) -> {
            if (BandJoin.hamming(sigs[a], sigs[b]) > maxSketch || failed.contains((long) a * n + b)) return false;
            boolean pass = cosine(emb[a], emb[b]) >= minCosine;
            if (!pass) failed.add((long) a * n + b);
            return pass;
        });
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

    /**
     * The sets' faces grouped exactly, each set in one task as on the driver ({@link #edges}: pairs
     * sharing a band, within the sketch distance, at or above the cosine). Every pair that passes
     * shares a bucket in which both faces have a near sketch, and that bucket lies wholly in one set
     * ({@link #gather}), so the sets together find the components of all passing pairs. Returns
     * the joining pairs (by idx), a spanning forest of them.
     */
    private static List<long[]> nearEdges(SparkSession spark, BandJoin join, Map<Integer, List<Long>> sets,
            Dataset<Row> indexed, Dataset<Row> faces, int maxSketch, double minCosine) {
        if (sets.isEmpty()) return List.of();
        List<Row> placed = new ArrayList<>();
        for (Map.Entry<Integer, List<Long>> set : sets.entrySet()) {
            for (long idx : set.getValue()) placed.add(RowFactory.create((long) set.getKey(), idx));
        }
        StructType setIdx = new StructType().add("set", DataTypes.LongType, false).add("idx", DataTypes.LongType, false);
        Dataset<Row> met = spark.createDataFrame(placed, setIdx)
                .join(indexed.select("idx", "face_id", "sig"), "idx")
                .join(faces.select("face_id", "embedding"), "face_id")
                .select("set", "idx", "sig", "embedding")
                .repartition(BandJoin.partitions(spark), col("set")).sortWithinPartitions("set");
        StructType ab = new StructType().add("a", DataTypes.LongType, false).add("b", DataTypes.LongType, false);
        List<long[]> out = new ArrayList<>();
        for (Row r : met.mapPartitions((org.apache.spark.api.java.function.MapPartitionsFunction<Row, Row>) it -> {
            List<Row> edges = new ArrayList<>();
            List<Row> set = new ArrayList<>();
            while (it.hasNext()) {
                Row r = it.next();
                if (!set.isEmpty() && set.get(0).getLong(0) != r.getLong(0)) {
                    joinSet(join, set, maxSketch, minCosine, edges);
                    set.clear();
                }
                set.add(r);
            }
            if (!set.isEmpty()) joinSet(join, set, maxSketch, minCosine, edges);
            return edges.iterator();
        }, Encoders.row(ab)).collectAsList()) {
            out.add(new long[] {r.getLong(0), r.getLong(1)});
        }
        return out;
    }

    /**
     * Buckets (lists of faces) into sets: a bucket joins the sets its faces are in, merged, when
     * the result holds at most maxSet faces; else it starts a set of its own (its faces then sit in
     * two sets). Every bucket ends wholly inside one set. Returns the sets' faces by set number.
     */
    static Map<Integer, List<Long>> gather(Collection<List<Long>> buckets, int maxSet) {
        Map<Long, Integer> home = new java.util.HashMap<>(); // the newest set a face is in
        Map<Integer, java.util.Set<Long>> sets = new java.util.HashMap<>();
        int next = 0;
        for (List<Long> bucket : buckets) {
            java.util.Set<Integer> touched = new java.util.TreeSet<>();
            List<Long> fresh = new ArrayList<>();
            for (long f : bucket) {
                Integer h = home.get(f);
                if (h == null) fresh.add(f);
                else touched.add(h);
            }
            if (touched.size() == 1 && fresh.isEmpty()) continue; // inside one set already: the usual case
            long size = fresh.size();
            for (int t : touched) size += sets.get(t).size(); // at most the merged size (sets may overlap)
            java.util.Set<Long> into;
            int id;
            if (!touched.isEmpty() && size <= maxSet) {
                // Smaller sets into the largest: each face moves O(log n) times over the whole run.
                id = touched.stream().max(Comparator.comparingInt((Integer t) -> sets.get(t).size())
                        .thenComparingInt(t -> -t)).orElseThrow();
                into = sets.get(id);
                for (int t : touched) {
                    if (t == id) continue;
                    for (long f : sets.remove(t)) {
                        into.add(f);
                        home.put(f, id);
                    }
                }
            } else {
                id = next++;
                into = new java.util.HashSet<>(bucket);
                sets.put(id, into);
                for (long f : bucket) home.put(f, id);
            }
            for (long f : fresh) {
                into.add(f);
                home.put(f, id);
            }
        }
        Map<Integer, List<Long>> out = new java.util.TreeMap<>();
        for (Map.Entry<Integer, java.util.Set<Long>> e : sets.entrySet()) {
            out.put(e.getKey(), e.getValue().stream().sorted().toList());
        }
        return out;
    }

    /** One set's rows (set, idx, sig, embedding): its joining pairs as rows (a, b). */
    private static void joinSet(BandJoin join, List<Row> set, int maxSketch, double minCosine, List<Row> edges) {
        int m = set.size();
        long[] idx = new long[m];
        long[][] sigs = new long[m][];
        float[][] emb = new float[m][];
        for (int i = 0; i < m; i++) {
            Row r = set.get(i);
            idx[i] = r.getLong(1);
            List<Object> s = r.getList(2);
            sigs[i] = new long[s.size()];
            for (int k = 0; k < s.size(); k++) sigs[i][k] = (Long) s.get(k);
            List<Object> e = r.getList(3);
            emb[i] = new float[e.size()];
            for (int k = 0; k < e.size(); k++) emb[i][k] = ((Number) e.get(k)).floatValue();
        }
        for (long[] e : edges(join, sigs, emb, maxSketch, minCosine)) {
            long a = idx[(int) e[0]];
            long b = idx[(int) e[1]];
            edges.add(RowFactory.create(Math.min(a, b), Math.max(a, b)));
        }
    }

    private static double cosine(float[] a, float[] b) {
        double dot = 0;
        for (int k = 0; k < a.length; k++) dot += (double) a[k] * b[k];
        return dot;
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
