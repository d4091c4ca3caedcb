package dev.facepipe.dedup;

import static org.apache.spark.sql.functions.col;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Candidate pairs by LSH banding, shared by image and face dedup. Every item has a bit signature
 * (long[]) cut into bands; it is filed under one key per band (band number and the band's bits).
 * Items under the same key are compared right there, within the sorted run of that key, by the
 * Hamming distance of their whole signatures: no pair rows are materialised for the join, so the
 * shuffle holds bands x items rows and the comparisons are bit operations. A pair sharing several
 * bands is reported once, from the first band it shares. Identical signatures are collapsed to one
 * representative (chained to it), so a hash shared by thousands of items does not cost their square.
 * Items may also be filed with a mirrored signature (mirror = true); such a pair is reported with
 * mirrored = true, and two mirrored entries are never compared with each other (the plain pair is).
 */
final class BandJoin implements Serializable {
    static final StructType ENTRY = new StructType()
            .add("key", DataTypes.LongType, false)
            .add("idx", DataTypes.LongType, false)
            .add("sig", DataTypes.createArrayType(DataTypes.LongType, false), false)
            .add("mirror", DataTypes.BooleanType, false);

    static final StructType PAIR = new StructType()
            .add("a", DataTypes.LongType, false)
            .add("b", DataTypes.LongType, false)
            .add("distance", DataTypes.IntegerType, false)
            .add("mirrored", DataTypes.BooleanType, false);

    private final int[][] bandBits;

    /** Bands of nearly equal width covering the first {@code bits} bits of the signature, in order. */
    BandJoin(int bits, int bands) {
        this(bits, bands, 1, 0);
    }

    /**
     * {@code tables} independent bandings: the first cuts the bits in order, each further one cuts a
     * seeded random permutation of them, so a pair that every band of one table misses (its differing
     * bits spread over all bands) is likely caught by another.
     */
    BandJoin(int bits, int bands, int tables, long seed) {
        if (bands < 1 || bands > bits) throw new IllegalArgumentException("bands must be 1.." + bits + ", got " + bands);
        if (tables < 1 || bands * tables > 64) {
            throw new IllegalArgumentException("bands x tables must be at most 64, got " + bands + " x " + tables);
        }
        bandBits = new int[bands * tables][];
        java.util.Random r = new java.util.Random(seed);
        for (int t = 0; t < tables; t++) {
            List<Integer> order = new ArrayList<>();
            for (int k = 0; k < bits; k++) order.add(k);
            if (t > 0) java.util.Collections.shuffle(order, r);
            int start = 0;
            for (int i = 0; i < bands; i++) {
                int width = bits / bands + (i < bits % bands ? 1 : 0);
                if (width > 58) throw new IllegalArgumentException("a band holds at most 58 bits, got " + width);
                bandBits[t * bands + i] = order.subList(start, start + width).stream().mapToInt(Integer::intValue)
                        .toArray();
                start += width;
            }
        }
    }

    /** Bands over all tables. */
    int bands() {
        return bandBits.length;
    }

    long bandValue(long[] sig, int band) {
        long v = 0;
        int[] at = bandBits[band];
        for (int k = 0; k < at.length; k++) v |= ((sig[at[k] >>> 6] >>> (at[k] & 63)) & 1L) << k;
        return v;
    }

    long key(long[] sig, int band) {
        return ((long) band << 58) | bandValue(sig, band);
    }

    /** The rows filing one item under every band (a row of {@link #ENTRY} each). */
    List<Row> entries(long idx, long[] sig, boolean mirror) {
        List<Row> out = new ArrayList<>(bandBits.length);
        Object boxed = scala.jdk.javaapi.CollectionConverters.asScala(Arrays.stream(sig).boxed().toList()).toList();
        for (int b = 0; b < bandBits.length; b++) out.add(RowFactory.create(key(sig, b), idx, boxed, mirror));
        return out;
    }

    /** Pairs (a < b) whose signatures are at most maxDistance bits apart, each once. */
    Dataset<Row> pairs(Dataset<Row> entries, int maxDistance, int partitions) {
        BandJoin self = this;
        return entries.repartition(partitions, col("key")).sortWithinPartitions("key")
                .mapPartitions((MapPartitionsFunction<Row, Row>) it -> self.scan(it, maxDistance), Encoders.row(PAIR));
    }

    /** Whether two entries that share a band and lie in different groups join them. */
    interface EdgeTest {
        boolean joins(int x, int y);
    }

    /**
     * The driver-side join: entry k (signature sigs[k]) stands for item k % items. Band by band,
     * entries sharing a band value are tested only across the groups found so far, so a bucket
     * that is one group already costs one look and a photo copied a thousand times costs about a
     * thousand tests, not half a million. The groups do not depend on the order of the tests:
     * they are the components of all passing pairs that share a band, as {@link #pairs} finds
     * them in Spark. Returns the joining pairs of items (a spanning forest of those components).
     */
    List<long[]> localEdges(long[][] sigs, int items, EdgeTest test) {
        int n = sigs.length;
        int[] parent = new int[items];
        for (int i = 0; i < items; i++) parent[i] = i;
        List<long[]> edges = new ArrayList<>();
        Integer[] order = new Integer[n];
        long[] value = new long[n];
        for (int b = 0; b < bandBits.length; b++) {
            for (int k = 0; k < n; k++) {
                order[k] = k;
                value[k] = bandValue(sigs[k], b);
            }
            Arrays.sort(order, java.util.Comparator.comparingLong((Integer k) -> value[k]));
            for (int from = 0, to; from < n; from = to) {
                for (to = from + 1; to < n && value[order[to]] == value[order[from]]; ) to++;
                if (to - from < 2 || oneGroup(parent, order, from, to, items)) continue;
                // The bucket's entries by the group they are in: only pairs across two groups can
                // join anything, and one passing pair joins the two groups whole. A bucket of one
                // big group and a few strays costs (big x strays) tests, not big squared looks.
                Map<Integer, List<Integer>> byGroup = new java.util.LinkedHashMap<>();
                for (int x = from; x < to; x++) {
                    byGroup.computeIfAbsent(root(parent, order[x] % items), r -> new ArrayList<>()).add(order[x]);
                }
                List<List<Integer>> groups = new ArrayList<>(byGroup.values());
                for (int i = 0; i < groups.size(); i++) {
                    for (int j = i + 1; j < groups.size(); j++) {
                        join(groups.get(i), groups.get(j), parent, items, test, edges);
                    }
                }
            }
        }
        return edges;
    }

    /** Tests pairs across two groups until one passes (joining them) or the groups turn out joined already. */
    private static void join(List<Integer> a, List<Integer> b, int[] parent, int items, EdgeTest test,
            List<long[]> edges) {
        for (int x : a) {
            for (int y : b) {
                int kx = Math.min(x, y);
                int ky = Math.max(x, y);
                int ri = root(parent, kx % items);
                int rj = root(parent, ky % items);
                if (ri == rj) return; // an earlier pair of this bucket joined them
                if (!test.joins(kx, ky)) continue;
                parent[Math.max(ri, rj)] = Math.min(ri, rj);
                edges.add(new long[] {kx % items, ky % items});
                return;
            }
        }
    }

    private static boolean oneGroup(int[] parent, Integer[] order, int from, int to, int items) {
        int r = root(parent, order[from] % items);
        for (int k = from + 1; k < to; k++) if (root(parent, order[k] % items) != r) return false;
        return true;
    }

    private static int root(int[] parent, int x) {
        while (parent[x] != x) x = parent[x] = parent[parent[x]];
        return x;
    }

    private record Entry(long idx, long[] sig, boolean mirror) {}

    private Iterator<Row> scan(Iterator<Row> sorted, int maxDistance) {
        List<Row> out = new ArrayList<>();
        List<Entry> run = new ArrayList<>();
        long runKey = 0;
        while (sorted.hasNext()) {
            Row r = sorted.next();
            long key = r.getLong(0);
            if (!run.isEmpty() && key != runKey) {
                compare(runKey, run, maxDistance, out);
                run.clear();
            }
            runKey = key;
            List<Object> s = r.getList(2);
            long[] sig = new long[s.size()];
            for (int i = 0; i < sig.length; i++) sig[i] = (Long) s.get(i);
            run.add(new Entry(r.getLong(1), sig, r.getBoolean(3)));
        }
        if (!run.isEmpty()) compare(runKey, run, maxDistance, out);
        return out.iterator();
    }

    private void compare(long key, List<Entry> run, int maxDistance, List<Row> out) {
        int band = (int) (key >>> 58);
        // Collapse identical signatures: each copy chains to the first (reported once, from band 0).
        Map<SigKey, Entry> reps = new HashMap<>();
        List<Entry> plain = new ArrayList<>();
        List<Entry> mirrored = new ArrayList<>();
        for (Entry e : run) {
            Entry rep = reps.putIfAbsent(new SigKey(e.sig, e.mirror), e);
            if (rep == null) {
                (e.mirror ? mirrored : plain).add(e);
            } else if (band == 0 && !e.mirror && rep.idx != e.idx) {
                out.add(RowFactory.create(Math.min(rep.idx, e.idx), Math.max(rep.idx, e.idx), 0, false));
            }
        }
        // Plain with plain, and plain with mirrored (two mirrored entries are the plain pair again).
        // A mixed pair is seen twice (x plain with y mirrored, and the reverse): keep the one whose
        // plain side has the lower id. Signatures sit in flat arrays: this loop is the hot spot.
        mirrored.sort(java.util.Comparator.comparingLong(Entry::idx));
        int words = run.get(0).sig.length;
        long[] ps = flat(plain, words);
        long[] ms = flat(mirrored, words);
        long[] mIdx = mirrored.stream().mapToLong(Entry::idx).toArray();
        for (int i = 0; i < plain.size(); i++) {
            long xi = plain.get(i).idx;
            for (int j = i + 1; j < plain.size(); j++) {
                int d = distance(ps, i, ps, j, words, maxDistance);
                if (d <= maxDistance) emit(plain.get(i), plain.get(j), d, false, band, out);
            }
            int from = java.util.Arrays.binarySearch(mIdx, xi + 1);
            for (int j = from >= 0 ? from : -from - 1; j < mIdx.length; j++) {
                int d = distance(ps, i, ms, j, words, maxDistance);
                if (d <= maxDistance) emit(plain.get(i), mirrored.get(j), d, true, band, out);
            }
        }
    }

    private static long[] flat(List<Entry> entries, int words) {
        long[] f = new long[entries.size() * words];
        for (int i = 0; i < entries.size(); i++) System.arraycopy(entries.get(i).sig, 0, f, i * words, words);
        return f;
    }

    /** Bits in which two signatures differ. */
    static int hamming(long[] a, long[] b) {
        int d = 0;
        for (int k = 0; k < a.length; k++) d += Long.bitCount(a[k] ^ b[k]);
        return d;
    }

    private static int distance(long[] a, int i, long[] b, int j, int words, int max) {
        if (words == 1) return Long.bitCount(a[i] ^ b[j]);
        int d = 0;
        for (int k = 0; k < words && d <= max; k++) d += Long.bitCount(a[i * words + k] ^ b[j * words + k]);
        return d;
    }

    private void emit(Entry x, Entry y, int d, boolean mirrored, int band, List<Row> out) {
        if (x.idx == y.idx || firstSharedBand(x.sig, y.sig) != band) return;
        out.add(RowFactory.create(Math.min(x.idx, y.idx), Math.max(x.idx, y.idx), d, mirrored));
    }

    private int firstSharedBand(long[] a, long[] b) {
        for (int i = 0; i < bandBits.length; i++) if (bandValue(a, i) == bandValue(b, i)) return i;
        return -1;
    }

    private record SigKey(long[] sig, boolean mirror) {
        @Override
        public boolean equals(Object o) {
            return o instanceof SigKey k && k.mirror == mirror && Arrays.equals(k.sig, sig);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(sig) * 31 + (mirror ? 1 : 0);
        }
    }

    static int partitions(SparkSession spark) {
        return Integer.parseInt(spark.conf().get("spark.sql.shuffle.partitions"));
    }

    /** The rows of every grouped item, by idx (a join: groups can hold many thousands of ids). */
    static Map<Long, Row> members(SparkSession spark, Dataset<Row> indexed, Collection<List<Long>> groups) {
        List<Row> ids = groups.stream().flatMap(List::stream).map(i -> RowFactory.create(i)).toList();
        Dataset<Row> wanted = spark.createDataFrame(ids, new StructType().add("m", DataTypes.LongType, false));
        Map<Long, Row> info = new HashMap<>();
        Dataset<Row> rows = indexed.join(org.apache.spark.sql.functions.broadcast(wanted),
                indexed.col("idx").equalTo(wanted.col("m"))).drop("m");
        int idx = rows.schema().fieldIndex("idx");
        for (Row r : rows.collectAsList()) info.put(r.getLong(idx), r);
        return info;
    }
}
