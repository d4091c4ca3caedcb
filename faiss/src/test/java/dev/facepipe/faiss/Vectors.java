package dev.facepipe.faiss;

import java.util.Random;

/** Seeded synthetic vectors: unit-norm, around a number of cluster centres (like face embeddings). */
final class Vectors {
    private Vectors() {}

    static float[] clustered(int n, int dim, int clusters, double spread, long seed) {
        Random r = new Random(seed);
        float[][] centres = new float[clusters][dim];
        for (float[] c : centres) {
            for (int j = 0; j < dim; j++) c[j] = (float) r.nextGaussian();
        }
        Random pick = new Random(seed + 1);
        float[] out = new float[n * dim];
        for (int i = 0; i < n; i++) {
            float[] c = centres[pick.nextInt(clusters)];
            double ss = 0;
            for (int j = 0; j < dim; j++) {
                float v = (float) (c[j] + spread * pick.nextGaussian());
                out[i * dim + j] = v;
                ss += v * v;
            }
            float inv = (float) (1 / Math.sqrt(ss));
            for (int j = 0; j < dim; j++) out[i * dim + j] *= inv;
        }
        return out;
    }

    static long[] ids(int n, long offset) {
        long[] ids = new long[n];
        for (int i = 0; i < n; i++) ids[i] = offset + i;
        return ids;
    }

    static float[] rows(float[] x, int dim, int from, int count) {
        float[] out = new float[count * dim];
        System.arraycopy(x, from * dim, out, 0, count * dim);
        return out;
    }
}
