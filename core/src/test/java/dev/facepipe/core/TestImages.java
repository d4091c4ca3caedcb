package dev.facepipe.core;

import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;

import dev.facepipe.core.image.Orientation;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;
import org.bytedeco.opencv.opencv_core.Scalar;

/** Builds test inputs from real photos: re-encodings, EXIF orientations, damaged files. */
public final class TestImages {
    private TestImages() {}

    public static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Mat decode(byte[] b) {
        try (BytePointer p = new BytePointer(b); Mat buf = new Mat(1, b.length, opencv_core.CV_8UC1, p)) {
            return imdecode(buf, IMREAD_COLOR);
        }
    }

    public static byte[] encode(Mat m, String ext, int... params) {
        try (BytePointer out = new BytePointer()) {
            org.bytedeco.javacpp.IntPointer ps = new org.bytedeco.javacpp.IntPointer(params);
            if (!imencode(ext, m, out, ps)) throw new IllegalStateException("imencode " + ext + " failed");
            byte[] b = new byte[(int) out.limit()];
            out.get(b);
            return b;
        }
    }

    public static byte[] jpeg(Mat m, int quality) {
        return encode(m, ".jpg", org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_QUALITY, quality);
    }

    public static Mat resize(Mat m, double f) {
        Mat out = new Mat();
        opencv_imgproc.resize(m, out, new Size((int) Math.round(m.cols() * f), (int) Math.round(m.rows() * f)), 0, 0,
                opencv_imgproc.INTER_AREA);
        return out;
    }

    /** An image placed on a grey canvas with its top-left at (x, y), clipped to the canvas. */
    public static Mat onCanvas(Mat m, int w, int h, int x, int y) {
        Mat canvas = new Mat(h, w, m.type(), new Scalar(128, 128, 128, 0));
        int x0 = Math.max(0, x), y0 = Math.max(0, y);
        int x1 = Math.min(w, x + m.cols()), y1 = Math.min(h, y + m.rows());
        if (x1 > x0 && y1 > y0) {
            try (Mat from = m.apply(new org.bytedeco.opencv.opencv_core.Rect(x0 - x, y0 - y, x1 - x0, y1 - y0));
                    Mat to = canvas.apply(new org.bytedeco.opencv.opencv_core.Rect(x0, y0, x1 - x0, y1 - y0))) {
                from.copyTo(to);
            }
        }
        return canvas;
    }

    /** Pixels stored so that a viewer applying EXIF orientation o shows {@code upright}. */
    public static Mat storedFor(Mat upright, int o) {
        return Orientation.apply(upright, Orientation.inverse(o));
    }

    /** Inserts an EXIF APP1 segment holding only the Orientation tag right after SOI. */
    public static byte[] withExifOrientation(byte[] jpeg, int o) {
        byte[] tiff = {
            'I', 'I', 42, 0, 8, 0, 0, 0, // little-endian TIFF header, IFD0 at 8
            1, 0, // one entry
            0x12, 0x01, 3, 0, 1, 0, 0, 0, (byte) o, 0, 0, 0, // Orientation, SHORT, count 1, value
            0, 0, 0, 0 // no next IFD
        };
        return withApp1(jpeg, tiff);
    }

    /** An EXIF APP1 whose IFD claims far more entries than exist and points past the end. */
    public static byte[] withCorruptExif(byte[] jpeg) {
        byte[] tiff = {'I', 'I', 42, 0, (byte) 0xF0, (byte) 0xFF, 0, 0, (byte) 0xFF, (byte) 0x7F, 0x12, 0x01, 3};
        return withApp1(jpeg, tiff);
    }

    private static byte[] withApp1(byte[] jpeg, byte[] tiff) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(jpeg, 0, 2);
        int len = 2 + 6 + tiff.length;
        out.write(0xFF);
        out.write(0xE1);
        out.write(len >> 8);
        out.write(len & 0xFF);
        out.writeBytes(new byte[] {'E', 'x', 'i', 'f', 0, 0});
        out.writeBytes(tiff);
        out.write(jpeg, 2, jpeg.length - 2);
        return out.toByteArray();
    }
}
