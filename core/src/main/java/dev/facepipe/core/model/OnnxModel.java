package dev.facepipe.core.model;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A loaded model: one ONNX Runtime session, shared by every thread of the JVM (OrtSession.run is
 * thread-safe). Obtain instances from {@link OnnxSessions}, never construct per call.
 */
public final class OnnxModel {
    /** Nanoseconds this thread spent inside model runs (for benchmarks: the model-only ceiling). */
    private static final ThreadLocal<long[]> THREAD_NANOS = ThreadLocal.withInitial(() -> new long[1]);

    private final ModelSpec spec;
    private final OrtSession session;
    private final String device;
    private final boolean batched;
    private final OptLevel level;
    private final String levelSource;
    private volatile Map<OptLevel, Double> levelTimes;
    private volatile Map<Integer, Double> batchTimes = Map.of();

    OnnxModel(ModelSpec spec, OrtSession session, String device, boolean batched, OptLevel level, String levelSource) {
        this.spec = spec;
        this.session = session;
        this.device = device;
        this.batched = batched;
        this.level = level;
        this.levelSource = levelSource;
    }

    OnnxModel measured(Map<OptLevel, Double> msPerRun) {
        this.levelTimes = msPerRun;
        return this;
    }

    OnnxModel measuredBatches(Map<Integer, Double> msPerInput) {
        this.batchTimes = msPerInput == null ? Map.of() : Map.copyOf(msPerInput);
        return this;
    }

    /** Milliseconds an input took at each batch size measured on this CPU (a batched model); empty if none. */
    public Map<Integer, Double> batchTimes() {
        return batchTimes;
    }

    /** The inputs a run that is fastest per input on this CPU ({@link BatchChoice}); 1 when not measured. */
    public int bestBatch() {
        return batched ? BatchChoice.choose(batchTimes) : 1;
    }

    /** The graph optimization level this session runs at. */
    public OptLevel level() {
        return level;
    }

    /** How the level was chosen: "measured" (now, on this CPU), "cached" (earlier, on this CPU) or "conf". */
    public String levelSource() {
        return levelSource;
    }

    /** Milliseconds a run at each level when the level was measured on this CPU, else null. */
    public Map<OptLevel, Double> levelTimes() {
        return levelTimes;
    }

    /** Closes the session (a tuner closes the levels it did not choose). */
    void close() {
        try {
            session.close();
        } catch (OrtException e) {
            // nothing to do: the process goes on without it
        }
    }

    /** Whether this session accepts a batch dimension larger than 1 (onnx.batch_models). */
    public boolean batched() {
        return batched;
    }

    public ModelSpec spec() {
        return spec;
    }

    /** "cpu" or "cuda:N": where this session actually runs. */
    public String device() {
        return device;
    }

    /** Nanoseconds the calling thread has spent in {@link #run} so far (benchmarks subtract two readings). */
    public static long threadModelNanos() {
        return THREAD_NANOS.get()[0];
    }

    /** Runs the model on one input tensor and returns every declared output as a flat float array. */
    public Map<String, float[]> run(FloatBuffer input, long[] shape) {
        long start = System.nanoTime();
        try {
            return runOnce(input, shape);
        } finally {
            THREAD_NANOS.get()[0] += System.nanoTime() - start;
        }
    }

    private Map<String, float[]> runOnce(FloatBuffer input, long[] shape) {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OnnxTensor t = OnnxTensor.createTensor(env, input, shape);
                OrtSession.Result r = session.run(Map.of(spec.input(), t))) {
            Map<String, float[]> out = new LinkedHashMap<>();
            for (String name : spec.outputs()) {
                OnnxTensor o = (OnnxTensor) r.get(name).orElseThrow(() -> new ModelException(
                        "model " + spec.name() + ": output '" + name + "' declared in conf is not in the graph"));
                FloatBuffer fb = o.getFloatBuffer();
                float[] a = new float[fb.remaining()];
                fb.get(a);
                out.put(name, a);
            }
            return out;
        } catch (OrtException e) {
            throw new ModelException("model " + spec.name() + ": inference failed: " + e.getMessage(), e);
        }
    }
}
