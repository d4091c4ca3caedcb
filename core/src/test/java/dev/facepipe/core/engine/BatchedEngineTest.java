package dev.facepipe.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facepipe.core.TestImages;
import dev.facepipe.testing.Fixtures;
import dev.facepipe.core.face.Embedder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The batched path (GPU lever): same faces, same embeddings as one at a time, results in input order. */
class BatchedEngineTest {
    @Test
    void batchedEmbeddingsEqualOneAtATime() {
        FaceEngine single = FaceEngine.fromConfig(EngineFixture.CONFIG.with("onnx.batch_models", "", "test"));
        FaceEngine batched = FaceEngine.fromConfig(EngineFixture.CONFIG.with("embed.batch_size", "4", "test"));
        List<byte[]> images = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (Path p : new Path[] {Fixtures.identity("obama_1.jpg"), Fixtures.debianPhoto("ice_block_640.jpg"),
            Fixtures.identity("biden_1.jpg"), Fixtures.debianPhoto("grace_hopper.jpg"),
            Fixtures.debianPhoto("astronaut.png"), Fixtures.identity("obama_2.jpg")}) {
            images.add(TestImages.read(p));
            names.add(p.getFileName().toString());
        }
        List<ImageResult> b = batched.processBatch(images, names);
        assertEquals(images.size(), b.size());
        int compared = 0;
        for (int i = 0; i < images.size(); i++) {
            ImageResult one = single.process(images.get(i), names.get(i));
            assertEquals(names.get(i), b.get(i).name(), "input order kept");
            assertEquals(one.reason(), b.get(i).reason());
            assertEquals(one.faces().size(), b.get(i).faces().size());
            for (int f = 0; f < one.faces().size(); f++) {
                float[] x = one.faces().get(f).embedding();
                float[] y = b.get(i).faces().get(f).embedding();
                if (x == null) continue;
                assertTrue(Embedder.cosine(x, y) > 0.9999, names.get(i) + " face " + f + ": " + Embedder.cosine(x, y));
                compared++;
            }
        }
        assertTrue(compared >= 5, "faces compared: " + compared);
    }

    @Test
    void theBatchSizeIsAWholeNumberOrAuto() {
        assertEquals(0, FaceEngine.Settings.fromConfig(EngineFixture.CONFIG.with("embed.batch_size", "auto", "test"))
                .embedBatch(), "auto: the embedder's measured batch");
        assertEquals(32, FaceEngine.Settings.fromConfig(EngineFixture.CONFIG.with("embed.batch_size", "32", "test"))
                .embedBatch());
        for (String bad : new String[] {"0", "-4", "eight"}) {
            dev.facepipe.core.config.ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(
                    dev.facepipe.core.config.ConfigException.class, () -> FaceEngine.Settings.fromConfig(
                            EngineFixture.CONFIG.with("embed.batch_size", bad, "test")));
            assertTrue(e.getMessage().startsWith("embed.batch_size=" + bad + ": give auto or"), e.getMessage());
        }
    }
}
