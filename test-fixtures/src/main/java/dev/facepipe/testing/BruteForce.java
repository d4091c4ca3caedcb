package dev.facepipe.testing;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.LongUnaryOperator;

/**
 * The truth the approximate joins are checked against, by comparing every pair: what a test asserts
 * and what `facepipe bench dedup` measures recall with. Quadratic on purpose; keep the inputs small.
 */
public final class BruteForce {
    private BruteForce() {}

    /**
     * Every pair "i-j" (i < j) of 64-bit hashes within Hamming distance t; with a mirror function, a
     * pair also counts when the first hash's mirror is within t of the second.
     */
    public static Set<String> hashPairsWithin(long[] h, int t, LongUnaryOperator mirror) {
        Set<String> out = new LinkedHashSet<>();
        for (int i = 0; i < h.length; i++) {
            boolean mirrored = mirror != null;
            long mi = mirrored ? mirror.applyAsLong(h[i]) : 0;
            for (int j = i + 1; j < h.length; j++) {
                if (Long.bitCount(h[i] ^ h[j]) <= t || (mirrored && Long.bitCount(mi ^ h[j]) <= t)) out.add(i + "-" + j);
            }
        }
        return out;
    }
}
