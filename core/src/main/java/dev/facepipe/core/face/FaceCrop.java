package dev.facepipe.core.face;

import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Size;

/** The face box grown by a factor around its centre, kept inside the image, resized for a model head. */
final class FaceCrop {
    private FaceCrop() {}

    static Mat of(Mat bgr, Detection d, float grow, int width, int height) {
        float w = d.width() * grow;
        float h = d.height() * grow;
        float cx = (d.x1() + d.x2()) / 2;
        float cy = (d.y1() + d.y2()) / 2;
        int x1 = Math.max(0, Math.round(cx - w / 2));
        int y1 = Math.max(0, Math.round(cy - h / 2));
        int x2 = Math.min(bgr.cols(), Math.round(cx + w / 2));
        int y2 = Math.min(bgr.rows(), Math.round(cy + h / 2));
        Mat out = new Mat();
        if (x2 - x1 < 2 || y2 - y1 < 2) return null;
        try (Mat roi = bgr.apply(new Rect(x1, y1, x2 - x1, y2 - y1))) {
            opencv_imgproc.resize(roi, out, new Size(width, height), 0, 0, opencv_imgproc.INTER_LINEAR);
        }
        return out;
    }
}
