package dev.facepipe.core.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Pins the gate chooser on twenty same-person pairs, four of them misses (indices 0-3), and ten different. */
class GateChooserTest {
    private static final int N = 30;
    private static final double[] SCORES = new double[N];
    private static final boolean[] SAME = new boolean[N];
    private static final double[] FRACTIONS = {0, 0.05, 0.10, 0.15, 0.20};

    static {
        for (int i = 0; i < N; i++) {
            SAME[i] = i < 20;
            SCORES[i] = i < 4 ? 0.1 : i < 20 ? 0.5 + i / 100.0 : 0.05 + (i - 20) / 100.0;
        }
    }

    /** Quality 0.9 everywhere but low (0.1 + k/100) on the given pairs. */
    private static double[] lowOn(int... pairs) {
        double[] q = new double[N];
        java.util.Arrays.fill(q, 0.9);
        for (int k = 0; k < pairs.length; k++) q[pairs[k]] = 0.1 + k / 100.0;
        return q;
    }

    @Test
    void aSubScoreThatCatchesMissesGatesAndOneThatTurnsAwayGoodPairsIsStored() {
        Map<String, double[]> q = new LinkedHashMap<>();
        q.put("sharpness", lowOn(0, 1, 2, 3));
        q.put("eyes", lowOn(10, 11, 12, 13));
        Map<String, GateChooser.Verdict> v = GateChooser.choose(q, SCORES, SAME, 0.3, FRACTIONS);
        assertEquals(GateChooser.Verdict.GATE, v.get("sharpness"));
        assertEquals(GateChooser.Verdict.NO_BETTER_THAN_RANDOM, v.get("eyes"));
    }

    @Test
    void aSubScoreThatOnlyRepeatsAnotherIsLeftOut() {
        Map<String, double[]> q = new LinkedHashMap<>();
        q.put("sharpness", lowOn(0, 1, 2, 3));
        // Catches two of the same misses, and also turns away two good pairs.
        q.put("eyes", lowOn(0, 1, 10, 11));
        q.put("norm", lowOn(0, 1, 2, 3));
        Map<String, GateChooser.Verdict> v = GateChooser.choose(q, SCORES, SAME, 0.3, FRACTIONS);
        assertEquals(GateChooser.Verdict.REPEATS_OTHERS, v.get("eyes"));
        // Two that catch the same misses: one of them is enough (the later one is left out on a tie).
        assertEquals(GateChooser.Verdict.GATE, v.get("sharpness"));
        assertEquals(GateChooser.Verdict.REPEATS_OTHERS, v.get("norm"));
    }

    @Test
    void subScoresThatCatchDifferentMissesBothGate() {
        Map<String, double[]> q = new LinkedHashMap<>();
        q.put("sharpness", lowOn(0, 1));
        q.put("norm", lowOn(2, 3));
        Map<String, GateChooser.Verdict> v = GateChooser.choose(q, SCORES, SAME, 0.3, FRACTIONS);
        assertEquals(GateChooser.Verdict.GATE, v.get("sharpness"));
        assertEquals(GateChooser.Verdict.GATE, v.get("norm"));
    }
}
