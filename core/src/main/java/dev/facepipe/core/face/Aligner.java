package dev.facepipe.core.face;

import static org.bytedeco.opencv.global.opencv_core.CV_64F;

import org.bytedeco.javacpp.indexer.DoubleIndexer;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * 5-point similarity alignment (rotation, uniform scale, translation; least squares) onto the
 * standard ArcFace 112x112 reference points. A plain 3-point affine was measurably worse.
 */
public final class Aligner {
    /** ArcFace reference: eyes (image-left, image-right), nose tip, mouth corners, in a 112x112 crop. */
    public static final float[] ARCFACE_112 = {
        38.2946f, 51.6963f, 73.5318f, 51.5014f, 56.0252f, 71.7366f, 41.5493f, 92.3655f, 70.7299f, 92.2041f
    };

    private final int size;

    public Aligner(int size) {
        this.size = size;
    }

    /** The 2x3 matrix [a -b tx; b a ty] mapping image points onto the reference (least squares). */
    public static double[] similarity(float[] src, float[] dst) {
        int n = src.length / 2;
        double sx = 0, sy = 0, dx = 0, dy = 0;
        for (int i = 0; i < n; i++) {
            sx += src[2 * i];
            sy += src[2 * i + 1];
            dx += dst[2 * i];
            dy += dst[2 * i + 1];
        }
        sx /= n;
        sy /= n;
        dx /= n;
        dy /= n;
        double num1 = 0, num2 = 0, den = 0;
        for (int i = 0; i < n; i++) {
            double px = src[2 * i] - sx, py = src[2 * i + 1] - sy;
            double qx = dst[2 * i] - dx, qy = dst[2 * i + 1] - dy;
            num1 += px * qx + py * qy;
            num2 += px * qy - py * qx;
            den += px * px + py * py;
        }
        if (den < 1e-9) den = 1e-9;
        double a = num1 / den;
        double b = num2 / den;
        double tx = dx - (a * sx - b * sy);
        double ty = dy - (b * sx + a * sy);
        return new double[] {a, -b, tx, b, a, ty};
    }

    /** The aligned size x size BGR crop for 5 points given in the pixels of {@code bgr}. */
    public Mat align(Mat bgr, float[] five) {
        float[] ref = ARCFACE_112.clone();
        float k = size / 112f;
        for (int i = 0; i < ref.length; i++) ref[i] *= k;
        double[] m = similarity(five, ref);
        Mat t = new Mat(2, 3, CV_64F);
        DoubleIndexer idx = t.createIndexer();
        for (int i = 0; i < 6; i++) idx.put(i / 3, i % 3, m[i]);
        idx.close();
        Mat out = new Mat();
        opencv_imgproc.warpAffine(bgr, out, t, new Size(size, size), opencv_imgproc.INTER_LINEAR,
                opencv_core.BORDER_CONSTANT, new Scalar(0, 0, 0, 0));
        t.close();
        return out;
    }
}
