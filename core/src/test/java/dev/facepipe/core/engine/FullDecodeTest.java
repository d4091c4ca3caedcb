package dev.facepipe.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facepipe.core.TestImages;
import dev.facepipe.core.face.Detection;
import dev.facepipe.core.model.OnnxSessions;
import dev.facepipe.testing.Fixtures;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;

/**
 * A photo over image.detect_max_side is detected on a reduced decode; a face under
 * image.full_res_face_px there is cropped from a second, full-resolution decode (and the result
 * says so), a larger one from the reduced pixels.
 */
class FullDecodeTest {
    private static final Mat PHOTO = TestImages.decode(TestImages.read(Fixtures.identity("obama_1.jpg")));
    private static final Detection FACE = FaceEngine.detector(EngineFixture.CONFIG,
            OnnxSessions.Options.fromConfig(EngineFixture.CONFIG)).detect(PHOTO).get(0);

    /** A 3200x2400 JPEG (decoded at 1/2 for detection) holding the photo scaled to a face this wide. */
    private static byte[] large(int facePx) {
        double f = facePx / FACE.width();
        Mat small = TestImages.resize(PHOTO, f);
        int x = 1600 - (int) ((FACE.x1() + FACE.x2()) / 2 * f);
        int y = 1200 - (int) ((FACE.y1() + FACE.y2()) / 2 * f);
        return TestImages.jpeg(TestImages.onCanvas(small, 3200, 2400, x, y), 95);
    }

    private static FaceResult onlyFace(ImageResult r) {
        assertTrue(r.ok(), r.message());
        assertEquals(1, r.acceptedFaces().size(), "faces: " + r.faces());
        return r.acceptedFaces().get(0);
    }

    private static double cosine(float[] a, float[] b) {
        double dot = 0;
        for (int i = 0; i < a.length; i++) dot += a[i] * b[i];
        return dot;
    }

    @Test
    void aSmallFaceInALargePhotoIsCroppedFromASecondFullDecode() {
        byte[] jpeg = large(240); // 120 px in the 1/2 decode, under full_res_face_px=160
        ImageResult r = EngineFixture.ENGINE.process(jpeg, "small-face");
        FaceResult face = onlyFace(r);
        assertTrue(r.decodedTwice(), "a second decode for a face of " + face.x2() + "-" + face.x1() + " px");
        assertTrue(r.stageMillis(Stage.FULL_DECODE) > 0);
        // Nearly the embedding of a single full decode (landmarks still come from the reduced pixels): 0.996 here,
        // where a crop from the reduced pixels (image.full_res_face_px=0) gives 0.986.
        FaceEngine once = FaceEngine.fromConfig(EngineFixture.CONFIG.with("image.detect_max_side", "4000", "test"));
        ImageResult full = once.process(jpeg, "small-face");
        assertFalse(full.decodedTwice(), "under detect_max_side the photo decodes once");
        assertNotNull(face.embedding());
        double c = cosine(face.embedding(), onlyFace(full).embedding());
        assertTrue(c > 0.992, "cosine to the single full decode's embedding " + c);
    }

    @Test
    void aLargeFaceInALargePhotoIsCroppedFromTheReducedDecode() {
        ImageResult r = EngineFixture.ENGINE.process(large(800), "large-face");
        onlyFace(r);
        assertFalse(r.decodedTwice());
        assertEquals(0, r.stageMillis(Stage.FULL_DECODE));
        assertTrue(r.stageMillis(Stage.DECODE) > 0);
    }
}
