package dev.facepipe.core.eval;

import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * The degradations `eval degrade` applies to a photo, for judging quality measures where real hard
 * photos are few: each is sized by the face's eye distance, so a portrait and a group crop suffer alike.
 */
public enum Degradation {
    BLUR("blur_mild"), BLUR_STRONG("blur_strong"), NOISE("noise_mild"), NOISE_STRONG("noise_strong"),
    SMALL("small_mild"), SMALL_STRONG("small_strong"), BRIGHT("bright_mild"), BRIGHT_STRONG("bright_strong"),
    SUNGLASSES("sunglasses"), MASK("mask");

    private final String code;

    Degradation(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }

    /**
     * A degraded copy of {@code bgr}.
     *
     * @param five the face's eye centres, nose tip and mouth corners (x,y pairs) in {@code bgr}'s pixels
     * @param seed for the noise, so a rerun writes the same files
     */
    public Mat apply(Mat bgr, float[] five, long seed) {
        double eye = Math.max(4, Math.hypot(five[2] - five[0], five[3] - five[1]));
        Mat out = bgr.clone();
        switch (this) {
            case BLUR -> blur(out, eye / 25);
            case BLUR_STRONG -> blur(out, eye / 10);
            case NOISE -> noise(out, 20, seed);
            case NOISE_STRONG -> noise(out, 45, seed);
            case SMALL -> { // eyes 14 px apart, as in a small web thumbnail
                return shrink(out, 14 / eye);
            }
            case SMALL_STRONG -> {
                return shrink(out, 8 / eye);
            }
            case BRIGHT -> out.convertTo(out, -1, 1.4, 30);
            case BRIGHT_STRONG -> out.convertTo(out, -1, 2.2, 60);
            case SUNGLASSES -> {
                int h = (int) Math.round(eye * 0.45);
                int x0 = (int) Math.round(Math.min(five[0], five[2]) - eye * 0.45);
                int x1 = (int) Math.round(Math.max(five[0], five[2]) + eye * 0.45);
                int y = (int) Math.round((five[1] + five[3]) / 2);
                opencv_imgproc.rectangle(out, new Point(x0, y - h / 2), new Point(x1, y + h / 2),
                        new Scalar(20, 20, 20, 0), opencv_imgproc.FILLED, opencv_imgproc.LINE_8, 0);
            }
            case MASK -> {
                int x0 = (int) Math.round(Math.min(five[6], five[0]) - eye * 0.35);
                int x1 = (int) Math.round(Math.max(five[8], five[2]) + eye * 0.35);
                int y0 = (int) Math.round(five[5] - eye * 0.15);
                int y1 = (int) Math.round(Math.max(five[7], five[9]) + eye * 0.6);
                opencv_imgproc.rectangle(out, new Point(x0, y0), new Point(x1, y1), new Scalar(200, 200, 200, 0),
                        opencv_imgproc.FILLED, opencv_imgproc.LINE_8, 0);
            }
        }
        return out;
    }

    private static void blur(Mat m, double sigma) {
        opencv_imgproc.GaussianBlur(m, m, new Size(0, 0), sigma);
    }

    private static void noise(Mat m, double sigma, long seed) {
        try (Mat n = new Mat(m.size(), opencv_core.CV_16SC3); Mat wide = new Mat()) {
            opencv_core.theRNG().state(seed);
            opencv_core.randn(n, new Mat(1, 1, opencv_core.CV_64F, new Scalar(0)),
                    new Mat(1, 1, opencv_core.CV_64F, new Scalar(sigma)));
            m.convertTo(wide, opencv_core.CV_16SC3);
            opencv_core.add(wide, n, wide);
            wide.convertTo(m, opencv_core.CV_8UC3);
        }
    }

    /** Scaled by {@code factor} (at most 1), never under 32 px a side. */
    private static Mat shrink(Mat m, double factor) {
        if (factor >= 1) return m;
        double f = Math.max(factor, 32.0 / Math.min(m.cols(), m.rows()));
        Mat small = new Mat();
        opencv_imgproc.resize(m, small, new Size((int) Math.round(m.cols() * f), (int) Math.round(m.rows() * f)), 0,
                0, opencv_imgproc.INTER_AREA);
        m.close();
        return small;
    }
}
