package dev.facepipe.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.facepipe.core.TestImages;
import dev.facepipe.testing.Fixtures;
import dev.facepipe.core.face.Embedder;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Real photos of real people: the decision the product exists to make. */
class VerificationTest {
    private static final FaceEngine E = EngineFixture.ENGINE;
    private static final double T = EngineFixture.CONFIG.getDouble("verify.threshold");

    private static float[] embed(Path p) {
        ImageResult r = E.process(TestImages.read(p), p.getFileName().toString());
        assertTrue(r.ok(), r.name() + ": " + r.message());
        FaceResult f = r.mainFace();
        assertNotNull(f, r.name() + " has no accepted face: " + r.faces());
        assertEquals(512, f.embedding().length);
        assertEquals(1.0, norm(f.embedding()), 1e-4);
        assertTrue(f.modelId().startsWith("fr_feature-87aacdfe"), f.modelId());
        return f.embedding();
    }

    @Test
    void samePersonAboveThresholdDifferentPeopleBelow() {
        float[] o1 = embed(Fixtures.identity("obama_1.jpg"));
        float[] o2 = embed(Fixtures.identity("obama_2.jpg"));
        float[] o3 = embed(Fixtures.identity("obama_3.jpg"));
        float[] b1 = embed(Fixtures.identity("biden_1.jpg"));
        for (float[][] same : new float[][][] {{o1, o2}, {o1, o3}, {o2, o3}}) {
            float s = Embedder.cosine(same[0], same[1]);
            assertTrue(s >= T, "same person scored " + s + " < threshold " + T);
        }
        for (float[] o : new float[][] {o1, o2, o3}) {
            float s = Embedder.cosine(o, b1);
            assertTrue(s < T, "Obama vs Biden scored " + s + " >= threshold " + T);
        }
    }

    @Test
    void twoCropsOfOnePhotoAreNearlyIdenticalAndOtherPeopleAreNot() {
        float[] a = embed(Fixtures.debianPhoto("grace_hopper.jpg"));
        float[] b = embed(Fixtures.debianPhoto("grace_hopper_512x512.jpg"));
        float[] c = embed(Fixtures.debianPhoto("astronaut.png"));
        assertTrue(Embedder.cosine(a, b) > 0.9, "near-duplicate crops: " + Embedder.cosine(a, b));
        assertTrue(Embedder.cosine(a, c) < T, "Hopper vs Collins: " + Embedder.cosine(a, c));
    }

    private static double norm(float[] v) {
        double s = 0;
        for (float x : v) s += x * x;
        return Math.sqrt(s);
    }

    @Test
    void flipSumsTheMirrorsEmbeddingAndSaysSoInItsId() {
        FaceEngine flip = FaceEngine.fromConfig(EngineFixture.CONFIG.with("embed.flip", "true", "test"));
        Path p = Fixtures.identity("obama_1.jpg");
        FaceResult plain = E.process(TestImages.read(p), "plain").mainFace();
        FaceResult both = flip.process(TestImages.read(p), "flip").mainFace();
        assertEquals(plain.modelId() + "+flip", both.modelId());
        assertEquals(1.0, norm(both.embedding()), 1e-4);
        float c = Embedder.cosine(plain.embedding(), both.embedding());
        assertTrue(c > 0.9 && c < 0.9999, "the mirror moves the embedding a little: " + c);
        assertEquals(plain.quality().rawNorm(), both.quality().rawNorm(), 1e-4, "the norm signal is the crop's own");
    }
}
