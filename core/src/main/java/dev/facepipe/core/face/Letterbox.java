package dev.facepipe.core.face;

import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * Resizes an image into a model input of fixed size without changing its aspect ratio, padding the
 * rest; stretching (as some reference code does) distorts faces and the detector's boxes. Bilinear:
 * area averaging cost 2.7 ms for a 1 MP photo against 0.1 ms, with the same detector recall on
 * `facepipe eval detectors`.
 *
 * @param scale input pixels per image pixel
 * @param padX  left padding in input pixels
 * @param padY  top padding in input pixels
 */
record Letterbox(Mat image, double scale, int padX, int padY) implements AutoCloseable {

    static Letterbox of(Mat src, int width, int height) {
        double scale = Math.min((double) width / src.cols(), (double) height / src.rows());
        int w = Math.max(1, (int) Math.round(src.cols() * scale));
        int h = Math.max(1, (int) Math.round(src.rows() * scale));
        int padX = (width - w) / 2;
        int padY = (height - h) / 2;
        Mat out = new Mat(height, width, src.type(), new Scalar(0, 0, 0, 0));
        // Straight into its place: a destination of the right size and type is written, not reallocated.
        try (Mat roi = out.apply(new Rect(padX, padY, w, h)); Size size = new Size(w, h)) {
            opencv_imgproc.resize(src, roi, size, 0, 0, opencv_imgproc.INTER_LINEAR);
        }
        return new Letterbox(out, scale, padX, padY);
    }

    /** Input x (pixels) to source image x. */
    double toSourceX(double x) {
        return (x - padX) / scale;
    }

    double toSourceY(double y) {
        return (y - padY) / scale;
    }

    @Override
    public void close() {
        image.close();
    }

    static {
        opencv_core.setNumThreads(1); // stages run one per core; OpenCV's own pool would oversubscribe
    }
}
