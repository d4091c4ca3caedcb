package dev.facepipe.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facepipe.testing.Fixtures;
import dev.facepipe.core.config.Config;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The level of each model: measured at first load on this CPU, then read from the cache; conf wins. */
class OptLevelTuningTest {
    private static Config config(Path modelsDir, String... kv) {
        Config.Builder b = Config.builder().set("models.dir", modelsDir.toString(), "test");
        for (int i = 0; i < kv.length; i += 2) b.set(kv[i], kv[i + 1], "test");
        return b.build();
    }

    /** A models folder holding only fr_eye (the smallest model). */
    private static ModelSpec eyeModelIn(Path dir) throws Exception {
        ModelSpec spec = ModelSpec.fromConfig(Config.defaults(), "fr_eye");
        Path to = spec.pathUnder(dir);
        Files.createDirectories(to.getParent());
        Files.copy(spec.pathUnder(Fixtures.models()), to);
        return spec;
    }

    @Test
    void theFirstLoadMeasuresEachLevelAndCachesTheChoice(@TempDir Path dir) throws Exception {
        ModelSpec spec = eyeModelIn(dir);
        OnnxModel m = OnnxSessions.get(spec, OnnxSessions.Options.fromConfig(config(dir)));
        assertEquals("measured", m.levelSource());
        Map<OptLevel, Double> times = m.levelTimes();
        assertEquals(3, times.size(), "basic, extended, all: " + times);
        assertEquals(OptLevelChoice.choose(times), m.level());
        String cached = Files.readString(dir.resolve(OptLevelCache.FILE));
        assertTrue(cached.contains(spec.sha256()) && cached.contains(m.level().code()), cached);
        assertTrue(cached.contains(Machine.cpu().replace(" ", "\\ ")) || cached.contains(Machine.cpu()), cached);
        assertEquals(java.util.Set.of(1, BatchChoice.MEASURED), m.batchTimes().keySet(), "a batched model: one at a"
                + " time against several, per input");
        assertEquals(BatchChoice.choose(m.batchTimes()), m.bestBatch());
        assertTrue(cached.contains(" b1\\=") && cached.contains(" b" + BatchChoice.MEASURED + "\\="), cached);
    }

    @Test
    void aCachedChoiceForThisCpuIsUsedWithoutMeasuring(@TempDir Path dir) throws Exception {
        ModelSpec spec = eyeModelIn(dir);
        String key = OptLevelCache.key(Machine.cpu(), ai.onnxruntime.OrtEnvironment.getEnvironment().getVersion(),
                spec.sha256(), 1);
        new OptLevelCache(dir).put(key, new OptLevelCache.Entry(OptLevel.BASIC, Map.of(OptLevel.BASIC, 0.05),
                Map.of(1, 0.05, 8, 0.03)));
        OnnxModel m = OnnxSessions.get(spec, OnnxSessions.Options.fromConfig(config(dir)));
        assertEquals(OptLevel.BASIC, m.level());
        assertEquals("cached", m.levelSource());
        assertEquals(8, m.bestBatch(), "the cached batch times decide");
        // Another CPU's entry is not this machine's.
        assertNull(new OptLevelCache(dir).get(OptLevelCache.key("Another CPU", "1.23.2", spec.sha256(), 1)));
    }

    @Test
    void aCachedEntryWithoutBatchTimesIsMeasuredAgainForABatchedModel(@TempDir Path dir) throws Exception {
        ModelSpec spec = eyeModelIn(dir);
        String key = OptLevelCache.key(Machine.cpu(), ai.onnxruntime.OrtEnvironment.getEnvironment().getVersion(),
                spec.sha256(), 2);
        new OptLevelCache(dir).put(key, new OptLevelCache.Entry(OptLevel.BASIC, Map.of(OptLevel.BASIC, 0.05), Map.of()));
        OnnxModel m = OnnxSessions.get(spec, OnnxSessions.Options.fromConfig(config(dir, "onnx.intra_op_threads", "2")));
        assertEquals("measured", m.levelSource());
        assertEquals(2, new OptLevelCache(dir).get(key).msPerInput().size(), Files.readString(dir.resolve(
                OptLevelCache.FILE)));
    }

    @Test
    void confFixesALevelPerModelOrForAll(@TempDir Path dir) throws Exception {
        ModelSpec spec = eyeModelIn(dir);
        OnnxModel m = OnnxSessions.get(spec, OnnxSessions.Options.fromConfig(config(dir, "onnx.opt_level_models",
                "fr_eye:extended", "onnx.opt_level", "basic")));
        assertEquals(OptLevel.EXTENDED, m.level());
        assertEquals("conf", m.levelSource());
        assertNull(m.levelTimes());
        assertNotNull(OnnxSessions.get(spec, OnnxSessions.Options.fromConfig(config(dir, "onnx.opt_level", "all"))));
        assertTrue(Files.notExists(dir.resolve(OptLevelCache.FILE)), "nothing measured, nothing written");
    }
}
