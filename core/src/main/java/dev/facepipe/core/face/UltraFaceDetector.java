package dev.facepipe.core.face;

import dev.facepipe.core.model.ModelSpec;
import dev.facepipe.core.model.OnnxModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * The UltraFace-style fr_detect (320x240) on a letterboxed image. Its scores are already softmaxed
 * (column 1 = face) and its boxes already decoded to normalised x1,y1,x2,y2 of the input.
 */
public final class UltraFaceDetector implements Detector {
    private final OnnxModel model;
    private final float scoreThreshold;
    private final float nmsIou;
    private final int maxFaces;

    public UltraFaceDetector(OnnxModel model, float scoreThreshold, float nmsIou, int maxFaces) {
        this.model = model;
        this.scoreThreshold = scoreThreshold;
        this.nmsIou = nmsIou;
        this.maxFaces = maxFaces;
    }

    @Override
    public List<Detection> detect(Mat bgr) {
        ModelSpec s = model.spec();
        try (Letterbox lb = Letterbox.of(bgr, s.width(), s.height())) {
            Map<String, float[]> out = model.run(ModelInput.tensor(lb.image(), s), ModelInput.shape(s));
            float[] scores = out.get(s.outputs().get(0));
            float[] boxes = out.get(s.outputs().get(1));
            List<Detection> cands = new ArrayList<>();
            int n = scores.length / 2;
            for (int i = 0; i < n; i++) {
                float score = scores[2 * i + 1];
                if (score < scoreThreshold) continue;
                float x1 = (float) lb.toSourceX(boxes[4 * i] * s.width());
                float y1 = (float) lb.toSourceY(boxes[4 * i + 1] * s.height());
                float x2 = (float) lb.toSourceX(boxes[4 * i + 2] * s.width());
                float y2 = (float) lb.toSourceY(boxes[4 * i + 3] * s.height());
                if (x2 > x1 && y2 > y1) cands.add(new Detection(x1, y1, x2, y2, score, new float[0]));
            }
            return Nms.hard(cands, nmsIou, maxFaces);
        }
    }

    @Override
    public String modelId() {
        return model.spec().id();
    }
}
