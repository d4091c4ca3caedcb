package dev.facepipe.index;

import java.util.Arrays;

/**
 * The upper tail of strangers' scores, and from it the 1:N threshold for a gallery of any size.
 *
 * <p>Why: a search answers "match" when the best of N gallery scores passes the threshold, so a
 * stranger is falsely matched when the highest of N impostor scores does. With impostor CDF F, the
 * false-positive identification rate is FPIR(t, N) = 1 - F(t)^N: a threshold giving 0.1% false
 * matches against one face gives nearly 100% against a million. Solving for t needs F far beyond
 * any sample (1 - 1e-9 at a million faces), so the tail is modelled: peaks over a threshold, with
 * an exponential excess (the generalised Pareto with shape 0, which suits the light tails of
 * cosine scores; Gaussian-like tails make it err high, towards fewer false matches). Fitted on the
 * top {@code tailFraction} of the sample: u is the sample quantile at 1 - tailFraction, beta the
 * mean excess over u. Then P(S > t) = p * exp(-(t - u) / beta) for t >= u, and
 * t(N, a) = u + beta * ln(p * N / -ln(1 - a)); a rate the tail cannot reach (a per-stranger
 * rate above p: one face and a lax FPIR) gets u, never less.
 *
 * @param u     the tail's start (a sample quantile)
 * @param p     the fraction of the sample above u
 * @param beta  the mean excess over u
 * @param pairs how many impostor scores the fit saw
 */
public record ImpostorTail(double u, double p, double beta, long pairs) {

    /** Fewest exceedances a fit needs; fewer give no tail (the caller keeps its 1:1 threshold). */
    public static final int MIN_EXCEEDANCES = 50;

    /** Fits the tail to a sample of impostor scores, or returns null when it has too few above the tail's start. */
    public static ImpostorTail fit(float[] scores, double tailFraction) {
        if (!(tailFraction > 0 && tailFraction < 1)) throw new IllegalArgumentException("tail fraction in (0, 1)");
        float[] s = scores.clone();
        Arrays.sort(s);
        int n = s.length;
        int above = (int) Math.floor(tailFraction * n);
        if (above < MIN_EXCEEDANCES) return null;
        double u = s[n - above - 1];
        double excess = 0;
        for (int i = n - above; i < n; i++) excess += s[i] - u;
        double beta = excess / above;
        if (!(beta > 0)) return null;
        return new ImpostorTail(u, (double) above / n, beta, n);
    }

    /** Probability that one stranger scores above t (the model; at or below u, p: what the tail knows). */
    public double exceedance(double t) {
        return t >= u ? p * Math.exp(-(t - u) / beta) : p;
    }

    /**
     * The score that the best of galleryFaces strangers passes with probability fpir: the threshold a
     * search over that many faces needs for that false-positive identification rate.
     */
    public double threshold(long galleryFaces, double fpir) {
        if (galleryFaces < 1 || !(fpir > 0 && fpir < 1)) {
            throw new IllegalArgumentException("gallery >= 1 and 0 < fpir < 1, got " + galleryFaces + ", " + fpir);
        }
        double perFace = -Math.log1p(-fpir) / galleryFaces; // 1 - (1 - fpir)^(1/N), without cancellation
        return perFace >= p ? u : u + beta * Math.log(p / perFace);
    }

    /** FPIR of a threshold against a gallery: 1 - (1 - P(S > t))^N. */
    public double fpir(double threshold, long galleryFaces) {
        return -Math.expm1(galleryFaces * Math.log1p(-exceedance(threshold)));
    }
}
