package dev.facepipe.dedup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facepipe.testing.BruteForce;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class BandJoinTest {
    private static SparkSession spark;
    private static final StructType IMAGES = new StructType().add("image_id", DataTypes.StringType)
            .add("phash", DataTypes.LongType).add("pixels", DataTypes.LongType).add("ingested_at", DataTypes.LongType);

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[2]").appName("band-join-test")
                .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.ui.enabled", false).config("spark.sql.shuffle.partitions", 4).getOrCreate();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static long flip(Random r, long h, int bits) {
        Set<Integer> at = new HashSet<>();
        while (at.size() < bits) at.add(r.nextInt(64));
        for (int b : at) h ^= 1L << b;
        return h;
    }

    /** Every pair within the threshold, by brute force over all pairs (mirrored too when asked). */
    private static Set<String> bruteForce(List<Long> h, int t, boolean mirror) {
        return BruteForce.hashPairsWithin(h.stream().mapToLong(Long::longValue).toArray(), t,
                mirror ? PHash::mirrored : null);
    }

    private static Set<String> banded(List<Long> h, int bands, int t, boolean mirror) {
        return banded(h, new BandJoin(64, bands), t, mirror);
    }

    private static Set<String> banded(List<Long> h, BandJoin join, int t, boolean mirror) {
        List<Row> entries = new ArrayList<>();
        for (int i = 0; i < h.size(); i++) {
            entries.addAll(join.entries(i, new long[] {h.get(i)}, false));
            if (mirror) entries.addAll(join.entries(i, new long[] {PHash.mirrored(h.get(i))}, true));
        }
        List<Row> pairs = join.pairs(spark.createDataFrame(entries, BandJoin.ENTRY), t, 4, BandJoin.EVERY_PAIR)
                .collectAsList();
        Set<String> out = new HashSet<>();
        for (Row p : pairs) assertTrue(out.add(p.getLong(0) + "-" + p.getLong(1)) || mirror, "each pair once: " + p);
        return out;
    }

    @Test
    void pairsCloserThanTheBandCountAreAllFoundAndNothingElse() {
        Random r = new Random(3);
        List<Long> h = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            long base = r.nextLong();
            h.add(base);
            h.add(flip(r, base, r.nextInt(8))); // 0..7 bits: 8 bands guarantee a shared band
        }
        Set<String> truth = bruteForce(h, 7, false);
        assertTrue(truth.size() >= 300);
        assertEquals(truth, banded(h, 8, 7, false));
    }

    @Test
    void aSecondPermutedTableFindsMostPairsThatSpreadOverEveryBand() {
        Random r = new Random(5);
        List<Long> h = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            long base = r.nextLong();
            h.add(base);
            h.add(flip(r, base, 10));
        }
        Set<String> truth = bruteForce(h, 10, false);
        Set<String> one = banded(h, new BandJoin(64, 8, 1, 9), 10, false);
        Set<String> two = banded(h, new BandJoin(64, 8, 2, 9), 10, false);
        assertTrue(truth.containsAll(two), "no pair over the threshold");
        assertTrue(two.containsAll(one));
        assertTrue(one.size() < truth.size() * 0.98, "one table misses pairs 10 bits apart: " + one.size());
        assertTrue(two.size() >= truth.size() * 0.99, "two tables find them: " + two.size() + "/" + truth.size());
    }

    @Test
    void mirroredCopiesAreFoundOnlyWhenAsked() {
        Random r = new Random(4);
        List<Long> h = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            long base = r.nextLong();
            h.add(base);
            h.add(flip(r, PHash.mirrored(base), r.nextInt(4)));
        }
        Set<String> truth = bruteForce(h, 6, true);
        assertTrue(truth.size() >= 100);
        assertEquals(truth, banded(h, 8, 6, true));
        assertEquals(bruteForce(h, 6, false), banded(h, 8, 6, false));
    }

    @Test
    void thousandsOfIdenticalHashesChainToOneGroupCheaply() {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 3000; i++) rows.add(RowFactory.create(String.format("img%05d", i), 42L, 100L, (long) i));
        rows.add(RowFactory.create("other", 0x5555aaaa5555aaaaL, 100L, 0L));
        Map<String, String> dup = ImageDuplicates.duplicateOf(spark, spark.createDataFrame(rows, IMAGES), 8, 10, true)
                .collectAsList().stream().collect(Collectors.toMap(x -> x.getString(0), x -> x.getString(1)));
        assertEquals(2999, dup.size());
        assertTrue(dup.values().stream().allMatch("img00000"::equals), "the earliest copy");
    }

    /** Groups of ids 0..n-1 by these pairs (singletons left out), as sorted lists: comparable. */
    private static Set<List<Long>> components(List<long[]> pairs) {
        Set<List<Long>> out = new HashSet<>();
        for (List<Long> g : UnionFind.groups(pairs)) out.add(g.stream().sorted().toList());
        return out;
    }

    private static List<long[]> asPairs(List<Row> rows) {
        return rows.stream().map(p -> new long[] {p.getLong(0), p.getLong(1)}).toList();
    }

    /**
     * Hundreds of near copies of two photos (a few bits apart, so almost every pair of copies is
     * within the threshold): a bucket over the cap sends a spanning forest of its pairs, far fewer
     * rows than its pairs, with exactly the groups brute force finds.
     */
    @Test
    void aDenseBucketSendsAForestWithTheSameGroups() {
        Random r = new Random(11);
        List<Long> h = new ArrayList<>();
        long[] photos = {r.nextLong(), r.nextLong()};
        for (int i = 0; i < 800; i++) h.add(flip(r, photos[i % 2], r.nextInt(4)));
        for (int i = 0; i < 200; i++) h.add(r.nextLong()); // unrelated, mostly alone in their buckets
        h.add(PHash.mirrored(photos[0])); // a mirrored copy joins photo 0's group through a mixed pair
        BandJoin join = new BandJoin(64, 8);
        List<Row> entries = new ArrayList<>();
        for (int i = 0; i < h.size(); i++) {
            entries.addAll(join.entries(i, new long[] {h.get(i)}, false));
            entries.addAll(join.entries(i, new long[] {PHash.mirrored(h.get(i))}, true));
        }
        List<long[]> truth = new ArrayList<>();
        for (String p : bruteForce(h, 7, true)) {
            String[] ab = p.split("-");
            truth.add(new long[] {Long.parseLong(ab[0]), Long.parseLong(ab[1])});
        }
        List<Row> forest = join.pairs(spark.createDataFrame(entries, BandJoin.ENTRY), 7, 4, 100).collectAsList();
        assertTrue(truth.size() > 100_000, "dense: " + truth.size());
        assertTrue(forest.size() < 8 * h.size(), "at most a forest per band: " + forest.size());
        assertEquals(components(truth), components(asPairs(forest)));
        assertEquals(2, components(truth).stream().filter(g -> g.size() >= 400).count());
    }

    /**
     * Near members: per bucket, the items with a near item there (identical hashes included, each
     * named), never pairs; an item near nothing is in no bucket's list.
     */
    @Test
    void nearMembersNameTheItemsWithANearItemInTheirBucket() {
        Random r = new Random(12);
        List<Long> h = new ArrayList<>();
        long base = r.nextLong();
        for (int i = 0; i < 300; i++) h.add(flip(r, base, r.nextInt(3)));
        h.add(~base); // shares no band with the copies
        h.add(base ^ 0xffffL); // shares bands 2..7 with the base, but 16 bits away from every copy
        BandJoin join = new BandJoin(64, 8);
        List<Row> entries = new ArrayList<>();
        for (int i = 0; i < h.size(); i++) entries.addAll(join.entries(i, new long[] {h.get(i)}, false));
        List<Row> rows = join.nearMembers(spark.createDataFrame(entries, BandJoin.ENTRY), 7, 4).collectAsList();
        Map<Long, Set<Long>> byBucket = new java.util.HashMap<>();
        for (Row m : rows) assertTrue(byBucket.computeIfAbsent(m.getLong(0), k -> new HashSet<>()).add(m.getLong(1)));
        for (int band = 0; band < 8; band++) {
            Set<Long> ofBase = byBucket.get(join.key(new long[] {base}, band));
            assertTrue(ofBase.size() > 150, "band " + band + "'s bucket of the base: " + ofBase.size());
        }
        for (Map.Entry<Long, Set<Long>> b : byBucket.entrySet()) {
            int band = (int) (b.getKey() >>> 58);
            for (long m : b.getValue()) assertEquals(b.getKey(), join.key(new long[] {h.get((int) m)}, band));
            assertTrue(b.getValue().size() >= 2, "a near item has a near item: " + b.getValue());
            assertTrue(!b.getValue().contains(300L) && !b.getValue().contains(301L), "no lone item: " + b.getValue());
        }
        assertTrue(rows.size() <= 8 * 300, "at most one row per item and band: " + rows.size());
        assertEquals(Encoders.row(BandJoin.MEMBER).schema(), BandJoin.MEMBER);
    }

    @Test
    void longSignaturesAreCutIntoBandsAcrossWords() {
        BandJoin join = new BandJoin(264, 22);
        long[] sig = new long[5];
        sig[0] = -1L; // bits 0..63 set: bands 0..4 full, band 5 (bits 60..71) has its first 4 bits
        assertEquals(4095, join.bandValue(sig, 0));
        assertEquals(0b1111, join.bandValue(sig, 5));
        assertEquals(0, join.bandValue(sig, 21));
        Random r = new Random(6);
        long[] any = new long[5];
        for (int t = 0; t < 100; t++) { // consecutive bands take a shortcut: the same values as bit by bit
            for (int w = 0; w < any.length; w++) any[w] = r.nextLong();
            for (int b = 0; b < 22; b++) {
                long bitByBit = 0;
                for (int k = 0; k < 12; k++) bitByBit |= ((any[(b * 12 + k) >>> 6] >>> ((b * 12 + k) & 63)) & 1L) << k;
                assertEquals(bitByBit, join.bandValue(any, b), "band " + b);
            }
        }
        assertEquals(22, join.entries(7, sig, false).size());
        assertEquals(21L << 58, join.entries(7, sig, false).get(21).getLong(0));
        assertEquals(Encoders.row(BandJoin.PAIR).schema(), BandJoin.PAIR);
    }
}
