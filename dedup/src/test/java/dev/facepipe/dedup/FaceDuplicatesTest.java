package dev.facepipe.dedup;

import static org.junit.jupiter.api.Assertions.assertEquals;

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

    @Test
    void nearDuplicateFacesFormGroupsAroundTheirBestFace() {
        Random r = new Random(1);
        float[] a = unit(r, null, 1);
        float[] b = unit(r, null, 1);
        List<Row> rows = List.of(
                face("a1", unit(r, a, 0.005), 0.6f), face("a2", unit(r, a, 0.005), 0.9f), face("a3", unit(r, a, 0.005), 0.7f),
                face("b1", unit(r, b, 0.005), 0.5f), face("b2", unit(r, b, 0.005), 0.5f),
                face("lone", unit(r, null, 1), 0.99f));
        Map<String, Row> out = FaceDuplicates.groups(spark, spark.createDataFrame(rows, FACES), 8, 8, 0.9, 7)
                .collectAsList().stream().collect(Collectors.toMap(x -> x.getString(0), x -> x));
        assertEquals(5, out.size(), "the lone face is in no group");
        for (String id : new String[] {"a1", "a2", "a3"}) assertEquals("a2", out.get(id).getString(1));
        assertEquals(true, out.get("a2").getBoolean(2));
        assertEquals(false, out.get("a1").getBoolean(2));
        assertEquals("b1", out.get("b2").getString(1), "equal quality: the lower id");
    }
}
