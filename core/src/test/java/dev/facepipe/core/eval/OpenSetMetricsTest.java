package dev.facepipe.core.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class OpenSetMetricsTest {
    private static final double NAN = Double.NaN;

    // Mated: 0.9 right, 0.8 right, 0.7 wrong identity, NaN (failed to enrol), 0.5 right.
    // Non-mated: 0.75, 0.6, 0.3, NaN (failed to enrol).
    private final OpenSetMetrics m = new OpenSetMetrics(
            new boolean[] {true, true, true, true, true, false, false, false, false},
            new double[] {0.9, 0.8, 0.7, NAN, 0.5, 0.75, 0.6, 0.3, NAN},
            new boolean[] {true, true, false, false, true, false, false, false, false});

    @Test
    void rankOneCountsTheRightIdentityWhateverTheScoreAndAFailureToEnrolAsAMiss() {
        assertEquals(3 / 5.0, m.rank1(), 1e-12);
        assertEquals(5, m.matedProbes());
        assertEquals(4, m.nonMatedProbes());
    }

    @Test
    void atAThresholdAWrongTopMatchIsNeverIdentifiedAndAnUnenrolledStrangerIsNoMatch() {
        assertEquals(2 / 5.0, m.tpir(0.6), 1e-12);
        assertEquals(2 / 4.0, m.fpir(0.6), 1e-12);
        assertEquals(2 / 4.0, m.noMatchRate(0.6), 1e-12);
        assertEquals(1.0, m.noMatchRate(0.95), 1e-12, "NaN is never a false positive");
    }

    @Test
    void tpirAtFpirTakesTheLowestThresholdWithinTheTarget() {
        OpenSetMetrics.Rate quarter = m.tpirAtFpir(0.25); // one of four strangers may pass: just above 0.6
        assertEquals(0.25, quarter.achievedFpir(), 1e-12);
        assertEquals(Math.nextUp(0.6), quarter.threshold(), 0);
        assertEquals(2 / 5.0, quarter.tpir(), 1e-12);
        assertTrue(quarter.resolvable());
        OpenSetMetrics.Rate strict = m.tpirAtFpir(0.01); // none may pass: above 0.75
        assertEquals(0, strict.achievedFpir(), 0);
        assertEquals(2 / 5.0, strict.tpir(), 1e-12);
        assertFalse(strict.resolvable(), "4 strangers cannot resolve 1%");
    }
}
