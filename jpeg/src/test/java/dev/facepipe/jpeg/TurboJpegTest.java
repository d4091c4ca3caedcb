package dev.facepipe.jpeg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.bytedeco.javacpp.BytePointer;
import org.junit.jupiter.api.Test;

class TurboJpegTest {
    /** 64x48, left half red, right half blue: colour order and both halves are checkable. */
    private static byte[] redBlue(int type) throws IOException {
        BufferedImage img = new BufferedImage(64, 48, type);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.RED);
        g.fillRect(0, 0, 32, 48);
        g.setColor(Color.BLUE);
        g.fillRect(32, 0, 32, 48);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "jpeg", out);
        return out.toByteArray();
    }

    private static byte[] decode(byte[] jpeg, int denom, TurboJpeg.Header h) {
        try (BytePointer in = new BytePointer(jpeg); BytePointer out = new BytePointer(3L * h.width() * h.height())) {
            TurboJpeg.Decoded d = TurboJpeg.decodeBgr(in, denom, out, 3L * h.width());
            assertEquals(h.width(), d.width());
            assertEquals(h.height(), d.height());
            byte[] px = new byte[3 * h.width() * h.height()];
            out.get(px);
            return px;
        }
    }

    private static int[] pixel(byte[] px, int width, int x, int y) {
        int i = 3 * (y * width + x);
        return new int[] {px[i] & 0xFF, px[i + 1] & 0xFF, px[i + 2] & 0xFF};
    }

    @Test
    void aColourJpegComesOutAsBgrAtEachScale() throws IOException {
        byte[] jpeg = redBlue(BufferedImage.TYPE_3BYTE_BGR);
        for (int denom : new int[] {1, 2, 4, 8}) {
            TurboJpeg.Header h;
            try (BytePointer in = new BytePointer(jpeg)) {
                h = TurboJpeg.header(in, denom);
            }
            assertEquals(64 / denom, h.width(), "1/" + denom);
            assertEquals(48 / denom, h.height(), "1/" + denom);
            assertEquals(3, h.components());
            assertTrue(h.decodesToBgr());
            byte[] px = decode(jpeg, denom, h);
            int[] left = pixel(px, h.width(), 1, h.height() / 2);
            int[] right = pixel(px, h.width(), h.width() - 2, h.height() / 2);
            assertTrue(left[0] < 40 && left[1] < 40 && left[2] > 215, "red at 1/" + denom + ": " + Arrays.toString(left));
            assertTrue(right[0] > 215 && right[1] < 40 && right[2] < 40, "blue at 1/" + denom + ": " + Arrays.toString(right));
        }
    }

    @Test
    void aGrayJpegComesOutAsThreeEqualChannels() throws IOException {
        BufferedImage img = new BufferedImage(40, 30, BufferedImage.TYPE_BYTE_GRAY);
        Graphics2D g = img.createGraphics();
        g.setColor(new Color(200, 200, 200));
        g.fillRect(0, 0, 40, 30);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "jpeg", out);
        byte[] jpeg = out.toByteArray();
        TurboJpeg.Header h;
        try (BytePointer in = new BytePointer(jpeg)) {
            h = TurboJpeg.header(in, 1);
        }
        assertEquals(1, h.components());
        int[] p = pixel(decode(jpeg, 1, h), 40, 20, 15);
        assertEquals(p[0], p[1]);
        assertEquals(p[1], p[2]);
        assertTrue(Math.abs(p[0] - 200) <= 2, Arrays.toString(p));
    }

    @Test
    void dataThatIsNotAJpegIsRefusedWithTheLibrarysReason() {
        try (BytePointer in = new BytePointer("this is not a jpeg at all".getBytes())) {
            TurboJpeg.JpegException e = assertThrows(TurboJpeg.JpegException.class, () -> TurboJpeg.header(in, 1));
            assertTrue(e.getMessage().startsWith("Not a JPEG file"), e.getMessage());
        }
        try (BytePointer empty = new BytePointer(0L)) {
            assertThrows(TurboJpeg.JpegException.class, () -> TurboJpeg.header(empty.limit(0), 1));
        }
    }

    @Test
    void aTruncatedJpegDecodesWhatIsThereAndCountsTheWarning() throws IOException {
        BufferedImage img = new BufferedImage(256, 192, BufferedImage.TYPE_3BYTE_BGR);
        java.util.Random rnd = new java.util.Random(7);
        for (int y = 0; y < 192; y++) for (int x = 0; x < 256; x++) img.setRGB(x, y, rnd.nextInt());
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        ImageIO.write(img, "jpeg", buf);
        byte[] whole = buf.toByteArray();
        byte[] cut = Arrays.copyOf(whole, whole.length * 2 / 3);
        TurboJpeg.Header h;
        try (BytePointer in = new BytePointer(cut)) {
            h = TurboJpeg.header(in, 1);
        }
        try (BytePointer in = new BytePointer(cut); BytePointer out = new BytePointer(3L * h.width() * h.height())) {
            assertTrue(TurboJpeg.decodeBgr(in, 1, out, 3L * h.width()).warnings() > 0);
        }
    }

    @Test
    void anOutputBufferTooSmallIsRefusedBeforeAnyRowIsWritten() throws IOException {
        byte[] jpeg = redBlue(BufferedImage.TYPE_3BYTE_BGR);
        try (BytePointer in = new BytePointer(jpeg); BytePointer out = new BytePointer(3L * 64 * 47)) {
            TurboJpeg.JpegException e = assertThrows(TurboJpeg.JpegException.class,
                    () -> TurboJpeg.decodeBgr(in, 1, out, 3L * 64));
            assertTrue(e.getMessage().contains("smaller"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> TurboJpeg.decodeBgr(in, 3, out, 3L * 64));
        }
    }

    @Test
    void theJarCarriesLibjpegSoAnExecutorNeedsNothingElse() throws IOException {
        assertTrue(TurboJpeg.libVersion() >= 62, "libjpeg API " + TurboJpeg.libVersion());
        List<String> mapped = Files.readAllLines(Path.of("/proc/self/maps")).stream()
                .map(l -> l.substring(l.lastIndexOf(' ') + 1)).distinct().toList();
        assertTrue(mapped.stream().anyMatch(l -> l.endsWith("libjniJpegNative.so")), mapped.toString());
        assertTrue(mapped.stream().anyMatch(l -> l.contains("/linux-x86_64/libjpeg.so.") && !l.startsWith("/usr/lib")),
                mapped.toString());
        // Where the JVM loaded the system's copy first (the JDK's own JPEG codec, used above, links it), the
        // dynamic linker binds ours to that one: the same soname, so the same ABI. describe() names the file used.
        String lib = TurboJpeg.library();
        assertTrue(lib.contains("libjpeg.so."), lib);
        assertTrue(TurboJpeg.describe().contains(lib), TurboJpeg.describe());
    }
}
