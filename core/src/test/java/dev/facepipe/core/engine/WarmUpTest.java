package dev.facepipe.core.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.facepipe.core.TestImages;
import dev.facepipe.testing.Fixtures;
import org.junit.jupiter.api.Test;

/** The warm-up a local job runs while it lists its inputs: it completes and changes no later result. */
class WarmUpTest {
    @Test
    void warmUpRunsOnABlankPictureAndChangesNothing() {
        FaceEngine engine = FaceEngine.fromConfig(EngineFixture.CONFIG);
        byte[] photo = TestImages.read(Fixtures.identity("obama_1.jpg"));
        ImageResult before = engine.process(photo, "obama_1.jpg");
        engine.warmUp();
        engine.warmUp(); // twice: nothing kept between calls
        ImageResult after = engine.process(photo, "obama_1.jpg");
        assertEquals(before.faces().size(), after.faces().size());
        assertEquals(1, after.faces().size());
        assertArrayEquals(before.faces().get(0).embedding(), after.faces().get(0).embedding(), 0f);
    }
}
