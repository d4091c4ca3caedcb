package dev.facepipe.core.engine;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facepipe.core.RejectReason;
import dev.facepipe.core.TestImages;
import dev.facepipe.testing.Fixtures;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;

/**
 * Photos of objects enlarged to 1280 px (so the tiled detector sees them as it sees a large photo):
 * UltraFace draws boxes on some; the second check (detector.confirm) turns them away before they
 * are embedded, while real faces, small ones included, still enrol.
 */
class FalseFaceTest {
    private static final String[] OBJECTS = {"ihc.png", "motorcycle_left.png", "coins.png", "logo.png", "coffee.png"};

    private static List<String> acceptedFaces(FaceEngine e, List<String> unconfirmed) {
        List<String> accepted = new ArrayList<>();
        for (String name : OBJECTS) {
            try (Mat m = TestImages.decode(TestImages.read(Fixtures.debianPhoto(name)));
                    Mat big = TestImages.resize(m, 1280.0 / Math.max(m.cols(), m.rows()))) {
                ImageResult r = e.process(TestImages.jpeg(big, 92), name);
                for (FaceResult f : r.faces()) {
                    if (f.accepted()) accepted.add(name + " " + f.quality());
                    if (f.reason() == RejectReason.UNCONFIRMED) unconfirmed.add(name);
                }
            }
        }
        return accepted;
    }

    @Test
    void theSecondCheckTurnsAwayBoxesOnObjects() {
        List<String> unconfirmed = new ArrayList<>();
        List<String> accepted = acceptedFaces(EngineFixture.ENGINE, unconfirmed);
        assertTrue(accepted.isEmpty(), "false faces accepted: " + accepted);
        assertFalse(unconfirmed.isEmpty(), "the detector drew boxes here, and the check turned them away");
        // Without the check, the gate alone lets some through: the check is what keeps them out.
        List<String> without = acceptedFaces(FaceEngine.fromConfig(EngineFixture.CONFIG.with("detector.confirm", "none",
                "test")), new ArrayList<>());
        assertFalse(without.isEmpty(), "without the second check");
    }

    @Test
    void realFacesSmallOnesIncludedPassTheSecondCheck() {
        for (String photo : new String[] {"obama_1.jpg", "obama_2.jpg", "obama_3.jpg", "biden_1.jpg"}) {
            try (Mat m = TestImages.decode(TestImages.read(Fixtures.identity(photo)))) {
                ImageResult whole = EngineFixture.ENGINE.process(TestImages.read(Fixtures.identity(photo)), photo);
                assertTrue(whole.mainFace() != null, photo + ": " + whole.faces());
                // The face about 40 px wide (3% of a 1280 px canvas).
                FaceResult f = whole.mainFace();
                double scale = 40.0 / (f.x2() - f.x1());
                try (Mat small = TestImages.resize(m, scale);
                        Mat canvas = TestImages.onCanvas(small, 1280, 960, 400, 300)) {
                    ImageResult r = EngineFixture.ENGINE.process(TestImages.jpeg(canvas, 92), photo + " small");
                    assertTrue(r.faces().stream().anyMatch(FaceResult::accepted), photo + " at 40 px: " + r.faces());
                }
            }
        }
    }

    @Test
    void aSmallFaceInALargePhotoIsCheckedAtFullResolution() {
        // 4800 px wide: decoded at 1/4 for detection, so a 120 px face is 30 px there; the check must see it whole.
        int[] confirmed = new int[2];
        for (String photo : new String[] {"obama_1.jpg", "biden_1.jpg"}) {
            byte[] bytes = TestImages.read(Fixtures.identity(photo));
            FaceResult f = EngineFixture.ENGINE.process(bytes, photo).mainFace();
            try (Mat m = TestImages.decode(bytes); Mat small = TestImages.resize(m, 120.0 / (f.x2() - f.x1()));
                    Mat canvas = TestImages.onCanvas(small, 4800, 3600, 2000, 1500)) {
                ImageResult r = EngineFixture.ENGINE.process(TestImages.jpeg(canvas, 92), photo + " in 4800 px");
                if (r.faces().stream().anyMatch(FaceResult::accepted)) confirmed[0]++;
                if (r.faces().stream().anyMatch(x -> x.reason() == RejectReason.UNCONFIRMED)) confirmed[1]++;
            }
        }
        assertTrue(confirmed[0] == 2 && confirmed[1] == 0, "accepted " + confirmed[0] + " of 2, unconfirmed " + confirmed[1]);
    }
}
