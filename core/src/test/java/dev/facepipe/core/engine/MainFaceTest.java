package dev.facepipe.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.facepipe.core.RejectReason;
import dev.facepipe.core.face.Quality;
import dev.facepipe.core.image.ImageFormat;
import dev.facepipe.core.image.ImageHeader;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Pins {@link MainFace}'s rule on a 1000x800 photo. */
class MainFaceTest {
    private static FaceResult face(float cx, float cy, float w, float quality, float det) {
        Quality q = new Quality(quality, det, w / 3, 100, 128, 0, Float.NaN, null, 3.5f, new float[7]);
        return new FaceResult(cx - w / 2, cy - w * 0.6f, cx + w / 2, cy + w * 0.6f, det, new float[10], q,
                new float[] {1}, "m", "d", null, Float.NaN, Float.NaN, null);
    }

    private static int pick(FaceResult... faces) {
        return MainFace.index(List.of(faces), 1000, 800);
    }

    @Test
    void theSubjectWinsOverASharperFaceInTheBackground() {
        FaceResult subject = face(520, 380, 260, 0.45f, 0.93f);
        FaceResult background = face(900, 120, 60, 0.95f, 0.99f);
        assertEquals(0, pick(subject, background));
        assertEquals(1, pick(background, subject));
    }

    @Test
    void ofTwoFacesOfOneSizeTheCentralOneWins() {
        assertEquals(1, pick(face(150, 400, 200, 0.8f, 0.95f), face(560, 420, 200, 0.8f, 0.95f)));
    }

    @Test
    void ofTwoFacesOfOneSizeAndPlaceTheClearerOneWins() {
        assertEquals(1, pick(face(300, 400, 200, 0.4f, 0.95f), face(700, 400, 200, 0.9f, 0.95f)));
        assertEquals(0, pick(face(300, 400, 200, 0.9f, 0.80f), face(700, 400, 200, 0.9f, 0.79f)));
    }

    @Test
    void aSomewhatWiderBoxThatBarelyPassedTheGateLosesToAClearFace() {
        // A blurred crowd once drew a box wider than the real face at detector score 0.99.
        assertEquals(1, pick(face(500, 400, 260, 0.31f, 0.99f), face(500, 400, 200, 0.95f, 0.95f)));
        // Twice as wide wins all the same: size leads.
        assertEquals(0, pick(face(500, 400, 400, 0.31f, 0.99f), face(500, 400, 200, 0.95f, 0.95f)));
    }

    @Test
    void rejectedFacesAreNeverChosen() {
        FaceResult big = face(500, 400, 300, 0.9f, 0.99f).rejectedAs(RejectReason.LOW_QUALITY);
        assertEquals(1, pick(big, face(100, 100, 40, 0.35f, 0.8f)));
        assertEquals(-1, pick(big));
        assertEquals(-1, pick());
    }

    @Test
    void aTurnedPhotoIsMeasuredUpright() {
        // Stored 1000x800 with EXIF 6: upright it is 800 wide and 1000 high, so (400, 500) is its centre.
        FaceResult central = face(330, 560, 150, 0.6f, 0.9f);
        FaceResult side = face(560, 330, 150, 0.6f, 0.9f); // as near the stored centre as the other is upright
        ImageHeader h = new ImageHeader(ImageFormat.JPEG, 1000, 800, 3, 8, 1);
        ImageResult r = new ImageResult("p", h, 6, false, null, null, List.of(side, central), null, new long[1]);
        assertEquals(1, r.mainFaceIndex());
        ImageResult none = new ImageResult("p", null, 1, false, RejectReason.NO_FACE, "x", List.of(), null, new long[1]);
        assertNull(none.mainFace());
    }
}
