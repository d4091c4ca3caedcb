package dev.facepipe.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facepipe.core.HostileCorpus;
import dev.facepipe.core.RejectReason;
import dev.facepipe.core.TestImages;
import dev.facepipe.testing.Fixtures;
import dev.facepipe.core.config.Config;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;

/**
 * The hostile corpus through the engine in one JVM: each input ends as its expected outcome, none
 * throws, and the metadata bombs (a gigabyte each when inflated) cost nothing.
 */
class HostileInputTest {
    private static final byte[] JPEG = TestImages.read(Fixtures.debianPhoto("grace_hopper.jpg"));
    private static final Mat BGR = TestImages.decode(JPEG);
    private static final List<HostileCorpus.Case> CASES = HostileCorpus.cases(JPEG, BGR);
    private static final Map<String, HostileCorpus.Case> BY_NAME = CASES.stream()
            .collect(Collectors.toMap(HostileCorpus.Case::name, Function.identity()));

    @Test
    void everyInputEndsAsExpected() {
        assertTrue(CASES.size() >= 40, "kinds: " + CASES.size());
        List<String> wrong = new ArrayList<>();
        for (HostileCorpus.Case c : CASES) {
            ImageResult r = EngineFixture.ENGINE.process(c.bytes(), c.name());
            if (c.face()) {
                if (!r.ok() || r.mainFace() == null) wrong.add(c + ": wanted a face, got " + r.reason() + " " + r.message());
            } else if (!c.reasons().isEmpty() && !c.reasons().contains(r.reason())) {
                wrong.add(c + ": wanted one of " + c.reasons() + ", got " + r.reason() + " " + r.message());
            }
            if (!r.ok()) assertTrue(r.message().contains(c.name()), "the message names the input: " + r.message());
        }
        assertEquals(List.of(), wrong);
    }

    @Test
    void whatTrailsAnImageIsCountedNotRefused() {
        ImageResult motion = EngineFixture.ENGINE.process(BY_NAME.get("motion-photo.jpg").bytes(), "motion-photo.jpg");
        assertEquals(200_000, motion.header().trailingBytes());
        assertEquals(0, EngineFixture.ENGINE.process(JPEG, "photo.jpg").header().trailingBytes());
        ImageResult png = EngineFixture.ENGINE.process(BY_NAME.get("trailing-garbage.png").bytes(), "t.png");
        assertEquals(5000, png.header().trailingBytes());
        assertTrue(EngineFixture.ENGINE.process(BY_NAME.get("progressive.jpg").bytes(), "p.jpg").header().scans() > 1);
    }

    @Test
    void orientationIsReadFromPngExifWithoutAMetadataLibrary() {
        ImageResult r = EngineFixture.ENGINE.process(BY_NAME.get("exif-orientation-6.png").bytes(), "o.png");
        assertEquals(6, r.orientation());
        assertFalse(r.exifCorrupt());
    }

    @Test
    void aDecodePastItsTimeLimitIsGivenUpAndTheNextImageGoesOn() {
        Config c = Config.builder().set("models.dir", Fixtures.models().toString(), "test")
                .set("image.max_decode_ms=1").build();
        FaceEngine slow = FaceEngine.fromConfig(c);
        // 8000x8000 PNG: its decode takes far more than a millisecond on any machine.
        byte[] big = TestImages.encode(TestImages.resize(BGR, 8000.0 / BGR.cols()), ".png");
        ImageResult r = slow.process(big, "big.png");
        assertEquals(RejectReason.OVER_BUDGET, r.reason(), r.message());
        assertTrue(r.message().contains("image.max_decode_ms=1"), r.message());
        ImageResult next = EngineFixture.ENGINE.process(JPEG, "next.jpg");
        assertNotNull(next.mainFace());
    }
}
