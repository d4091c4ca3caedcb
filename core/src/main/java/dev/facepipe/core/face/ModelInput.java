package dev.facepipe.core.face;

import dev.facepipe.core.model.ModelSpec;
import java.nio.FloatBuffer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.MatVector;

/**
 * Turns an 8-bit BGR image of the model's input size into its input tensor, as its spec says.
 * Tensors are written into a per-thread direct buffer that ONNX Runtime reads in place: a heap
 * buffer made it allocate and copy about 1 MB per detector run.
 */
final class ModelInput {
    private ModelInput() {}

    private static final ThreadLocal<FloatBuffer[]> BUFFER = ThreadLocal.withInitial(() -> new FloatBuffer[1]);
    private static final ThreadLocal<byte[][]> PIXELS = ThreadLocal.withInitial(() -> new byte[1][0]);
    private static final ThreadLocal<float[][]> FLOATS = ThreadLocal.withInitial(() -> new float[1][0]);

    private static byte[] pixels(int n) {
        byte[][] h = PIXELS.get();
        if (h[0].length < n) h[0] = new byte[n];
        return h[0];
    }

    private static float[] floats(int n) {
        float[][] h = FLOATS.get();
        if (h[0].length < n) h[0] = new float[n];
        return h[0];
    }

    /** A cleared direct buffer of n floats, reused by this thread (valid until its next call). */
    private static FloatBuffer buffer(int n) {
        FloatBuffer[] holder = BUFFER.get();
        if (holder[0] == null || holder[0].capacity() < n) {
            holder[0] = java.nio.ByteBuffer.allocateDirect(n * 4).order(java.nio.ByteOrder.nativeOrder())
                    .asFloatBuffer();
        }
        FloatBuffer b = holder[0];
        b.clear();
        b.limit(n);
        return b;
    }

    static long[] shape(ModelSpec s) {
        return s.inputShape();
    }

    /** One tensor holding several images, batch first (for models loaded with a symbolic batch dimension). */
    static FloatBuffer tensors(java.util.List<Mat> images, ModelSpec s) {
        int per = s.width() * s.height() * s.color().channels();
        float[] all = new float[per * images.size()];
        for (int i = 0; i < images.size(); i++) tensor(images.get(i), s).get(all, i * per, per);
        return buffer(all.length).put(all).flip();
    }

    static FloatBuffer tensor(Mat bgr, ModelSpec s) {
        float[] mean = s.mean();
        float[] std = s.std();
        boolean uniform = mean[0] == mean[1] && mean[1] == mean[2] && std[0] == std[1] && std[1] == std[2];
        return uniform ? tensorNative(bgr, s) : tensorLoop(bgr, s);
    }

    /**
     * The same tensor from OpenCV's vectorised conversions, written straight into the direct buffer
     * (the 8-bit image split into planes first, each plane scaled into its place): for a detector
     * input this took a third of the Java loop's time. Needs one mean and one std for all channels.
     */
    static FloatBuffer tensorNative(Mat bgr, ModelSpec s) {
        check(bgr, s);
        int w = s.width();
        int h = s.height();
        int n = w * h;
        double inv = 1.0 / s.std()[0];
        double shift = -s.mean()[0] * inv;
        if (s.color() == ModelSpec.ColorOrder.GRAY) {
            FloatBuffer out = buffer(n);
            try (Mat g = new Mat(); FloatPointer p = new FloatPointer(out); Mat dst = new Mat(h, w, opencv_core.CV_32F, p)) {
                opencv_imgproc.cvtColor(bgr, g, opencv_imgproc.COLOR_BGR2GRAY);
                g.convertTo(dst, opencv_core.CV_32F, inv, shift);
            }
            return out;
        }
        boolean rgb = s.color() == ModelSpec.ColorOrder.RGB;
        FloatBuffer out = buffer(3 * n);
        if (s.layout() == ModelSpec.Layout.NHWC) {
            try (FloatPointer p = new FloatPointer(out); Mat dst = new Mat(h, w, opencv_core.CV_32FC3, p)) {
                bgr.convertTo(dst, opencv_core.CV_32FC3, inv, shift);
                if (rgb) opencv_imgproc.cvtColor(dst, dst, opencv_imgproc.COLOR_BGR2RGB);
            }
            return out;
        }
        try (MatVector planes = new MatVector(3); FloatPointer p = new FloatPointer(out)) {
            opencv_core.split(bgr, planes);
            for (int c = 0; c < 3; c++) {
                try (Mat plane = planes.get(rgb ? 2 - c : c);
                        FloatPointer at = p.getPointer((long) c * n);
                        Mat dst = new Mat(h, w, opencv_core.CV_32F, at)) {
                    plane.convertTo(dst, opencv_core.CV_32F, inv, shift);
                }
            }
        }
        return out;
    }

    private static void check(Mat bgr, ModelSpec s) {
        if (bgr.cols() != s.width() || bgr.rows() != s.height() || bgr.channels() != 3) {
            throw new IllegalArgumentException("model " + s.name() + " wants " + s.width() + "x" + s.height()
                    + " BGR, got " + bgr.cols() + "x" + bgr.rows() + "x" + bgr.channels());
        }
    }

    /** Per-channel means and stds: the pixel loop in Java. */
    static FloatBuffer tensorLoop(Mat bgr, ModelSpec s) {
        check(bgr, s);
        int w = s.width();
        int h = s.height();
        float[] mean = s.mean();
        float[] inv = {1f / s.std()[0], 1f / s.std()[1], 1f / s.std()[2]};
        int n = w * h;
        float[] out;
        if (s.color() == ModelSpec.ColorOrder.GRAY) {
            Mat g = new Mat();
            opencv_imgproc.cvtColor(bgr, g, opencv_imgproc.COLOR_BGR2GRAY);
            byte[] px = pixels(n);
            g.data().get(px, 0, n);
            g.close();
            out = floats(n);
            for (int i = 0; i < n; i++) out[i] = ((px[i] & 0xFF) - mean[0]) * inv[0];
            return buffer(n).put(out, 0, n).flip();
        }
        byte[] px = pixels(n * 3);
        bgr.data().get(px, 0, n * 3);
        out = floats(n * 3);
        boolean rgb = s.color() == ModelSpec.ColorOrder.RGB;
        // Source channel for each output channel: BGR memory order, so RGB reads 2,1,0.
        int c0 = rgb ? 2 : 0;
        int c2 = rgb ? 0 : 2;
        if (s.layout() == ModelSpec.Layout.NCHW) {
            for (int i = 0, j = 0; i < n; i++, j += 3) {
                out[i] = ((px[j + c0] & 0xFF) - mean[0]) * inv[0];
                out[n + i] = ((px[j + 1] & 0xFF) - mean[1]) * inv[1];
                out[2 * n + i] = ((px[j + c2] & 0xFF) - mean[2]) * inv[2];
            }
        } else {
            for (int j = 0; j < n * 3; j += 3) {
                out[j] = ((px[j + c0] & 0xFF) - mean[0]) * inv[0];
                out[j + 1] = ((px[j + 1] & 0xFF) - mean[1]) * inv[1];
                out[j + 2] = ((px[j + c2] & 0xFF) - mean[2]) * inv[2];
            }
        }
        return buffer(n * 3).put(out, 0, n * 3).flip();
    }
}
