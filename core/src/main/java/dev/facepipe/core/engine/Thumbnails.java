package dev.facepipe.core.engine;

import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;

/** The 32x32 gray thumbnails that perceptual hashes are computed from (area-averaged, as pHash expects). */
public final class Thumbnails {
    private Thumbnails() {}

    public static byte[] gray32(Mat bgr) {
        // Shrink first, then convert: the colour conversion of a whole photo cost more than the hash.
        // Bilinear to 128x128 first (cheaper than pyrDowns or one area resize of the whole photo): the
        // area step to 32x32 then averages 16 samples a pixel; `bench dedup` prints how close the variants stay.
        Mat small = new Mat();
        Mat gray = new Mat();
        Mat src = bgr;
        if (bgr.cols() > 128 || bgr.rows() > 128) {
            src = new Mat();
            opencv_imgproc.resize(bgr, src, new Size(128, 128), 0, 0, opencv_imgproc.INTER_LINEAR);
        }
        opencv_imgproc.resize(src, small, new Size(32, 32), 0, 0, opencv_imgproc.INTER_AREA);
        opencv_imgproc.cvtColor(small, gray, opencv_imgproc.COLOR_BGR2GRAY);
        byte[] out = new byte[32 * 32];
        gray.data().get(out);
        if (src != bgr) src.close();
        small.close();
        gray.close();
        return out;
    }
}
