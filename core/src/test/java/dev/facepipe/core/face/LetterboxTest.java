package dev.facepipe.core.face;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.Random;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Size;
import org.junit.jupiter.api.Test;

/** The letterbox is the bilinear resize of the whole image, centred, with black bars and nothing else. */
class LetterboxTest {
    private static byte[] bytes(Mat m) {
        byte[] b = new byte[(int) (m.total() * m.channels())];
        Mat c = m.isContinuous() ? m : m.clone();
        c.data().get(b);
        return b;
    }

    @Test
    void theImageIsResizedIntoTheMiddleAndTheBarsAreBlack() {
        Random r = new Random(3);
        for (int[] wh : new int[][] {{629, 1024}, {1024, 629}, {320, 240}, {100, 75}, {37, 500}}) {
            byte[] px = new byte[wh[0] * wh[1] * 3];
            r.nextBytes(px);
            Mat src = new Mat(wh[1], wh[0], opencv_core.CV_8UC3);
            new BytePointer(src.data()).capacity(px.length).put(px);
            try (Letterbox lb = Letterbox.of(src, 320, 240)) {
                int w = Math.max(1, (int) Math.round(wh[0] * lb.scale()));
                int h = Math.max(1, (int) Math.round(wh[1] * lb.scale()));
                Mat expected = new Mat();
                opencv_imgproc.resize(src, expected, new Size(w, h), 0, 0, opencv_imgproc.INTER_LINEAR);
                String what = wh[0] + "x" + wh[1];
                assertEquals(-1, Arrays.mismatch(bytes(expected),
                        bytes(lb.image().apply(new Rect(lb.padX(), lb.padY(), w, h)))), what);
                Mat bars = lb.image().clone();
                bars.apply(new Rect(lb.padX(), lb.padY(), w, h)).setTo(new Mat(1, 1, opencv_core.CV_8UC3,
                        new org.bytedeco.opencv.opencv_core.Scalar(0, 0, 0, 0)));
                assertEquals(0, opencv_core.countNonZero(bars.reshape(1, 0)), what + ": bars not black");
            }
        }
    }
}
