package dev.facepipe.core.face;

import dev.facepipe.core.model.ModelSpec;
import java.nio.FloatBuffer;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;

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
        int c = s.color().channels();
        return s.layout() == ModelSpec.Layout.NCHW ? new long[] {1, c, s.height(), s.width()}
                : new long[] {1, s.height(), s.width(), c};
    }

    /** One tensor holding several images, batch first (for models loaded with a symbolic batch dimension). */
    static FloatBuffer tensors(java.util.List<Mat> images, ModelSpec s) {
        int per = s.width() * s.height() * s.color().channels();
        float[] all = new float[per * images.size()];
        for (int i = 0; i < images.size(); i++) tensor(images.get(i), s).get(all, i * per, per);
        return buffer(all.length).put(all).flip();
    }

    static FloatBuffer tensor(Mat bgr, ModelSpec s) {
        int w = s.width();
        int h = s.height();
        if (bgr.cols() != w || bgr.rows() != h || bgr.channels() != 3) {
            throw new IllegalArgumentException("model " + s.name() + " wants " + w + "x" + h + " BGR, got "
                    + bgr.cols() + "x" + bgr.rows() + "x" + bgr.channels());
        }
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
