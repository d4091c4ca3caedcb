package dev.facepipe.core.engine;

import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;

/** The 32x32 gray thumbnails that perceptual hashes are computed from (area-averaged, as pHash expects). */
final class Thumbnails {
    private Thumbnails() {}

    static byte[] gray32(Mat bgr) {
        Mat gray = new Mat();
        Mat small = new Mat();
        opencv_imgproc.cvtColor(bgr, gray, opencv_imgproc.COLOR_BGR2GRAY);
        opencv_imgproc.resize(gray, small, new Size(32, 32), 0, 0, opencv_imgproc.INTER_AREA);
        byte[] out = new byte[32 * 32];
        small.data().get(out);
        gray.close();
        small.close();
        return out;
    }
}
