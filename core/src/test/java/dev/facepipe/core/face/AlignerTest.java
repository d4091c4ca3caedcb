package dev.facepipe.core.face;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class AlignerTest {
    @Test
    void similarityRecoversAKnownRotationScaleAndShift() {
        double ang = Math.toRadians(20);
        double sc = 2.5;
        float[] ref = Aligner.ARCFACE_112;
        float[] src = new float[10];
        // src = inverse transform of ref, so similarity(src, ref) must give back the transform.
        for (int i = 0; i < 5; i++) {
            double x = ref[2 * i] - 10, y = ref[2 * i + 1] + 4;
            src[2 * i] = (float) ((Math.cos(-ang) * x - Math.sin(-ang) * y) / sc);
            src[2 * i + 1] = (float) ((Math.sin(-ang) * x + Math.cos(-ang) * y) / sc);
        }
        double[] m = Aligner.similarity(src, ref);
        assertEquals(sc * Math.cos(ang), m[0], 1e-4);
        assertEquals(sc * Math.sin(ang), m[3], 1e-4);
        assertEquals(m[0], m[4], 1e-9);
        assertEquals(-m[3], m[1], 1e-9);
        float[] mapped = new float[10];
        for (int i = 0; i < 5; i++) {
            mapped[2 * i] = (float) (m[0] * src[2 * i] + m[1] * src[2 * i + 1] + m[2]);
            mapped[2 * i + 1] = (float) (m[3] * src[2 * i] + m[4] * src[2 * i + 1] + m[5]);
        }
        assertArrayEquals(ref, mapped, 1e-3f);
    }

    @Test
    void fivePointsAreEyeCentresNoseAndMouthCorners() {
        float[] p68 = new float[136];
        for (int i = 0; i < 68; i++) {
            p68[2 * i] = i;
            p68[2 * i + 1] = 100 + i;
        }
        float[] five = Landmarker.fivePoints(p68);
        assertEquals((37 + 38 + 40 + 41) / 4f, five[0], 1e-6);
        assertEquals((43 + 44 + 46 + 47) / 4f, five[2], 1e-6);
        assertEquals(30, five[4], 1e-6);
        assertEquals((48 + 60) / 2f, five[6], 1e-6);
        assertEquals(100 + (54 + 64) / 2f, five[9], 1e-6);
    }
}
