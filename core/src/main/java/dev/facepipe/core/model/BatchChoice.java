package dev.facepipe.core.model;

import java.util.Map;

/**
 * How many inputs a batched model takes a run on this CPU, from measured per-input times (pinned
 * by BatchChoiceTest): the fastest batch, except that one input a run stays unless a larger batch
 * is faster by more than {@link #MARGIN} a face, so timing noise does not flip a choice. A batch
 * pays on some CPUs and not on others (on AMD EPYC the embedder gained nothing from 8 at a time).
 */
public final class BatchChoice {
    /** A batch above 1 must be at least this much faster per input (a share of one at a time). */
    public static final double MARGIN = 0.05;
    /** The batch measured against one at a time. */
    public static final int MEASURED = 8;

    private BatchChoice() {}

    /** @param msPerInput median milliseconds an input took, by batch size; 1 when empty or unmeasured */
    public static int choose(Map<Integer, Double> msPerInput) {
        Double one = msPerInput.get(1);
        if (one == null || !Double.isFinite(one)) return 1;
        int best = 1;
        for (Map.Entry<Integer, Double> e : msPerInput.entrySet()) {
            if (Double.isFinite(e.getValue()) && e.getValue() < msPerInput.get(best)) best = e.getKey();
        }
        return msPerInput.get(best) < one * (1 - MARGIN) ? best : 1;
    }
}
