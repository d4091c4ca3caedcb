package dev.facepipe.dedup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        Set<String> out = new HashSet<>();
        for (int i = 0; i < h.size(); i++) {
            for (int j = i + 1; j < h.size(); j++) {
                int d = PHash.hamming(h.get(i), h.get(j));
                if (mirror) d = Math.min(d, PHash.hamming(h.get(i), PHash.mirrored(h.get(j))));
                if (d <= t) out.add(i + "-" + j);
            }
        }
        return out;
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
        List<Row> pairs = join.pairs(spark.createDataFrame(entries, BandJoin.ENTRY), t, 4).collectAsList();
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

    @Test
    void longSignaturesAreCutIntoBandsAcrossWords() {
        BandJoin join = new BandJoin(264, 22);
        long[] sig = new long[5];
        sig[0] = -1L; // bits 0..63 set: bands 0..4 full, band 5 (bits 60..71) has its first 4 bits
        assertEquals(4095, join.bandValue(sig, 0));
        assertEquals(0b1111, join.bandValue(sig, 5));
        assertEquals(0, join.bandValue(sig, 21));
        assertEquals(22, join.entries(7, sig, false).size());
        assertEquals(21L << 58, join.entries(7, sig, false).get(21).getLong(0));
        assertEquals(Encoders.row(BandJoin.PAIR).schema(), BandJoin.PAIR);
    }
}
