package dev.facepipe.core.face;

import dev.facepipe.core.model.ModelSpec;
import dev.facepipe.core.model.OnnxModel;
import org.bytedeco.opencv.opencv_core.Mat;

/** fr_feature on an aligned crop: a 512-d embedding, L2-normalised, with its raw norm kept. */
public final class Embedder {
    private final OnnxModel model;

    public Embedder(OnnxModel model) {
        this.model = model;
    }

    /**
     * @param unit    the L2-normalised embedding, or null when the raw output had NaN, Inf or zero norm
     * @param rawNorm the norm before normalisation (low values suggest a non-face)
     */
    public record Embedding(float[] unit, float rawNorm) {}

    public Embedding embed(Mat aligned) {
        ModelSpec s = model.spec();
        float[] v = model.run(ModelInput.tensor(aligned, s), ModelInput.shape(s)).get(s.outputs().get(0));
        return normalise(v);
    }

    /** Whether the model takes batches (symbolic batch dimension, see onnx.batch_models). */
    public boolean batched() {
        return model.batched();
    }

    /** Embeddings of several aligned crops, in one model run when the model takes batches. */
    public java.util.List<Embedding> embedBatch(java.util.List<Mat> aligned) {
        if (aligned.size() == 1 || !model.batched()) return aligned.stream().map(this::embed).toList();
        ModelSpec s = model.spec();
        long[] shape = ModelInput.shape(s);
        shape[0] = aligned.size();
        float[] out = model.run(ModelInput.tensors(aligned, s), shape).get(s.outputs().get(0));
        int dim = out.length / aligned.size();
        java.util.List<Embedding> es = new java.util.ArrayList<>();
        for (int i = 0; i < aligned.size(); i++) es.add(normalise(java.util.Arrays.copyOfRange(out, i * dim, (i + 1) * dim)));
        return es;
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
        return model.spec().id();
    }

    public static float cosine(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += (double) a[i] * b[i];
        return (float) s;
    }
}
