package dev.facepipe.core.model;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.providers.OrtCUDAProviderOptions;
import dev.facepipe.core.config.Config;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JVM-wide cache of ONNX Runtime sessions: one per model, device and thread setting, so that
 * all tasks of a Spark executor share them instead of loading a model per task.
 */
public final class OnnxSessions {
    private static final Logger LOG = LoggerFactory.getLogger(OnnxSessions.class);
    private static final Map<String, OnnxModel> CACHE = new ConcurrentHashMap<>();
    private static final Map<String, Boolean> FALLBACK_LOGGED = new ConcurrentHashMap<>();

    private OnnxSessions() {}

    /**
     * Settings that pick a session; deviceId is per task on GPU executors.
     *
     * @param cudaTf32    onnx.cuda_tf32: let the CUDA provider use TF32 (off: embeddings as the CPU makes them)
     * @param cudaConvAlgoSearch onnx.cuda_conv_algo_search: exhaustive, heuristic or default
     * @param batchModels models loaded with a symbolic batch dimension (see {@link BatchDim})
     * @param optLevel    onnx.opt_level: null for auto (measured on this CPU, {@link OptLevelCache})
     * @param optLevels   onnx.opt_level_models: a fixed level for named models, over optLevel
     */
    public record Options(String device, int deviceId, boolean requireGpu, boolean cudaTf32,
            String cudaConvAlgoSearch, int intraOpThreads,
            int interOpThreads, boolean allowSpinning, Path modelsDir, boolean verifyOnLoad,
            java.util.List<String> batchModels, OptLevel optLevel, Map<String, OptLevel> optLevels) {

        public static Options fromConfig(Config cfg) {
            String level = cfg.getChoice("onnx.opt_level", "auto", "basic", "extended", "all");
            Map<String, OptLevel> fixed = new java.util.TreeMap<>();
            for (String item : cfg.getList("onnx.opt_level_models")) {
                String[] kv = item.split(":");
                if (kv.length != 2) {
                    throw new IllegalArgumentException("onnx.opt_level_models: '" + item + "' is not model:level");
                }
                fixed.put(kv[0].strip(), OptLevel.parse(kv[1], "onnx.opt_level_models"));
            }
            return new Options(cfg.getChoice("onnx.device", "cpu", "cuda"), cfg.getInt("onnx.cuda_device_id"),
                    cfg.getBoolean("onnx.require_gpu"), cfg.getBoolean("onnx.cuda_tf32"),
                    cfg.getChoice("onnx.cuda_conv_algo_search", "exhaustive", "heuristic", "default"),
                    cfg.getInt("onnx.intra_op_threads"),
                    cfg.getInt("onnx.inter_op_threads"), cfg.getBoolean("onnx.allow_spinning"),
                    cfg.getPath("models.dir"), cfg.getBoolean("models.verify_on_load"), cfg.getList("onnx.batch_models"),
                    level.equals("auto") ? null : OptLevel.parse(level, "onnx.opt_level"), Map.copyOf(fixed));
        }

        public Options withDeviceId(int id) {
            return new Options(device, id, requireGpu, cudaTf32, cudaConvAlgoSearch, intraOpThreads, interOpThreads,
                    allowSpinning, modelsDir, verifyOnLoad, batchModels, optLevel, optLevels);
        }

        /**
         * The CUDA provider's options (ONNX Runtime's names): the device, TF32 only when conf allows it, and how
         * cuDNN's convolution algorithms are chosen.
         */
        public Map<String, String> cudaProviderOptions() {
            return Map.of("device_id", Integer.toString(deviceId), "use_tf32", cudaTf32 ? "1" : "0",
                    "cudnn_conv_algo_search", cudaConvAlgoSearch.toUpperCase(java.util.Locale.ROOT));
        }
    }

    public static OnnxModel get(ModelSpec spec, Options opt) {
        // The key holds the preprocessing too: the same file read with another colour order is another model.
        String key = spec.id() + "|" + spec.color() + "|" + spec.layout() + "|" + java.util.Arrays.toString(spec.mean())
                + java.util.Arrays.toString(spec.std()) + "|" + spec.input() + spec.outputs() + "|" + opt.device()
                + new java.util.TreeMap<>(opt.cudaProviderOptions()) + "|" + opt.intraOpThreads() + "/"
                + opt.interOpThreads() + "|" + opt.modelsDir() + "|" + opt.batchModels().contains(spec.name()) + "|"
                + opt.optLevel() + opt.optLevels().get(spec.name());
        return CACHE.computeIfAbsent(key, k -> open(spec, opt));
    }

    private static OnnxModel open(ModelSpec spec, Options opt) {
        Path path = opt.verifyOnLoad() ? ModelFiles.verified(spec, opt.modelsDir()) : spec.pathUnder(opt.modelsDir());
        OrtEnvironment env = OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR, "facepipe");
        boolean batch = opt.batchModels().contains(spec.name());
        byte[] bytes;
        try {
            java.util.Set<String> io = new java.util.HashSet<>(spec.outputs());
            io.add(spec.input());
            bytes = batch ? BatchDim.symbolicBatch(java.nio.file.Files.readAllBytes(path), io) : null;
        } catch (java.io.IOException e) {
            throw new ModelException("model " + spec.name() + ": cannot read " + path + ": " + e.getMessage(), e);
        }
        try {
            if (opt.device().equals("cuda")) {
                OptLevel level = fixedLevel(spec, opt) == null ? OptLevel.ALL : fixedLevel(spec, opt);
                try (OrtSession.SessionOptions so = baseOptions(opt, level);
                        OrtCUDAProviderOptions cuda = new OrtCUDAProviderOptions(opt.deviceId())) {
                    for (Map.Entry<String, String> o : opt.cudaProviderOptions().entrySet()) cuda.add(o.getKey(), o.getValue());
                    so.addCUDA(cuda);
                    return new OnnxModel(spec, batch ? env.createSession(bytes, so) : env.createSession(path.toString(), so),
                            "cuda:" + opt.deviceId(), batch, level, "conf");
                } catch (OrtException | RuntimeException | UnsatisfiedLinkError e) {
                    // ORT's message names the library that did not load, and ends in a line break
                    String why = String.valueOf(e.getMessage()).strip().replaceAll("\\s*\\n\\s*", " ");
                    if (opt.requireGpu()) {
                        throw new ModelException("model " + spec.name() + ": CUDA device " + opt.deviceId()
                                + " unavailable and onnx.require_gpu=true: " + why, e);
                    }
                    if (FALLBACK_LOGGED.putIfAbsent("cuda:" + opt.deviceId(), true) == null) {
                        LOG.warn("CUDA device {} unavailable ({}); running models on CPU. Set onnx.require_gpu=true"
                                + " to fail instead.", opt.deviceId(), why);
                    }
                }
            }
            OptLevel fixed = fixedLevel(spec, opt);
            if (fixed != null) return cpuSession(spec, opt, env, path, bytes, fixed, "conf", null);
            String key = OptLevelCache.key(Machine.cpu(), env.getVersion(), spec.sha256(), opt.intraOpThreads());
            OptLevelCache cache = new OptLevelCache(opt.modelsDir());
            OptLevelCache.Entry known = cache.get(key);
            // an entry written before batches were measured is measured again for a batched model
            if (known != null && (!batch || !known.msPerInput().isEmpty())) {
                return cpuSession(spec, opt, env, path, bytes, known.chosen(), "cached", known.msPerRun())
                        .measuredBatches(known.msPerInput());
            }
            return LevelTuner.tune(spec, opt, env, path, bytes, cache, key);
        } catch (OrtException e) {
            throw new ModelException("model " + spec.name() + ": ONNX Runtime refused " + path + ": " + e.getMessage(),
                    e);
        }
    }

    /** The level conf fixes for this model (onnx.opt_level_models, then onnx.opt_level), or null for auto. */
    private static OptLevel fixedLevel(ModelSpec spec, Options opt) {
        OptLevel own = opt.optLevels().get(spec.name());
        return own != null ? own : opt.optLevel();
    }

    /** A CPU session at one level; {@code bytes} when the graph was rewritten for batches, else the file. */
    static OnnxModel cpuSession(ModelSpec spec, Options opt, OrtEnvironment env, Path path, byte[] bytes, OptLevel level,
            String source, Map<OptLevel, Double> msPerRun) throws OrtException {
        try (OrtSession.SessionOptions so = baseOptions(opt, level)) {
            OrtSession session = bytes != null ? env.createSession(bytes, so) : env.createSession(path.toString(), so);
            return new OnnxModel(spec, session, "cpu", bytes != null, level, source).measured(msPerRun);
        }
    }

    /** Every model this JVM has loaded, for benchmarks (name, device, level and how it was chosen). */
    public static java.util.List<OnnxModel> loaded() {
        return CACHE.values().stream().sorted(java.util.Comparator.comparing(m -> m.spec().name())).toList();
    }

    private static OrtSession.SessionOptions baseOptions(Options opt, OptLevel level) throws OrtException {
        OrtSession.SessionOptions so = new OrtSession.SessionOptions();
        so.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
        so.setIntraOpNumThreads(opt.intraOpThreads());
        so.setInterOpNumThreads(opt.interOpThreads());
        // Idle ORT threads spin by default; with several sessions on few cores that doubled latency.
        so.addConfigEntry("session.intra_op.allow_spinning", opt.allowSpinning() ? "1" : "0");
        so.addConfigEntry("session.inter_op.allow_spinning", opt.allowSpinning() ? "1" : "0");
        so.setOptimizationLevel(level.ort());
        return so;
    }
}
