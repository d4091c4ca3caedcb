package dev.facepipe.jpeg;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * JNI entry points into facepipe_jpeg.h. Use {@link TurboJpeg}, which sizes the buffers; these
 * methods trust their caller.
 */
// Linked against the build machine's libjpeg-turbo (see pom.xml: libjpeg.so.62 on Debian, .8 on Ubuntu);
// the library itself is preloaded from this jar, so an executor needs nothing but the jars.
@Platform(value = "linux-x86_64", compiler = "cpp11", include = "facepipe_jpeg.h", preload = {"jpeg@.62", "jpeg@.8"},
        preloadpath = "/usr/lib/x86_64-linux-gnu")
final class JpegNative {
    static {
        Loader.load();
    }

    private JpegNative() {}

    static native int fp_jpeg_header(@Cast("const unsigned char*") BytePointer data, long size, int denom,
            IntPointer info, @Cast("char*") BytePointer err, int errCap);

    static native int fp_jpeg_decode_bgr(@Cast("const unsigned char*") BytePointer data, long size, int denom,
            @Cast("unsigned char*") BytePointer out, long stride, long capacity, IntPointer info,
            @Cast("char*") BytePointer err, int errCap);

    static native int fp_jpeg_lib_version();

    static native String fp_jpeg_library();
}
