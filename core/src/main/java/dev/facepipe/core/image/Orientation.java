package dev.facepipe.core.image;

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

    /**
     * Read by walking the container to its EXIF block (JPEG APP1, PNG eXIf, WebP EXIF, TIFF's own first
     * directory) and reading IFD0's Orientation tag, all within the bytes given: no general metadata
     * parser, which would also inflate compressed text and profiles the orientation does not need.
     */
    public static Exif read(byte[] bytes, ImageFormat format) {
        try {
            return switch (format) {
                case JPEG -> jpeg(bytes);
                case PNG -> {
                    int[] at = PngChunks.find(bytes, "eXIf");
                    yield at == null ? new Exif(1, false) : tiffOrientation(bytes, at[0], at[1]);
                }
                case WEBP -> webp(bytes);
                case TIFF -> tiffOrientation(bytes, 0, bytes.length);
                case GIF, BMP -> new Exif(1, false);
            };
        } catch (IndexOutOfBoundsException e) {
            return new Exif(1, true); // a broken EXIF block must not lose the image: upright, flagged
        }
    }

    /** WebP: the RIFF chunk named EXIF holds a TIFF structure, after "Exif\0\0" when a writer added it. */
    static Exif webp(byte[] b) {
        int i = 12;
        while (i + 8 <= b.length) {
            long len = (b[i + 4] & 0xFF) | ((b[i + 5] & 0xFF) << 8) | ((b[i + 6] & 0xFF) << 16)
                    | ((long) (b[i + 7] & 0xFF) << 24);
            int start = i + 8;
            int end = (int) Math.min(b.length, start + len);
            if (b[i] == 'E' && b[i + 1] == 'X' && b[i + 2] == 'I' && b[i + 3] == 'F') {
                if (end - start >= 6 && b[start] == 'E' && b[start + 1] == 'x' && b[start + 2] == 'i'
                        && b[start + 3] == 'f') {
                    start += 6;
                }
                return tiffOrientation(b, start, end);
            }
            if (start + len + (len & 1) > b.length) break;
            i = (int) (start + len + (len & 1));
        }
        return new Exif(1, false);
    }

    /**
     * JPEG fast path (most of the web): find the APP1 Exif segment and read IFD0's Orientation tag
     * directly; a general metadata parse cost about 1.5 ms an image.
     */
    static Exif jpeg(byte[] b) {
        int i = 2;
        while (i + 4 <= b.length && (b[i] & 0xFF) == 0xFF) {
            int marker = b[i + 1] & 0xFF;
            if (marker == 0xDA || marker == 0xD9) break; // scan starts: no more metadata
            if (marker == 0xFF) {
                i++;
                continue;
            }
            int len = ((b[i + 2] & 0xFF) << 8) | (b[i + 3] & 0xFF);
            if (marker == 0xE1 && len >= 8 && i + 10 <= b.length && b[i + 4] == 'E' && b[i + 5] == 'x'
                    && b[i + 6] == 'i' && b[i + 7] == 'f') {
                return tiffOrientation(b, i + 10, Math.min(b.length, i + 2 + len));
            }
            i += 2 + len;
        }
        return new Exif(1, false);
    }

    /** Orientation from a TIFF structure at [start, end); anything out of bounds marks the EXIF corrupt. */
    static Exif tiffOrientation(byte[] b, int start, int end) {
        if (end - start < 8) return new Exif(1, true);
        boolean le;
        if (b[start] == 'I' && b[start + 1] == 'I') le = true;
        else if (b[start] == 'M' && b[start + 1] == 'M') le = false;
        else return new Exif(1, true);
        long ifd = u32(b, start + 4, le);
        if (ifd < 8 || start + ifd + 2 > end) return new Exif(1, true);
        int p = (int) (start + ifd);
        int n = u16(b, p, le);
        if (p + 2 + 12L * n > end) return new Exif(1, true);
        for (int k = 0; k < n; k++) {
            int e = p + 2 + 12 * k;
            if (u16(b, e, le) == 0x0112) {
                int o = u16(b, e + 8, le);
                return o >= 1 && o <= 8 ? new Exif(o, false) : new Exif(1, true);
            }
        }
        return new Exif(1, false);
    }

    private static int u16(byte[] b, int i, boolean le) {
        return le ? (b[i] & 0xFF) | ((b[i + 1] & 0xFF) << 8) : ((b[i] & 0xFF) << 8) | (b[i + 1] & 0xFF);
    }

    private static long u32(byte[] b, int i, boolean le) {
        return le ? (u16(b, i, true) | ((long) u16(b, i + 2, true) << 16))
                : (((long) u16(b, i, false) << 16) | u16(b, i + 2, false));
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
