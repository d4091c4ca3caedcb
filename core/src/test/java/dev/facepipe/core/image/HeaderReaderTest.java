package dev.facepipe.core.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.facepipe.core.RejectReason;
import dev.facepipe.core.RejectedException;
import dev.facepipe.core.TestImages;
import dev.facepipe.testing.Fixtures;
import java.util.Arrays;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;

class HeaderReaderTest {
    private static final byte[] JPEG = TestImages.read(Fixtures.debianPhoto("grace_hopper.jpg"));
    private static final Mat BGR = TestImages.decode(JPEG);

    @Test
    void theWordAtATimeScanFindsTheFirstFfByteWhereTheByteLoopDoes() {
        java.util.Random r = new java.util.Random(11);
        for (int trial = 0; trial < 20_000; trial++) {
            byte[] b = new byte[r.nextInt(40)];
            for (int k = 0; k < b.length; k++) {
                int pick = r.nextInt(8);
                b[k] = (byte) (pick == 0 ? 0xFF : pick == 1 ? 0xFE : pick == 2 ? 0x00 : pick == 3 ? 0x7F : r.nextInt(256));
            }
            int from = b.length == 0 ? 0 : r.nextInt(b.length + 1);
            int end = from + (b.length == from ? 0 : r.nextInt(b.length - from + 1));
            int expected = from;
            while (expected < end && b[expected] != (byte) 0xFF) expected++;
            assertEquals(expected, HeaderReader.nextFf(b, from, end), Arrays.toString(b) + " from " + from + " to " + end);
        }
    }

    @Test
    void dimensionsComeFromEachFormatsHeader() throws RejectedException {
        assertEquals(new ImageHeader(ImageFormat.JPEG, 512, 600, 3, 8, 1), HeaderReader.read(JPEG, "a"));
        ImageHeader png = HeaderReader.read(TestImages.encode(BGR, ".png"), "b");
        assertEquals(ImageFormat.PNG, png.format());
        assertEquals(512, png.width());
        assertEquals(600, png.height());
        ImageHeader lossy = HeaderReader.read(TestImages.encode(BGR, ".webp", 64, 80), "c");
        assertEquals(ImageFormat.WEBP, lossy.format());
        assertEquals(600, lossy.height());
        ImageHeader lossless = HeaderReader.read(TestImages.encode(BGR, ".webp", 64, 101), "d");
        assertEquals(512, lossless.width());
        assertEquals(600, lossless.height());
        ImageHeader astronaut = HeaderReader.read(TestImages.read(Fixtures.debianPhoto("astronaut.png")), "e");
        assertEquals(512, astronaut.width());
    }

    @Test
    void everyStrictPrefixOfAJpegIsTruncatedOrCorrupt() {
        for (int n : new int[] {1, 3, 10, 100, 1000, JPEG.length / 2, JPEG.length - 1}) {
            RejectedException e = assertThrows(RejectedException.class,
                    () -> HeaderReader.read(Arrays.copyOf(JPEG, n), "p" + n));
            assertEquals(n < 3 ? RejectReason.UNKNOWN_FORMAT : RejectReason.TRUNCATED, e.reason(), "prefix " + n);
        }
    }

    @Test
    void theMessageNamesTheFileAndTheProblem() {
        RejectedException e = assertThrows(RejectedException.class,
                () -> HeaderReader.read(Arrays.copyOf(JPEG, JPEG.length - 2), "abc.jpg"));
        assertEquals("image abc.jpg: truncated JPEG (scan 1 cut, no EOI marker)", e.getMessage());
    }
}
