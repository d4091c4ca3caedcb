package dev.facepipe.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facepipe.core.config.Config;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The opt-out match rule, pinned: a face matches a request of its own model at cosine >= optout.min_cosine. */
class OptOutListTest {
    private final HadoopFiles files = new HadoopFiles(new Configuration());

    @Test
    void aFaceMatchesARequestOfItsModelAtTheMinimumCosineAndNotBelow(@TempDir Path tmp) {
        Config cfg = Config.defaults().with("optout.store", tmp.resolve("store").toString(), "test")
                .with("optout.keep_photo", "false", "test").with("optout.min_cosine", "0.6", "test");
        OptOutList.add(files, cfg, new float[] {1, 0, 0}, "m1", "me.jpg", "", new byte[] {1}, null);
        OptOutList.add(files, cfg, new float[] {0, 1, 0}, "m2", "other-model.jpg", "", new byte[] {1}, null);
        OptOutList m1 = OptOutList.load(files, cfg, "m1");
        assertEquals(1, m1.size(), "only the model's own requests");
        assertTrue(m1.matches(new float[] {1, 0, 0}));
        assertTrue(m1.matches(new float[] {0.6f, 0.8f, 0}), "cosine 0.6: at the minimum, a match");
        assertFalse(m1.matches(new float[] {0.59f, 0.8074f, 0}), "cosine 0.59: below");
        assertFalse(m1.matches(new float[] {0, 1, 0}), "the other model's request does not count under m1");
        assertFalse(m1.matches(null), "no embedding, no match");
        assertTrue(OptOutList.load(files, cfg, "m2").matches(new float[] {0, 1, 0}));
        assertEquals(0, OptOutList.load(files, cfg, "m3").size());
    }
}
