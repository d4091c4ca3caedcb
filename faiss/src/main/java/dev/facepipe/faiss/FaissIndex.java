package dev.facepipe.faiss;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;

/**
 * A FAISS index in native memory, owned by this object: {@link #close()} frees it at once (use
 * try-with-resources; nothing is left to the garbage collector). Arguments are checked here, so a
 * wrong size throws an exception instead of reaching native code. Searches may run concurrently;
 * training, adding, removing and merging need exclusive use.
 */
public final class FaissIndex implements AutoCloseable {
    private FaissNative.NativeIndex ptr;
    private final int dim;

    private FaissIndex(FaissNative.NativeIndex ptr) {
        if (ptr == null || ptr.isNull()) throw new FaissException("FAISS returned no index");
        this.ptr = ptr;
        this.dim = FaissNative.fp_dim(ptr);
    }

    /** An empty index from a factory string such as "Flat", "IVF256,Flat" or "IVF1024_HNSW32,PQ64". */
    public static FaissIndex create(int dim, String factory, Metric metric) {
        if (dim <= 0) throw new IllegalArgumentException("dimension must be positive, got " + dim);
        if (factory == null || factory.isBlank()) throw new IllegalArgumentException("factory string is empty");
        return new FaissIndex(call(() -> FaissNative.fp_index_factory(dim, factory,
                metric == Metric.INNER_PRODUCT ? 1 : 0), "index_factory(" + dim + ", \"" + factory + "\")"));
    }

    /** Reads an index file; with {@code mmap} the inverted lists stay on disk, mapped on demand. */
    public static FaissIndex read(Path file, boolean mmap) {
        if (!Files.isRegularFile(file)) throw new FaissException("index file " + file + " does not exist");
        return new FaissIndex(call(() -> FaissNative.fp_read(file.toString(), mmap), "read_index(" + file + ")"));
    }

    public int dim() {
        return dim;
    }

    public long ntotal() {
        return FaissNative.fp_ntotal(live());
    }

    public boolean isTrained() {
        return FaissNative.fp_is_trained(live());
    }

    public Metric metric() {
        return FaissNative.fp_metric_inner_product(live()) == 1 ? Metric.INNER_PRODUCT : Metric.L2;
    }

    /** Trains on n = x.length / dim vectors (row-major). */
    public void train(float[] x) {
        long n = rows(x, "training vectors");
        try (FloatPointer px = new FloatPointer(x)) {
            call(() -> {
                FaissNative.fp_train(live(), n, px);
                return null;
            }, "train(" + n + " vectors)");
        }
    }

    /** Adds vectors with their 64-bit ids; the index must be trained. */
    public void add(float[] x, long[] ids) {
        add(x, ids, 0, ids.length);
    }

    /**
     * Adds rows [from, to) of x with ids[from..to): a part of a large array goes to native memory
     * without a Java copy of it first.
     */
    public void add(float[] x, long[] ids, int from, int to) {
        long total = rows(x, "vectors");
        if (ids.length != total) throw new IllegalArgumentException(total + " vectors but " + ids.length + " ids");
        if (from < 0 || to > total || from >= to) {
            throw new IllegalArgumentException("rows [" + from + ", " + to + ") of " + total + " vectors");
        }
        if (!isTrained()) throw new IllegalStateException("index is not trained; train it before adding");
        long n = to - from;
        try (FloatPointer px = new FloatPointer(n * dim); LongPointer pi = new LongPointer(n)) {
            px.put(x, from * dim, (int) (n * dim));
            pi.put(ids, from, (int) n);
            call(() -> {
                FaissNative.fp_add_with_ids(live(), n, px, pi);
                return null;
            }, "add_with_ids(" + n + " vectors)");
        }
    }

    /**
     * The k nearest of each query (row-major).
     *
     * @param nprobe   IVF lists to visit for this call, 0 for the index's setting
     * @param efSearch HNSW (quantizer) search breadth for this call, 0 for the index's setting
     */
    public SearchResult search(float[] queries, int k, int nprobe, int efSearch) {
        long n = rows(queries, "queries");
        if (k <= 0) throw new IllegalArgumentException("k must be positive, got " + k);
        if (nprobe < 0 || efSearch < 0) throw new IllegalArgumentException("nprobe and efSearch must be >= 0");
        if (n * k > Integer.MAX_VALUE) throw new IllegalArgumentException("n * k too large: " + n * k);
        float[] d = new float[(int) (n * k)];
        long[] l = new long[(int) (n * k)];
        try (FloatPointer px = new FloatPointer(queries); FloatPointer pd = new FloatPointer(d.length);
                LongPointer pl = new LongPointer(l.length)) {
            call(() -> {
                FaissNative.fp_search(live(), n, px, k, pd, pl, nprobe, efSearch);
                return null;
            }, "search(" + n + " queries, k=" + k + ")");
            pd.get(d);
            pl.get(l);
        }
        return new SearchResult((int) n, k, d, l);
    }

    public void write(Path file) {
        call(() -> {
            FaissNative.fp_write(live(), file.toString());
            return null;
        }, "write_index(" + file + ")");
    }

    /** Removes the given ids; returns how many were present. */
    public long remove(long[] ids) {
        if (ids.length == 0) return 0;
        try (LongPointer pi = new LongPointer(ids)) {
            return call(() -> FaissNative.fp_remove_ids(live(), ids.length, pi), "remove_ids(" + ids.length + ")");
        }
    }

    /** Moves every vector of {@code other} (an IVF index with the same trained quantizer) into this one. */
    public void mergeFrom(FaissIndex other) {
        if (other.dim != dim) throw new IllegalArgumentException("dimensions differ: " + dim + " vs " + other.dim);
        call(() -> {
            FaissNative.fp_merge_from(live(), other.live());
            return null;
        }, "merge_from");
    }

    /** A ParameterSpace setting, e.g. "nprobe" or "quantizer_efSearch". */
    public void setParameter(String name, double value) {
        call(() -> {
            FaissNative.fp_set_parameter(live(), name, value);
            return null;
        }, "set_index_parameter(" + name + "=" + value + ")");
    }

    /** A deep copy (e.g. the trained empty index handed to each shard). */
    public FaissIndex copy() {
        return new FaissIndex(call(() -> FaissNative.fp_clone(live()), "clone_index"));
    }

    /**
     * Makes {@link #reconstruct} work on an IVF index (a hash map from id to its place, about 16
     * bytes a vector); call once, before searching, not concurrently with other calls.
     */
    public void prepareReconstruct() {
        call(() -> {
            FaissNative.fp_prepare_reconstruct(live());
            return null;
        }, "prepare_reconstruct");
    }

    /** The vector stored under an id (SQ8 codes decode approximately), or null when the index lacks it. */
    public float[] reconstruct(long id) {
        try (FloatPointer out = new FloatPointer(dim)) {
            boolean found = call(() -> FaissNative.fp_reconstruct(live(), id, out), "reconstruct(" + id + ")");
            if (!found) return null;
            float[] v = new float[dim];
            out.get(v);
            return v;
        }
    }

    /** Removes every vector, keeping the training. */
    public void reset() {
        call(() -> {
            FaissNative.fp_reset(live());
            return null;
        }, "reset");
    }

    /** Number of inverted lists of an IVF index. */
    public long nlist() {
        return call(() -> FaissNative.fp_nlist(live()), "nlist");
    }

    /** Vectors in each inverted list (to watch the lists' balance). */
    public long[] listSizes() {
        long n = nlist();
        long[] out = new long[(int) n];
        for (int i = 0; i < n; i++) {
            int list = i;
            out[i] = call(() -> FaissNative.fp_list_size(live(), list), "list_size");
        }
        return out;
    }

    @Override
    public synchronized void close() {
        if (ptr != null) {
            FaissNative.fp_free(ptr);
            ptr.setNull();
            ptr = null;
        }
    }

    private FaissNative.NativeIndex live() {
        FaissNative.NativeIndex p = ptr;
        if (p == null) throw new IllegalStateException("index is closed");
        return p;
    }

    private long rows(float[] x, String what) {
        if (x == null || x.length == 0) throw new IllegalArgumentException("no " + what);
        if (x.length % dim != 0) {
            throw new IllegalArgumentException(what + ": " + x.length + " floats is not a multiple of dimension " + dim);
        }
        return x.length / dim;
    }

    private static <T> T call(Supplier<T> f, String what) {
        try {
            return f.get();
        } catch (IllegalStateException | IllegalArgumentException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new FaissException("FAISS " + what + ": " + e.getMessage(), e);
        }
    }
}
