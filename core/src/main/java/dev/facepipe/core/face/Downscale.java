package dev.facepipe.core.face;

import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * Area-averaged shrinking for model inputs: bilinear to twice the target, then the exact 2x area
 * step (OpenCV's fast path), nearly the same pixels as INTER_AREA at an arbitrary ratio for a
 * fraction of its time.
 */
final class Downscale {
    private Downscale() {}

    /** src shrunk (or, when not more than twice the target, resized by area) to w x h into dst. */
    static void to(Mat src, Mat dst, int w, int h) {
        if (src.cols() <= 2 * w || src.rows() <= 2 * h) {
            opencv_imgproc.resize(src, dst, new Size(w, h), 0, 0, opencv_imgproc.INTER_AREA);
            return;
        }
        try (Mat twice = new Mat()) {
            opencv_imgproc.resize(src, twice, new Size(2 * w, 2 * h), 0, 0, opencv_imgproc.INTER_LINEAR);
            opencv_imgproc.resize(twice, dst, new Size(w, h), 0, 0, opencv_imgproc.INTER_AREA);
        }
    }
}
