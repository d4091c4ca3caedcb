package dev.facepipe.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The request's face is found again by its box: overlap as intersection over union, pinned. */
class OptOutCarryTest {
    @Test
    void overlapIsIntersectionOverUnion() {
        float[] a = {0, 0, 10, 10};
        assertEquals(1.0, OptOutCarry.iou(a, a), 1e-9);
        assertEquals(0.0, OptOutCarry.iou(a, new float[] {10, 0, 20, 10}), 1e-9, "touching is no overlap");
        assertEquals(0.0, OptOutCarry.iou(a, new float[] {30, 30, 40, 40}), 1e-9);
        assertEquals(50.0 / 150.0, OptOutCarry.iou(a, new float[] {5, 0, 15, 10}), 1e-9);
        assertEquals(25.0 / 100.0, OptOutCarry.iou(a, new float[] {0, 0, 5, 5}), 1e-9, "a box inside another");
    }
}
