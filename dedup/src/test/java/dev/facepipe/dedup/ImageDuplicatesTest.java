package dev.facepipe.dedup;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
