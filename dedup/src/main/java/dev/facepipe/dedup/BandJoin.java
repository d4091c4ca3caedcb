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
 * bands is reported once, from the first band it shares (a forest's pairs may come again from a
 * later band: the groups are the same). Identical signatures are collapsed to one
 * representative (chained to it), so a hash shared by thousands of items does not cost their square
 * (not in {@link #nearMembers}).
 * Items may also be filed with a mirrored signature (mirror = true); such a pair is reported with
 * mirrored = true, and two mirrored entries are never compared with each other (the plain pair is).
 * A dense bucket (thousands of re-encodes of one viral photo share their bands) would send the
 * square of its size to the driver: over a cap it sends a spanning forest of its pairs instead,
 * or, where the final test needs more than signatures, only its items that have a near item
 * ({@link #nearMembers}); what reaches the driver grows with the items, not with their pairs.
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

    /** A bucket (its band key) and one of its items that has a near item there. */
    static final StructType MEMBER = new StructType()
            .add("bucket", DataTypes.LongType, false)
            .add("idx", DataTypes.LongType, false);

    /** A cap that no bucket reaches: every passing pair is reported (callers without conf, tests that count pairs). */
    static final int EVERY_PAIR = Integer.MAX_VALUE;

    private final int[][] bandBits;
    /** Where each band's bits start when they are consecutive (a band of the first table), else -1. */
    private final int[] runStart;

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
        runStart = new int[bandBits.length];
        for (int b = 0; b < bandBits.length; b++) {
            int[] at = bandBits[b];
            boolean run = true;
            for (int k = 1; k < at.length; k++) run &= at[k] == at[0] + k;
            runStart[b] = run ? at[0] : -1;
        }
    }

    /** Bands over all tables. */
    int bands() {
        return bandBits.length;
    }

    /** The signature's value in every band. */
    long[] bandValues(long[] sig) {
        long[] v = new long[bandBits.length];
        for (int b = 0; b < v.length; b++) v[b] = bandValue(sig, b);
        return v;
    }

    long bandValue(long[] sig, int band) {
        long v = 0;
        int[] at = bandBits[band];
        int start = runStart[band];
        if (start >= 0) { // consecutive bits: two shifts, across a word boundary when the band spans one
            int w = start >>> 6;
            int off = start & 63;
            v = sig[w] >>> off;
            if (off + at.length > 64 && w + 1 < sig.length) v |= sig[w + 1] << (64 - off);
            return v & ((1L << at.length) - 1);
        }
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

    /**
     * Pairs (a < b) whose signatures are at most maxDistance bits apart, each once; a bucket with
     * more than maxPairs of them sends a spanning forest of its pairs instead (at most its items
     * - 1): the same groups, when the distance is the final test (image hashes).
     */
    Dataset<Row> pairs(Dataset<Row> entries, int maxDistance, int partitions, int maxPairs) {
        BandJoin self = this;
        return entries.repartition(partitions, col("key")).sortWithinPartitions("key")
                .mapPartitions((MapPartitionsFunction<Row, Row>) it -> self.scan(it, maxDistance, maxPairs, false),
                        Encoders.row(PAIR));
    }

    /**
     * For every bucket, its plain entries that have another entry at most maxDistance bits away
     * there (rows of {@link #MEMBER}), so that a finer test can run where the items meet (faces:
     * the cosine of their embeddings). Identical signatures are not collapsed: the finer test decides.
     */
    Dataset<Row> nearMembers(Dataset<Row> entries, int maxDistance, int partitions) {
        BandJoin self = this;
        return entries.repartition(partitions, col("key")).sortWithinPartitions("key")
                .mapPartitions((MapPartitionsFunction<Row, Row>) it -> self.scan(it, maxDistance, 0, true),
                        Encoders.row(MEMBER));
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
                if (to - from > 1) joinBucket(Arrays.asList(order).subList(from, to), parent, items, test, edges);
            }
        }
        return edges;
    }

    /**
     * One bucket (entries sharing a band; entry k stands for item k % items): joins its groups
     * (parent, a forest over the items) by the pairs that pass the test, adding the joining pairs
     * to edges.
     */
    static void joinBucket(List<Integer> bucket, int[] parent, int items, EdgeTest test, List<long[]> edges) {
        int r0 = root(parent, bucket.get(0) % items);
        if (bucket.stream().allMatch(k -> root(parent, k % items) == r0)) return;
        // The bucket's entries by the group they are in: only pairs across two groups can join
        // anything, and one passing pair joins the two groups whole. A bucket of one big group
        // and a few strays costs (big x strays) tests, not big squared looks.
        Map<Integer, List<Integer>> byGroup = new java.util.LinkedHashMap<>();
        for (int k : bucket) byGroup.computeIfAbsent(root(parent, k % items), r -> new ArrayList<>()).add(k);
        List<List<Integer>> groups = new ArrayList<>(byGroup.values());
        for (int i = 0; i < groups.size(); i++) {
            for (int j = i + 1; j < groups.size(); j++) {
                join(groups.get(i), groups.get(j), parent, items, test, edges);
            }
        }
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

    private static int root(int[] parent, int x) {
        while (parent[x] != x) x = parent[x] = parent[parent[x]];
        return x;
    }

    private record Entry(long idx, long[] sig, boolean mirror) {}

    private Iterator<Row> scan(Iterator<Row> sorted, int maxDistance, int maxPairs, boolean members) {
        List<Row> out = new ArrayList<>();
        List<Entry> run = new ArrayList<>();
        long runKey = 0;
        while (sorted.hasNext()) {
            Row r = sorted.next();
            long key = r.getLong(0);
            if (!run.isEmpty() && key != runKey) {
                new Bucket(runKey, run, members).compare(maxDistance, maxPairs, members, out);
                run.clear();
            }
            runKey = key;
            List<Object> s = r.getList(2);
            long[] sig = new long[s.size()];
            for (int i = 0; i < sig.length; i++) sig[i] = (Long) s.get(i);
            run.add(new Entry(r.getLong(1), sig, r.getBoolean(3)));
        }
        if (!run.isEmpty()) new Bucket(runKey, run, members).compare(maxDistance, maxPairs, members, out);
        return out.iterator();
    }

    /** The entries filed under one key, compared among themselves. */
    private final class Bucket {
        private final long key;
        private final int band;
        private final int words;
        private final List<Entry> plain = new ArrayList<>();
        private final List<Entry> mirrored = new ArrayList<>();
        private final long[] ps;
        private final long[] ms;
        private final long[] mIdx;
        private final List<Row> chained = new ArrayList<>();
        /** Each entry's values in the bands before this one (plain entries, then mirrored), made when first asked. */
        private final long[][] earlier;

        Bucket(long key, List<Entry> run, boolean members) {
            this.key = key;
            band = (int) (key >>> 58);
            words = run.get(0).sig.length;
            // Collapse identical signatures: each copy chains to the first (reported once, from band 0).
            Map<SigKey, Entry> reps = new HashMap<>();
            for (Entry e : run) {
                Entry rep = members ? null : reps.putIfAbsent(new SigKey(e.sig, e.mirror), e);
                if (rep == null) {
                    (e.mirror ? mirrored : plain).add(e);
                } else if (band == 0 && !e.mirror && rep.idx != e.idx) {
                    chained.add(RowFactory.create(Math.min(rep.idx, e.idx), Math.max(rep.idx, e.idx), 0, false));
                }
            }
            // Signatures sit in flat arrays: the comparison loops are the hot spot.
            mirrored.sort(java.util.Comparator.comparingLong(Entry::idx));
            ps = flat(plain, words);
            ms = flat(mirrored, words);
            mIdx = mirrored.stream().mapToLong(Entry::idx).toArray();
            earlier = new long[plain.size() + mirrored.size()][];
        }

        /**
         * Whether plain entry i and entry k (plain, or mirrored when k >= plain.size()) share a band
         * before this one: then the pair is reported from that band, not measured again here.
         */
        private boolean sharedBefore(int i, int k) {
            if (band == 0) return false;
            long[] a = earlierBands(i);
            long[] b = earlierBands(k);
            for (int x = 0; x < band; x++) if (a[x] == b[x]) return true;
            return false;
        }

        private long[] earlierBands(int k) {
            long[] v = earlier[k];
            if (v == null) {
                long[] sig = k < plain.size() ? plain.get(k).sig : mirrored.get(k - plain.size()).sig;
                v = new long[band];
                for (int x = 0; x < band; x++) v[x] = bandValue(sig, x);
                earlier[k] = v;
            }
            return v;
        }

        /** The first mirrored entry a plain entry i is compared with (see {@link #visit}). */
        private int firstMirrored(int i) {
            int from = Arrays.binarySearch(mIdx, plain.get(i).idx + 1);
            return from >= 0 ? from : -from - 1;
        }

        void compare(int maxDistance, int maxPairs, boolean members, List<Row> out) {
            if (members) {
                members(maxDistance, out);
                return;
            }
            out.addAll(chained);
            List<Row> found = new ArrayList<>();
            if (visit(maxDistance, (x, y, d, mirror) -> {
                if (x.idx != y.idx) {
                    found.add(RowFactory.create(Math.min(x.idx, y.idx), Math.max(x.idx, y.idx), d, mirror));
                }
            }, () -> found.size() > maxPairs)) {
                out.addAll(found);
            } else {
                forest(maxDistance, out);
            }
        }

        /**
         * The entries that have a near entry in the bucket, as member rows. Each needs one near
         * partner (copies of a face find one at once; loners look at all). Pairs that share an
         * earlier band count too: asking for a partner first met here would cost the bucket's square.
         */
        private void members(int maxDistance, List<Row> out) {
            if (!mirrored.isEmpty()) throw new IllegalStateException("members are sent for plain entries only");
            long[] ps = this.ps;
            int words = this.words;
            boolean[] near = new boolean[plain.size()];
            for (int i = 0; i < near.length; i++) {
                for (int j = 0; j < near.length && !near[i]; j++) {
                    if (j != i && distance(ps, i, ps, j, words, maxDistance) <= maxDistance) near[i] = near[j] = true;
                }
                if (near[i]) out.add(RowFactory.create(key, plain.get(i).idx));
            }
        }

        /**
         * Plain with plain, and plain with mirrored (two mirrored entries are the plain pair again).
         * A mixed pair is seen twice (x plain with y mirrored, and the reverse): only the one whose
         * plain side has the lower id is visited. A pair that shares an earlier band is left to that
         * band (each pair once). False when {@code enough} says so, which is asked after each entry's
         * row (an inner loop with no exit but its end runs several times faster).
         */
        private boolean visit(int maxDistance, PairVisitor v, java.util.function.BooleanSupplier enough) {
            long[] ps = this.ps; // locals: the JIT keeps them in registers through the hot loop
            long[] ms = this.ms;
            int words = this.words;
            int nm = mIdx.length;
            int np = plain.size();
            for (int i = 0; i < np; i++) {
                if (words == 1) { // image hashes: one word, the loop is a popcount and a compare
                    long x = ps[i];
                    for (int j = i + 1; j < np; j++) {
                        int d = Long.bitCount(x ^ ps[j]);
                        if (d <= maxDistance) near(i, j, d, false, v);
                    }
                    for (int j = firstMirrored(i); j < nm; j++) {
                        int d = Long.bitCount(x ^ ms[j]);
                        if (d <= maxDistance) near(i, np + j, d, true, v);
                    }
                } else {
                    for (int j = i + 1; j < np; j++) {
                        int d = distance(ps, i, ps, j, words, maxDistance);
                        if (d <= maxDistance) near(i, j, d, false, v);
                    }
                    for (int j = firstMirrored(i); j < nm; j++) {
                        int d = distance(ps, i, ms, j, words, maxDistance);
                        if (d <= maxDistance) near(i, np + j, d, true, v);
                    }
                }
                if (enough.getAsBoolean()) return false;
            }
            return true;
        }

        /** A pair within the distance: plain entry i and entry k (mirrored from plain.size() on). */
        private void near(int i, int k, int d, boolean mirror, PairVisitor v) {
            if (sharedBefore(i, k)) return;
            v.pair(plain.get(i), k < plain.size() ? plain.get(k) : mirrored.get(k - plain.size()), d, mirror);
        }

        /**
         * The passing pairs that join two of the bucket's groups so far: a spanning forest of its
         * passing pairs, so the same components. Pairs already in one group are not measured.
         */
        private void forest(int maxDistance, List<Row> out) {
            Map<Long, Integer> local = new HashMap<>();
            for (Entry e : plain) local.putIfAbsent(e.idx, local.size());
            for (Entry e : mirrored) local.putIfAbsent(e.idx, local.size());
            int[] parent = new int[local.size()];
            for (int k = 0; k < parent.length; k++) parent[k] = k;
            int[] pl = plain.stream().mapToInt(e -> local.get(e.idx)).toArray();
            int[] mi = mirrored.stream().mapToInt(e -> local.get(e.idx)).toArray();
            long[] ps = this.ps;
            long[] ms = this.ms;
            int words = this.words;
            for (int i = 0; i < pl.length; i++) {
                for (int j = i + 1; j < pl.length; j++) {
                    if (root(parent, pl[i]) != root(parent, pl[j])) {
                        link(pl[i], pl[j], distance(ps, i, ps, j, words, maxDistance), maxDistance, parent, out,
                                plain.get(i), plain.get(j), false);
                    }
                }
                for (int j = firstMirrored(i); j < mi.length; j++) {
                    if (root(parent, pl[i]) != root(parent, mi[j])) {
                        link(pl[i], mi[j], distance(ps, i, ms, j, words, maxDistance), maxDistance, parent, out,
                                plain.get(i), mirrored.get(j), true);
                    }
                }
            }
        }

        private void link(int x, int y, int d, int maxDistance, int[] parent, List<Row> out, Entry ex, Entry ey,
                boolean mirror) {
            int rx = root(parent, x);
            int ry = root(parent, y);
            if (rx == ry || d > maxDistance) return;
            parent[Math.max(rx, ry)] = Math.min(rx, ry);
            out.add(RowFactory.create(Math.min(ex.idx, ey.idx), Math.max(ex.idx, ey.idx), d, mirror));
        }
    }

    private interface PairVisitor {
        /** A pair within the distance. */
        void pair(Entry x, Entry y, int d, boolean mirrored);
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
