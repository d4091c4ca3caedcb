package dev.facepipe.core.face;

import dev.facepipe.core.model.ModelSpec;
import dev.facepipe.core.model.OnnxModel;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;

/**
 * fr_eye: probability that each eye is open, from a square crop around the eye (side 1.6x the
 * eye's corner-to-corner width), as the model was trained. Which softmax output means "open" was
 * decided by measurement on open-eyed photos (see the test) and is held in {@link #OPEN_INDEX}.
 */
public final class EyeStateClassifier {
    /** Softmax index of "open": index 1 dominates on every open-eyed fixture photo. */
    static final int OPEN_INDEX = 1;
    private static final float PADDING = 1.6f;

    private final OnnxModel model;

    public EyeStateClassifier(OnnxModel model) {
        this.model = model;
    }

    /** {image-left eye, image-right eye} open probabilities for 68 landmarks in {@code bgr}'s pixels. */
    public float[] openProbability(Mat bgr, float[] p68) {
        return new float[] {eye(bgr, p68, 36, 39, 37, 38, 40, 41), eye(bgr, p68, 42, 45, 43, 44, 46, 47)};
    }

    private float eye(Mat bgr, float[] p, int corner1, int corner2, int a, int b, int c, int d) {
        float cx = (p[2 * a] + p[2 * b] + p[2 * c] + p[2 * d]) / 4;
        float cy = (p[2 * a + 1] + p[2 * b + 1] + p[2 * c + 1] + p[2 * d + 1]) / 4;
        int side = Math.max(4, Math.round((p[2 * corner2] - p[2 * corner1]) * PADDING));
        int x = Math.max(0, Math.round(cx - side / 2f));
        int y = Math.max(0, Math.round(cy - side / 2f));
        int w = Math.min(side, bgr.cols() - x);
        int h = Math.min(side, bgr.rows() - y);
        if (w < 2 || h < 2) return Float.NaN;
        ModelSpec s = model.spec();
        Mat small = new Mat();
        try (Mat roi = bgr.apply(new Rect(x, y, w, h))) {
            Downscale.to(roi, small, s.width(), s.height());
        }
        float[] out = model.run(ModelInput.tensor(small, s), ModelInput.shape(s)).get(s.outputs().get(0));
        small.close();
        return softmax(out)[OPEN_INDEX];
    }

    static float[] softmax(float[] v) {
        float max = Float.NEGATIVE_INFINITY;
        for (float x : v) max = Math.max(max, x);
        double sum = 0;
        double[] e = new double[v.length];
        for (int i = 0; i < v.length; i++) sum += e[i] = Math.exp(v[i] - max);
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) out[i] = (float) (e[i] / sum);
        return out;
    }
}
