package dev.facepipe.core.image;

import static org.bytedeco.opencv.global.opencv_core.CV_8U;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_IGNORE_ORIENTATION;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_REDUCED_COLOR_2;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_REDUCED_COLOR_4;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_REDUCED_COLOR_8;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_UNCHANGED;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;

import dev.facepipe.core.RejectReason;
import dev.facepipe.core.RejectedException;
import dev.facepipe.jpeg.TurboJpeg;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.MatVector;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * Decodes image bytes into upright 8-bit BGR pixels. Grayscale, alpha (composited on white), CMYK
 * and 16-bit inputs all come out as 8-bit colour; EXIF orientation is applied here and only here.
 * JPEGs can be decoded at 1/2, 1/4 or 1/8 size directly by the DCT, much faster than full size;
 * most go through libjpeg-turbo's SIMD code ({@link TurboJpeg}), the rest through OpenCV.
 */
public final class Decoder {
    private Decoder() {}

    /**
     * Full resolution, EXIF orientation applied: the pixels the engine's face coordinates refer to.
     * No budget check: for images the engine has already accepted, or the user's own photos.
     */
    public static DecodedImage upright(byte[] bytes, String name) throws RejectedException {
        ImageHeader h = HeaderReader.read(bytes, name);
        return decode(bytes, h, Orientation.read(bytes, h.format()).orientation(), 1, name);
    }

    /**
     * @param reduce 1, 2, 4 or 8: decode at 1/reduce of the full resolution
     */
    public static DecodedImage decode(byte[] bytes, ImageHeader header, int orientation, int reduce, String name)
            throws RejectedException {
        Mat raw;
        try {
            raw = header.format() == ImageFormat.GIF ? gifFirstFrame(bytes, name)
                    : header.format() == ImageFormat.JPEG ? jpeg(bytes, reduce) : null;
            if (raw == null) raw = opencv(bytes, header, reduce);
        } catch (RuntimeException e) {
            // OpenCV refuses some damaged files with an exception (an assertion on sizes it reads itself).
            String why = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
            throw new RejectedException(RejectReason.DECODE_FAILED, "image " + name + ": " + header.format()
                    + " decoder refused it (" + why.substring(why.lastIndexOf(": ") + 2) + ")");
        }
        if (raw == null || raw.empty()) {
            throw new RejectedException(RejectReason.DECODE_FAILED, "image " + name + ": " + header.format()
                    + " decoder produced no pixels (damaged data)");
        }
        Mat bgr = toBgr8(raw);
        if (bgr != raw) raw.close();
        if (header.format() != ImageFormat.JPEG && reduce > 1) {
            Mat small = new Mat();
            opencv_imgproc.resize(bgr, small, new Size(Math.max(1, bgr.cols() / reduce), Math.max(1, bgr.rows() / reduce)),
                    0, 0, opencv_imgproc.INTER_AREA);
            bgr.close();
            bgr = small;
        }
        Mat upright = Orientation.apply(bgr, orientation);
        if (upright != bgr) bgr.close();
        boolean swap = orientation >= 5;
        int fullW = swap ? header.height() : header.width();
        int fullH = swap ? header.width() : header.height();
        return new DecodedImage(upright, (double) upright.cols() / fullW, fullW, fullH);
    }

    /**
     * Grayscale, YCbCr and RGB JPEGs through libjpeg-turbo's SIMD code (the same pixels as OpenCV's
     * decoder, about 3x faster); null for the rest (CMYK, YCCK) and for data libjpeg refuses, which
     * OpenCV then decodes or rejects as before.
     */
    private static Mat jpeg(byte[] bytes, int reduce) {
        try (BytePointer p = new BytePointer(bytes)) {
            TurboJpeg.Header h = TurboJpeg.header(p, reduce);
            if (!h.decodesToBgr()) return null;
            Mat m = new Mat(h.height(), h.width(), CV_8UC3);
            long n = m.step() * (long) m.rows();
            try (BytePointer out = m.data().capacity(n).limit(n)) {
                TurboJpeg.decodeBgr(p, reduce, out, m.step());
                return m;
            } catch (TurboJpeg.JpegException e) {
                m.close();
                return null;
            }
        } catch (TurboJpeg.JpegException e) {
            return null;
        }
    }

    private static Mat opencv(byte[] bytes, ImageHeader header, int reduce) {
        int flags;
        if (header.format() == ImageFormat.JPEG) {
            // JPEG holds no alpha and no 16-bit samples; COLOR converts gray and CMYK to BGR.
            flags = switch (reduce) {
                case 2 -> IMREAD_REDUCED_COLOR_2;
                case 4 -> IMREAD_REDUCED_COLOR_4;
                case 8 -> IMREAD_REDUCED_COLOR_8;
                default -> IMREAD_COLOR;
            };
        } else {
            flags = IMREAD_UNCHANGED; // keep alpha and 16-bit so they can be normalised on purpose
        }
        byte[] data = header.format() == ImageFormat.PNG ? PngChunks.pixelChunks(bytes) : bytes;
        try (BytePointer p = new BytePointer(data); Mat buf = new Mat(1, data.length, CV_8UC1, p)) {
            return imdecode(buf, flags | IMREAD_IGNORE_ORIENTATION);
        }
    }

    /** 8-bit, 3-channel BGR; alpha is composited on white so transparent areas do not turn black. */
    static Mat toBgr8(Mat m) {
        Mat cur = m;
        if (cur.depth() != CV_8U) {
            Mat t = new Mat();
            double scale = switch (cur.depth()) {
                case 2, 3 -> 1.0 / 257.0; // 16-bit unsigned/signed
                case 5, 6 -> 255.0; // float in 0..1
                default -> 1.0;
            };
            cur.convertTo(t, CV_8U, scale, 0);
            cur = t;
        }
        Mat out;
        switch (cur.channels()) {
            case 1 -> {
                out = new Mat();
                opencv_imgproc.cvtColor(cur, out, opencv_imgproc.COLOR_GRAY2BGR);
            }
            case 4 -> out = compositeOnWhite(cur);
            case 3 -> out = cur;
            default -> {
                out = new Mat();
                MatVector ch = new MatVector();
                org.bytedeco.opencv.global.opencv_core.split(cur, ch);
                opencv_imgproc.cvtColor(ch.get(0), out, opencv_imgproc.COLOR_GRAY2BGR);
            }
        }
        if (cur != m && cur != out) cur.close();
        return out;
    }

    private static Mat compositeOnWhite(Mat bgra) {
        int w = bgra.cols();
        int h = bgra.rows();
        byte[] in = new byte[w * h * 4];
        bgra.data().get(in);
        byte[] out = new byte[w * h * 3];
        for (int i = 0, j = 0; i < in.length; i += 4, j += 3) {
            int a = in[i + 3] & 0xFF;
            for (int c = 0; c < 3; c++) {
                out[j + c] = (byte) (((in[i + c] & 0xFF) * a + 255 * (255 - a) + 127) / 255);
            }
        }
        Mat m = new Mat(h, w, CV_8UC3);
        m.data().put(out);
        return m;
    }

    /** OpenCV here has no GIF codec; the JDK's reader gives the first frame. */
    private static Mat gifFirstFrame(byte[] bytes, String name) throws RejectedException {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            ImageReader r = ImageIO.getImageReadersByFormatName("gif").next();
            try {
                r.setInput(in);
                BufferedImage frame = r.read(0);
                BufferedImage bgr = new BufferedImage(frame.getWidth(), frame.getHeight(), BufferedImage.TYPE_3BYTE_BGR);
                Graphics2D g = bgr.createGraphics();
                g.setColor(Color.WHITE);
                g.fillRect(0, 0, bgr.getWidth(), bgr.getHeight());
                g.drawImage(frame, 0, 0, null);
                g.dispose();
                byte[] px = ((DataBufferByte) bgr.getRaster().getDataBuffer()).getData();
                Mat m = new Mat(bgr.getHeight(), bgr.getWidth(), CV_8UC3);
                m.data().put(px);
                return m;
            } finally {
                r.dispose();
            }
        } catch (IOException | RuntimeException e) {
            throw new RejectedException(RejectReason.DECODE_FAILED, "image " + name + ": GIF first frame unreadable ("
                    + e.getMessage() + ")");
        }
    }
}
