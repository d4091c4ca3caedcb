package dev.facepipe.dedup;

import java.util.Arrays;

/**
 * The 64-bit DCT perceptual hash, one definition for images and face crops (as imagededup's):
 * take a 32x32 gray image (area-averaged), its 2-D DCT-II, the 8x8 block of rows 0..7 and columns
 * 1..8 (skipping the column that holds DC), and set bit i (row-major, most significant first) when
 * coefficient i is above the block's median. Near-duplicates differ in few bits (Hamming distance).
 */
public final class PHash {
    private PHash() {}

    private static final int N = 32;
    private static final double[][] COS = new double[N][N];

    static {
        for (int k = 0; k < N; k++) {
            double a = k == 0 ? Math.sqrt(1.0 / N) : Math.sqrt(2.0 / N);
            for (int n = 0; n < N; n++) COS[k][n] = a * Math.cos(Math.PI * (n + 0.5) * k / N);
        }
    }

    /** @param gray32 32x32 gray pixels, row-major */
    public static long of(byte[] gray32) {
        if (gray32.length != N * N) throw new IllegalArgumentException("want 32x32 = 1024 pixels, got " + gray32.length);
        // Separable DCT: rows first (only the 9 column frequencies we keep), then columns.
        double[][] rows = new double[N][9];
        for (int y = 0; y < N; y++) {
            for (int k = 0; k < 9; k++) {
                double s = 0;
                for (int x = 0; x < N; x++) s += (gray32[y * N + x] & 0xFF) * COS[k][x];
                rows[y][k] = s;
            }
        }
        double[] block = new double[64];
        for (int u = 0; u < 8; u++) {
            for (int k = 1; k < 9; k++) {
                double s = 0;
                for (int y = 0; y < N; y++) s += rows[y][k] * COS[u][y];
                block[u * 8 + (k - 1)] = s;
            }
        }
        double[] sorted = block.clone();
        Arrays.sort(sorted);
        double median = (sorted[31] + sorted[32]) / 2;
        long h = 0;
        for (int i = 0; i < 64; i++) {
            h <<= 1;
            if (block[i] > median) h |= 1;
        }
        return h;
    }

    /**
     * Bits of the DCT columns with an odd frequency (k = 1, 3, 5, 7). Flipping an image left to
     * right negates exactly those coefficients, so h ^ MIRROR_MASK approximates the mirror image's
     * hash (the median moves a little: measured 0-6 bits off on the fixture photos).
     */
    public static final long MIRROR_MASK;

    static {
        long m = 0;
        for (int i = 0; i < 64; i++) if (i % 8 % 2 == 0) m |= 1L << (63 - i);
        MIRROR_MASK = m;
    }

    /** The approximate hash of the left-right mirrored image. */
    public static long mirrored(long h) {
        return h ^ MIRROR_MASK;
    }

    public static int hamming(long a, long b) {
        return Long.bitCount(a ^ b);
    }

    /** 16 lower-case hex digits (one call an image and a face: no format string parsed each time). */
    public static String hex(long h) {
        return java.util.HexFormat.of().toHexDigits(h);
    }
}
