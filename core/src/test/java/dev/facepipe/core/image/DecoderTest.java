package dev.facepipe.core.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facepipe.core.RejectReason;
import dev.facepipe.core.RejectedException;
import dev.facepipe.core.TestImages;
import dev.facepipe.testing.Fixtures;
import java.util.Arrays;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** JPEGs decode through libjpeg-turbo's SIMD code to exactly the pixels OpenCV's decoder gives. */
class DecoderTest {
    private static Mat opencv(byte[] jpeg, int reduce) {
        int flags = switch (reduce) {
            case 2 -> opencv_imgcodecs.IMREAD_REDUCED_COLOR_2;
            case 4 -> opencv_imgcodecs.IMREAD_REDUCED_COLOR_4;
            case 8 -> opencv_imgcodecs.IMREAD_REDUCED_COLOR_8;
            default -> opencv_imgcodecs.IMREAD_COLOR;
        };
        try (BytePointer p = new BytePointer(jpeg); Mat buf = new Mat(1, jpeg.length, opencv_core.CV_8UC1, p)) {
            return opencv_imgcodecs.imdecode(buf, flags | opencv_imgcodecs.IMREAD_IGNORE_ORIENTATION);
        }
    }

    private static void assertSamePixels(byte[] jpeg, String name) throws RejectedException {
        ImageHeader h = HeaderReader.read(jpeg, name);
        for (int reduce : new int[] {1, 2, 4, 8}) {
            try (DecodedImage d = Decoder.decode(jpeg, h, 1, reduce, name); Mat ref = opencv(jpeg, reduce)) {
                Mat got = d.bgr();
                assertEquals(ref.cols(), got.cols(), name + " 1/" + reduce);
                assertEquals(ref.rows(), got.rows(), name + " 1/" + reduce);
                byte[] a = new byte[(int) (ref.total() * 3)];
                byte[] b = new byte[a.length];
                ref.data().get(a);
                got.data().get(b);
                assertEquals(-1, Arrays.mismatch(a, b), name + " 1/" + reduce + ": pixels differ from OpenCV's");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"grace_hopper.jpg", "grace_hopper_512x512.jpg", "retina.jpg", "rocket.jpg"})
    void aJpegGivesOpenCvsPixelsAtEachScale(String fixture) throws RejectedException {
        assertSamePixels(TestImages.read(Fixtures.debianPhoto(fixture)), fixture);
    }

    @Test
    void aGrayJpegGivesOpenCvsPixels() throws RejectedException {
        Mat bgr = TestImages.decode(TestImages.read(Fixtures.debianPhoto("rocket.jpg")));
        Mat gray = new Mat();
        opencv_imgproc.cvtColor(bgr, gray, opencv_imgproc.COLOR_BGR2GRAY);
        byte[] jpeg = TestImages.jpeg(gray, 85);
        assertEquals(1, HeaderReader.read(jpeg, "gray.jpg").components());
        assertSamePixels(jpeg, "gray.jpg");
    }

    @Test
    void aJpegLibjpegRefusesIsRejectedAsBeforeWithTheDecodersReason() throws RejectedException {
        byte[] jpeg = TestImages.read(Fixtures.debianPhoto("rocket.jpg"));
        int sos = 2;
        while (!((jpeg[sos] & 0xFF) == 0xFF && (jpeg[sos + 1] & 0xFF) == 0xDA)) sos++;
        byte[] bad = jpeg.clone();
        bad[sos + 5] = 9; // the scan's first component is one the frame does not have
        ImageHeader h = HeaderReader.read(bad, "bad-scan.jpg");
        RejectedException e = assertThrows(RejectedException.class,
                () -> Decoder.decode(bad, h, 1, 1, "bad-scan.jpg").close());
        assertEquals(RejectReason.DECODE_FAILED, e.reason(), e.getMessage());
        assertTrue(e.getMessage().startsWith("image bad-scan.jpg: JPEG decoder"), e.getMessage());
    }
}
