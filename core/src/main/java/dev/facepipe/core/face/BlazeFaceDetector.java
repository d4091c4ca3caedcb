package dev.facepipe.core.face;

import dev.facepipe.core.model.OnnxModel;
import dev.facepipe.core.model.ModelSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * MediaPipe BlazeFace (back-camera 256x256 model) on a letterboxed image. Anchors: a 16x16 grid with
 * 2 anchors a cell, then an 8x8 grid with 6; each anchor regresses a box and 6 keypoints (eyes,
 * nose, mouth, ears) in input pixels relative to its centre. Scores are logits.
 */
public final class BlazeFaceDetector implements Detector {
    private final OnnxModel model;
    private final float scoreThreshold;
    private final float nmsIou;
    private final int maxFaces;
    private final float[] anchors; // cx, cy pairs, normalised

    public BlazeFaceDetector(OnnxModel model, float scoreThreshold, float nmsIou, int maxFaces) {
        this.model = model;
        this.scoreThreshold = scoreThreshold;
        this.nmsIou = nmsIou;
        this.maxFaces = maxFaces;
        this.anchors = anchors(model.spec().width());
    }

    static float[] anchors(int size) {
        int[][] grids = {{size / 16, 2}, {size / 32, 6}}; // 256: 16x16x2 + 8x8x6 = 896
        if (size == 128) grids = new int[][] {{16, 2}, {8, 6}};
        List<Float> a = new ArrayList<>();
        for (int[] g : grids) {
            for (int y = 0; y < g[0]; y++) {
                for (int x = 0; x < g[0]; x++) {
                    for (int k = 0; k < g[1]; k++) {
                        a.add((x + 0.5f) / g[0]);
                        a.add((y + 0.5f) / g[0]);
                    }
                }
            }
        }
        float[] out = new float[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i);
        return out;
    }

    @Override
    public List<Detection> detect(Mat bgr) {
        ModelSpec s = model.spec();
        try (Letterbox lb = Letterbox.of(bgr, s.width(), s.height())) {
            Map<String, float[]> out = model.run(ModelInput.tensor(lb.image(), s), ModelInput.shape(s));
            List<String> names = s.outputs();
            float[] scores1 = out.get(names.get(0));
            float[] scores2 = out.get(names.get(1));
            float[] reg1 = out.get(names.get(2));
            float[] reg2 = out.get(names.get(3));
            List<Detection> cands = new ArrayList<>();
            int n1 = scores1.length;
            int total = n1 + scores2.length;
            float size = s.width();
            for (int i = 0; i < total; i++) {
                float logit = i < n1 ? scores1[i] : scores2[i - n1];
                float score = (float) (1 / (1 + Math.exp(-Math.max(-100, Math.min(100, logit)))));
                if (score < scoreThreshold) continue;
                float[] r = i < n1 ? reg1 : reg2;
                int o = (i < n1 ? i : i - n1) * 16;
                float acx = anchors[2 * i] * size;
                float acy = anchors[2 * i + 1] * size;
                float cx = r[o] + acx;
                float cy = r[o + 1] + acy;
                float w = r[o + 2];
                float h = r[o + 3];
                float[] kp = new float[12];
                for (int k = 0; k < 6; k++) {
                    kp[2 * k] = (float) lb.toSourceX(r[o + 4 + 2 * k] + acx);
                    kp[2 * k + 1] = (float) lb.toSourceY(r[o + 5 + 2 * k] + acy);
                }
                cands.add(new Detection((float) lb.toSourceX(cx - w / 2), (float) lb.toSourceY(cy - h / 2),
                        (float) lb.toSourceX(cx + w / 2), (float) lb.toSourceY(cy + h / 2), score, kp));
            }
            return Nms.weighted(cands, nmsIou, maxFaces);
        }
    }

    @Override
    public String modelId() {
        return model.spec().id();
    }
}
