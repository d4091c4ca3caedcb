package dev.facepipe.core.face;

import dev.facepipe.core.model.ModelSpec;
import dev.facepipe.core.model.OnnxModel;
import java.util.Map;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * fr_age and fr_gender (SSR-Net): three stages of 3 bins with learnt offsets and scales, merged into
 * one value: age in years (0..101), or gender in 0..1 (1 = male, decided by test on photos of known
 * people). Input: the box grown 1.4x, 64x64.
 */
public final class AgeGenderEstimator {
    private static final float GROW = 1.4f;
    private static final String[] OUTPUTS = {"prob_stage_1", "prob_stage_2", "prob_stage_3", "stage1_delta_k",
        "stage2_delta_k", "stage3_delta_k", "index_offset_stage1", "index_offset_stage2", "index_offset_stage3"};

    private final OnnxModel model;
    private final float range;

    /** @param range 101 for age, 1 for gender */
    public AgeGenderEstimator(OnnxModel model, float range) {
        this.model = model;
        this.range = range;
    }

    public float estimate(Mat bgr, Detection d) {
        ModelSpec s = model.spec();
        Mat crop = FaceCrop.of(bgr, d, GROW, s.width(), s.height());
        if (crop == null) return Float.NaN;
        Map<String, float[]> out = model.run(ModelInput.tensor(crop, s), ModelInput.shape(s));
        crop.close();
        float[] x = new float[21];
        int k = 0;
        for (String name : OUTPUTS) for (float v : out.get(name)) x[k++] = v;
        return merge(x, range);
    }

    /** SSR-Net's soft stagewise regression with 3 bins a stage, lambda_local = lambda_d = 1. */
    static float merge(float[] x, float range) {
        double s1 = 3 * (1 + x[9]);
        double s2 = 3 * (1 + x[10]);
        double s3 = 3 * (1 + x[11]);
        double a = 0, b = 0, c = 0;
        for (int i = 0; i < 3; i++) {
            a += (i + x[12 + i]) * x[i];
            b += (i + x[15 + i]) * x[3 + i];
            c += (i + x[18 + i]) * x[6 + i];
        }
        return (float) ((a / s1 + b / s1 / s2 + c / s1 / s2 / s3) * range);
    }
}
