package dev.facepipe.index;

import dev.facepipe.core.config.Config;

/**
 * Picks the FAISS factory string from the number of vectors (autofaiss-like rules, thresholds in
 * conf): exact search while small, IVF with flat codes in the middle, compressed codes at scale,
 * and an HNSW coarse quantizer once the lists are too many to compare a query with each of them.
 * Lists: a power of two near 4 * sqrt(n), so that training has at least index.train_min_per_list
 * points a list. (Measured at 1M x 512, 4096 lists: an HNSW32 quantizer lost a sixth of recall@10 on
 * clustered vectors, 0.85 against 0.999 with the exact quantizer at nprobe 32, both ~5 ms a query.)
 */
public final class IndexChooser {
    private final long flatBelow;
    private final long ivfFlatBelow;
    private final String largeCodes;
    private final int minPerList;
    private final int hnswQuantizerFrom;

    public IndexChooser(long flatBelow, long ivfFlatBelow, String largeCodes, int minPerList, int hnswQuantizerFrom) {
        this.flatBelow = flatBelow;
        this.ivfFlatBelow = ivfFlatBelow;
        this.largeCodes = largeCodes;
        this.minPerList = minPerList;
        this.hnswQuantizerFrom = hnswQuantizerFrom;
    }

    public static IndexChooser fromConfig(Config c) {
        return new IndexChooser(c.getLong("index.flat_below"), c.getLong("index.ivf_flat_below"),
                c.getString("index.large_codes"), c.getInt("index.train_min_per_list"),
                c.getInt("index.hnsw_quantizer_from_lists"));
    }

    public String factory(long n) {
        if (n < flatBelow) return "IDMap,Flat";
        int lists = lists(n);
        String ivf = "IVF" + lists + (lists >= hnswQuantizerFrom ? "_HNSW32" : "");
        return ivf + "," + (n < ivfFlatBelow ? "Flat" : largeCodes);
    }

    /** Power of two nearest 4 * sqrt(n), lowered until every list gets minPerList training points. */
    public int lists(long n) {
        double target = 4 * Math.sqrt(n);
        int k = Integer.highestOneBit((int) Math.max(1, Math.round(target)));
        if (target - k > 2L * k - target) k *= 2;
        while (k > 1 && (long) k * minPerList > n) k /= 2;
        return Math.max(1, k);
    }

    /**
     * Whether an index built as {@code factory} should be rebuilt now that it holds n vectors: the
     * chooser would pick another kind (exact, IVF with flat codes, IVF with large codes, an HNSW
     * quantizer), or lists 4 or more times too many or too few (a list count off by one power of two
     * costs little; the sync keeps it rather than retrain every few nights).
     */
    public boolean outgrown(String factory, long n) {
        String want = factory(n);
        if (kind(want) != kind(factory)) return true;
        int have = listsOf(factory);
        int should = listsOf(want);
        return have > 0 && should > 0 && (should >= 4L * have || have >= 4L * should);
    }

    private static int kind(String factory) {
        if (listsOf(factory) == 0) return 0;
        return (factory.contains("_HNSW") ? 2 : 0) + (factory.endsWith(",Flat") ? 1 : 4);
    }

    /** IVF lists in a factory string, or 0 for non-IVF indices. */
    public static int listsOf(String factory) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("IVF(\\d+)").matcher(factory);
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }
}
