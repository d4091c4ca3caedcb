package dev.facepipe.ingest;

import dev.facepipe.core.config.Config;
import dev.facepipe.core.engine.FaceEngine;
import dev.facepipe.core.model.OnnxSessions;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One engine per executor JVM and device (not per task): all tasks share its ONNX sessions. A task
 * scheduled with a GPU gets the engine for the device id Spark assigned it.
 */
final class EngineHolder {
    private static final Logger LOG = LoggerFactory.getLogger(EngineHolder.class);
    private static final Map<String, FaceEngine> ENGINES = new ConcurrentHashMap<>();

    private EngineHolder() {}

    /**
     * Starts loading and warming up the engine for this config in the background (local mode, where
     * the tasks run in this JVM): a task asking for it meanwhile waits for this load instead of
     * starting its own. A failed load is left for the first task to meet again, with its error.
     */
    static void preload(Config cfg) {
        Thread t = new Thread(() -> {
            try {
                forTask(cfg).warmUp();
            } catch (RuntimeException e) {
                LOG.debug("engine preload failed; the tasks will load it: {}", e.toString());
            }
        }, "facepipe-engine-preload");
        t.setDaemon(true);
        t.start();
    }

    static FaceEngine forTask(Config cfg) {
        OnnxSessions.Options opt = OnnxSessions.Options.fromConfig(cfg);
        String resource = cfg.getString("ingest.gpu_resource");
        TaskContext tc = TaskContext.get();
        if (tc != null && opt.device().equals("cuda")) {
            ResourceInformation gpu = tc.resources().get(resource).getOrElse(() -> null);
            if (gpu != null && gpu.addresses().length > 0) {
                opt = opt.withDeviceId(Integer.parseInt(gpu.addresses()[0]));
            }
        }
        OnnxSessions.Options o = opt;
        return ENGINES.computeIfAbsent(o.device() + ":" + o.deviceId() + "|" + cfg.asMap().hashCode(), k -> {
            LOG.info("loading the face engine on {}:{} in this executor", o.device(), o.deviceId());
            return FaceEngine.fromConfig(cfg, o);
        });
    }
}
