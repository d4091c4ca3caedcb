package dev.facepipe.dedup;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.shiftrightunsigned;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Near-duplicate images by perceptual hash, in Spark: the 64 bits are cut into bands; images that
 * share a band exactly become candidate pairs (a join on band, so the cost follows the number of
 * colliding pairs, not all pairs); candidates within maxHamming bits are near-duplicates; groups are
 * connected components; every member but the best copy (most pixels, then earliest, then lowest id)
 * points to it. Pairs further apart than one band allows can be missed: `facepipe bench dedup`
 * measures that recall against brute force.
 */
public final class ImageDuplicates {
    private ImageDuplicates() {}

    public static final StructType RESULT = new StructType()
            .add("image_id", DataTypes.StringType, false)
            .add("duplicate_of", DataTypes.StringType, false);

    /**
     * @param images columns image_id, phash (long, nullable), pixels (long), ingested_at (long)
     * @return image_id and duplicate_of for every image that has a better near-duplicate copy
     */
    public static Dataset<Row> duplicateOf(SparkSession spark, Dataset<Row> images, int bands, int maxHamming) {
        if (bands < 1 || bands > 64) throw new IllegalArgumentException("bands must be 1..64, got " + bands);
        Dataset<Row> hashed = images.where(col("phash").isNotNull())
                .select("image_id", "phash", "pixels", "ingested_at");
        Dataset<Row> banded = hashed.withColumn("band", explode(array(bandKeys(col("phash"), bands))));
        Dataset<Row> a = banded.select(col("band"), col("image_id").as("a"), col("phash").as("ha"));
        Dataset<Row> b = banded.select(col("band"), col("image_id").as("b"), col("phash").as("hb"));
        List<Row> pairs = a.join(b, "band").where(col("a").lt(col("b")))
                .select("a", "b", "ha", "hb").distinct()
                .where(expr("bit_count(ha ^ hb) <= " + maxHamming))
                .select("a", "b").collectAsList();
        if (pairs.isEmpty()) return spark.createDataFrame(List.of(), RESULT);
        java.util.Collection<List<String>> groups = UnionFind.groups(pairs);
        List<String> ids = groups.stream().flatMap(List::stream).toList();
        Map<String, Row> info = new HashMap<>();
        for (Row r : hashed.where(col("image_id").isin(ids.toArray())).collectAsList()) info.put(r.getString(0), r);
        Comparator<String> best = Comparator.<String>comparingLong(id -> -info.get(id).getLong(2))
                .thenComparingLong(id -> info.get(id).getLong(3)).thenComparing(Comparator.naturalOrder());
        List<Row> out = new ArrayList<>();
        for (List<String> g : groups) {
            String keep = g.stream().min(best).orElseThrow();
            for (String m : g) if (!m.equals(keep)) out.add(org.apache.spark.sql.RowFactory.create(m, keep));
        }
        return spark.createDataFrame(out, RESULT);
    }

    /** One key per band: band number in the high bits, the band's bits in the low bits. */
    static Column[] bandKeys(Column phash, int bands) {
        Column[] keys = new Column[bands];
        int start = 0;
        for (int i = 0; i < bands; i++) {
            int width = 64 / bands + (i < 64 % bands ? 1 : 0);
            long mask = width == 64 ? -1L : (1L << width) - 1;
            keys[i] = lit((long) i << 58).bitwiseXOR(shiftrightunsigned(phash, start).bitwiseAND(lit(mask)));
            start += width;
        }
        return keys;
    }
}
