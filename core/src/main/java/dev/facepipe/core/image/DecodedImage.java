package dev.facepipe.core.image;

import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Upright 8-bit BGR pixels, and how they relate to the stored image.
 *
 * @param scale      pixels of this image per pixel of the full-resolution upright image (1 = full, 0.25 = a
 *                   quarter-size decode)
 * @param fullWidth  width of the full-resolution upright image
 * @param fullHeight height of the full-resolution upright image
 */
public record DecodedImage(Mat bgr, double scale, int fullWidth, int fullHeight) implements AutoCloseable {
    public int width() {
        return bgr.cols();
    }

    public int height() {
        return bgr.rows();
    }

    @Override
    public void close() {
        bgr.close();
    }
}
