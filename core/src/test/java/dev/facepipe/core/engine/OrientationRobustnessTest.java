package dev.facepipe.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facepipe.core.TestImages;
import dev.facepipe.testing.Fixtures;
import dev.facepipe.core.face.Embedder;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The same face must give the same embedding however the file stores it. */
class OrientationRobustnessTest {
    private static final FaceEngine E = EngineFixture.ENGINE;
    private static final Mat UPRIGHT = TestImages.decode(TestImages.read(Fixtures.identity("obama_1.jpg")));
    private static final float[] REFERENCE = best(TestImages.jpeg(UPRIGHT, 95), "upright").embedding();

    private static FaceResult best(byte[] b, String name) {
        ImageResult r = E.process(b, name);
        assertTrue(r.ok(), name + ": " + r.message());
        FaceResult f = r.mainFace();
        assertNotNull(f, name + ": no accepted face " + r.faces());
        return f;
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3, 4, 5, 6, 7, 8})
    void everyExifOrientationGivesTheUprightEmbedding(int o) {
        byte[] b = TestImages.withExifOrientation(TestImages.jpeg(TestImages.storedFor(UPRIGHT, o), 95), o);
        ImageResult r = E.process(b, "orientation-" + o + ".jpg");
        assertEquals(o, r.orientation(), "recorded original orientation");
        float cos = Embedder.cosine(REFERENCE, best(b, "o" + o).embedding());
        assertTrue(cos >= 0.95, "orientation " + o + ": cosine " + cos);
    }

    @Test
    void ignoringOrientationWouldHaveBeenWrong() {
        // Control: the rotated pixels without their EXIF tag are a different picture to the embedder.
        byte[] b = TestImages.jpeg(TestImages.storedFor(UPRIGHT, 6), 95);
        ImageResult r = E.process(b, "rotated-no-exif.jpg");
        FaceResult f = r.mainFace();
        float cos = f == null ? 0 : Embedder.cosine(REFERENCE, f.embedding());
        assertTrue(cos < 0.95, "without EXIF the rotated photo should not match as well: " + cos);
    }

    @Test
    void halfSizeAndQuality40StillMatch() {
        float half = Embedder.cosine(REFERENCE, best(TestImages.jpeg(TestImages.resize(UPRIGHT, 0.5), 95), "half")
                .embedding());
        float q40 = Embedder.cosine(REFERENCE, best(TestImages.jpeg(UPRIGHT, 40), "q40").embedding());
        byte[] both = TestImages.withExifOrientation(TestImages.jpeg(TestImages.storedFor(TestImages.resize(UPRIGHT,
                0.5), 6), 40), 6);
        float rotated = Embedder.cosine(REFERENCE, best(both, "half-q40-o6").embedding());
        assertTrue(half >= 0.95, "0.5x resize: " + half);
        assertTrue(q40 >= 0.95, "JPEG quality 40: " + q40);
        assertTrue(rotated >= 0.95, "0.5x, quality 40, orientation 6: " + rotated);
    }
}
