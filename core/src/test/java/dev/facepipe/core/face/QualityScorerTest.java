package dev.facepipe.core.face;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.junit.jupiter.api.Test;

/** Pins each sub-score and the gate: the overall score is the smallest gated sub-score. */
class QualityScorerTest {
    // Eyes 20 px apart (size 0.5 at ref 40), nose right under their midpoint (frontal).
    private static final float[] FIVE = {100, 100, 120, 100, 110, 115, 102, 130, 118, 130};

    private static QualityScorer scorer(Set<QualitySignal> gates) {
        return new QualityScorer(gates, 40, 60, 40, 0.6, 1.5, 3.0, 0.5, 60);
    }

    /** A sharp mid-grey crop: a fine pattern of greys 88..168. */
    private static Mat crop() {
        Mat m = new Mat(112, 112, opencv_core.CV_8UC3);
        var px = m.createIndexer();
        java.util.Random rnd = new java.util.Random(7);
        for (int y = 0; y < 112; y++) {
            for (int x = 0; x < 112; x++) {
                int g = 88 + rnd.nextInt(81);
                for (int c = 0; c < 3; c++) ((org.bytedeco.javacpp.indexer.UByteIndexer) px).put(y, x, c, g);
            }
        }
        return m;
    }

    @Test
    void eachSubScoreAsDocumented() {
        try (Mat m = crop()) {
            Quality q = scorer(EnumSet.allOf(QualitySignal.class)).score(0.9f, FIVE, m, 2.25f, 0.2f, null);
            assertEquals(0.9f, q.sub(QualitySignal.DETECTOR), 1e-6);
            assertEquals(0.5f, q.sub(QualitySignal.SIZE), 1e-6);
            assertEquals(1f, q.sub(QualitySignal.SHARPNESS), 1e-6);
            assertEquals(1f, q.sub(QualitySignal.EXPOSURE), 0.02); // mean grey ~128: far from black and white
            assertEquals(1f, q.sub(QualitySignal.FRONTALITY), 1e-6);
            assertEquals(0.4f, q.sub(QualitySignal.EYES), 1e-6); // 0.2 / eyes_open_ref 0.5
            assertEquals(0.5f, q.sub(QualitySignal.NORM), 1e-6); // (2.25 - 1.5) / (3.0 - 1.5)
            assertEquals(0.4f, q.overall(), 1e-6);
        }
    }

    @Test
    void onlyGatedSubScoresMakeTheOverallScore() {
        try (Mat m = crop()) {
            Set<QualitySignal> noEyes = EnumSet.complementOf(EnumSet.of(QualitySignal.EYES));
            Quality closed = scorer(noEyes).score(0.9f, FIVE, m, 3.5f, 0.02f, null);
            assertEquals(0.5f, closed.overall(), 1e-6); // size decides; eyes are stored, not gated
            assertEquals(0.04f, closed.sub(QualitySignal.EYES), 1e-6);
            assertEquals(1f, scorer(Set.of()).score(0.1f, FIVE, m, 0f, 0f, null).overall(), 1e-6);
        }
    }

    @Test
    void aTurnedHeadAndAFlatCropScoreLow() {
        float[] turned = FIVE.clone();
        turned[4] = 122; // nose 12 px off the eye midpoint of a 20 px eye line: yaw ratio 0.6
        try (Mat flat = new Mat(112, 112, opencv_core.CV_8UC3, new Scalar(250, 250, 250, 0))) {
            Quality q = scorer(EnumSet.allOf(QualitySignal.class)).score(0.9f, turned, flat, 3.5f, Float.NaN, null);
            assertEquals(0f, q.sub(QualitySignal.FRONTALITY), 1e-5);
            assertEquals(0f, q.sub(QualitySignal.SHARPNESS), 1e-6);
            assertEquals(5f / 40, q.sub(QualitySignal.EXPOSURE), 1e-6);
            assertEquals(1f, q.sub(QualitySignal.EYES), 1e-6); // not measured: no say
            assertEquals(0f, q.overall(), 1e-6);
        }
    }

    @Test
    void anUnknownGateNamesTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> QualitySignal.parse(List.of("size", "smile"), "quality.gates"));
        assertTrue(e.getMessage().contains("'smile'") && e.getMessage().contains("sharpness"), e.getMessage());
    }
}
