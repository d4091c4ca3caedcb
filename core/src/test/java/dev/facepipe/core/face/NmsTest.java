package dev.facepipe.core.face;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class NmsTest {
    private static Detection d(float x, float score) {
        return new Detection(x, 0, x + 10, 10, score, new float[] {x, 5});
    }

    @Test
    void hardKeepsTheBestOfEachOverlapGroup() {
        List<Detection> out = Nms.hard(List.of(d(0, 0.8f), d(1, 0.9f), d(50, 0.7f)), 0.3f, 10);
        assertEquals(2, out.size());
        assertEquals(0.9f, out.get(0).score());
        assertEquals(50, out.get(1).x1());
    }

    @Test
    void weightedBlendsOverlappingBoxesByScore() {
        List<Detection> out = Nms.weighted(List.of(d(0, 0.5f), d(2, 0.5f), d(50, 0.7f)), 0.3f, 10);
        assertEquals(2, out.size());
        assertEquals(0.7f, out.get(0).score());
        assertEquals(1f, out.get(1).x1(), 1e-6);
        assertEquals(1f, out.get(1).keypoints()[0], 1e-6);
        assertEquals(1, Nms.weighted(List.of(d(0, 0.5f), d(50, 0.7f)), 0.3f, 1).size());
    }
}
