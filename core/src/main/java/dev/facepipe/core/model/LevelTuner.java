package dev.facepipe.core.model;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures a model at each optimization level on this CPU at its first load, keeps the fastest
 * session ({@link OptLevelChoice}), for a batched model measures one input a run against several
 * ({@link BatchChoice}), and writes the choices to {@link OptLevelCache}, so later JVMs
 * (Spark executors included) on the same CPU load it at once. Levels run in turns, round after
 * round, so a burst of other work on the machine slows them alike; the median of each decides.
 */
final class LevelTuner {
    private static final Logger LOG = LoggerFactory.getLogger(LevelTuner.class);
    private static final int WARM_UP = 2;
    private static final int MIN_ROUNDS = 5;
    private static final int MAX_ROUNDS = 25;
    private static final long BUDGET_NANOS = 1_500_000_000L;

    private LevelTuner() {}

    static OnnxModel tune(ModelSpec spec, OnnxSessions.Options opt, OrtEnvironment env, Path path, byte[] bytes,
            OptLevelCache cache, String key) throws OrtException {
        Map<OptLevel, OnnxModel> sessions = new EnumMap<>(OptLevel.class);
        try {
            for (OptLevel l : OptLevel.values()) {
                sessions.put(l, OnnxSessions.cpuSession(spec, opt, env, path, bytes, l, "measured", null));
            }
            long[] shape = spec.inputShape();
            FloatBuffer input = randomInput(shape);
            Map<OptLevel, List<Double>> ms = new EnumMap<>(OptLevel.class);
            for (OptLevel l : OptLevel.values()) {
                ms.put(l, new ArrayList<>());
                for (int i = 0; i < WARM_UP; i++) sessions.get(l).run(input.duplicate(), shape);
            }
            long start = System.nanoTime();
            for (int round = 0; round < MAX_ROUNDS && (round < MIN_ROUNDS || System.nanoTime() - start < BUDGET_NANOS);
                    round++) {
                for (OptLevel l : OptLevel.values()) {
                    long t = System.nanoTime();
                    sessions.get(l).run(input.duplicate(), shape);
                    ms.get(l).add((System.nanoTime() - t) / 1e6);
                }
            }
            Map<OptLevel, Double> medians = new EnumMap<>(OptLevel.class);
            ms.forEach((l, v) -> medians.put(l, median(v)));
            OptLevel chosen = OptLevelChoice.choose(medians);
            OnnxModel keep = sessions.remove(chosen).measured(medians);
            Map<Integer, Double> perInput = keep.batched() ? batches(keep, shape) : Map.of();
            keep.measuredBatches(perInput);
            OptLevelCache.Entry entry = new OptLevelCache.Entry(chosen, medians, perInput);
            try {
                cache.put(key, entry);
            } catch (IOException | RuntimeException e) {
                LOG.warn("model {}: cannot write {} ({}); the level will be measured again in the next JVM",
                        spec.name(), cache.file(), e.getMessage());
            }
            LOG.info("model {}: optimization level {}{} on {} ({})", spec.name(), chosen.code(),
                    perInput.isEmpty() ? "" : ", " + keep.bestBatch() + " a run", Machine.cpu(), entry.format());
            return keep;
        } finally {
            sessions.values().forEach(OnnxModel::close);
        }
    }

    /**
     * Milliseconds an input takes one at a time and {@link BatchChoice#MEASURED} at a time, at the
     * chosen level, in turns as the levels are; a batch the session refuses counts as never faster.
     */
    private static Map<Integer, Double> batches(OnnxModel m, long[] one) {
        long[] many = one.clone();
        many[0] = BatchChoice.MEASURED;
        FloatBuffer in1 = randomInput(one), inN = randomInput(many);
        Map<Integer, List<Double>> ms = new java.util.TreeMap<>(Map.of(1, new ArrayList<>(), BatchChoice.MEASURED,
                new ArrayList<>()));
        try {
            for (int i = 0; i < WARM_UP; i++) {
                m.run(in1.duplicate(), one);
                m.run(inN.duplicate(), many);
            }
            long start = System.nanoTime();
            for (int round = 0; round < MAX_ROUNDS && (round < MIN_ROUNDS || System.nanoTime() - start < BUDGET_NANOS);
                    round++) {
                long t = System.nanoTime();
                m.run(in1.duplicate(), one);
                ms.get(1).add((System.nanoTime() - t) / 1e6);
                t = System.nanoTime();
                m.run(inN.duplicate(), many);
                ms.get(BatchChoice.MEASURED).add((System.nanoTime() - t) / 1e6 / BatchChoice.MEASURED);
            }
        } catch (RuntimeException e) {
            LOG.warn("model {}: {} inputs a run failed ({}); one at a time", m.spec().name(), BatchChoice.MEASURED,
                    e.getMessage());
            return Map.of();
        }
        Map<Integer, Double> out = new java.util.TreeMap<>();
        ms.forEach((b, v) -> out.put(b, median(v)));
        return out;
    }

    /** Fixed pseudo-random values in -1..1: zeros could take paths real pixels never do. */
    private static FloatBuffer randomInput(long[] shape) {
        long n = 1;
        for (long d : shape) n *= d;
        FloatBuffer b = FloatBuffer.allocate((int) n);
        Random r = new Random(1);
        while (b.hasRemaining()) b.put(r.nextFloat() * 2 - 1);
        b.flip();
        return b;
    }

    private static double median(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        s.sort(null);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }
}
