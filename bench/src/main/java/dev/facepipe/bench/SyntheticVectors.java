package dev.facepipe.bench;

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
        return next(count, null, 0.8, 0.8);
    }

    /**
     * The next count vectors, each its centre plus noise of a standard deviation drawn from
     * [noiseFrom, noiseTo] (0.62 gives a cosine about 0.72 between two points of one centre).
     *
     * @param centre where each vector's centre index is written, or null
     */
    float[] next(int count, int[] centre, double noiseFrom, double noiseTo) {
        float[] out = new float[Math.multiplyExact(count, dim)];
        for (int i = 0; i < count; i++) {
            int c = r.nextInt(centres.length);
            if (centre != null) centre[i] = c;
            float[] v = centres[c];
            double sigma = noiseTo == noiseFrom ? noiseFrom : noiseFrom + (noiseTo - noiseFrom) * r.nextDouble();
            double ss = 0;
            for (int j = 0; j < dim; j++) {
                float e = (float) (v[j] + sigma * r.nextGaussian());
                out[i * dim + j] = e;
                ss += e * e;
            }
            float inv = (float) (1 / Math.sqrt(ss));
            for (int j = 0; j < dim; j++) out[i * dim + j] *= inv;
        }
        return out;
    }
}
