package dev.facepipe.core.face;

import dev.facepipe.core.model.ModelSpec;
import dev.facepipe.core.model.OnnxModel;
import java.util.Map;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * fr_pose (HopeNet-style): yaw, pitch and roll in degrees as the softmax expectation over 66 bins of
 * 3 degrees from -99, on the face box widened by a quarter of its size on every side.
 */
public final class PoseEstimator {
    private final OnnxModel model;

    public PoseEstimator(OnnxModel model) {
        this.model = model;
    }

    /** {yaw, pitch, roll} in degrees. */
    public float[] pose(Mat bgr, Detection d) {
        float w = d.width();
        float h = d.height();
        int x1 = Math.max(0, Math.round(d.x1() - w / 4));
        int y1 = Math.max(0, Math.round(d.y1() - h / 4));
        int x2 = Math.min(bgr.cols(), Math.round(d.x2() + w / 4));
        int y2 = Math.min(bgr.rows(), Math.round(d.y2() + h / 4));
        if (x2 - x1 < 2 || y2 - y1 < 2) return new float[] {Float.NaN, Float.NaN, Float.NaN};
        ModelSpec s = model.spec();
        Mat small = new Mat();
        try (Mat roi = bgr.apply(new Rect(x1, y1, x2 - x1, y2 - y1))) {
            opencv_imgproc.resize(roi, small, new Size(s.width(), s.height()), 0, 0, opencv_imgproc.INTER_LINEAR);
        }
        Map<String, float[]> out = model.run(ModelInput.tensor(small, s), ModelInput.shape(s));
        small.close();
        float[] r = new float[3];
        for (int k = 0; k < 3; k++) {
            float[] p = EyeStateClassifier.softmax(out.get(s.outputs().get(k)));
            double e = 0;
            for (int i = 0; i < p.length; i++) e += i * p[i];
            r[k] = (float) (e * 3 - 99);
        }
        return r;
    }
}
