package dev.facepipe.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facepipe.core.RejectReason;
import dev.facepipe.core.TestImages;
import dev.facepipe.testing.Fixtures;
import dev.facepipe.core.face.Quality;
import dev.facepipe.core.face.QualitySignal;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Quality signals on real photos: frontal portraits with open eyes against a profile looking through a camera. */
class QualityHeadsTest {
    private static final FaceEngine WITH_POSE = FaceEngine.fromConfig(
            EngineFixture.CONFIG.with("quality.pose_model", "fr_pose", "test"));

    private static FaceResult first(FaceEngine e, Path p) {
        ImageResult r = e.process(TestImages.read(p), p.getFileName().toString());
        assertTrue(r.ok(), r.message());
        return r.faces().get(0);
    }

    @Test
    void openEyesAndFrontalPortraitsScoreHigh() {
        for (Path p : new Path[] {Fixtures.identity("obama_1.jpg"), Fixtures.debianPhoto("grace_hopper.jpg"),
            Fixtures.debianPhoto("astronaut.png")}) {
            Quality q = first(WITH_POSE, p).quality();
            assertTrue(q.eyesOpen() > 0.9, p + " eyes " + q.eyesOpen());
            assertTrue(Math.abs(q.poseDeg()[0]) < 15, p + " yaw " + q.poseDeg()[0]);
            assertTrue(q.overall() > 0.7, p + " overall " + q);
        }
    }

    @Test
    void aProfileWithAnEyeAtTheViewfinderScoresLowOnEyesAndFrontalityYetEnrols() {
        FaceResult f = first(WITH_POSE, Fixtures.debianPhoto("camera.png"));
        Quality q = f.quality();
        assertTrue(q.eyesOpen() < 0.5, "eyes " + q.eyesOpen());
        assertTrue(q.sub(QualitySignal.EYES) < 0.5, "eyes sub-score " + q.sub(QualitySignal.EYES));
        assertTrue(Math.abs(q.poseDeg()[0]) > 30, "yaw " + q.poseDeg()[0]);
        assertTrue(q.yaw() > 0.2, "landmark yaw ratio " + q.yaw());
        // Eyes and frontality are stored, not gated (quality.gates): a clear face looking down enrols.
        assertNull(f.reason(), "quality.gates=" + EngineFixture.CONFIG.getString("quality.gates") + ": " + q);
        FaceResult gated = first(FaceEngine.fromConfig(EngineFixture.CONFIG.with("quality.pose_model", "fr_pose", "test")
                .with("quality.gates", "detector,size,sharpness,exposure,frontality,eyes,norm", "test")),
                Fixtures.debianPhoto("camera.png"));
        assertEquals(RejectReason.LOW_QUALITY, gated.reason(), "with every sub-score gated: " + gated.quality());
        assertNotNull(gated.embedding(), "low-quality faces keep their embedding for audit");
    }

    @Test
    void poseIsOffByDefaultAndTheLandmarkYawStandsIn() {
        Quality q = first(EngineFixture.ENGINE, Fixtures.identity("obama_1.jpg")).quality();
        assertNull(q.poseDeg());
        assertTrue(q.yaw() < 0.1, "landmark yaw " + q.yaw());
    }
}
