package dev.facepipe.dedup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class PHashTest {
    /** A smooth synthetic scene: two blobs on a gradient. */
    private static byte[] scene(double shiftX, double brightness, long noiseSeed, double noise) {
        byte[] g = new byte[1024];
        Random r = new Random(noiseSeed);
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 32; x++) {
                double v = 60 + 3 * y + 90 * Math.exp(-(Math.pow(x - 10 - shiftX, 2) + Math.pow(y - 12, 2)) / 30)
                        + 70 * Math.exp(-(Math.pow(x - 22 - shiftX, 2) + Math.pow(y - 20, 2)) / 50);
                v = v * brightness + noise * r.nextGaussian();
                g[y * 32 + x] = (byte) Math.max(0, Math.min(255, Math.round(v)));
            }
        }
        return g;
    }

    /**
     * Golden value: the definition must not drift, or every stored hash becomes incomparable. The value was
     * cross-checked once with an independent numpy computation (orthonormal DCT-II matrices, D = C g C^T).
     */
    @Test
    void goldenHashOfAFixedScene() {
        assertEquals("0e9f71708f8e8c71", PHash.hex(PHash.of(scene(0, 1, 1, 0))));
    }

    @Test
    void nearDuplicatesAreCloseAndDifferentScenesFar() {
        long base = PHash.of(scene(0, 1, 1, 0));
        assertTrue(PHash.hamming(base, PHash.of(scene(0, 1.15, 1, 0))) <= 2, "brighter copy");
        assertTrue(PHash.hamming(base, PHash.of(scene(0, 1, 2, 4))) <= 10, "noisy copy");
        assertTrue(PHash.hamming(base, PHash.of(scene(0.5, 1, 1, 0))) <= 10, "slightly shifted copy");
        byte[] other = new byte[1024];
        new Random(5).nextBytes(other);
        assertTrue(PHash.hamming(base, PHash.of(other)) > 20, "unrelated image");
        byte[] mirrored = scene(0, 1, 1, 0);
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 16; x++) {
                byte t = mirrored[y * 32 + x];
                mirrored[y * 32 + x] = mirrored[y * 32 + 31 - x];
                mirrored[y * 32 + 31 - x] = t;
            }
        }
        assertTrue(PHash.hamming(base, PHash.of(mirrored)) > 10, "a mirror image is a different hash");
        assertTrue(PHash.hamming(PHash.mirrored(base), PHash.of(mirrored)) <= 4,
                "flipping the odd DCT columns predicts the mirror image's hash");
    }

    @Test
    void mirrorMaskFlipsHalfTheBitsAndIsItsOwnInverse() {
        assertEquals(32, Long.bitCount(PHash.MIRROR_MASK));
        assertEquals("aaaaaaaaaaaaaaaa", PHash.hex(PHash.MIRROR_MASK), "columns k = 1, 3, 5, 7 of each row");
        long h = 0x0e9f71708f8e8c71L;
        assertEquals(h, PHash.mirrored(PHash.mirrored(h)));
    }

    @Test
    void exactly32BitsAreSetOnASmoothImage() {
        assertEquals(32, Long.bitCount(PHash.of(scene(0, 1, 1, 0))), "median split");
    }
}
