package dev.facepipe.core.image;

import com.drew.imaging.ImageMetadataReader;
import com.drew.metadata.Metadata;
import com.drew.metadata.exif.ExifIFD0Directory;
import java.io.ByteArrayInputStream;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * EXIF orientation (1-8): read from the bytes and applied to the pixels as the first pixel step.
 * Decoders are told to ignore orientation so that it is applied exactly once, here.
 */
public final class Orientation {
    private Orientation() {}

    /** Orientation read from EXIF, and whether the EXIF block was present but unreadable. */
    public record Exif(int orientation, boolean corrupt) {}

    public static Exif read(byte[] bytes, ImageFormat format) {
        if (format == ImageFormat.GIF || format == ImageFormat.BMP) return new Exif(1, false);
        try {
            Metadata md = ImageMetadataReader.readMetadata(new ByteArrayInputStream(bytes), bytes.length);
            boolean errors = false;
            for (var d : md.getDirectories()) errors |= d.hasErrors();
            ExifIFD0Directory ifd0 = md.getFirstDirectoryOfType(ExifIFD0Directory.class);
            if (ifd0 == null || !ifd0.containsTag(ExifIFD0Directory.TAG_ORIENTATION)) return new Exif(1, errors);
            int o = ifd0.getInt(ExifIFD0Directory.TAG_ORIENTATION);
            return (o >= 1 && o <= 8) ? new Exif(o, errors) : new Exif(1, true);
        } catch (Exception | StackOverflowError e) {
            // A broken EXIF block must not lose the image: treat it as upright and flag it.
            return new Exif(1, true);
        }
    }

    /** Returns the upright image for a stored image with this orientation (may return the input). */
    public static Mat apply(Mat m, int orientation) {
        Mat out = new Mat();
        switch (orientation) {
            case 2 -> opencv_core.flip(m, out, 1);
            case 3 -> opencv_core.flip(m, out, -1);
            case 4 -> opencv_core.flip(m, out, 0);
            case 5 -> opencv_core.transpose(m, out);
            case 6 -> opencv_core.rotate(m, out, opencv_core.ROTATE_90_CLOCKWISE);
            case 7 -> {
                Mat t = new Mat();
                opencv_core.transpose(m, t);
                opencv_core.flip(t, out, -1);
                t.close();
            }
            case 8 -> opencv_core.rotate(m, out, opencv_core.ROTATE_90_COUNTERCLOCKWISE);
            default -> {
                out.close();
                return m;
            }
        }
        return out;
    }

    /** The orientation value that undoes {@code o} (used to build test inputs and to map points back). */
    public static int inverse(int o) {
        return switch (o) {
            case 6 -> 8;
            case 8 -> 6;
            default -> o;
        };
    }
}
