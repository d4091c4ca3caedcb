package dev.facepipe.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facepipe.core.RejectReason;
import dev.facepipe.core.TestImages;
import dev.facepipe.testing.Fixtures;
import dev.facepipe.core.config.Config;
import dev.facepipe.core.face.Aligner;
import dev.facepipe.core.face.Detection;
import dev.facepipe.core.face.Detector;
import dev.facepipe.core.face.Embedder;
import dev.facepipe.core.face.Landmarker;
import dev.facepipe.core.face.QualityScorer;
import dev.facepipe.core.model.ModelSpec;
import dev.facepipe.core.model.OnnxSessions;
import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;

/** An unforeseen failure inside the engine is that image's reason (engine_error), never the batch's end. */
class EngineErrorTest {
    @Test
    void aStageThatThrowsRejectsOnlyItsImage() {
        Config c = EngineFixture.CONFIG;
        OnnxSessions.Options opt = OnnxSessions.Options.fromConfig(c);
        Detector real = FaceEngine.detector(c, opt);
        Detector failsOn333 = new Detector() {
            @Override
            public List<Detection> detect(Mat bgr) {
                if (bgr.cols() == 333) throw new IllegalStateException("a defect in the detector");
                return real.detect(bgr);
            }

            @Override
            public String modelId() {
                return real.modelId();
            }
        };
        FaceEngine engine = new FaceEngine(FaceEngine.Settings.fromConfig(c), failsOn333,
                new Landmarker(OnnxSessions.get(ModelSpec.fromConfig(c, c.getString("landmarks.model")), opt)),
                new Aligner(c.getInt("align.size")),
                new Embedder(OnnxSessions.get(ModelSpec.fromConfig(c, c.getString("embed.model")), opt)),
                QualityScorer.fromConfig(c), null, null, null, null, null);
        byte[] face = TestImages.read(Fixtures.identity("obama_2.jpg"));
        byte[] odd;
        try (Mat m = TestImages.decode(face); Mat w333 = TestImages.resize(m, 333.0 / m.cols())) {
            odd = TestImages.jpeg(w333, 90);
        }
        List<ImageResult> r = engine.processBatch(List.of(odd, face), List.of("odd.jpg", "obama_2.jpg"));
        assertEquals(RejectReason.ENGINE_ERROR, r.get(0).reason());
        assertTrue(r.get(0).message().contains("odd.jpg") && r.get(0).message().contains("a defect in the detector"),
                r.get(0).message());
        assertNotNull(r.get(0).header(), "what was learnt before the failure is kept");
        assertTrue(r.get(1).ok(), r.get(1).message());
        assertNotNull(r.get(1).mainFace(), "the next image goes on");
    }
}
