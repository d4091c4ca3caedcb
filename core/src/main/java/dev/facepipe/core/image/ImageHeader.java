package dev.facepipe.core.image;

/**
 * What the container says, read and checked before any pixel is decoded.
 *
 * @param width         for GIF, the widest extent of the logical screen and every frame (what a decoder
 *                      may allocate), else the image's width
 * @param components    colour components as stored (1 gray, 3 colour, 4 CMYK or alpha; 0 if unknown)
 * @param bitDepth      bits per sample as stored (8 or 16; 0 if unknown)
 * @param frames        frames for GIF (animated when over 1), pages for TIFF, else 1
 * @param scans         JPEG scans (a progressive JPEG decodes every coefficient once a scan), else 1
 * @param trailingBytes bytes after the format's end marker (a motion photo's video), 0 when none
 */
public record ImageHeader(ImageFormat format, int width, int height, int components, int bitDepth, int frames,
        int scans, long trailingBytes) {

    public ImageHeader(ImageFormat format, int width, int height, int components, int bitDepth, int frames) {
        this(format, width, height, components, bitDepth, frames, 1, 0);
    }

    public long pixels() {
        return (long) width * height;
    }

    /**
     * Bytes of the decoder's first full-size buffer: every pixel with at least three components (gray
     * is expanded to colour), two bytes a sample above 8 bits.
     */
    public long decodedBytes() {
        return pixels() * Math.max(3, components) * (bitDepth > 8 ? 2 : 1);
    }
}
