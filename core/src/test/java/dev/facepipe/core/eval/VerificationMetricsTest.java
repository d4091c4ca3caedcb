package dev.facepipe.core.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class VerificationMetricsTest {
    @Test
    void perfectSeparation() {
        VerificationMetrics m = new VerificationMetrics(new double[] {0.9, 0.8, 0.1, 0.2, 0.3},
                new boolean[] {true, true, false, false, false});
        assertEquals(1.0, m.rocAuc(), 1e-12);
        assertEquals(1.0, m.bestAccuracy().accuracy(), 1e-12);
        assertEquals(0.55, m.bestAccuracy().threshold(), 1e-12); // middle of the gap 0.3..0.8
        VerificationMetrics.Rate r = m.tarAtFar(0.01);
        assertEquals(1.0, r.tar(), 1e-12);
        assertEquals(0.0, r.achievedFar(), 1e-12);
    }

    @Test
    void overlapAndTiesCountAsTheyShould() {
        // pos {0.5, 0.7}, neg {0.5, 0.6}: pairs (0.5>0.5 tie=.5) (0.5>0.6 no) (0.7>0.5) (0.7>0.6) => 2.5/4
        VerificationMetrics m = new VerificationMetrics(new double[] {0.5, 0.7, 0.5, 0.6},
                new boolean[] {true, true, false, false});
        assertEquals(0.625, m.rocAuc(), 1e-12);
        assertEquals(0.75, m.bestAccuracy().accuracy(), 1e-12);
        VerificationMetrics.Rate r = m.tarAtFar(0.0);
        assertEquals(0.5, r.tar(), 1e-12); // only 0.7 clears a threshold above 0.6
        assertEquals(0.0, r.achievedFar(), 1e-12);
        VerificationMetrics.Rate half = m.tarAtFar(0.5);
        assertEquals(0.5, half.achievedFar(), 1e-12);
        assertEquals(0.5, half.tar(), 1e-12); // 0.5 ties a negative: accepting it would make FAR 1
    }

    private static final double[] SCORES = {0.8, 0.7, 0.6, Double.NaN, 0.1, 0.2, Double.NaN, Double.NaN};
    private static final boolean[] SAME = {true, true, true, true, false, false, false, false};

    @Test
    void scoredOnlyLeavesUnenrolledPairsOut() {
        VerificationMetrics m = VerificationMetrics.scoredOnly(SCORES, SAME);
        assertEquals(3, m.positives());
        assertEquals(2, m.negatives());
        assertEquals(1.0, m.bestAccuracy().accuracy(), 1e-12);
        assertEquals(1.0, m.tarAtFar(0.01).tar(), 1e-12);
    }

    @Test
    void countingUnscoredMakesAnUnenrolledSamePairAMissAndADifferentPairARejection() {
        VerificationMetrics m = VerificationMetrics.countingUnscored(SCORES, SAME);
        assertEquals(4, m.positives());
        assertEquals(4, m.negatives());
        assertEquals(7.0 / 8, m.bestAccuracy().accuracy(), 1e-12);
        assertEquals(0.75, m.tarAtFar(0.01).tar(), 1e-12);
        // Even a threshold that lets every scored pair through never accepts an unscored one.
        VerificationMetrics.Rate all = m.tarAtFar(1.0);
        assertEquals(0.75, all.tar(), 1e-12);
        assertEquals(0.5, all.achievedFar(), 1e-12);
        VerificationMetrics mostlySame = VerificationMetrics.countingUnscored(
                new double[] {0.1, 0.2, Double.NaN, 0.9}, new boolean[] {true, true, true, false});
        assertEquals(0.5, mostlySame.bestAccuracy().accuracy(), 1e-12); // accept-all would claim 0.75
    }
}
