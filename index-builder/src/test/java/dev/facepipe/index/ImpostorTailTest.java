package dev.facepipe.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Pins the 1:N threshold method: tail fit, gallery-size growth, and the FPIR it delivers. */
class ImpostorTailTest {

    private static float[] sample(int n, long seed, boolean gaussian) {
        Random r = new Random(seed);
        float[] s = new float[n];
        for (int i = 0; i < n; i++) {
            s[i] = gaussian ? (float) (0.1 * r.nextGaussian()) : (float) (0.1 - 0.05 * Math.log(1 - r.nextDouble()));
        }
        return s;
    }

    @Test
    void anExponentialTailIsRecoveredAndItsThresholdMatchesTheFormula() {
        ImpostorTail t = ImpostorTail.fit(sample(200_000, 1, false), 0.01);
        assertEquals(0.05, t.beta(), 0.003, "mean excess of an exponential is its scale");
        for (long n : new long[] {1_000, 1_000_000, 1_000_000_000L}) {
            // P(S > x) = exp(-(x - 0.1) / 0.05) = -ln(1 - a) / N
            double exact = 0.1 + 0.05 * Math.log(n / -Math.log1p(-0.001));
            assertEquals(exact, t.threshold(n, 0.001), 0.01, "N = " + n);
        }
    }

    @Test
    void theThresholdRisesWithTheGalleryAndFallsWithTheAllowedRate() {
        ImpostorTail t = ImpostorTail.fit(sample(100_000, 2, true), 0.01);
        double last = -1;
        for (long n = 1; n <= 1_000_000_000L; n *= 10) {
            double th = t.threshold(n, 0.001);
            assertTrue(th > last, "N = " + n);
            last = th;
        }
        assertTrue(t.threshold(1_000_000, 0.01) < t.threshold(1_000_000, 0.001));
        // The seed's point: a 1-in-1000 threshold for one million faces lets through far more at a billion.
        double atMillion = t.threshold(1_000_000, 0.001);
        assertTrue(t.fpir(atMillion, 1_000_000_000L) > 0.5, "FPIR at 1B with the 1M threshold: "
                + t.fpir(atMillion, 1_000_000_000L));
        assertEquals(0.001, t.fpir(atMillion, 1_000_000), 1e-9, "fpir inverts threshold");
    }

    @Test
    void onAGaussianTailTheDeliveredRateIsAtMostTheTarget() {
        // Galleries of 1000 strangers drawn from the same law the fit saw; the rate of galleries whose
        // best stranger passes the threshold is the FPIR delivered (exponential tails err high: fewer).
        ImpostorTail t = ImpostorTail.fit(sample(200_000, 3, true), 0.01);
        double th = t.threshold(1000, 0.01);
        Random r = new Random(4);
        int trials = 20_000, false_ = 0;
        for (int i = 0; i < trials; i++) {
            double best = -1;
            for (int j = 0; j < 1000; j++) best = Math.max(best, 0.1 * r.nextGaussian());
            if (best >= th) false_++;
        }
        double delivered = (double) false_ / trials;
        assertTrue(delivered <= 0.012 && delivered >= 0.001, "delivered FPIR " + delivered + " for target 0.01");
    }

    @Test
    void tooFewScoresGiveNoTailAndALaxRateGetsTheTailStart() {
        assertNull(ImpostorTail.fit(sample(4_000, 5, true), 0.01), "40 exceedances are too few");
        ImpostorTail t = ImpostorTail.fit(sample(10_000, 6, true), 0.01);
        assertEquals(t.u(), t.threshold(1, 0.5), 0, "a per-stranger rate above the tail's 1% gets u");
    }

    @Test
    void theManifestKeepsTheTailAndOlderManifestsReadWithout() {
        ImpostorTail t = new ImpostorTail(0.3, 0.01, 0.04, 124_750);
        IndexManifest m = new IndexManifest("v", "m", "s", 4, "inner_product", "Flat", 0, 0, 1000, java.util.List.of(),
                0, 0, 0, 0, 0, 0, 0, 0, 0, 0.4, 1, null, 0, 0, t, 0.001, null);
        IndexManifest back = IndexManifest.fromJson(m.toJson());
        assertEquals(t, back.impostorTail());
        assertEquals(Math.max(0.4, t.threshold(1000, 0.001)), back.threshold(1000), 1e-12);
        String old = m.toJson().replaceAll("(?s),\\s*\"impostor_tail\".*?\\}", "")
                .replaceAll(",\\s*\"open_set_fpir\"[^,}]*", "");
        IndexManifest before = IndexManifest.fromJson(old);
        assertNull(before.impostorTail(), old);
        assertEquals(0.4, before.threshold(1_000_000), 0, "no tail: the 1:1 threshold");
    }
}
