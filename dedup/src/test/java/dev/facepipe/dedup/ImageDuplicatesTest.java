package dev.facepipe.dedup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ImageDuplicatesTest {
    private static SparkSession spark;
    private static final StructType IMAGES = new StructType().add("image_id", DataTypes.StringType)
            .add("phash", DataTypes.LongType).add("pixels", DataTypes.LongType).add("ingested_at", DataTypes.LongType);

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[2]").appName("dedup-test")
                .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.ui.enabled", false).config("spark.sql.shuffle.partitions", 4).getOrCreate();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void nearCopiesPointToTheLargestThenEarliestCopy() {
        long a = 0x0e9f71708f8e8c71L;
        long b = a ^ 0b111L; // 3 bits away
        long e = b ^ (0b11L << 20); // 2 more bits away from b, 5 from a
        long c = a ^ 0xFFF0000000000000L; // 12 bits away: over the threshold
        long d = 0x123456789abcdef0L; // unrelated
        long f = a; // same hash, smaller and later than a
        List<Row> rows = List.of(
                RowFactory.create("a", a, 1_000_000L, 10L),
                RowFactory.create("b", b, 4_000_000L, 20L),
                RowFactory.create("c", c, 9_000_000L, 5L),
                RowFactory.create("d", d, 1_000_000L, 1L),
                RowFactory.create("e", e, 250_000L, 30L),
                RowFactory.create("f", f, 1_000_000L, 11L),
                RowFactory.create("g", null, 1L, 1L));
        Map<String, String> dup = ImageDuplicates.duplicateOf(spark, spark.createDataFrame(rows, IMAGES), 4, 10, false)
                .collectAsList().stream().collect(Collectors.toMap(r -> r.getString(0), r -> r.getString(1)));
        assertEquals(Map.of("a", "b", "e", "b", "f", "b"), dup);
    }

    @Test
    void equalSizeCopiesKeepTheEarliest() {
        long h = 0x00ff00ff00ff00ffL;
        List<Row> rows = List.of(RowFactory.create("late", h, 100L, 50L), RowFactory.create("early", h ^ 1, 100L, 5L));
        List<Row> dup = ImageDuplicates.duplicateOf(spark, spark.createDataFrame(rows, IMAGES), 4, 10, false).collectAsList();
        assertEquals(1, dup.size());
        assertEquals("late", dup.get(0).getString(0));
        assertEquals("early", dup.get(0).getString(1));
    }

    /** The driver path (under localMax) and the Spark path give the same duplicate_of for every image. */
    @Test
    void theDriverPathEqualsTheSparkPath() {
        java.util.Random r = new java.util.Random(8);
        List<Row> rows = new java.util.ArrayList<>();
        for (int i = 0; i < 300; i++) {
            long base = r.nextLong();
            for (int k = 0; k < 1 + r.nextInt(3); k++) {
                long h = k == 2 ? PHash.mirrored(base) : base;
                for (int f = r.nextInt(9); f > 0; f--) h ^= 1L << r.nextInt(64);
                rows.add(RowFactory.create(String.format("i%03d-%d", i, k), h, 1000L * r.nextInt(5), (long) r.nextInt(9)));
            }
        }
        var df = spark.createDataFrame(rows, IMAGES);
        Map<String, String> viaSpark = ImageDuplicates.duplicateOf(spark, df, 8, 2, 3, 8, true, 0, BandJoin.EVERY_PAIR).collectAsList().stream()
                .collect(Collectors.toMap(x -> x.getString(0), x -> x.getString(1)));
        Map<String, String> onDriver = ImageDuplicates.duplicateOf(spark, df, 8, 2, 3, 8, true, rows.size(), BandJoin.EVERY_PAIR).collectAsList()
                .stream().collect(Collectors.toMap(x -> x.getString(0), x -> x.getString(1)));
        assertTrue(viaSpark.size() > 100, "many duplicates: " + viaSpark.size());
        assertEquals(viaSpark, onDriver);
        // One hash over the limit: the Spark path is taken, with the same answer, also when every
        // bucket with more than one near pair sends a spanning forest instead of its pairs.
        assertEquals(viaSpark, ImageDuplicates.duplicateOf(spark, df, 8, 2, 3, 8, true, rows.size() - 1, 1).collectAsList()
                .stream().collect(Collectors.toMap(x -> x.getString(0), x -> x.getString(1))));
    }
}
