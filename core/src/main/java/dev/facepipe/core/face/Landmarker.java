package dev.facepipe.core.face;

import dev.facepipe.core.model.ModelSpec;
import dev.facepipe.core.model.OnnxModel;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;

/**
 * fr_landmark: 68 points from the face box (cropped as the model was trained: the box itself,
 * shifted inside the image), reduced to the 5 points ArcFace alignment uses.
 */
public final class Landmarker {
    private final OnnxModel model;

    public Landmarker(OnnxModel model) {
        this.model = model;
    }

    /** 68 points as x,y pairs in image pixels. */
    public float[] landmarks68(Mat bgr, Detection d) {
        ModelSpec s = model.spec();
        int iw = bgr.cols();
        int ih = bgr.rows();
        int w = Math.max(2, Math.min(iw, Math.round(d.width())));
        int h = Math.max(2, Math.min(ih, Math.round(d.height())));
        int x = Math.max(0, Math.min(iw - w, Math.round(d.x1())));
        int y = Math.max(0, Math.min(ih - h, Math.round(d.y1())));
        Mat small = new Mat();
        try (Mat roi = bgr.apply(new Rect(x, y, w, h))) {
            Downscale.to(roi, small, s.width(), s.height());
        }
        float[] out = model.run(ModelInput.tensor(small, s), ModelInput.shape(s)).get(s.outputs().get(0));
        small.close();
        float[] pts = new float[out.length];
        for (int i = 0; i < out.length; i += 2) {
            pts[i] = out[i] * w + x;
            pts[i + 1] = out[i + 1] * h + y;
        }
        return pts;
    }

    /**
     * The 5 alignment points from 68: eye centres (mean of 4 lid points each), nose tip, and mouth
     * corners (mean of outer and inner corner), image-left first, as x,y pairs.
     */
    public static float[] fivePoints(float[] p) {
        return new float[] {
            avg(p, 37, 38, 40, 41, 0), avg(p, 37, 38, 40, 41, 1),
            avg(p, 43, 44, 46, 47, 0), avg(p, 43, 44, 46, 47, 1),
            p[60], p[61],
            (p[96] + p[120]) / 2, (p[97] + p[121]) / 2,
            (p[108] + p[128]) / 2, (p[109] + p[129]) / 2,
        };
    }

    private static float avg(float[] p, int a, int b, int c, int d, int off) {
        return (p[2 * a + off] + p[2 * b + off] + p[2 * c + off] + p[2 * d + off]) / 4;
    }
}
