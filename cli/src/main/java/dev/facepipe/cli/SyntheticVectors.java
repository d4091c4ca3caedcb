package dev.facepipe.cli;

import java.util.Random;

/**
 * Benchmark data: unit vectors scattered around random centres, as face embeddings cluster by
 * person. Drawn batch by batch, so a million 512-d vectors need not sit in memory at once.
 */
final class SyntheticVectors {
    private final int dim;
    private final float[][] centres;
    private final Random r;

    /** Points around clusters centres fixed by centreSeed; the points themselves drawn from pointSeed. */
    SyntheticVectors(int dim, int clusters, long centreSeed, long pointSeed) {
        this.dim = dim;
        Random c = new Random(centreSeed);
        this.centres = new float[clusters][dim];
        for (float[] v : centres) for (int j = 0; j < dim; j++) v[j] = (float) c.nextGaussian();
        this.r = new Random(pointSeed * 7919);
    }

    /** count x dim unit vectors (row-major) around fixed centres. */
    static float[] clustered(int count, int dim, int clusters, long centreSeed, long pointSeed) {
        return new SyntheticVectors(dim, clusters, centreSeed, pointSeed).next(count);
    }

    /** The next count vectors, row-major. */
    float[] next(int count) {
        float[] out = new float[Math.multiplyExact(count, dim)];
        for (int i = 0; i < count; i++) {
            float[] v = centres[r.nextInt(centres.length)];
            double ss = 0;
            for (int j = 0; j < dim; j++) {
                float e = (float) (v[j] + 0.8 * r.nextGaussian());
                out[i * dim + j] = e;
                ss += e * e;
            }
            float inv = (float) (1 / Math.sqrt(ss));
            for (int j = 0; j < dim; j++) out[i * dim + j] *= inv;
        }
        return out;
    }
}
