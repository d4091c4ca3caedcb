package dev.facepipe.dedup;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.monotonically_increasing_id;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Near-duplicate images by perceptual hash, in Spark: the 64 bits are cut into bands and images
 * sharing a band are compared ({@link BandJoin}, optionally over several bandings: tables); pairs within maxHamming bits are near-duplicates,
 * also mirrored ones when asked (the image's hash is filed a second time as {@link PHash#mirrored}).
 * Groups are connected components; every member but the best copy (most pixels, then earliest,
 * then lowest id) points to it. With b bands a pair up to b-1 bits apart always shares a band;
 * further pairs are found with a probability that `facepipe bench dedup` measures against brute force.
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
    public static Dataset<Row> duplicateOf(SparkSession spark, Dataset<Row> images, int bands, int maxHamming,
            boolean mirror) {
        return duplicateOf(spark, images, bands, 1, 0, maxHamming, mirror);
    }

    /**
     * As above with {@code tables} bandings (each further one over a permutation of the bits drawn
     * from seed), in Spark, every near pair of a bucket sent.
     */
    public static Dataset<Row> duplicateOf(SparkSession spark, Dataset<Row> images, int bands, int tables, long seed,
            int maxHamming, boolean mirror) {
        return duplicateOf(spark, images, bands, tables, seed, maxHamming, mirror, 0, BandJoin.EVERY_PAIR);
    }

    /** As below, with a run's settings. */
    public static Dataset<Row> duplicateOf(SparkSession spark, Dataset<Row> images, ImageDedupSettings s) {
        return duplicateOf(spark, images, s.bands(), s.tables(), s.seed(), s.maxHamming(), s.mirror(), s.localMax(),
                s.bucketMaxPairs());
    }

    /** Rows already in the driver's memory (see the positional form below), with a run's settings. */
    public static List<Row> duplicateOf(List<Row> rows, ImageDedupSettings s) {
        return duplicateOf(rows, s.bands(), s.tables(), s.seed(), s.maxHamming(), s.mirror());
    }

    /**
     * As above; when the images hold at most {@code localMax} hashes they are compared on the
     * driver with the same bands (the same pairs, without a dozen small Spark jobs). A band bucket
     * with more than {@code bucketMaxPairs} near pairs sends a spanning forest of them instead
     * (the same groups; thousands of copies of one photo cost thousands of rows, not millions).
     */
    public static Dataset<Row> duplicateOf(SparkSession spark, Dataset<Row> images, int bands, int tables, long seed,
            int maxHamming, boolean mirror, int localMax, int bucketMaxPairs) {
        BandJoin join = new BandJoin(64, bands, tables, seed);
        if (localMax > 0) {
            List<Row> rows = images.where(col("phash").isNotNull())
                    .select(col("image_id"), col("phash"), col("pixels"), col("ingested_at"))
                    .limit(localMax + 1).collectAsList();
            if (rows.size() <= localMax) {
                return spark.createDataFrame(duplicateOf(rows, bands, tables, seed, maxHamming, mirror), RESULT);
            }
        }
        Dataset<Row> hashed = images.where(col("phash").isNotNull())
                .select(col("image_id"), col("phash"), col("pixels"), col("ingested_at"),
                        monotonically_increasing_id().as("idx"))
                .persist();
        try {
            List<long[]> pairs = new ArrayList<>();
            for (Row p : join.pairs(entries(hashed, join, mirror), maxHamming, BandJoin.partitions(spark),
                    bucketMaxPairs).collectAsList()) {
                pairs.add(new long[] {p.getLong(0), p.getLong(1)});
            }
            if (pairs.isEmpty()) return spark.createDataFrame(List.of(), RESULT);
            Collection<List<Long>> groups = UnionFind.groups(pairs);
            return spark.createDataFrame(pointToBest(groups, BandJoin.members(spark, hashed, groups)), RESULT);
        } finally {
            hashed.unpersist();
        }
    }

    /**
     * Rows image_id, phash (not null), pixels, ingested_at already in the driver's memory, compared
     * there: the same bands and groups as the Spark path, as rows of {@link #RESULT}.
     */
    public static List<Row> duplicateOf(List<Row> rows, int bands, int tables, long seed, int maxHamming,
            boolean mirror) {
        return local(new BandJoin(64, bands, tables, seed), rows, maxHamming, mirror);
    }

    /**
     * Rows image_id, phash, pixels, ingested_at compared in this JVM (idx is the position): the
     * same groups as in Spark ({@link BandJoin#localEdges}), near-linear for photos copied hundreds of times.
     */
    static List<Row> local(BandJoin join, List<Row> rows, int maxHamming, boolean mirror) {
        int n = rows.size();
        // Entries 0..n-1 are the hashes, n..2n-1 the mirrored hashes.
        long[][] sigs = new long[mirror ? 2 * n : n][];
        for (int i = 0; i < n; i++) {
            sigs[i] = new long[] {rows.get(i).getLong(1)};
            if (mirror) sigs[n + i] = new long[] {PHash.mirrored(sigs[i][0])};
        }
        // Two mirrored hashes compare as the plain pair does.
        List<long[]> pairs = join.localEdges(sigs, n,
                (x, y) -> x < n && Long.bitCount(sigs[x][0] ^ sigs[y][0]) <= maxHamming);
        if (pairs.isEmpty()) return List.of();
        Map<Long, Row> info = new java.util.HashMap<>();
        for (long[] p : pairs) for (long m : p) info.put(m, rows.get((int) m));
        return pointToBest(UnionFind.groups(pairs), info);
    }

    /** Every member but the best copy (most pixels, then earliest, then lowest id) points to it. */
    private static List<Row> pointToBest(Collection<List<Long>> groups, Map<Long, Row> info) {
        Comparator<Long> best = Comparator.<Long>comparingLong(i -> -info.get(i).getLong(2))
                .thenComparingLong(i -> info.get(i).getLong(3))
                .thenComparing(i -> info.get(i).getString(0));
        List<Row> out = new ArrayList<>();
        for (List<Long> g : groups) {
            long keep = g.stream().min(best).orElseThrow();
            for (long m : g) {
                if (m != keep) out.add(RowFactory.create(info.get(m).getString(0), info.get(keep).getString(0)));
            }
        }
        return out;
    }

    private static Dataset<Row> entries(Dataset<Row> hashed, BandJoin join, boolean mirror) {
        return hashed.select("idx", "phash").flatMap((FlatMapFunction<Row, Row>) r -> {
            long h = r.getLong(1);
            List<Row> out = new ArrayList<>(join.entries(r.getLong(0), new long[] {h}, false));
            if (mirror) out.addAll(join.entries(r.getLong(0), new long[] {PHash.mirrored(h)}, true));
            return out.iterator();
        }, Encoders.row(BandJoin.ENTRY));
    }
}
