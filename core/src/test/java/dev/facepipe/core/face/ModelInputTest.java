package dev.facepipe.core.face;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.facepipe.core.config.Config;
import dev.facepipe.core.model.ModelSpec;
import java.nio.FloatBuffer;
import java.util.Random;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;

/** OpenCV's conversion gives the tensor the Java pixel loop gives, for every colour order and layout. */
class ModelInputTest {
    private static Mat noise(int w, int h, long seed) {
        byte[] px = new byte[w * h * 3];
        new Random(seed).nextBytes(px);
        Mat m = new Mat(h, w, opencv_core.CV_8UC3);
        new BytePointer(m.data()).capacity(px.length).put(px);
        return m;
    }

    @Test
    void nativeConversionEqualsThePixelLoop() {
        // RGB NCHW (detector, embedder), GRAY (landmarks, eyes), NHWC RGB (BlazeFace), BGR NCHW (liveness).
        for (String name : new String[] {"fr_detect", "fr_feature", "fr_landmark", "fr_eye", "blazeface256", "blazeface128",
                "fr_liveness"}) {
            ModelSpec s = ModelSpec.fromConfig(Config.defaults(), name);
            Mat img = noise(s.width(), s.height(), name.hashCode());
            float[] loop = floats(ModelInput.tensorLoop(img, s));
            float[] fast = floats(ModelInput.tensorNative(img, s));
            assertEquals(loop.length, fast.length, name);
            for (int i = 0; i < loop.length; i++) {
                assertEquals(loop[i], fast[i], 1e-5 * Math.max(1, Math.abs(loop[i])), name + " element " + i);
            }
        }
    }

    private static float[] floats(FloatBuffer b) {
        float[] f = new float[b.remaining()];
        b.get(f);
        return f;
    }
}
