package dev.facepipe.core.image;

/**
 * What the container header says, read before any pixel is decoded.
 *
 * @param components colour components as stored (1 gray, 3 colour, 4 CMYK or alpha; 0 if unknown)
 * @param bitDepth   bits per sample as stored (8 or 16; 0 if unknown)
 * @param frames     frames for GIF (animated when over 1), else 1
 */
public record ImageHeader(ImageFormat format, int width, int height, int components, int bitDepth, int frames) {
    public long pixels() {
        return (long) width * height;
    }
}
