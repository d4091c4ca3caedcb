package dev.facepipe.jpeg;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;

/**
 * JPEG decoding with libjpeg-turbo's SIMD code, straight into BGR rows the caller owns. Written
 * here because the JPEG decoder inside the OpenCV build we use is libjpeg-turbo compiled without
 * SIMD (its build information says "SIMD Support Request: NO"): about 3x slower on the same file,
 * and decoding was a quarter of the engine's time. No Java library ships libjpeg-turbo's native
 * code, so this binds the build machine's libjpeg-turbo (Debian's libjpeg62-turbo, carried in this jar)
 * through JavaCPP.
 */
public final class TurboJpeg {
    private static final int ERR = 200;

    private TurboJpeg() {}

    /** What a JPEG's header says, at a DCT scale of 1/denom. */
    public record Header(int width, int height, int components, int colorSpace, boolean progressive) {
        /** Grayscale, YCbCr and RGB files: the ones {@link #decodeBgr} decodes (not CMYK/YCCK). */
        public boolean decodesToBgr() {
            return colorSpace == 1 || colorSpace == 2 || colorSpace == 3;
        }
    }

    /** How a decode went: the libjpeg warnings (damaged data it decoded around). */
    public record Decoded(int width, int height, int warnings) {}

    /** The header of a JPEG, output size at 1/denom (1, 2, 4 or 8). */
    public static Header header(BytePointer jpeg, int denom) {
        checkDenom(denom);
        try (IntPointer info = new IntPointer(6); BytePointer err = new BytePointer(ERR)) {
            if (JpegNative.fp_jpeg_header(jpeg, jpeg.limit(), denom, info, err, ERR) != 0) {
                throw new JpegException(message(err));
            }
            return new Header(info.get(0), info.get(1), info.get(2), info.get(3), info.get(5) != 0);
        }
    }

    /**
     * Decodes at 1/denom into {@code out}: rows of {@code stride} bytes, 3 bytes a pixel in BGR order;
     * {@code out} must hold height * stride bytes of the size {@link #header} gave.
     */
    public static Decoded decodeBgr(BytePointer jpeg, int denom, BytePointer out, long stride) {
        checkDenom(denom);
        try (IntPointer info = new IntPointer(6); BytePointer err = new BytePointer(ERR)) {
            if (JpegNative.fp_jpeg_decode_bgr(jpeg, jpeg.limit(), denom, out, stride, out.limit(), info, err, ERR) != 0) {
                throw new JpegException(message(err));
            }
            return new Decoded(info.get(0), info.get(1), info.get(4));
        }
    }

    /** libjpeg's API version (62 for libjpeg-turbo's libjpeg 6b API, as Debian builds it). */
    public static int libVersion() {
        return JpegNative.fp_jpeg_lib_version();
    }

    /** The C string in err (the buffer is longer than the message). */
    private static String message(BytePointer err) {
        String s = err.getString();
        int end = s.indexOf('\0');
        return (end < 0 ? s : s.substring(0, end)).strip();
    }

    /** The libjpeg file this decoder calls into (resolved by the dynamic linker, not assumed). */
    public static String library() {
        return JpegNative.fp_jpeg_library();
    }

    /** One line for benchmarks: the library, its API version and file. */
    public static String describe() {
        return "libjpeg-turbo (libjpeg API " + libVersion() + "; " + library() + ")";
    }

    private static void checkDenom(int denom) {
        if (denom != 1 && denom != 2 && denom != 4 && denom != 8) {
            throw new IllegalArgumentException("scale 1/" + denom + ": use 1, 2, 4 or 8");
        }
    }

    /** libjpeg refused the data; the message is the library's own. */
    public static final class JpegException extends RuntimeException {
        JpegException(String message) {
            super(message);
        }
    }
}
