package dev.facepipe.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facepipe.core.engine.FaceResult;
import java.util.List;
import org.junit.jupiter.api.Test;

/** bench gpu's comparison of two runs' embeddings: pinned on small hand-made vectors and boxes. */
class AgreementTest {
    private static final double TOL = 1e-4;

    private static float[] unit(int dim, int hot) {
        float[] v = new float[dim];
        v[hot] = 1;
        return v;
    }

    private static float[] nudged(float[] v, int i, float by) {
        float[] w = v.clone();
        w[i] += by;
        return w;
    }

    private static FaceResult face(float x1, float y1, float x2, float y2, float[] embedding) {
        return new FaceResult(x1, y1, x2, y2, 0.9f, null, null, embedding, "m", "d", null, Float.NaN, Float.NaN, null);
    }

    @Test
    void identicalEmbeddingsAgreeExactly() {
        Agreement a = Agreement.ofVectors(List.of(unit(4, 0), unit(4, 2)), List.of(unit(4, 0), unit(4, 2)), TOL);
        assertEquals(2, a.compared());
        assertEquals(0, a.maxAbs());
        assertEquals(1, a.minCosine(), 1e-12);
        assertTrue(a.passes(), a.describe());
    }

    @Test
    void oneComponentOverTheToleranceFailsThePairButNotTheOthers() {
        float[] v = unit(4, 1);
        Agreement a = Agreement.ofVectors(List.of(v, v, v), List.of(v, nudged(v, 3, 5e-5f), nudged(v, 0, 3e-4f)), TOL);
        assertEquals(3, a.compared());
        assertEquals(1, a.over());
        assertEquals(3e-4, a.maxAbs(), 1e-7);
        assertTrue(a.minCosine() < 1);
        assertFalse(a.passes(), a.describe());
        assertTrue(a.describe().contains("1 over 1e-04"), a.describe());
    }

    @Test
    void aRefusedEmbeddingOrAShortRunIsCountedNotSkipped() {
        float[] v = unit(3, 0);
        Agreement a = Agreement.ofVectors(List.of(v, v, v), java.util.Arrays.asList(v, null), TOL);
        assertEquals(1, a.compared());
        assertEquals(2, a.unmatched());
        assertFalse(a.passes(), a.describe());
        assertFalse(Agreement.ofVectors(List.of(), List.of(), TOL).passes(), "nothing compared is no agreement");
    }

    @Test
    void facesArePairedByTheirBoxesWhateverTheOrder() {
        float[] a = unit(4, 0);
        float[] b = unit(4, 1);
        List<List<FaceResult>> ref = List.of(List.of(face(0, 0, 100, 100, a), face(200, 0, 300, 100, b)));
        // the other run found the same faces in the other order, boxes shifted by a pixel
        List<List<FaceResult>> other = List.of(List.of(face(201, 1, 301, 101, b), face(1, 0, 101, 100, a)));
        Agreement g = Agreement.ofFaces(ref, other, TOL);
        assertEquals(2, g.compared());
        assertEquals(0, g.maxAbs());
        assertTrue(g.passes(), g.describe());
    }

    @Test
    void aFaceFoundOnOneSideOnlyFailsTheCheck() {
        float[] a = unit(4, 0);
        List<List<FaceResult>> ref = List.of(List.of(face(0, 0, 100, 100, a)), List.of());
        List<List<FaceResult>> other = List.of(List.of(face(60, 60, 160, 160, a)), List.of(face(0, 0, 50, 50, a)));
        Agreement g = Agreement.ofFaces(ref, other, TOL);
        assertEquals(0, g.compared(), "IoU 0.22 is another face");
        assertEquals(1, g.unmatched());
        assertEquals(2, g.extra());
        assertFalse(g.passes(), g.describe());
    }

    @Test
    void facesWithoutAnEmbeddingAreNotCompared() {
        List<List<FaceResult>> ref = List.of(List.of(face(0, 0, 10, 10, null)));
        List<List<FaceResult>> other = List.of(List.of());
        Agreement g = Agreement.ofFaces(ref, other, TOL);
        assertEquals(0, g.unmatched());
        assertEquals(0, g.compared());
    }

    @Test
    void boxOverlap() {
        assertEquals(1.0, Agreement.iou(face(0, 0, 10, 10, null), face(0, 0, 10, 10, null)), 1e-12);
        assertEquals(25.0 / 175, Agreement.iou(face(0, 0, 10, 10, null), face(5, 5, 15, 15, null)), 1e-12);
        assertEquals(0, Agreement.iou(face(0, 0, 10, 10, null), face(10, 0, 20, 10, null)));
    }
}
