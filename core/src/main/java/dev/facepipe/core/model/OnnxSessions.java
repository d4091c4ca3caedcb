package dev.facepipe.core.model;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
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

    /** Settings that pick a session; deviceId is per task on GPU executors. */
    /** @param batchModels models loaded with a symbolic batch dimension (see {@link BatchDim}) */
    public record Options(String device, int deviceId, boolean requireGpu, int intraOpThreads, int interOpThreads,
            boolean allowSpinning, Path modelsDir, boolean verifyOnLoad, java.util.List<String> batchModels) {

        public static Options fromConfig(Config cfg) {
            return new Options(cfg.getChoice("onnx.device", "cpu", "cuda"), cfg.getInt("onnx.cuda_device_id"),
                    cfg.getBoolean("onnx.require_gpu"), cfg.getInt("onnx.intra_op_threads"),
                    cfg.getInt("onnx.inter_op_threads"), cfg.getBoolean("onnx.allow_spinning"),
                    cfg.getPath("models.dir"), cfg.getBoolean("models.verify_on_load"), cfg.getList("onnx.batch_models"));
        }

        public Options withDeviceId(int id) {
            return new Options(device, id, requireGpu, intraOpThreads, interOpThreads, allowSpinning, modelsDir,
                    verifyOnLoad, batchModels);
        }
    }

    public static OnnxModel get(ModelSpec spec, Options opt) {
        // The key holds the preprocessing too: the same file read with another colour order is another model.
        String key = spec.id() + "|" + spec.color() + "|" + spec.layout() + "|" + java.util.Arrays.toString(spec.mean())
                + java.util.Arrays.toString(spec.std()) + "|" + spec.input() + spec.outputs() + "|" + opt.device() + ":" + opt.deviceId() + "|" + opt.intraOpThreads() + "/"
                + opt.interOpThreads() + "|" + opt.modelsDir() + "|" + opt.batchModels().contains(spec.name());
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
                try (OrtSession.SessionOptions so = baseOptions(opt)) {
                    so.addCUDA(opt.deviceId());
                    return new OnnxModel(spec, batch ? env.createSession(bytes, so) : env.createSession(path.toString(), so),
                            "cuda:" + opt.deviceId(), batch);
                } catch (OrtException | RuntimeException | UnsatisfiedLinkError e) {
                    if (opt.requireGpu()) {
                        throw new ModelException("model " + spec.name() + ": CUDA device " + opt.deviceId()
                                + " unavailable and onnx.require_gpu=true: " + e.getMessage(), e);
                    }
                    if (FALLBACK_LOGGED.putIfAbsent("cuda:" + opt.deviceId(), true) == null) {
                        LOG.warn("CUDA device {} unavailable ({}); running models on CPU. Set onnx.require_gpu=true"
                                + " to fail instead.", opt.deviceId(), e.getMessage());
                    }
                }
            }
            try (OrtSession.SessionOptions so = baseOptions(opt)) {
                return new OnnxModel(spec, batch ? env.createSession(bytes, so) : env.createSession(path.toString(), so),
                        "cpu", batch);
            }
        } catch (OrtException e) {
            throw new ModelException("model " + spec.name() + ": ONNX Runtime refused " + path + ": " + e.getMessage(),
                    e);
        }
    }

    private static OrtSession.SessionOptions baseOptions(Options opt) throws OrtException {
        OrtSession.SessionOptions so = new OrtSession.SessionOptions();
        so.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
        so.setIntraOpNumThreads(opt.intraOpThreads());
        so.setInterOpNumThreads(opt.interOpThreads());
        // Idle ORT threads spin by default; with several sessions on few cores that doubled latency.
        so.addConfigEntry("session.intra_op.allow_spinning", opt.allowSpinning() ? "1" : "0");
        so.addConfigEntry("session.inter_op.allow_spinning", opt.allowSpinning() ? "1" : "0");
        so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        return so;
    }
}
