package dev.facepipe.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facepipe.core.TestImages;
import dev.facepipe.testing.Fixtures;
import dev.facepipe.core.face.Detection;
import dev.facepipe.core.face.Detector;
import dev.facepipe.core.model.OnnxSessions;
import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;

class TilingTest {
    private static final OnnxSessions.Options OPT = OnnxSessions.Options.fromConfig(EngineFixture.CONFIG);
    private static final Detector PLAIN = FaceEngine.detector(EngineFixture.CONFIG.with("detector.tiles", "0", "t"), OPT);
    private static final Detector TILED = FaceEngine.detector(EngineFixture.CONFIG.with("detector.tiles", "2", "t"), OPT);
    private static final Mat PHOTO = TestImages.decode(TestImages.read(Fixtures.identity("obama_1.jpg")));
    private static final Detection FACE = PLAIN.detect(PHOTO).get(0);

    /** The photo scaled so its face is {@code share} of a 1600x1200 canvas, face centre at (cx, cy). */
    private static Mat canvas(double share, int cx, int cy) {
        double f = share * 1600 / FACE.width();
        Mat small = TestImages.resize(PHOTO, f);
        int x = cx - (int) ((FACE.x1() + FACE.x2()) / 2 * f);
        int y = cy - (int) ((FACE.y1() + FACE.y2()) / 2 * f);
        return TestImages.onCanvas(small, 1600, 1200, x, y);
    }

    private static boolean hits(List<Detection> ds, int cx, int cy) {
        return ds.stream().anyMatch(d -> Math.abs((d.x1() + d.x2()) / 2 - cx) < 20 && Math.abs((d.y1() + d.y2()) / 2 - cy) < 30);
    }

    @Test
    void tilesFindAFaceTooSmallForTheWholeImagePass() {
        int found = 0;
        int[][] spots = {{400, 300}, {1200, 900}, {800, 600}};
        for (int[] s : spots) {
            List<Detection> tiled = TILED.detect(canvas(0.02, s[0], s[1]));
            if (hits(tiled, s[0], s[1])) found++;
        }
        assertEquals(spots.length, found, "2% faces found by tiling");
    }

    @Test
    void aLargeFaceSeenByTheWholeImageAndTheTilesIsReportedOnce() {
        List<Detection> ds = TILED.detect(canvas(0.15, 800, 600));
        assertEquals(1, ds.size(), "boxes: " + ds);
        assertTrue(hits(ds, 800, 600));
    }
}
