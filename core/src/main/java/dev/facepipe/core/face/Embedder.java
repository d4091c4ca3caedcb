package dev.facepipe.core.face;

import dev.facepipe.core.model.ModelSpec;
import dev.facepipe.core.model.OnnxModel;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * fr_feature on an aligned crop: a 512-d embedding, L2-normalised, with its raw norm kept. With flip
 * (embed.flip) the crop's mirror image is embedded too and the two raw outputs summed: test-time
 * augmentation, twice the model time; its id says so, as such embeddings must not meet plain ones.
 */
public final class Embedder {
    private final OnnxModel model;
    private final boolean flip;

    public Embedder(OnnxModel model) {
        this(model, false);
    }

    public Embedder(OnnxModel model, boolean flip) {
        this.model = model;
        this.flip = flip;
    }

    /**
     * @param unit    the L2-normalised embedding, or null when the raw output had NaN, Inf or zero norm
     * @param rawNorm the norm before normalisation (low values suggest a non-face)
     */
    public record Embedding(float[] unit, float rawNorm) {}

    public Embedding embed(Mat aligned) {
        if (!flip) return normalise(raw(aligned));
        try (Mat mirror = mirror(aligned)) {
            return withMirror(raw(aligned), raw(mirror));
        }
    }

    private float[] raw(Mat aligned) {
        ModelSpec s = model.spec();
        return model.run(ModelInput.tensor(aligned, s), ModelInput.shape(s)).get(s.outputs().get(0));
    }

    private static Mat mirror(Mat m) {
        Mat out = new Mat();
        org.bytedeco.opencv.global.opencv_core.flip(m, out, 1);
        return out;
    }

    /** The sum of both raw outputs, normalised; the raw norm stays the crop's own (the quality signal). */
    static Embedding withMirror(float[] v, float[] m) {
        Embedding own = normalise(v);
        if (own.unit() == null) return own;
        float[] sum = new float[v.length];
        for (int i = 0; i < v.length; i++) sum[i] = v[i] + m[i];
        Embedding both = normalise(sum);
        return both.unit() == null ? both : new Embedding(both.unit(), own.rawNorm());
    }

    /** Whether the model takes batches (symbolic batch dimension, see onnx.batch_models). */
    public boolean batched() {
        return model.batched();
    }

    /** The faces a run that embed fastest on this CPU, as measured at the model's first load (1 if not measured). */
    public int bestBatch() {
        return model.bestBatch();
    }

    /** Embeddings of several aligned crops, in one model run when the model takes batches. */
    public java.util.List<Embedding> embedBatch(java.util.List<Mat> aligned) {
        if (aligned.size() == 1 || !model.batched()) return aligned.stream().map(this::embed).toList();
        if (flip) {
            java.util.List<Mat> mirrors = aligned.stream().map(Embedder::mirror).toList();
            try {
                java.util.List<float[]> a = rawBatch(aligned);
                java.util.List<float[]> b = rawBatch(mirrors);
                java.util.List<Embedding> es = new java.util.ArrayList<>();
                for (int i = 0; i < a.size(); i++) es.add(withMirror(a.get(i), b.get(i)));
                return es;
            } finally {
                mirrors.forEach(Mat::close);
            }
        }
        return rawBatch(aligned).stream().map(Embedder::normalise).toList();
    }

    private java.util.List<float[]> rawBatch(java.util.List<Mat> aligned) {
        ModelSpec s = model.spec();
        long[] shape = ModelInput.shape(s);
        shape[0] = aligned.size();
        float[] out = model.run(ModelInput.tensors(aligned, s), shape).get(s.outputs().get(0));
        int dim = out.length / aligned.size();
        java.util.List<float[]> vs = new java.util.ArrayList<>();
        for (int i = 0; i < aligned.size(); i++) vs.add(java.util.Arrays.copyOfRange(out, i * dim, (i + 1) * dim));
        return vs;
    }

    static Embedding normalise(float[] v) {
        double ss = 0;
        for (float x : v) {
            if (!Float.isFinite(x)) return new Embedding(null, Float.NaN);
            ss += (double) x * x;
        }
        float norm = (float) Math.sqrt(ss);
        if (!(norm > 1e-6f)) return new Embedding(null, norm);
        float[] u = new float[v.length];
        for (int i = 0; i < v.length; i++) u[i] = v[i] / norm;
        return new Embedding(u, norm);
    }

    public String device() {
        return model.device();
    }

    public String modelId() {
        return model.spec().id() + (flip ? "+flip" : "");
    }

    public static float cosine(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += (double) a[i] * b[i];
        return (float) s;
    }
}
