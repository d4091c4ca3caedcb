package dev.facepipe.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facepipe.testing.Fixtures;
import dev.facepipe.core.config.Config;
import org.junit.jupiter.api.Test;

/**
 * On a machine without a usable CUDA device (CI's), asking for CUDA falls back to the CPU, unless
 * onnx.require_gpu says to fail. (On a GPU machine the first assertion is the one that changes.)
 */
class CudaFallbackTest {
    private static Config cfg(String requireGpu, String deviceId) {
        return Config.builder().set("models.dir", Fixtures.models().toString(), "test")
                .set("onnx.device", "cuda", "test").set("onnx.require_gpu", requireGpu, "test")
                .set("onnx.cuda_device_id", deviceId, "test").build();
    }

    private static boolean cudaUsable() {
        return java.nio.file.Files.exists(java.nio.file.Path.of("/dev/nvidia0"));
    }

    @Test
    void withoutAGpuTheModelRunsOnCpu() {
        ModelSpec eye = ModelSpec.fromConfig(Config.defaults(), "fr_eye");
        OnnxModel m = OnnxSessions.get(eye, OnnxSessions.Options.fromConfig(cfg("false", "7")));
        assertEquals(cudaUsable() ? "cuda:7" : "cpu", m.device());
        float[] out = m.run(java.nio.FloatBuffer.wrap(new float[24 * 24]), new long[] {1, 1, 24, 24}).get("output");
        assertEquals(2, out.length);
    }

    @Test
    void theCudaProviderGetsFullFloat32UnlessConfAllowsTf32() {
        OnnxSessions.Options plain = OnnxSessions.Options.fromConfig(cfg("false", "2"));
        assertEquals(java.util.Map.of("device_id", "2", "use_tf32", "0", "cudnn_conv_algo_search", "EXHAUSTIVE"),
                plain.cudaProviderOptions());
        OnnxSessions.Options tf32 = OnnxSessions.Options.fromConfig(Config.builder()
                .set("models.dir", Fixtures.models().toString(), "test").set("onnx.device", "cuda", "test")
                .set("onnx.cuda_tf32", "true", "test").build());
        assertEquals(java.util.Map.of("device_id", "0", "use_tf32", "1", "cudnn_conv_algo_search", "EXHAUSTIVE"),
                tf32.cudaProviderOptions());
        // one session each: a model loaded with TF32 is not the same model as one without
        ModelSpec eye = ModelSpec.fromConfig(Config.defaults(), "fr_eye");
        assertTrue(OnnxSessions.get(eye, tf32.withDeviceId(2)) != OnnxSessions.get(eye, plain));
    }

    /** conf's choice of cuDNN's algorithm search reaches the provider, in ONNX Runtime's spelling, a session each. */
    @Test
    void theCudaProviderSearchesConvolutionAlgorithmsAsConfSays() {
        OnnxSessions.Options heuristic = OnnxSessions.Options.fromConfig(Config.builder()
                .set("models.dir", Fixtures.models().toString(), "test").set("onnx.device", "cuda", "test")
                .set("onnx.cuda_device_id", "2", "test").set("onnx.cuda_conv_algo_search", "heuristic", "test").build());
        assertEquals("HEURISTIC", heuristic.cudaProviderOptions().get("cudnn_conv_algo_search"));
        ModelSpec eye = ModelSpec.fromConfig(Config.defaults(), "fr_eye");
        assertTrue(OnnxSessions.get(eye, heuristic) != OnnxSessions.get(eye, OnnxSessions.Options.fromConfig(
                cfg("false", "2"))));
        assertThrows(RuntimeException.class, () -> OnnxSessions.Options.fromConfig(Config.builder()
                .set("onnx.cuda_conv_algo_search", "fastest", "test").build()));
    }

    @Test
    void requireGpuFailsWithAClearMessage() {
        if (cudaUsable()) return; // nothing to refuse on a GPU machine
        ModelSpec lm = ModelSpec.fromConfig(Config.defaults(), "fr_landmark");
        ModelException e = assertThrows(ModelException.class,
                () -> OnnxSessions.get(lm, OnnxSessions.Options.fromConfig(cfg("true", "3"))));
        assertTrue(e.getMessage().contains("CUDA device 3") && e.getMessage().contains("onnx.require_gpu"),
                e.getMessage());
        // one line, naming the CUDA library that did not load
        assertTrue(!e.getMessage().contains("\n") && e.getMessage().contains(".so"), e.getMessage());
    }
}
