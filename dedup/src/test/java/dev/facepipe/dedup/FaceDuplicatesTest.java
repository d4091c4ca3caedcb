package dev.facepipe.dedup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class FaceDuplicatesTest {
    private static SparkSession spark;
    private static final StructType FACES = new StructType().add("face_id", DataTypes.StringType)
            .add("embedding", DataTypes.createArrayType(DataTypes.FloatType, false)).add("quality", DataTypes.FloatType);

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[2]").appName("face-dedup-test")
                .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.ui.enabled", false).config("spark.sql.shuffle.partitions", 4).getOrCreate();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static float[] unit(Random r, float[] base, double noise) {
        float[] v = new float[512];
        double ss = 0;
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) ((base == null ? 0 : base[i]) + noise * r.nextGaussian());
            ss += v[i] * v[i];
        }
        for (int i = 0; i < v.length; i++) v[i] /= (float) Math.sqrt(ss);
        return v;
    }

    private static Row face(String id, float[] e, float q) {
        List<Float> l = new ArrayList<>();
        for (float f : e) l.add(f);
        return RowFactory.create(id, scala.jdk.javaapi.CollectionConverters.asScala(l).toList(), q);
    }

    /** A unit vector at exactly this cosine to v (v rotated towards a random orthogonal direction). */
    private static float[] atCosine(Random r, float[] v, double c) {
        float[] u = unit(r, null, 1);
        double dot = 0;
        for (int i = 0; i < v.length; i++) dot += u[i] * v[i];
        double nn = 0;
        for (int i = 0; i < v.length; i++) {
            u[i] -= (float) (dot * v[i]);
            nn += u[i] * u[i];
        }
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) out[i] = (float) (c * v[i] + Math.sqrt(1 - c * c) * u[i] / Math.sqrt(nn));
        return out;
    }

    private static double cos(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += (double) a[i] * b[i];
        return s;
    }

    @Test
    void pairsAtTheThresholdAreFoundAsBruteForceFindsThem() {
        Random r = new Random(2);
        List<float[]> e = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            float[] v = unit(r, null, 1);
            e.add(v);
            e.add(atCosine(r, v, 0.90 + 0.04 * r.nextDouble())); // straddles the 0.92 threshold
        }
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < e.size(); i++) rows.add(face(String.format("f%03d", i), e.get(i), 0.5f));
        Map<String, String> cluster = FaceDuplicates.groups(spark, spark.createDataFrame(rows, FACES), 22, 12, 0.92,
                1234, 4).collectAsList().stream().collect(Collectors.toMap(x -> x.getString(0), x -> x.getString(1)));
        int truth = 0;
        for (int i = 0; i < e.size(); i += 2) {
            String a = String.format("f%03d", i);
            String b = String.format("f%03d", i + 1);
            if (cos(e.get(i), e.get(i + 1)) >= 0.92) {
                truth++;
                assertEquals(cluster.get(a), cluster.get(b), a + " and " + b + " are near-duplicates");
                assertEquals(a, cluster.get(a), "equal quality: the lower id is canonical");
            } else {
                assertEquals(null, cluster.get(a), a + " is under the threshold with every face");
            }
        }
        assertTrue(truth > 50 && truth < 150, "the set straddles the threshold: " + truth);
        assertEquals(2 * truth, cluster.size());
    }

    /**
     * Groups of faces around the threshold: many candidate pairs fail the exact cosine, so the
     * spanning forest is rebuilt over several rounds; the groups must still be exactly the connected
     * components of every pair at or above the threshold (brute force).
     */
    @Test
    void groupsAreTheComponentsOfAllPassingPairs() {
        Random r = new Random(5);
        List<float[]> e = new ArrayList<>();
        for (int g = 0; g < 40; g++) {
            float[] center = unit(r, null, 1);
            for (int k = 0; k < 6; k++) e.add(atCosine(r, center, 0.93 + 0.06 * r.nextDouble()));
        }
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < e.size(); i++) rows.add(face(String.format("f%03d", i), e.get(i), (i % 7) / 7f));
        // 40 bands of 8 bits: a pair at the threshold misses every band with p ~ 1e-7 (the defaults
        // trade that for speed), so any difference from brute force is the grouping's, not the LSH's.
        Map<String, String> cluster = FaceDuplicates.groups(spark, spark.createDataFrame(rows, FACES), 40, 8, 0.92,
                99, 4).collectAsList().stream().collect(Collectors.toMap(x -> x.getString(0), x -> x.getString(1)));
        Map<String, Row> onDriver = FaceDuplicates.groups(spark, spark.createDataFrame(rows, FACES), 40, 8, 0.92,
                99, 4, rows.size()).collectAsList().stream()
                .collect(Collectors.toMap(x -> x.getString(0), x -> x));
        assertEquals(cluster, onDriver.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey,
                x -> x.getValue().getString(1))), "the driver path (under localMax) groups as the Spark path");
        // Over localMax (100 of 240 faces): sets of up to 100 faces, grouped alike.
        assertEquals(cluster, FaceDuplicates.groups(spark, spark.createDataFrame(rows, FACES), 40, 8, 0.92, 99, 4, 100)
                .collectAsList().stream().collect(Collectors.toMap(x -> x.getString(0), x -> x.getString(1))),
                "sets of 100 group as one set per bucket");
        List<long[]> pairs = new ArrayList<>();
        int failing = 0;
        for (int i = 0; i < e.size(); i++) {
            for (int j = i + 1; j < e.size(); j++) {
                double c = cos(e.get(i), e.get(j));
                if (c >= 0.92) pairs.add(new long[] {i, j});
                else if (c > 0.85) failing++;
            }
        }
        assertTrue(failing > 100, "many pairs just under the threshold: " + failing);
        int grouped = 0;
        for (List<Long> g : UnionFind.groups(pairs)) {
            String first = cluster.get(String.format("f%03d", g.get(0)));
            for (long m : g) assertEquals(first, cluster.get(String.format("f%03d", m)), "f" + m + " in " + g);
            grouped += g.size();
        }
        assertEquals(grouped, cluster.size(), "no face grouped beyond the brute-force components");
        assertEquals(UnionFind.groups(pairs).size(), cluster.values().stream().distinct().count(),
                "one group per component (none merged, none split)");
    }

    @Test
    void theSketchMarginWidensWithTheDeviationsAsked() {
        int at = FaceDuplicates.maxSketchDistance(264, 0.92, 0);
        assertEquals(Math.ceil(264 * Math.acos(0.92) / Math.PI), at, 1e-9);
        assertTrue(FaceDuplicates.maxSketchDistance(264, 0.92, 4) > at + 15);
    }

    @Test
    void nearDuplicateFacesFormGroupsAroundTheirBestFace() {
        Random r = new Random(1);
        float[] a = unit(r, null, 1);
        float[] b = unit(r, null, 1);
        List<Row> rows = List.of(
                face("a1", unit(r, a, 0.005), 0.6f), face("a2", unit(r, a, 0.005), 0.9f), face("a3", unit(r, a, 0.005), 0.7f),
                face("b1", unit(r, b, 0.005), 0.5f), face("b2", unit(r, b, 0.005), 0.5f),
                face("lone", unit(r, null, 1), 0.99f));
        Map<String, Row> out = FaceDuplicates.groups(spark, spark.createDataFrame(rows, FACES), 8, 8, 0.9, 7, 4)
                .collectAsList().stream().collect(Collectors.toMap(x -> x.getString(0), x -> x));
        assertEquals(out, FaceDuplicates.groups(spark, spark.createDataFrame(rows, FACES), 8, 8, 0.9, 7, 4, 100)
                .collectAsList().stream().collect(Collectors.toMap(x -> x.getString(0), x -> x)), "driver path");
        assertEquals(5, out.size(), "the lone face is in no group");
        for (String id : new String[] {"a1", "a2", "a3"}) assertEquals("a2", out.get(id).getString(1));
        assertEquals(true, out.get("a2").getBoolean(2));
        assertEquals(false, out.get("a1").getBoolean(2));
        assertEquals("b1", out.get("b2").getString(1), "equal quality: the lower id");
    }

    /**
     * Two thousand re-encodes of one face (and a few of another) share their buckets in every band:
     * over the cap, those buckets are grouped where they are scanned, and the result is one group
     * per face with its best copy canonical, as on the driver.
     */
    @Test
    void thousandsOfCopiesOfOneFaceFormOneGroupWithoutTheirPairs() {
        Random r = new Random(8);
        float[] a = unit(r, null, 1);
        float[] b = unit(r, null, 1);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 2000; i++) rows.add(face(String.format("a%04d", i), unit(r, a, 0.01), i == 1234 ? 0.9f : 0.5f));
        for (int i = 0; i < 30; i++) rows.add(face(String.format("b%02d", i), unit(r, b, 0.01), 0.5f));
        for (int i = 0; i < 100; i++) rows.add(face(String.format("z%03d", i), unit(r, null, 1), 0.5f));
        Map<String, Row> out = FaceDuplicates.groups(spark, spark.createDataFrame(rows, FACES), 22, 12, 0.92, 1234, 4,
                0).collectAsList().stream()
                .collect(Collectors.toMap(x -> x.getString(0), x -> x));
        assertEquals(2030, out.size(), "every copy grouped, no unrelated face");
        assertTrue(out.entrySet().stream().filter(e -> e.getKey().startsWith("a"))
                .allMatch(e -> e.getValue().getString(1).equals("a1234")), "the best copy of a is canonical");
        assertTrue(out.entrySet().stream().filter(e -> e.getKey().startsWith("b"))
                .allMatch(e -> e.getValue().getString(1).equals("b00")), "b's copies: the lowest id");
        assertEquals(2, out.values().stream().filter(x -> x.getBoolean(2)).count());
        // Buckets gathered into sets of up to 1500 faces (a bigger bucket: a set of its own) group alike.
        assertEquals(out, FaceDuplicates.groups(spark, spark.createDataFrame(rows, FACES), 22, 12, 0.92, 1234, 4,
                1500).collectAsList().stream()
                .collect(Collectors.toMap(x -> x.getString(0), x -> x)));
    }

    @Test
    void denseBucketsGatherIntoSetsThatHoldEachBucketWhole() {
        List<List<Long>> buckets = List.of(List.of(1L, 2L, 3L), List.of(3L, 4L), List.of(10L, 11L),
                List.of(4L, 5L, 6L, 7L), List.of(11L, 1L), List.of(20L, 21L, 22L, 23L, 24L, 25L, 26L));
        Map<Integer, List<Long>> sets = FaceDuplicates.gather(buckets, 6);
        for (List<Long> b : buckets) {
            assertTrue(sets.values().stream().anyMatch(set -> set.containsAll(b)), b + " wholly in a set: " + sets);
        }
        assertTrue(sets.values().stream().allMatch(set -> set.size() <= 6 || set.size() == 7), "" + sets);
        // {4..7} would make 7: a set of its own (face 4 in two sets); {11, 1} then merges {1..4} and {10, 11}.
        assertTrue(sets.containsValue(List.of(1L, 2L, 3L, 4L, 10L, 11L)), "shared faces merge while there is room: "
                + sets);
        assertTrue(sets.containsValue(List.of(4L, 5L, 6L, 7L)), "" + sets);
        assertEquals(3, sets.size(), "" + sets);
    }
}
