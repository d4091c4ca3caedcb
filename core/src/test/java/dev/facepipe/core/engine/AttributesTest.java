package dev.facepipe.core.engine;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facepipe.core.TestImages;
import dev.facepipe.testing.Fixtures;
import dev.facepipe.core.config.Config;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The colour order of the optional heads, decided by test on real photos: the configured order (BGR)
 * must behave, and the other order must not, or the test would not be deciding anything.
 */
class AttributesTest {
    private static final Path[] REAL = {Fixtures.identity("obama_1.jpg"), Fixtures.identity("obama_2.jpg"),
        Fixtures.identity("obama_3.jpg"), Fixtures.identity("biden_1.jpg"), Fixtures.debianPhoto("grace_hopper.jpg"),
        Fixtures.debianPhoto("astronaut.png")};

    private static FaceEngine engine(String order) {
        Config c = EngineFixture.CONFIG.with("attributes.age_model", "fr_age", "t")
                .with("attributes.liveness_model", "fr_liveness", "t");
        if (order != null) {
            c = c.with("model.fr_age.color", order, "t").with("model.fr_liveness.color", order, "t");
        }
        return FaceEngine.fromConfig(c);
    }

    private static float[][] measure(FaceEngine e) {
        float[] ages = new float[REAL.length];
        float[] live = new float[REAL.length];
        for (int i = 0; i < REAL.length; i++) {
            FaceResult f = e.process(TestImages.read(REAL[i]), REAL[i].toString()).faces().get(0);
            ages[i] = f.age();
            live[i] = f.liveness();
        }
        return new float[][] {ages, live};
    }

    private static boolean plausible(float[][] m) {
        float[] obama = Arrays.copyOf(m[0], 3); // three photos of one man, 2009-2012
        Arrays.sort(obama);
        boolean ages = obama[0] > 35 && obama[2] < 65 && obama[2] - obama[0] < 15;
        boolean live = true;
        for (float l : m[1]) live &= l > 0.9;
        return ages && live;
    }

    @Test
    void theConfiguredOrderGivesPlausibleAgesAndCallsRealPhotosLive() {
        float[][] configured = measure(engine(null));
        assertTrue(plausible(configured), "ages " + Arrays.toString(configured[0]) + " live "
                + Arrays.toString(configured[1]));
        float[][] swapped = measure(engine("rgb"));
        assertFalse(plausible(swapped), "RGB should fail: ages " + Arrays.toString(swapped[0]) + " live "
                + Arrays.toString(swapped[1]));
    }

    @Test
    void attributesAreOffByDefault() {
        FaceResult f = EngineFixture.ENGINE.process(TestImages.read(REAL[0]), "a").faces().get(0);
        assertTrue(Float.isNaN(f.age()) && Float.isNaN(f.liveness()));
    }
}
