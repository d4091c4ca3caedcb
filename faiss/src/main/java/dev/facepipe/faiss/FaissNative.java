package dev.facepipe.faiss;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Const;
import org.bytedeco.javacpp.annotation.Name;
import org.bytedeco.javacpp.annotation.Opaque;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * JNI entry points into facepipe_faiss.h. Use {@link FaissIndex}, which checks arguments and owns
 * the native memory; these methods trust their caller.
 */
// libfaiss.a, OpenBLAS and OpenMP are linked through the plugin's compilerOptions (see pom.xml), in
// the order a static archive needs; libgomp is preloaded from this jar, OpenBLAS from its own jar.
@Platform(value = "linux-x86_64", compiler = "cpp11", include = "facepipe_faiss.h", preload = {"gomp@.1"},
        preloadpath = "/usr/lib/x86_64-linux-gnu")
final class FaissNative {
    static {
        // Loads the openblas jar's libopenblas.so.0 (with LAPACK) first: our library's dependency on
        // that soname then resolves to it, with no system BLAS needed.
        Loader.load(org.bytedeco.openblas.global.openblas.class);
        Loader.load();
    }

    private FaissNative() {}

    @Opaque
    @Name("FpIndex")
    static final class NativeIndex extends Pointer {
        NativeIndex(Pointer p) {
            super(p);
        }
    }

    static native String fp_blas_config();

    static native String fp_blas_core();

    static native int fp_blas_threads();

    static native int fp_blas_parallel();

    static native int fp_blas_thread_timeout();

    static native int fp_omp_threads();

    static native NativeIndex fp_index_factory(int d, String description, int innerProduct);

    static native void fp_free(NativeIndex index);

    static native int fp_dim(@Const NativeIndex index);

    static native long fp_ntotal(@Const NativeIndex index);

    @Cast("bool")
    static native boolean fp_is_trained(@Const NativeIndex index);

    static native int fp_metric_inner_product(@Const NativeIndex index);

    static native void fp_train(NativeIndex index, long n, @Const FloatPointer x);

    static native void fp_add_with_ids(NativeIndex index, long n, @Const FloatPointer x,
            @Cast("const long long*") LongPointer ids);

    static native void fp_search(@Const NativeIndex index, long n, @Const FloatPointer x, long k,
            FloatPointer distances, @Cast("long long*") LongPointer labels, int nprobe, int efSearch);

    static native void fp_write(@Const NativeIndex index, String path);

    static native NativeIndex fp_read(String path, @Cast("bool") boolean mmap);

    static native long fp_remove_ids(NativeIndex index, long n, @Cast("const long long*") LongPointer ids);

    static native void fp_merge_from(NativeIndex dst, NativeIndex src);

    static native void fp_set_parameter(NativeIndex index, String name, double value);

    static native NativeIndex fp_clone(@Const NativeIndex index);

    static native void fp_reset(NativeIndex index);

    static native long fp_nlist(@Const NativeIndex index);

    static native long fp_list_size(@Const NativeIndex index, long list);

    static native void fp_prepare_reconstruct(NativeIndex index);

    @Cast("bool")
    static native boolean fp_reconstruct(@Const NativeIndex index, long id, FloatPointer out);
}
