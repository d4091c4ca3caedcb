package dev.facepipe.core.model;

import java.util.Map;

/**
 * Which optimization level to run a model at on this machine, from measured times (pinned by
 * OptLevelChoiceTest): the fastest, except that ONNX Runtime's default (all) stays unless another
 * level is faster by more than {@link #MARGIN}, so timing noise does not flip a choice. On a Sapphire
 * Rapids Xeon all made fr_feature 3.5x slower than extended and made the detector 2.7x faster: no
 * single level is right for every model on every CPU.
 */
public final class OptLevelChoice {
    /** A level other than all must be at least this much faster (a share of all's time). */
    public static final double MARGIN = 0.05;

    private OptLevelChoice() {}

    /** @param msPerRun median milliseconds a run at each level measured */
    public static OptLevel choose(Map<OptLevel, Double> msPerRun) {
        OptLevel best = null;
        for (Map.Entry<OptLevel, Double> e : msPerRun.entrySet()) {
            if (!Double.isFinite(e.getValue())) continue;
            if (best == null || e.getValue() < msPerRun.get(best)) best = e.getKey();
        }
        if (best == null) return OptLevel.ALL;
        Double all = msPerRun.get(OptLevel.ALL);
        if (all != null && Double.isFinite(all) && msPerRun.get(best) > all * (1 - MARGIN)) return OptLevel.ALL;
        return best;
    }
}
