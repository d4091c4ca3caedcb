package dev.facepipe.core.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ErrorVersusDiscardTest {
    // Ten same-person pairs, two of them misses (score 0.2 and 0.25 under the threshold 0.5), and four different.
    private static final double[] SCORES = {0.9, 0.8, 0.2, 0.7, 0.85, 0.25, 0.75, 0.95, 0.6, 0.65, 0.1, 0.3, 0.0, 0.45};
    private static final boolean[] SAME = {true, true, true, true, true, true, true, true, true, true,
        false, false, false, false};
    private static final double[] FRACTIONS = {0, 0.1, 0.2};

    @Test
    void theThresholdSitsAboveTheDifferentPairsAtALowFmr() {
        assertEquals(Math.nextUp(0.45), ErrorVersusDiscard.threshold(SCORES, SAME, 0.01), 1e-12);
    }

    @Test
    void aMeasureThatRanksTheMissesLowestDiscardsThemFirst() {
        double[] q = {0.9, 0.9, 0.1, 0.9, 0.9, 0.2, 0.9, 0.9, 0.9, 0.9, 0.5, 0.5, 0.5, 0.5};
        ErrorVersusDiscard.Curve c = ErrorVersusDiscard.curve("good", SCORES, SAME, q, 0.5, FRACTIONS);
        assertArrayEquals(new double[] {0.2, 1.0 / 9, 0.0}, c.fnmr(), 1e-12);
        ErrorVersusDiscard.Curve r = ErrorVersusDiscard.random(SCORES, SAME, 0.5, FRACTIONS);
        assertArrayEquals(new double[] {0.2, 0.2, 0.2}, r.fnmr(), 1e-12);
        assertTrue(ErrorVersusDiscard.earnsAGate(c, r));
    }

    @Test
    void aMeasureThatRanksGoodPairsLowestDoesNotEarnAGate() {
        double[] q = {0.1, 0.2, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.5, 0.5, 0.5, 0.5};
        ErrorVersusDiscard.Curve c = ErrorVersusDiscard.curve("bad", SCORES, SAME, q, 0.5, FRACTIONS);
        assertArrayEquals(new double[] {0.2, 2.0 / 9, 0.25}, c.fnmr(), 1e-12);
        assertFalse(ErrorVersusDiscard.earnsAGate(c, ErrorVersusDiscard.random(SCORES, SAME, 0.5, FRACTIONS)));
    }

    @Test
    void tiesOnTheBoundaryAreDiscardedAtRandomInExpectation() {
        // Two pairs at quality 0.1, one a miss: discarding one of them removes half a miss on average.
        double[] q = {0.1, 0.9, 0.1, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.5, 0.5, 0.5, 0.5};
        ErrorVersusDiscard.Curve c = ErrorVersusDiscard.curve("tied", SCORES, SAME, q, 0.5, FRACTIONS);
        assertArrayEquals(new double[] {0.2, 1.5 / 9, 1.0 / 8}, c.fnmr(), 1e-12);
        assertArrayEquals(new double[] {0.2, 0.5}, ErrorVersusDiscard.pairQuality(new double[] {0.2, 0.7},
                new double[] {0.3, 0.5}), 1e-12);
    }
}
