package dev.facepipe.core.eval;

import java.util.Arrays;

/**
 * 1:N open-set identification figures (ISO/IEC 19795-1 terms) from each probe's best gallery match.
 * A mated probe (its identity is enrolled) is identified at threshold t when its top match is its
 * own identity and scores at least t; a non-mated probe is a false positive when its top match
 * scores at least t, and gets "no match" otherwise. A probe that failed to enrol (score NaN) is a
 * miss when mated and a "no match" when not: the system said nothing, which is right only then.
 *
 * @param mated   per probe, whether its identity is in the gallery
 * @param score   per probe, its top match's score (NaN: failed to enrol)
 * @param correct per probe, whether its top match has the probe's identity
 */
public record OpenSetMetrics(boolean[] mated, double[] score, boolean[] correct) {

    /** TPIR at the lowest threshold whose FPIR does not pass the target; resolvable when enough non-mated probes. */
    public record Rate(double tpir, double threshold, double achievedFpir, boolean resolvable) {}

    public OpenSetMetrics {
        if (mated.length != score.length || score.length != correct.length) {
            throw new IllegalArgumentException("one mated flag, score and correct flag per probe");
        }
    }

    public int matedProbes() {
        int n = 0;
        for (boolean m : mated) if (m) n++;
        return n;
    }

    public int nonMatedProbes() {
        return mated.length - matedProbes();
    }

    /** Mated probes whose top match is their identity, whatever the score (closed-set rank-1). */
    public double rank1() {
        int hit = 0, n = 0;
        for (int i = 0; i < mated.length; i++) {
            if (!mated[i]) continue;
            n++;
            if (!Double.isNaN(score[i]) && correct[i]) hit++;
        }
        return n == 0 ? Double.NaN : (double) hit / n;
    }

    /** Mated probes identified at threshold t. */
    public double tpir(double t) {
        int hit = 0, n = 0;
        for (int i = 0; i < mated.length; i++) {
            if (!mated[i]) continue;
            n++;
            if (!Double.isNaN(score[i]) && correct[i] && score[i] >= t) hit++;
        }
        return n == 0 ? Double.NaN : (double) hit / n;
    }

    /** Non-mated probes whose top match reaches t. */
    public double fpir(double t) {
        int fp = 0, n = 0;
        for (int i = 0; i < mated.length; i++) {
            if (mated[i]) continue;
            n++;
            if (!Double.isNaN(score[i]) && score[i] >= t) fp++;
        }
        return n == 0 ? Double.NaN : (double) fp / n;
    }

    /** Non-mated probes answered "no match" at t: 1 - FPIR(t). */
    public double noMatchRate(double t) {
        double f = fpir(t);
        return Double.isNaN(f) ? Double.NaN : 1 - f;
    }

    /**
     * TPIR at the lowest threshold that keeps FPIR at or below the target: just above the non-mated
     * score that the target lets through. Resolvable only with at least 1 / target non-mated probes
     * (with fewer, the threshold must pass every non-mated score and the figure says little).
     */
    public Rate tpirAtFpir(double target) {
        double[] nm = Arrays.stream(indicesOf(false)).mapToDouble(i -> score[i]).filter(s -> !Double.isNaN(s))
                .sorted().toArray();
        int nonMated = nonMatedProbes();
        int allowed = (int) Math.floor(target * nonMated);
        double t;
        if (nm.length <= allowed) {
            t = Double.NEGATIVE_INFINITY;
        } else {
            t = Math.nextUp(nm[nm.length - 1 - allowed]);
        }
        return new Rate(tpir(t), t, fpir(t), nonMated >= Math.ceil(1 / target));
    }

    private int[] indicesOf(boolean wantMated) {
        int[] out = new int[mated.length];
        int n = 0;
        for (int i = 0; i < mated.length; i++) if (mated[i] == wantMated) out[n++] = i;
        return Arrays.copyOf(out, n);
    }
}
