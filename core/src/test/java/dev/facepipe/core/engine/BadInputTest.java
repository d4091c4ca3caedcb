package dev.facepipe.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facepipe.core.RejectReason;
import dev.facepipe.core.TestImages;
import dev.facepipe.testing.Fixtures;
import dev.facepipe.core.config.Config;
import dev.facepipe.core.face.Embedder;
import dev.facepipe.core.image.ImageFormat;
import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Random;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;

/**
 * A corpus of broken and unusual inputs generated from a real photo: each ends as a documented
 * reason code or as a correct decode, and none throws.
 */
class BadInputTest {
    private static final FaceEngine E = EngineFixture.ENGINE;
    private static final byte[] JPEG = TestImages.read(Fixtures.debianPhoto("grace_hopper.jpg"));
    private static final Mat BGR = TestImages.decode(JPEG);
    private static final float[] REFERENCE = E.process(JPEG, "reference").mainFace().embedding();

    private static ImageResult run(byte[] b, String name) {
        return E.process(b, name);
    }

    private static void rejected(RejectReason want, byte[] b, String name) {
        ImageResult r = run(b, name);
        assertEquals(want, r.reason(), name + ": " + r.message());
        assertTrue(r.message().contains(name), "message names the input: " + r.message());
        assertTrue(r.faces().isEmpty());
    }

    /** Decoded, the face found, and it is the same face as in the original JPEG. */
    private static ImageResult sameFace(byte[] b, String name, double minCos) {
        ImageResult r = run(b, name);
        assertTrue(r.ok(), name + ": " + r.message());
        FaceResult f = r.mainFace();
        assertNotNull(f, name + ": " + r.faces());
        float cos = Embedder.cosine(REFERENCE, f.embedding());
        assertTrue(cos >= minCos, name + ": cosine to the original " + cos);
        return r;
    }

    @Test
    void emptyRandomAndUnknownBytes() {
        rejected(RejectReason.EMPTY, new byte[0], "zero.jpg");
        byte[] noise = new byte[5000];
        new Random(7).nextBytes(noise);
        noise[0] = 0x12;
        rejected(RejectReason.UNKNOWN_FORMAT, noise, "noise.jpg");
        byte[] jpegNoise = Arrays.copyOf(new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF}, 5000);
        new Random(8).nextBytes(jpegNoise);
        jpegNoise[0] = (byte) 0xFF;
        jpegNoise[1] = (byte) 0xD8;
        jpegNoise[2] = (byte) 0xFF;
        jpegNoise[4998] = (byte) 0xFF;
        jpegNoise[4999] = (byte) 0xD9;
        ImageResult r = run(jpegNoise, "jpeg-noise.jpg");
        assertTrue(r.reason() == RejectReason.CORRUPT || r.reason() == RejectReason.TRUNCATED
                || r.reason() == RejectReason.DECODE_FAILED, "noise behind a JPEG signature: " + r.reason());
    }

    @Test
    void truncatedFilesAreRefusedBeforeDecoding() {
        rejected(RejectReason.TRUNCATED, Arrays.copyOf(JPEG, JPEG.length / 2), "half.jpg");
        rejected(RejectReason.TRUNCATED, Arrays.copyOf(JPEG, JPEG.length - 2), "no-eoi.jpg");
        byte[] png = TestImages.encode(BGR, ".png");
        rejected(RejectReason.TRUNCATED, Arrays.copyOf(png, png.length - 20), "cut.png");
        byte[] webp = TestImages.encode(BGR, ".webp");
        rejected(RejectReason.TRUNCATED, Arrays.copyOf(webp, webp.length * 2 / 3), "cut.webp");
        byte[] gif = animatedGif(2);
        rejected(RejectReason.TRUNCATED, Arrays.copyOf(gif, gif.length / 2), "cut.gif");
    }

    @Test
    void aDamagedPngChunkFailsItsChecksum() {
        byte[] png = TestImages.encode(BGR, ".png");
        png[png.length / 2] ^= 0x40;
        rejected(RejectReason.CORRUPT, png, "flipped.png");
    }

    @Test
    void sizeLimitsComeFromTheHeader() {
        rejected(RejectReason.TOO_SMALL, TestImages.encode(new Mat(1, 1, opencv_core.CV_8UC3), ".png"), "dot.png");
        rejected(RejectReason.TOO_MANY_PIXELS, dev.facepipe.core.HostileCorpus.pngHeaderOnly(100_000, 100_000, 8, 2), "bomb.png");
        byte[] bigJpeg = JPEG.clone();
        int sof = sofOffset(bigJpeg);
        bigJpeg[sof + 5] = bigJpeg[sof + 6] = bigJpeg[sof + 7] = bigJpeg[sof + 8] = (byte) 0xFF;
        rejected(RejectReason.TOO_MANY_PIXELS, bigJpeg, "claims-65535.jpg");
        FaceEngine tight = FaceEngine.fromConfig(Config.builder()
                .set("models.dir", Fixtures.models().toString(), "test").set("image.max_bytes=1000").build());
        ImageResult r = tight.process(JPEG, "large.jpg");
        assertEquals(RejectReason.TOO_MANY_BYTES, r.reason());
    }

    @Test
    void theNameNeverDecidesTheFormat() {
        ImageResult r = sameFace(TestImages.encode(BGR, ".png"), "really-a-png.jpg", 0.97);
        assertEquals(ImageFormat.PNG, r.header().format());
        ImageResult w = sameFace(TestImages.encode(BGR, ".webp", 64, 95), "really-a-webp.jpg", 0.95);
        assertEquals(ImageFormat.WEBP, w.header().format());
    }

    @Test
    void otherContainersDecode() throws IOException {
        assertEquals(ImageFormat.BMP, sameFace(imageIo(BGR, "bmp"), "x.bmp", 0.97).header().format());
        assertEquals(ImageFormat.TIFF, sameFace(imageIo(BGR, "tiff"), "x.tiff", 0.97).header().format());
    }

    @Test
    void unusualPixelFormatsBecome8BitColour() {
        Mat gray = new Mat();
        opencv_imgproc.cvtColor(BGR, gray, opencv_imgproc.COLOR_BGR2GRAY);
        assertEquals(1, sameFace(TestImages.jpeg(gray, 95), "gray.jpg", 0.85).header().components());
        sameFace(TestImages.encode(gray, ".png"), "gray.png", 0.85);

        Mat deep = new Mat();
        BGR.convertTo(deep, opencv_core.CV_16UC3, 257, 0);
        ImageResult r16 = sameFace(TestImages.encode(deep, ".png"), "deep.png", 0.97);
        assertEquals(16, r16.header().bitDepth());

        Mat bgra = new Mat();
        opencv_imgproc.cvtColor(BGR, bgra, opencv_imgproc.COLOR_BGR2BGRA);
        assertEquals(4, sameFace(TestImages.encode(bgra, ".png"), "alpha.png", 0.97).header().components());

        ImageResult cmyk = sameFace(cmykJpeg(BGR), "cmyk.jpg", 0.9);
        assertEquals(4, cmyk.header().components());
    }

    @Test
    void animatedGifGivesItsFirstFrame() {
        ImageResult r = sameFace(animatedGif(3), "anim.gif", 0.9);
        assertEquals(ImageFormat.GIF, r.header().format());
        assertEquals(3, r.header().frames());
    }

    @Test
    void corruptExifKeepsTheImageAndSaysSo() {
        ImageResult r = sameFace(TestImages.withCorruptExif(JPEG), "bad-exif.jpg", 0.99);
        assertTrue(r.exifCorrupt());
        assertEquals(1, r.orientation());
        assertFalse(run(JPEG, "clean.jpg").exifCorrupt());
    }

    @Test
    void aPhotoWithoutAFaceSaysNoFace() {
        ImageResult r = run(TestImages.read(Fixtures.debianPhoto("ice_block_640.jpg")), "ice.jpg");
        assertEquals(RejectReason.NO_FACE, r.reason());
        assertNull(r.mainFace());
    }

    // ---- generators ----

    private static int sofOffset(byte[] j) {
        for (int i = 2; i < j.length - 1; i++) {
            int m = j[i + 1] & 0xFF;
            if ((j[i] & 0xFF) == 0xFF && m >= 0xC0 && m <= 0xC2) return i;
        }
        throw new IllegalStateException("no SOF");
    }

    private static BufferedImage toBuffered(Mat bgr) {
        BufferedImage bi = new BufferedImage(bgr.cols(), bgr.rows(), BufferedImage.TYPE_3BYTE_BGR);
        // TYPE_3BYTE_BGR keeps B,G,R bytes per pixel in its buffer, as OpenCV does.
        bgr.data().get(((java.awt.image.DataBufferByte) bi.getRaster().getDataBuffer()).getData());
        return bi;
    }

    private static byte[] imageIo(Mat bgr, String fmt) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(toBuffered(bgr), fmt, out), "JDK writes " + fmt);
        return out.toByteArray();
    }

    /** Adobe-style CMYK JPEG (inverted values, as Photoshop writes them). */
    private static byte[] cmykJpeg(Mat bgr) {
        int w = bgr.cols();
        int h = bgr.rows();
        byte[] px = new byte[w * h * 3];
        bgr.data().get(px);
        WritableRaster r = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, w, h, 4, null);
        int[] p = new int[4];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = (y * w + x) * 3;
                p[0] = px[i + 2] & 0xFF;
                p[1] = px[i + 1] & 0xFF;
                p[2] = px[i] & 0xFF;
                p[3] = 255;
                r.setPixel(x, y, p);
            }
        }
        try {
            ImageWriter wr = ImageIO.getImageWritersByFormatName("jpeg").next();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (ImageOutputStream ios = ImageIO.createImageOutputStream(out)) {
                wr.setOutput(ios);
                wr.write(new IIOImage(r, null, null));
            }
            wr.dispose();
            return out.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] animatedGif(int frames) {
        try {
            ImageWriter wr = ImageIO.getImageWritersByFormatName("gif").next();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (ImageOutputStream ios = ImageIO.createImageOutputStream(out)) {
                wr.setOutput(ios);
                wr.prepareWriteSequence(null);
                for (int i = 0; i < frames; i++) {
                    Mat f = i == 0 ? BGR : TestImages.resize(TestImages.resize(BGR, 0.25), 4.0);
                    wr.writeToSequence(new IIOImage(toBuffered(f), null, null), null);
                }
                wr.endWriteSequence();
            }
            wr.dispose();
            return out.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
